import Histogram
import SimCore

/// Makes virtual time follow the wall clock while a real network is attached (real-time mode), and sends each
/// frame through the ``VDEPort`` at its own virtual time mapped to the wall clock.
///
/// **The mapping.** ``start(simulator:)`` anchors virtual `now` to the wall clock now; virtual time `v` is then
/// due at `wall anchor + (v − virtual anchor) + slip`, where the slip is how far the run has fallen behind
/// (below). A frame for outside is due at the virtual time the port gets it.
///
/// **Each frame** (``waitToSend(at:)``, called by the port just before it hands a frame to libvdeplug): when the
/// frame is due more than ``Configuration/spinThresholdNanoseconds`` from now, the pacer sleeps (an absolute
/// `clock_nanosleep` on `CLOCK_MONOTONIC`, so sleeps do not drift) to that much before the due time; then it spins
/// on the clock for the last stretch, because a sleeping thread wakes tens of microseconds late (timer slack,
/// scheduler). The frame goes out at once when it is due or overdue, and its lateness (wall clock at the send
/// minus due time) is recorded in an HdrHistogram. The spin threshold's default is measured (BENCHMARKS.md,
/// "Real-time pacing").
///
/// **Ticks and lead.** Between frames, the pacer's own tick, every ``Configuration/tick`` of virtual time, sleeps
/// until ``Configuration/leadNanoseconds`` before the tick's due time. The simulation thus runs at most a lead and
/// a tick ahead of the wall clock: far enough ahead that the work leading up to a frame (the write call, the
/// driver, the NIC, the links) is done before the frame is due, so that the frame itself only waits; and never
/// further, also when nothing is sent. A frame from outside is injected at the first poll that runs after it
/// arrived, so its virtual arrival time is never earlier than its real one, and later by at most a lead, a tick
/// and a poll interval.
///
/// **Behind.** When the machine cannot keep up (more work per second of virtual time than it can do in a second,
/// or the process was not scheduled for a while), frames come out late. A frame up to
/// ``Configuration/catchUpLimitNanoseconds`` late is sent at once and the schedule stays as it was: the frames
/// behind it follow as fast as they come, so a backlog of at most the limit goes out back to back. A frame later
/// than the limit is also sent at once, but is counted as over the limit, and the mapping slips by its lateness
/// minus the limit: virtual time now trails the original schedule, the later frames keep their spacing from
/// there, and the pacer never bursts more than the limit's worth of frames to catch up. Once the pacer is ahead
/// again, it repays the slip gradually: each frame may go out up to ``Configuration/recoveryFraction`` (10 %) of
/// its virtual distance from the previous frame early, never late, so the stream runs at most 10 % fast until
/// virtual time is back on the original mapping (a 4 ms slip at any rate is repaid over 40 ms). A run is *behind* from
/// its first frame over the limit until the pacer next has to wait for a frame (sleep or spin); each such
/// episode is reported to ``behindHandler`` when it starts and when it ends, and counted in ``report``.
///
/// This and `VDEPort` are the only wall-clock readers outside SimCore (ARCHITECTURE.md: no wall clock in the model).
/// The clock is injectable
/// (``PacingClock``) so that the decisions are unit-tested without sleeping.
public final class RealTimePacer: EventHandler {
    /// How the pacer waits and when it gives up on catching up.
    public struct Configuration: Hashable, Sendable {
        /// Virtual time between the pacer's own ticks (> 0); 100 µs.
        public var tick: SimDuration = .microseconds(100)
        /// How long before a frame's due time the pacer stops sleeping and spins, in nanoseconds (≥ 0); 50 µs,
        /// where spinning paid on the build machine: under SCHED_FIFO the p99 lateness of a 10,000/s schedule
        /// fell from 22 µs (20 µs threshold) to below 1 µs (50 µs), at about 30 % of a core spent spinning
        /// (BENCHMARKS.md, "Real-time pacing").
        public var spinThresholdNanoseconds: Int64 = 50_000
        /// How far ahead of the wall clock the simulation may run between frames, in nanoseconds (≥ 0); 500 µs:
        /// a debug build needs about 100 µs of work per datagram from write call to VDE port, a release build a
        /// few microseconds, and both are then done before the frame is due.
        public var leadNanoseconds: Int64 = 500_000
        /// Lateness beyond which a frame counts as over the limit and the schedule slips (> 0); 1 ms, so that a
        /// backlog sent back to back never exceeds one millisecond of frames (10 frames at 10,000/s).
        public var catchUpLimitNanoseconds: Int64 = 1_000_000
        /// How fast a slip is repaid once the pacer is ahead again (0…1): each frame may go out this fraction of
        /// its virtual distance from the previous frame early; 0.1, so a repaying stream runs at most 10 % fast.
        /// 0 keeps a slip for good.
        public var recoveryFraction = 0.1
        /// With a value, the pacer also keeps a lateness histogram per interval of virtual time (``series``).
        public var seriesInterval: SimDuration?

