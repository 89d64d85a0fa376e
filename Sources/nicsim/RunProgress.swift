#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SimCore

/// SIGINT and SIGTERM ask a running simulation to stop after the current event; the run then writes what it has.
enum StopSignals {
    nonisolated(unsafe) static var flag: sig_atomic_t = 0

    /// The signal that arrived (0 if none).
    static var received: Int32 { Int32(flag) }

    static func install() {
        signal(SIGINT) { StopSignals.flag = sig_atomic_t($0) }
        signal(SIGTERM) { StopSignals.flag = sig_atomic_t($0) }
        // A parent may have left them blocked (spawned processes inherit the signal mask): unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}

/// Watches a run: stops it when a stop signal arrived, and on a terminal shows simulated time, wall time and
/// events per second on standard error, at most a few times a second and only once the run has lasted a second
/// (`NICSIM_PROGRESS_AFTER=SECONDS` changes that delay; the tests set 0 so that a short run shows progress too).
final class RunProgress: RunMonitor {
    let show: Bool
    let end: Int64?
    let started = RunProgress.wallSeconds()
    let delay: Double = ProcessInfo.processInfo.environment["NICSIM_PROGRESS_AFTER"].flatMap(Double.init) ?? 1
    var lastShown = 0.0
    var shown = false

    init(show: Bool, end: Int64?) {
        self.show = show
        self.end = end
    }

    static func wallSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    func shouldContinue(_ simulator: Simulator) -> Bool {
        if StopSignals.flag != 0 { return false }
        guard show else { return true }
        let now = RunProgress.wallSeconds()
        let wall = now - started
        guard wall >= delay, now - lastShown >= 0.25 else { return true }
        lastShown = now
        shown = true
        let rate = Double(simulator.eventsProcessed) / wall
        var line = "\r\u{1B}[2Ksimulated \(simulator.now)"
        if let end { line += " of \(SimDuration(rawValue: end))" }
        line += " · wall \(String(format: "%.1f", wall)) s · \(RunProgress.compact(rate)) events/s"
        FileHandle.standardError.write(Data(line.utf8))
        return true
    }

    /// Clears the progress line.
    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    static func compact(_ v: Double) -> String {
        if v >= 1e6 { return String(format: "%.2fM", v / 1e6) }
        if v >= 1e3 { return String(format: "%.1fk", v / 1e3) }
        return String(format: "%.0f", v)
    }
}
