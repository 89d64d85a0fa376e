import SimCore

/// How closely the frames a ``RealTimePacer`` paced left at their virtual times mapped to the wall clock.
///
/// A frame's lateness is the wall clock when the pacer let it go minus its due time under the mapping in force
/// (0 when it was sent exactly on time after a wait). Percentiles come from an HdrHistogram with three significant
/// digits (1 ns to 60 s).
public struct PacingReport: Hashable, Sendable {
    /// Pacer ticks handled.
    public var ticks = 0
    /// Frames paced (each one sent through the port while the pacer ran).
    public var frames = 0
    /// Median frame lateness, nanoseconds of wall time.
    public var p50LatenessNanoseconds: Int64 = 0
    /// 99th-percentile frame lateness, nanoseconds.
    public var p99LatenessNanoseconds: Int64 = 0
    /// 99.9th-percentile frame lateness, nanoseconds.
    public var p999LatenessNanoseconds: Int64 = 0
    /// Largest frame lateness, nanoseconds.
    public var maxLatenessNanoseconds: Int64 = 0
    /// Frames per second of wall time from the first paced frame to the last (0 with fewer than two).
    public var achievedFramesPerSecond: Double = 0
    /// Frames per second of virtual time over the same frames: what the schedule asked for.
    public var scheduledFramesPerSecond: Double = 0
    /// Sleeps (absolute `clock_nanosleep`), for frames and ticks.
    public var sleeps = 0
    /// Spins on the clock before a frame's due time.
    public var spins = 0
    /// Wall-clock nanoseconds spent spinning (a core busy waiting).
    public var spunNanoseconds: Int64 = 0
    /// Frames later than the catch-up limit (sent at once, the schedule slipped).
    public var framesOverLimit = 0
    /// Times the run fell behind the wall clock (a frame over the limit after keeping time).
    public var behindEpisodes = 0
    /// Wall-clock nanoseconds spent behind, over all episodes (up to the last frame when still behind).
    public var behindWallNanoseconds: Int64 = 0
    /// How far virtual time trailed the wall clock's original mapping at the end, nanoseconds (slips less what
    /// was repaid).
    public var slipNanoseconds: Int64 = 0
    /// The largest such trail during the run, nanoseconds: how far behind the run fell.
    public var maxSlipNanoseconds: Int64 = 0
    /// Whether the run was still behind at its last frame.
    public var stillBehind = false
    /// Wall-clock nanoseconds from start to the last tick or frame.
    public var wallNanoseconds: Int64 = 0
    /// Virtual time from start to the last tick or frame.
    public var virtualElapsed: SimDuration = .zero
    /// The spin threshold in force, nanoseconds.
    public var spinThresholdNanoseconds: Int64 = 0
    /// The catch-up limit in force, nanoseconds.
    public var catchUpLimitNanoseconds: Int64 = 0

    public init() {}

    /// A one-line summary: "pacing: 1000 frames at 9999/s, lateness p50 0 ns p99 12 us p99.9 40 us max 310 us".
    public var summary: String {
        var line = "pacing: \(frames) frames at \(Int(achievedFramesPerSecond.rounded()))/s, lateness p50 "
            + "\(Self.text(p50LatenessNanoseconds)) p99 \(Self.text(p99LatenessNanoseconds)) p99.9 "
            + "\(Self.text(p999LatenessNanoseconds)) max \(Self.text(maxLatenessNanoseconds))"
        if behindEpisodes > 0 {
            line += "; behind \(behindEpisodes)× for \(Self.text(behindWallNanoseconds)), \(framesOverLimit) frames "
                + "over the \(Self.text(catchUpLimitNanoseconds)) limit, up to \(Self.text(maxSlipNanoseconds)) behind"
        }
        return line
    }

    /// Nanoseconds as "850 ns", "12 us", "340 ms".
    public static func text(_ nanoseconds: Int64) -> String {
        if nanoseconds >= 10_000_000 { return "\(nanoseconds / 1_000_000) ms" }
        if nanoseconds >= 10_000 { return "\(nanoseconds / 1_000) us" }
        return "\(nanoseconds) ns"
    }
}

/// One interval of virtual time of a paced run (``RealTimePacer/series``): the lateness of the frames sent in it
/// and the rate achieved.
public struct PacingInterval: Hashable, Sendable {
    /// Virtual time at which the interval starts.
    public var start: SimTime
    /// Frames paced in the interval.
    public var frames: Int
    /// Median lateness of those frames, nanoseconds.
    public var p50LatenessNanoseconds: Int64
    /// 99th-percentile lateness, nanoseconds.
    public var p99LatenessNanoseconds: Int64
    /// 99.9th-percentile lateness, nanoseconds.
    public var p999LatenessNanoseconds: Int64
    /// Largest lateness, nanoseconds.
    public var maxLatenessNanoseconds: Int64
    /// Frames per second of wall time: frames ÷ (interval + the slip accrued in it).
    public var framesPerSecond: Double
}
