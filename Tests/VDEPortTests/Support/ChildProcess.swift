import Foundation

import Labs

/// Why a child process could not start.
struct ChildProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A program a VDE test starts and always stops: SIGTERM, then SIGKILL after a bounded wait, reaped.
///
/// Written by hand, not with swift-subprocess as the real-network lab's programs are (`LabProcess`), because these
/// tests couple the timing of real programs to their own steps (a listener that gives up 8 s after saying "ready",
/// a ping that must run while the emulated world runs) and run under the test runner. swift-subprocess's scoped
/// API is asynchronous: every step after a suspension waits for one of Swift's cooperative threads, of which this
/// machine has two, and the runner's synchronous tests of other suites hold both for up to a minute. Moved onto
/// it, the suite passed alone (43 tests, 37 s) but failed in a run with other suites: the listener had given up
/// before the world sent anything ("port 5001 0 0") and ping had ended before it, in a test that took 73 s; a
/// 200 ms time-out fired after more than 30 s. This handle never suspends: each test runs on one thread start to
/// finish, as the timing needs.
///
/// Spawned with `posix_spawn` (`spawnWithDefaultSignals`), default signal dispositions and an empty signal mask,
/// so that it obeys SIGTERM even when started from a thread that blocks signals (a test runner's). Its standard
/// input is a pipe kept open (vde_switch reads commands from it and would stop at end of file); its standard
/// output is captured when asked, standard error goes to /dev/null.

/// Runs a command to completion (bounded) and returns its exit code (-1 when it did not exit normally in time)
/// and standard output.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String], timeoutMilliseconds: Int = 5_000) throws -> (
    status: Int32, output: String
) {
    try ChildProcess.run(executable, arguments, milliseconds: timeoutMilliseconds)
}

/// A fresh directory under /tmp, removed by `remove()`.
final class TemporaryDirectory {
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

final class ChildProcess {
    let pid: pid_t
    let commandLine: String
    private var input: Int32
    private var output: Int32
    private var status: Int32?

    init(_ executable: String, _ arguments: [String], captureOutput: Bool = false) throws(ChildProcessError) {
        commandLine = ([executable] + arguments).joined(separator: " ")
        var inPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        guard pipe(&inPipe) == 0 else { throw ChildProcessError("pipe: \(String(cString: strerror(errno)))") }
        if captureOutput && pipe(&outPipe) != 0 {
            close(inPipe[0])
            close(inPipe[1])
            throw ChildProcessError("pipe: \(String(cString: strerror(errno)))")
        }
        for fd in inPipe + outPipe where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let spawned = spawnWithDefaultSignals(executable, arguments, actions: &actions)
        close(inPipe[0])
        if captureOutput { close(outPipe[1]) }
        guard spawned.error == 0 else {
            close(inPipe[1])
            if captureOutput { close(outPipe[0]) }
            throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(spawned.error)))")
        }
        pid = spawned.pid
        input = inPipe[1]
        output = captureOutput ? outPipe[0] : -1
    }

    deinit { stop() }

    /// Whether the program still runs (reaps it when it has exited).
    var isRunning: Bool {
        if status != nil { return false }
        var s: Int32 = 0
        let reaped = waitpid(pid, &s, WNOHANG)
        if reaped == pid || (reaped < 0 && errno == ECHILD) {
            status = s
            return false
        }
        return true
    }

    /// The exit code after a normal exit, else nil.
    var exitCode: Int32? {
        guard let s = status, s & 0x7F == 0 else { return nil }
        return (s >> 8) & 0xFF
    }

    /// Waits at most `milliseconds` for the program to exit; whether it did.
    @discardableResult
    func wait(milliseconds: Int) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while isRunning {
            if ContinuousClock.now > deadline { return false }
            usleep(5_000)
        }
        return true
    }

    /// SIGTERM, then SIGKILL after two seconds; reaps the program and closes the pipes.
    func stop() {
        if isRunning {
            kill(pid, SIGTERM)
            if !wait(milliseconds: 2_000) {
                kill(pid, SIGKILL)
                wait(milliseconds: 2_000)
            }
        }
        if input >= 0 { close(input) }
        if output >= 0 { close(output) }
        input = -1
        output = -1
    }

    /// Everything the program wrote to standard output until it closed it or `milliseconds` passed.
    func readOutput(milliseconds: Int) -> String {
        guard output >= 0 else { return "" }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 20)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { break }
            if ready == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads one line of the captured output, waiting at most `milliseconds`; nil on timeout or end of file.
    func readLine(milliseconds: Int) -> String? {
        guard output >= 0 else { return nil }
        var line: [UInt8] = []
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 20)
            if ready < 0 && errno == EINTR { continue }
            guard ready >= 0 else { return nil }
            if descriptor.revents == 0 { continue }
            var byte: UInt8 = 0
            let n = read(output, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
        return nil
    }

    /// Runs a program to its end (bounded) and returns its exit code (-1 when it did not exit in time) and output.
    static func run(_ executable: String, _ arguments: [String], milliseconds: Int = 5_000) throws(ChildProcessError)
        -> (status: Int32, output: String)
    {
        let child = try ChildProcess(executable, arguments, captureOutput: true)
        let text = child.readOutput(milliseconds: milliseconds)
        let exited = child.wait(milliseconds: milliseconds)
        child.stop()
        return (exited ? child.exitCode ?? -1 : -1, text)
    }
}