        public init() {}
    }

    /// One thing the pacer decided about a frame (or a tick), given the wall clock and the due time.
    public enum Decision: Hashable, Sendable {
        /// Too early to spin: sleep (absolute) until this wall time, then decide again.
        case sleep(until: Int64)
        /// Within the spin threshold: read the clock until the due time, then decide again.
        case spin(until: Int64)
        /// Due or overdue within the catch-up limit: send now; the frame is this late (ns, ≥ 0).
        case send(lateness: Int64)
        /// Later than the catch-up limit: send now, count it, and slip the schedule.
        case behind(lateness: Int64)
    }

    /// A change between keeping the wall clock and falling behind it, for the terminal.
    public enum BehindEvent: Hashable, Sendable {
        /// A frame went out `lateness` ns late (over the limit) at `virtualTime`; the schedule now trails the
        /// original by `slipNanoseconds` in all.
        case started(virtualTime: SimTime, latenessNanoseconds: Int64, slipNanoseconds: Int64)
        /// The pacer waits for frames again after `wallNanoseconds` behind, with `framesOverLimit` frames of the
        /// episode over the limit; the schedule trails the original by `slipNanoseconds` in all.
        case caughtUp(virtualTime: SimTime, wallNanoseconds: Int64, framesOverLimit: Int, slipNanoseconds: Int64)
    }

    /// The name the pacer is registered under.
    public let name: String
    /// The settings it runs with.
    public let configuration: Configuration
    /// Virtual time between ticks.
    public var tick: SimDuration { configuration.tick }
    /// The id the pacer's ticks are addressed to.
    public private(set) var id = ComponentID(rawValue: .max)
    /// Whether the pacer is pacing.
    public private(set) var isRunning = false
    /// Called when the run falls behind the wall clock and when it catches up again (never per frame).
    public var behindHandler: ((BehindEvent) -> Void)?

    private let clock: any PacingClock
    private var wallAnchor: Int64 = 0
    private var virtualAnchor = SimTime.zero
    private var slip: Int64 = 0
    private var maxSlip: Int64 = 0
    private var generation: UInt64 = 0
    private var ticks = 0
    private var sleeps = 0
    private var spins = 0
    private var spun: Int64 = 0
    private var lateness: Histogram<UInt64>
    private var firstSend: (wall: Int64, virtual: SimTime)?
    private var lastSend: (wall: Int64, virtual: SimTime)?
    private var lastWall: Int64 = 0
    private var lastVirtual = SimTime.zero
    // Behind.
    private var behind = false
    private var episodeStart: Int64 = 0
    private var episodeFrames = 0
    private var episodes = 0
    private var framesOverLimit = 0
    private var behindWall: Int64 = 0
    // Series.
    private var intervalLateness: Histogram<UInt64>?
    private var intervalIndex: Int64 = -1
    private var intervalSlip: Int64 = 0
    private var closedIntervals: [PacingInterval] = []

    /// The largest lateness the histograms resolve (60 s); later frames are recorded as 60 s.
    static let histogramCeiling: UInt64 = 60_000_000_000

    /// Creates a pacer and registers it with `simulator`; it does nothing until ``start(simulator:)``.
    ///
    /// - Parameters:
    ///   - simulator: The simulation to pace.
    ///   - name: Component name.
    ///   - configuration: Tick, spin threshold, catch-up limit, series.
    ///   - clock: The clock to read and sleep on; the monotonic wall clock unless a test passes its own.
    public init(simulator: Simulator, name: String = "real-time pacer", configuration: Configuration = Configuration(),
                clock: any PacingClock = MonotonicPacingClock()) {
        precondition(configuration.tick > .zero, "pacer tick must be positive")
        precondition(configuration.spinThresholdNanoseconds >= 0, "spin threshold must not be negative")
        precondition(configuration.leadNanoseconds >= 0, "lead must not be negative")
        precondition(configuration.recoveryFraction >= 0 && configuration.recoveryFraction <= 1,
                     "recovery fraction must lie in 0…1")
        precondition(configuration.catchUpLimitNanoseconds > 0, "catch-up limit must be positive")
        precondition(configuration.seriesInterval.map { $0 > .zero } ?? true, "series interval must be positive")
        self.name = name
        self.configuration = configuration
        self.clock = clock
        lateness = Self.histogram()
        if configuration.seriesInterval != nil { intervalLateness = Self.histogram() }
        id = simulator.register(self, name: name)
    }

