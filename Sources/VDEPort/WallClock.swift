internal import CVDEPlug

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The monotonic wall clock, in nanoseconds: the only wall clock outside SimCore (ARCHITECTURE.md: no wall clock in the
/// model), used for
/// real-time pacing and for throughput measurements.
enum WallClock {
    /// Nanoseconds of `CLOCK_MONOTONIC` (an arbitrary origin; only differences mean anything).
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// Sleeps until `CLOCK_MONOTONIC` reads `deadline` nanoseconds (absolute, so repeated sleeps do not drift),
    /// resuming after signals.
    static func sleep(until deadline: Int64) {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
    }
}

/// The clock a ``RealTimePacer`` reads and waits on: the monotonic wall clock in a run (``MonotonicPacingClock``),
/// a clock the test moves by hand in unit tests, so that the pacer's decisions are tested without sleeping.
///
/// Times are nanoseconds from an arbitrary origin; only differences mean anything.
public protocol PacingClock: AnyObject {
    /// The time now, in nanoseconds.
    func now() -> Int64
    /// Blocks until ``now()`` reads at least `deadline` (it may return later, by the operating system's wake-up
    /// latency; the pacer reads the clock again after every sleep).
    func sleep(until deadline: Int64)
    /// Called when pacing starts on the calling thread (the real clock narrows the thread's timer slack there).
    func beginPacing()
    /// Called when pacing stops (the real clock restores what ``beginPacing()`` changed).
    func endPacing()
}

extension PacingClock {
    public func beginPacing() {}
    public func endPacing() {}
}

/// `CLOCK_MONOTONIC`, with absolute `clock_nanosleep` sleeps.
///
/// While pacing, the pacing thread's timer slack is set to 1 ns (`prctl(PR_SET_TIMERSLACK)`, Linux): a normal
/// thread's default slack of 50 µs lets the kernel wake a sleep up to 50 µs late to batch timers, which is as
/// much as the whole lateness budget. Measured on the 2-core build machine: median wake-up 68 µs late with the
/// default slack, 24 µs with 1 ns (BENCHMARKS.md, "Real-time pacing").
public final class MonotonicPacingClock: PacingClock {
    private var savedSlack: Int?

    public init() {}

    public func now() -> Int64 { WallClock.now() }

    public func sleep(until deadline: Int64) { WallClock.sleep(until: deadline) }

    public func beginPacing() {
        guard savedSlack == nil else { return }
        let current = nicsim_get_timer_slack()
        if current >= 0, nicsim_set_timer_slack(1) == 0 { savedSlack = Int(current) }
    }

    public func endPacing() {
        guard let saved = savedSlack else { return }
        _ = nicsim_set_timer_slack(UInt(saved))
        savedSlack = nil
    }
}
