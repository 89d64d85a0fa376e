import SimCore

/// Makes virtual time follow the wall clock while a real network is attached (real-time mode).
///
/// Once started, the pacer handles a tick every ``tick`` of virtual time. Each tick compares the monotonic wall
/// clock with its target, `wall at start + (virtual now − virtual at start)`: when the wall clock is behind, the
/// pacer sleeps until the target (an absolute `clock_nanosleep`, so sleeps do not accumulate drift); when it is
/// ahead, the simulation is late, and the lateness is recorded. Lateness is reported as p50/p99/max in
/// ``report``. Without a started pacer the simulation runs as fast as it can (the throughput mode).
///
/// The tick bounds how far virtual time runs ahead of the wall between checks: events between two ticks run
/// at full speed, then the pacer waits. This and `VDEPort` are the only wall-clock readers outside SimCore
/// (DESIGN.md §2).
public final class RealTimePacer: EventHandler {
    /// The name the pacer is registered under.
    public let name: String
    /// Virtual time between ticks, in picoseconds.
    public let tick: SimDuration
    /// The id the pacer's ticks are addressed to.
    public private(set) var id = ComponentID(rawValue: .max)
    /// Whether ticks are being scheduled.
    public private(set) var isRunning = false
    /// Every tick's lateness.
    public private(set) var lateness = LatenessRecorder()

    private var wallAnchor: Int64 = 0
    private var virtualAnchor = SimTime.zero
    private var lastVirtual = SimTime.zero
    private var lastWall: Int64 = 0
    private var lateTicks = 0
    private var sleeps = 0
    private var slept: Int64 = 0
    private var generation: UInt64 = 0

    /// Creates a pacer and registers it with `simulator`; it does nothing until ``start(simulator:)``.
    ///
    /// - Parameters:
    ///   - simulator: The simulation to pace.
    ///   - name: Component name.
    ///   - tick: Virtual time between wall-clock checks (> 0); 100 µs by default.
    public init(simulator: Simulator, name: String = "real-time pacer", tick: SimDuration = .microseconds(100)) {
        precondition(tick > .zero, "pacer tick must be positive")
        self.name = name
        self.tick = tick
        id = simulator.register(self, name: name)
    }

    /// Anchors virtual `simulator.now` to the wall clock now and schedules the first tick one ``tick`` later.
    /// Restarting re-anchors and keeps the recorded lateness.
    public func start(simulator: Simulator) {
        generation &+= 1
        isRunning = true
        wallAnchor = WallClock.now()
        virtualAnchor = simulator.now
        lastVirtual = simulator.now
        lastWall = wallAnchor
        simulator.schedule(after: tick, target: id, kind: 0, a: generation)
    }

    /// Stops pacing: the simulation runs as fast as it can from the next tick on.
    public func stop() {
        isRunning = false
        generation &+= 1
    }

    /// Handles a tick: waits for the wall clock or records lateness, then schedules the next tick.
    public func handle(_ event: Event, simulator: Simulator) {
        guard isRunning, event.a == generation else { return }
        let target = wallAnchor + (simulator.now - virtualAnchor).nanoseconds
        let wall = WallClock.now()
        if wall >= target {
            let late = wall - target
            if late > 0 { lateTicks += 1 }
            lateness.record(nanoseconds: late)
            lastWall = wall
        } else {
            lateness.record(nanoseconds: 0)
            sleeps += 1
            slept += target - wall
            WallClock.sleep(until: target)
            lastWall = target
        }
        lastVirtual = simulator.now
        simulator.schedule(after: tick, target: id, kind: 0, a: generation)
    }

    /// Lateness percentiles and sleep totals so far.
    public var report: PacingReport {
        PacingReport(
            ticks: lateness.count, lateTicks: lateTicks, p50LatenessNanoseconds: lateness.percentile(0.5),
            p99LatenessNanoseconds: lateness.percentile(0.99), maxLatenessNanoseconds: lateness.maximum,
            sleeps: sleeps, sleptNanoseconds: slept, wallNanoseconds: lastWall - wallAnchor,
            virtualElapsed: lastVirtual - virtualAnchor)
    }
}
