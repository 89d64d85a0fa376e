import Foundation
internal import Subprocess

/// The programs the real-network lab starts (vde_switch, vde_plug2tap, ip, ping), run with swift-subprocess.
///
/// Every program runs inside a scope: the lab's work happens while it runs, and when the scope ends, throws or is
/// cancelled, the program gets SIGTERM and, if it has not exited two seconds later, SIGKILL; it is always reaped.
/// swift-subprocess spawns with an empty signal mask and default signal dispositions, so a program obeys SIGTERM
/// even when the lab was started from a thread that blocks signals (a test runner's).
enum LabProcess {
    /// SIGTERM, then SIGKILL after two seconds (swift-subprocess ends every teardown with SIGKILL).
    static let teardown: [TeardownStep] = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]

    /// What a program run to its end left.
    struct Finished: Sendable {
        /// The exit code, or -1 when a signal ended it (also the lab's own, after the time bound).
        var status: Int32
        /// The signal that ended it, if one did.
        var signal: Int32?
        /// Its standard output.
        var output: String
        /// Whether the time bound ran out and the lab stopped the program.
        var timedOut: Bool
    }

    static var platformOptions: PlatformOptions {
        var options = PlatformOptions()
        options.teardownSequence = teardown
        return options
    }

    /// Runs `executable` to its end, at most `timeout` (then it gets SIGTERM, and SIGKILL two seconds later), and
    /// returns its exit code and standard output; standard error is discarded.
    ///
    /// The time bound is a Dispatch timer (``Watchdog``), not a sleeping task: Swift's cooperative pool may have
    /// only two threads, and a test runner's synchronous tests can hold both for a minute, which would hold back a
    /// sleeping task's time-out with them. swift-subprocess has no time bound of its own.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(5))
        async throws(LabError) -> Finished
    {
        // The bound counts from here: the body below may start late when the cooperative threads are busy.
        let deadline = ContinuousClock.now + timeout
        do {
            let result = try await Subprocess.run(
                .path(.init(executable)), arguments: .init(arguments), platformOptions: platformOptions,
                input: .none, output: .sequence, error: .discarded
            ) { execution in
                let watchdog = Watchdog(pid: execution.processIdentifier.value, deadline: deadline)
                let output = await collect(execution)
                // Before the scope ends (the program is reaped then, and its pid may be reused).
                let fired = watchdog.cancel()
                return (output: output, timedOut: fired)
            }
            var finished = Finished(status: -1, signal: nil, output: result.closureResult.output,
                                    timedOut: result.closureResult.timedOut)
            switch result.terminationStatus {
            case .exited(let code): finished.status = code
            case .signaled(let signal): finished.signal = signal
            }
            return finished
        } catch {
            throw LabError(.environment, "cannot run \(executable): \(error)")
        }
    }

    /// Starts `executable`, runs `body` while it runs, then waits for it to end (at most `timeout` after it started:
    /// then it gets SIGTERM, and SIGKILL two seconds later) and returns what `body` returned and how the program
    /// ended. The program is started before `body` runs: the lab's ping must be running while its world runs.
    static func whileCapturing<Result: Sendable>(
        _ executable: String, _ arguments: [String], timeout: Duration, _ body: () async throws -> Result
    ) async throws -> (result: Result, program: Finished) {
        let deadline = ContinuousClock.now + timeout
        let run = try await Subprocess.run(
            .path(.init(executable)), arguments: .init(arguments), platformOptions: platformOptions,
            input: .none, output: .sequence, error: .discarded
        ) { execution in
            let watchdog = Watchdog(pid: execution.processIdentifier.value, deadline: deadline)
            async let output = collect(execution)
            let result: Result
            do {
                result = try await body()
            } catch {
                _ = watchdog.cancel()
                await execution.teardown(using: teardown)  // its output then ends
                _ = await output
                throw error
            }
            let text = await output
            return (result: result, output: text, timedOut: watchdog.cancel())
        }
        var program = Finished(status: -1, signal: nil, output: run.closureResult.output,
                               timedOut: run.closureResult.timedOut)
        switch run.terminationStatus {
        case .exited(let code): program.status = code
        case .signaled(let signal): program.signal = signal
        }
        return (run.closureResult.result, program)
    }

    /// Runs `executable` while `body` runs (with its process id), then stops it. Its standard input is a pipe that
    /// stays open until then (vde_switch reads commands from it and would stop at end of file); its output is
    /// discarded.
    static func whileRunning<Result: Sendable>(
        _ executable: String, _ arguments: [String], _ body: (_ pid: pid_t) async throws -> Result
    ) async throws -> Result {
        try await Subprocess.run(
            .path(.init(executable)), arguments: .init(arguments), platformOptions: platformOptions,
            input: .inputWriter, output: .discarded, error: .discarded
        ) { execution in
            let result = try await body(execution.processIdentifier.value)
            await execution.teardown(using: teardown)
            return result
        }.closureResult
    }

    /// Everything the program writes to standard output until it has closed it and exited.
    private static func collect(_ execution: Execution<NoInput, SequenceOutput, DiscardedOutput>) async -> String {
        var bytes: [UInt8] = []
        do {
            for try await buffer in execution.standardOutput {
                buffer.withUnsafeBytes { bytes.append(contentsOf: $0) }
            }
        } catch {
            // The program ended while a read was pending (swift-subprocess cancels it): keep what came.
        }
        // A program may close its output and go on (a script that writes to a file): wait for its exit.
        let pid = execution.processIdentifier.value
        while isRunning(pid) { try? await Task.sleep(for: .milliseconds(5)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Stops a program that outlives its time bound: SIGTERM when the time is up, SIGKILL two seconds later, from
    /// a Dispatch queue of its own (never a cooperative thread).
    final class Watchdog: @unchecked Sendable {
        private let pid: pid_t
        private let lock = NSLock()
        private var cancelled = false
        private var fired = false
        private static let queue = DispatchQueue(label: "nicsim.lab.watchdog")

        /// SIGTERM at `deadline` (at once when it has passed), SIGKILL two seconds after the SIGTERM.
        init(pid: pid_t, deadline: ContinuousClock.Instant) {
            self.pid = pid
            let left = max(.zero, deadline - ContinuousClock.now)
            let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) * 1e-18
            Self.queue.asyncAfter(deadline: .now() + seconds) {
                self.send(SIGTERM)
                Self.queue.asyncAfter(deadline: .now() + 2) { self.send(SIGKILL) }
            }
        }

        private func send(_ signal: Int32) {
            lock.withLock {
                // Not when it has exited by itself and the body has not yet noticed (it is a zombie until reaped).
                guard !cancelled, LabProcess.isRunning(pid) else { return }
                fired = true
                kill(pid, signal)
            }
        }

        /// No signal after this; whether the time bound had run out.
        func cancel() -> Bool {
            lock.withLock {
                cancelled = true
                return fired
            }
        }
    }

    /// Whether the program `pid` still runs. swift-subprocess reaps a program only when its scope ends, so until
    /// then one that has exited is a zombie, which `kill(pid, 0)` cannot tell from a running one: this reads its
    /// state from /proc.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let name = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: name)...].first { $0 != " " }
        return state != "Z" && state != "X"
    }

    /// Runs `work` on a thread of its own and waits for it without holding one of Swift's cooperative threads
    /// (there may be only two): the emulated world runs paced to the wall clock for seconds, while the programs'
    /// output is read on the cooperative pool.
    static func onOwnThread<Value>(_ work: @escaping () -> Value) async -> Value {
        let job = Unchecked(work)
        let value = await withCheckedContinuation { (continuation: CheckedContinuation<Unchecked<Value>, Never>) in
            let thread = Thread { continuation.resume(returning: Unchecked(job.value())) }
            thread.stackSize = 8 << 20  // as the main thread's
            thread.start()
        }
        return value.value
    }

    /// A value handed from one thread to another exactly once (the world and its report stay on the thread that
    /// runs them until it has finished).
    private struct Unchecked<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }
}
