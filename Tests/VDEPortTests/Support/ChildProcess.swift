import Foundation
@testable import Labs
import Subprocess

/// A program a VDE test runs while its body runs (swift-subprocess, as the real-network lab's programs):
/// ``withChildProcess(_:_:_:)`` starts it and, when the body returns or throws, stops it (SIGTERM, then SIGKILL
/// after two seconds: `LabProcess.teardown`) and reaps it. swift-subprocess spawns with an empty signal mask and
/// default signal dispositions, so the program obeys SIGTERM under a test runner that blocks signals.
///
/// Its standard input is a pipe kept open until then (vde_switch reads commands from it and would stop at end of
/// file); its standard output is read line by line as it comes; standard error is discarded.
final class ChildProcess: Sendable {
    let pid: pid_t
    private let lines: LineBuffer

    fileprivate init(pid: pid_t, lines: LineBuffer) {
        self.pid = pid
        self.lines = lines
    }

    /// Whether the program still runs (an exited program stays a zombie until the scope ends; this tells them apart).
    var isRunning: Bool { LabProcess.isRunning(pid) }

    /// Waits at most `milliseconds` for the program to exit; whether it did.
    func wait(milliseconds: Int) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while isRunning {
            if ContinuousClock.now > deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// The next line of the program's standard output, waiting at most `milliseconds`; nil on time-out or once
    /// the output has ended and every line was read.
    func readLine(milliseconds: Int) async -> String? {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while true {
            switch lines.next() {
            case .line(let line): return line
            case .ended: return nil
            case .notYet: break
            }
            if ContinuousClock.now > deadline { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Kills the program without letting it clean up, as a crash would, and waits (at most two seconds, on the
    /// calling thread: a simulation's event may call it) until it has exited.
    func crash() {
        kill(pid, SIGKILL)
        for _ in 0..<400 where isRunning { usleep(5_000) }
    }
}

/// Runs `executable` with `arguments` while `body` runs with it; see ``ChildProcess``.
func withChildProcess<Result: Sendable>(
    _ executable: String, _ arguments: [String], _ body: (ChildProcess) async throws -> Result
) async throws -> Result {
    try await Subprocess.run(
        .path(.init(executable)), arguments: .init(arguments), platformOptions: LabProcess.platformOptions,
        input: .inputWriter, output: .sequence, error: .discarded
    ) { execution in
        let lines = LineBuffer()
        let child = ChildProcess(pid: execution.processIdentifier.value, lines: lines)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask {
                do {
                    for try await buffer in execution.standardOutput { buffer.withUnsafeBytes { lines.append($0) } }
                } catch {
                    // The program ended while a read was pending (swift-subprocess cancels it): keep what came.
                }
                lines.end()
            }
            let outcome: Swift.Result<Result, any Error>
            do {
                outcome = .success(try await body(child))
            } catch {
                outcome = .failure(error)
            }
            await execution.teardown(using: LabProcess.teardown)
            try await group.waitForAll()  // the output ends with the program
            return try outcome.get()
        }
    }.closureResult
}

/// The lines a program wrote so far, filled by the task that reads its output.
private final class LineBuffer: @unchecked Sendable {
    enum Next {
        case line(String)
        case notYet
        case ended
    }

    private let lock = NSLock()
    private var lines: [String] = []
    private var partial: [UInt8] = []
    private var ended = false

    func append(_ bytes: UnsafeRawBufferPointer) {
        lock.withLock {
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    lines.append(String(decoding: partial, as: UTF8.self))
                    partial.removeAll(keepingCapacity: true)
                } else {
                    partial.append(byte)
                }
            }
        }
    }

    /// The output has ended: an unfinished last line counts as a line.
    func end() {
        lock.withLock {
            if !partial.isEmpty { lines.append(String(decoding: partial, as: UTF8.self)) }
            partial = []
            ended = true
        }
    }

    func next() -> Next {
        lock.withLock {
            if !lines.isEmpty { return .line(lines.removeFirst()) }
            return ended ? .ended : .notYet
        }
    }
}

/// Runs a command to completion (bounded: then it is stopped) and returns its exit code (-1 when it did not exit
/// normally in time), standard output and whether the time ran out: the lab's `LabProcess.run`.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String], timeoutMilliseconds: Int = 5_000) async throws -> (
    status: Int32, output: String, timedOut: Bool
) {
    let finished = try await LabProcess.run(executable, arguments, timeout: .milliseconds(timeoutMilliseconds))
    return (finished.status, finished.output, finished.timedOut)
}

/// Runs `body`, then `cleanup`, also when `body` throws (an asynchronous `defer`).
func withCleanup<Result>(_ body: () async throws -> Result, cleanup: () async -> Void) async throws -> Result {
    let outcome: Swift.Result<Result, any Error>
    do {
        outcome = .success(try await body())
    } catch {
        outcome = .failure(error)
    }
    await cleanup()
    return try outcome.get()
}

/// A fresh directory under /tmp, removed by `remove()`.
final class TemporaryDirectory: Sendable {
    let path: String

    init(prefix: String = "nicsim-vde") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        path = String(cString: made)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Sleeps the test thread (wall clock).
func pause(milliseconds: Int) { usleep(useconds_t(milliseconds * 1_000)) }

/// Whether an executable exists at `path`.
func executableExists(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }
