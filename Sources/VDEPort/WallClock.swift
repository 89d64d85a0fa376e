#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The monotonic wall clock, in nanoseconds: the only wall clock outside SimCore (DESIGN.md §2), used for
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