    /// Creates a pacer with the default configuration but for its tick (> 0).
    public convenience init(simulator: Simulator, name: String = "real-time pacer", tick: SimDuration) {
        var configuration = Configuration()
        configuration.tick = tick
        self.init(simulator: simulator, name: name, configuration: configuration)
    }

    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: histogramCeiling,
                          numberOfSignificantValueDigits: .three)
    }

    /// Anchors virtual `simulator.now` to the wall clock now and schedules the first tick one ``tick`` later.
    /// Restarting re-anchors and keeps what was recorded.
    public func start(simulator: Simulator) {
        generation &+= 1
        isRunning = true
        clock.beginPacing()
        wallAnchor = clock.now()
        virtualAnchor = simulator.now
        slip = 0
        lastWall = wallAnchor
        lastVirtual = simulator.now
        simulator.schedule(PacerEvent.tick(generation: generation), after: tick, for: id)
    }

    /// Anchors virtual `time` to the wall clock now, without scheduling anything: for a pacer started when its
    /// world was built and run a little later, so that the first frames are not late by the time in between.
    public func reanchor(at time: SimTime) {
        guard isRunning else { return }
        wallAnchor = clock.now()
        virtualAnchor = time
        slip = 0
        lastWall = wallAnchor
        lastVirtual = time
    }

    /// Stops pacing: the simulation runs as fast as it can from the next tick on, and frames go out unpaced.
    public func stop() {
        guard isRunning else { return }
        isRunning = false
        generation &+= 1
        clock.endPacing()
    }

    /// The wall-clock time (ns) at which virtual time `time` is due under the current mapping.
    public func dueTime(of time: SimTime) -> Int64 {
        wallAnchor + (time - virtualAnchor).nanoseconds + slip
    }

    /// What to do at wall time `wall` about something due at wall time `due` (both ns).
    public static func decision(wall: Int64, due: Int64, configuration: Configuration) -> Decision {
        if wall < due - configuration.spinThresholdNanoseconds {
            return .sleep(until: due - configuration.spinThresholdNanoseconds)
        }
        if wall < due { return .spin(until: due) }
        let late = wall - due
        return late > configuration.catchUpLimitNanoseconds ? .behind(lateness: late) : .send(lateness: late)
    }

    /// Handles a tick: sleeps until one lead (or one spin threshold, if larger) before its due time when the wall
    /// clock is behind that, then schedules the next tick. A late tick records nothing: only frames have lateness.
    public func handle(_ event: Event, simulator: Simulator) {
        guard isRunning, case .tick(generation) = PacerEvent(decoding: event) else { return }
        ticks += 1
        let wall = clock.now()
        let wake =
            dueTime(of: simulator.now) - max(configuration.leadNanoseconds, configuration.spinThresholdNanoseconds)
        if wall < wake {
            sleeps += 1
            clock.sleep(until: wake)
        }
        lastWall = max(lastWall, wall)
        lastVirtual = simulator.now
        simulator.schedule(PacerEvent.tick(generation: generation), after: tick, for: id)
    }

    /// Waits until the frame due at virtual `time` may go out, records its lateness, and returns it (ns); returns
    /// 0 at once when the pacer is not running. The port calls this right before it sends.
    @discardableResult
    public func waitToSend(at time: SimTime) -> Int64 {
        guard isRunning else { return 0 }
        var due = dueTime(of: time)
        var wall = clock.now()
        // Repay part of a slip, never so much that this frame would be late.
        if slip > 0, let previous = lastSend?.virtual, time > previous, wall < due {
            let allowance = Int64(Double((time - previous).nanoseconds) * configuration.recoveryFraction)
            let repaid = min(slip, allowance, due - wall)
            slip -= repaid
            intervalSlip -= repaid
            due -= repaid
        }
        while true {
            switch Self.decision(wall: wall, due: due, configuration: configuration) {
            case .sleep(let until):
                if behind { catchUp(at: time, wall: wall) }
                sleeps += 1
                clock.sleep(until: until)
                wall = clock.now()
            case .spin(let until):
                if behind { catchUp(at: time, wall: wall) }
                spins += 1
                var now = wall
                while now < until { now = clock.now() }
                spun += now - wall
                wall = now
            case .send(let late):
                record(late, wall: wall, at: time)
                return late
            case .behind(let late):
                fallBehind(late, wall: wall, at: time)
                record(late, wall: wall, at: time)
                return late
            }
        }
    }

    private func fallBehind(_ late: Int64, wall: Int64, at time: SimTime) {
        let added = late - configuration.catchUpLimitNanoseconds
        slip += added
        intervalSlip += added
        maxSlip = max(maxSlip, slip)
        framesOverLimit += 1
        episodeFrames += 1
        guard !behind else { return }
        behind = true
        episodes += 1
        episodeStart = wall
        behindHandler?(.started(virtualTime: time, latenessNanoseconds: late, slipNanoseconds: slip))
    }

    private func catchUp(at time: SimTime, wall: Int64) {
        behind = false
        behindWall += wall - episodeStart
        let frames = episodeFrames
        episodeFrames = 0
        behindHandler?(.caughtUp(virtualTime: time, wallNanoseconds: wall - episodeStart, framesOverLimit: frames,
                                 slipNanoseconds: slip))
    }

    private func record(_ late: Int64, wall: Int64, at time: SimTime) {
        let value = UInt64(clamping: min(max(late, 0), Int64(Self.histogramCeiling)))
        _ = lateness.record(value)
        if firstSend == nil { firstSend = (wall, time) }
        lastSend = (wall, time)
        lastWall = max(lastWall, wall)
        lastVirtual = max(lastVirtual, time)
        guard let interval = configuration.seriesInterval else { return }
        let index = time.rawValue / interval.rawValue
        if index != intervalIndex {
            closeInterval(length: interval)
            intervalIndex = index
        }
        _ = intervalLateness?.record(value)
    }

    private func closeInterval(length: SimDuration) {
        guard intervalIndex >= 0, (intervalLateness?.totalCount ?? 0) > 0,
              let sample = intervalLateness.map({ Self.interval(index: intervalIndex, histogram: $0, slip: intervalSlip,
                                                                length: length) })
        else { return }
        closedIntervals.append(sample)
        intervalLateness?.reset()  // in place: the histogram's counts are reused, not copied
        intervalSlip = 0
    }

    static func interval(index: Int64, histogram h: Histogram<UInt64>, slip: Int64, length: SimDuration)
        -> PacingInterval
    {
        let wall = Double(length.nanoseconds + slip) / 1e9
        return PacingInterval(
            start: SimTime(rawValue: index * length.rawValue), frames: Int(h.totalCount),
            p50LatenessNanoseconds: Int64(h.valueAtPercentile(50)),
            p99LatenessNanoseconds: Int64(h.valueAtPercentile(99)),
            p999LatenessNanoseconds: Int64(h.valueAtPercentile(99.9)), maxLatenessNanoseconds: Int64(h.max),
            framesPerSecond: wall > 0 ? Double(h.totalCount) / wall : 0)
    }

    /// Per interval of ``Configuration/seriesInterval`` that had frames, in time order: the frames' lateness and
    /// the achieved rate. Empty without a series interval.
    public var series: [PacingInterval] {
        guard let length = configuration.seriesInterval, let h = intervalLateness, h.totalCount > 0, intervalIndex >= 0
        else { return closedIntervals }
        return closedIntervals + [Self.interval(index: intervalIndex, histogram: h, slip: intervalSlip, length: length)]
    }

    /// Lateness percentiles, rates, waits and time behind so far.
    public var report: PacingReport {
        var r = PacingReport()
        r.ticks = ticks
        r.frames = Int(lateness.totalCount)
        if r.frames > 0 {
            r.p50LatenessNanoseconds = Int64(lateness.valueAtPercentile(50))
            r.p99LatenessNanoseconds = Int64(lateness.valueAtPercentile(99))
            r.p999LatenessNanoseconds = Int64(lateness.valueAtPercentile(99.9))
            r.maxLatenessNanoseconds = Int64(lateness.max)
        }
        if let first = firstSend, let last = lastSend, r.frames > 1 {
            let wall = last.wall - first.wall
            let virtual = (last.virtual - first.virtual).nanoseconds
            r.achievedFramesPerSecond = wall > 0 ? Double(r.frames - 1) * 1e9 / Double(wall) : 0
            r.scheduledFramesPerSecond = virtual > 0 ? Double(r.frames - 1) * 1e9 / Double(virtual) : 0
        }
        r.sleeps = sleeps
        r.spins = spins
        r.spunNanoseconds = spun
        r.framesOverLimit = framesOverLimit
        r.behindEpisodes = episodes
        r.behindWallNanoseconds = behindWall + (behind ? lastWall - episodeStart : 0)
        r.slipNanoseconds = slip
        r.maxSlipNanoseconds = maxSlip
        r.stillBehind = behind
        r.wallNanoseconds = lastWall - wallAnchor
        r.virtualElapsed = lastVirtual - virtualAnchor
        r.spinThresholdNanoseconds = configuration.spinThresholdNanoseconds
        r.catchUpLimitNanoseconds = configuration.catchUpLimitNanoseconds
        return r
    }
}

/// What a ``RealTimePacer`` schedules for itself.
enum PacerEvent {
    /// A tick, scheduled while the pacer ran with `generation` (a restart makes older ticks stale).
    case tick(generation: UInt64)
}
