#if os(Linux)
import Foundation
@testable import Labs
import Testing

/// The real-network lab's programs, run with swift-subprocess: signals reset in the child, and the teardown
/// (SIGTERM, then SIGKILL after two seconds) bounded. Uses only /bin/sh and /bin/sleep.
@Suite("The lab's programs")
struct LabProcessTests {
    /// The signal mask and ignored signals of process `pid`, from /proc (bit n-1 is signal n).
    static func signalSets(of pid: pid_t) throws -> (blocked: UInt64, ignored: UInt64) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func field(_ name: String) -> UInt64? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { UInt64($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        return (try #require(field("SigBlk")), try #require(field("SigIgn")))
    }

    @Test("a program starts with no blocked and no ignored signal, even where nicsim blocks and ignores one")
    func signalsAreResetInTheChild() async throws {
        // SIGUSR2, which nothing in nicsim uses: blocked on this thread, ignored by the whole process.
        let bit = UInt64(1) << (SIGUSR2 - 1)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGUSR2)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let previous = signal(SIGUSR2, SIG_IGN)
        defer {
            signal(SIGUSR2, previous)
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
        }
        #expect(try Self.signalSets(of: getpid()).ignored & bit != 0)
        let child = try await LabProcess.whileRunning("/bin/sleep", ["30"]) { pid in try Self.signalSets(of: pid) }
        #expect(child.blocked == 0)
        #expect(child.ignored & bit == 0)
    }

    @Test("a program past its time bound gets SIGTERM, and SIGKILL two seconds later when it ignores SIGTERM")
    func teardownIsBounded() async throws {
        // How each ended, not how long the test waited: with the test runner's other tests on the cooperative
        // threads, noticing the end may take a while; the signals come from the lab's watchdog on time.
        let obeys = try await LabProcess.run("/bin/sleep", ["600"], timeout: .milliseconds(200))
        #expect(obeys.timedOut && obeys.status == -1 && obeys.signal == SIGTERM)

        let started = ContinuousClock.now
        let ignores = try await LabProcess.run("/bin/sh", ["-c", "trap '' TERM; echo ready; exec /bin/sleep 600"],
                                               timeout: .milliseconds(200))
        #expect(ignores.timedOut && ignores.status == -1 && ignores.signal == SIGKILL)
        #expect(ignores.output == "ready\n")
        #expect(ContinuousClock.now - started >= .seconds(2), "SIGKILL only after the 2 s of grace")
    }

    @Test("a program that ends within its bound gives its exit code and whole output")
    func finishesWithinTheBound() async throws {
        let finished = try await LabProcess.run("/bin/sh", ["-c", "echo one; echo two; exit 3"])
        #expect(!finished.timedOut)
        #expect(finished.status == 3 && finished.signal == nil)
        #expect(finished.output == "one\ntwo\n")
        await #expect(throws: LabError.self) { try await LabProcess.run("/nonexistent/program", []) }
    }
}
#endif
