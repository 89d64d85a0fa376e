import SimCore

/// How closely virtual time followed the wall clock during a run with a ``RealTimePacer``.
///
/// Lateness is how far the wall clock was ahead of the pacer's target when a tick ran (0 when the tick was early
/// and the pacer slept instead). Percentiles carry the ``LatenessRecorder`` precision (12.5 %).
public struct PacingReport: Hashable, Sendable {
    /// Pacer ticks handled.
    public var ticks: Int
    /// Ticks that found the wall clock already past their target.
    public var lateTicks: Int
    /// Median lateness, nanoseconds of wall time.
    public var p50LatenessNanoseconds: Int64
    /// 99th-percentile lateness, nanoseconds of wall time.
    public var p99LatenessNanoseconds: Int64
    /// Largest lateness, nanoseconds of wall time.
    public var maxLatenessNanoseconds: Int64
    /// Times the pacer slept.
    public var sleeps: Int
    /// Wall-clock nanoseconds spent sleeping.
    public var sleptNanoseconds: Int64
    /// Wall-clock nanoseconds from start to the last tick.
    public var wallNanoseconds: Int64
    /// Virtual time from start to the last tick.
    public var virtualElapsed: SimDuration

    /// A one-line summary: "pacing: 1000 ticks, 12 late, lateness p50 0 ns p99 80 us max 310 us".
    public var summary: String {
        "pacing: \(ticks) ticks, \(lateTicks) late, lateness p50 \(Self.text(p50LatenessNanoseconds)) "
            + "p99 \(Self.text(p99LatenessNanoseconds)) max \(Self.text(maxLatenessNanoseconds))"
    }

    static func text(_ nanoseconds: Int64) -> String {
        if nanoseconds >= 10_000_000 { return "\(nanoseconds / 1_000_000) ms" }
        if nanoseconds >= 10_000 { return "\(nanoseconds / 1_000) us" }
        return "\(nanoseconds) ns"
    }
}
