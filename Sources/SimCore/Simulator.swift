/// The discrete-event loop: a clock, a queue, and the components events are addressed to.
///
/// The loop moves only when told to (``run(until:)``), processes events in (time, sequence) order, and never reads
/// a wall clock. Components keep their own state; the simulator owns the shared frame storage.
public final class Simulator {
    /// The current virtual time: the time of the event being handled, or where the last run stopped.
    public private(set) var now: SimTime = .zero
    /// The seed every random stream of this run derives from.
    public let seed: UInt64
    /// Storage for frames in flight.
    public let frames: FrameStore
    /// Events handled so far.
    public private(set) var eventsProcessed: UInt64 = 0
    /// Stops a run after this many events (a guard against runaway scenarios); `nil` means no limit.
    public var eventLimit: UInt64?

    @usableFromInline var queue = EventQueue()
    @usableFromInline var nextSequence: UInt64 = 0
    /// The components, owned here for the simulator's lifetime.
    @usableFromInline var handlers: [EventHandler] = []
    /// The same components, unretained, as the loop calls them.
    @usableFromInline var registrations: [Registration] = []
    @usableFromInline var names: [String] = []
    var stopRequested = false
    /// The event count at which the loop next checks its limit or its monitor (one comparison per event).
    @usableFromInline var checkpoint: UInt64 = .max
    var nextMonitorCheck: UInt64 = .max

    /// Whether components give the host processor prefetch hints (``HostCache``) for state they will touch a little
    /// later: the next packet's buffers, the link or switch slot a frame will reach. Hints never change a run (same
    /// events, report and pcap bytes either way); they pay off when a world's per-destination state is larger
    /// than the host's caches (thousands of destinations) and cost a few percent when it all fits. Off by default;
    /// scenario worlds turn it on from 256 receivers (BENCHMARKS.md, "Scaling").
    public var cacheHints = false

    /// Receives trace records while attached (see ``trace(_:_:_:)``); nil turns tracing off.
    public var tracer: (any Tracer)?

    /// Called every ``monitorInterval`` events while set.
    public var monitor: (any RunMonitor)? {
        didSet { nextMonitorCheck = monitor == nil ? .max : eventsProcessed &+ monitorInterval }
    }
    /// How many events pass between calls of ``monitor``.
    public var monitorInterval: UInt64 = 4096

    /// A 64-bit digest of every event handled so far: its time, target, kind and arguments, in order.
    ///
    /// Two runs with the same fingerprint handled the same events at the same times; a change to any model that
    /// alters what happens when changes it. Scenario fingerprints are kept in `Fixtures/fingerprints.tsv`.
    public private(set) var fingerprint: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Creates a simulator whose frames can hold up to `maxFrameBytes` bytes each.
    public init(seed: UInt64, maxFrameBytes: Int = 1536) {
        self.seed = seed
        self.frames = FrameStore(slotCapacity: maxFrameBytes)
    }

    /// Registers a component and returns the id events for it are addressed to.
    public func register(_ handler: EventHandler, name: String) -> ComponentID {
        handlers.append(handler)
        registrations.append(Registration(handler))
        names.append(name)
        return ComponentID(rawValue: UInt32(handlers.count - 1))
    }

    /// The name a component was registered with (for traces).
    public func name(of id: ComponentID) -> String { names[Int(id.rawValue)] }

    /// A random stream for the named consumer, derived from the run's seed.
    public func randomStream(named name: String) -> RandomStream { RandomStream(seed: seed, name: name) }

    /// Schedules an event at an absolute time, which must not lie in the past.
    @inlinable public func schedule(at time: SimTime, target: ComponentID, kind: UInt32, a: UInt64 = 0, b: UInt64 = 0) {
        precondition(time >= now, "event scheduled in the past")
        queue.push(Event(time: time, sequence: nextSequence, target: target, kind: kind, a: a, b: b))
        nextSequence &+= 1
    }

    /// Sets aside `count` sequence numbers, in order, for events a component will schedule later with
    /// ``schedule(at:reservedSequence:target:kind:a:b:)``; returns the first.
    ///
    /// An event scheduled with a reserved number runs, among events at its time, where it would have run had it
    /// been scheduled when the numbers were reserved. A component with a long series of events known up front (a
    /// write call every millisecond) can thus keep only the next one in the queue, which keeps the queue small,
    /// and still get exactly the order that scheduling them all at once gives.
    public func reserveSequenceNumbers(_ count: Int) -> UInt64 {
        precondition(count >= 0, "cannot reserve a negative number of sequence numbers")
        let first = nextSequence
        nextSequence &+= UInt64(count)
        return first
    }

    /// Schedules an event at an absolute time with a sequence number from ``reserveSequenceNumbers(_:)``. Each
    /// reserved number must be used at most once.
    @inlinable public func schedule(at time: SimTime, reservedSequence: UInt64, target: ComponentID, kind: UInt32,
                                    a: UInt64 = 0, b: UInt64 = 0) {
        precondition(time >= now, "event scheduled in the past")
        precondition(reservedSequence < nextSequence, "sequence number was not reserved")
        queue.push(Event(time: time, sequence: reservedSequence, target: target, kind: kind, a: a, b: b))
    }

    /// Schedules an event `delay` after now.
    @inlinable public func schedule(
        after delay: SimDuration, target: ComponentID, kind: UInt32, a: UInt64 = 0, b: UInt64 = 0
    ) {
        schedule(at: now + delay, target: target, kind: kind, a: a, b: b)
    }

    /// Pending events.
    public var pendingEvents: Int { queue.count }
    /// The time of the next pending event.
    public var nextEventTime: SimTime? { queue.first?.time }

    /// Why a run returned.
    public enum RunOutcome: Equatable, Sendable {
        /// No events were left.
        case idle
        /// The next event lies after the requested end; the clock stands at the end.
        case reachedTime
        /// ``stop()`` was called by a component.
        case stopped
        /// ``eventLimit`` was reached.
        case eventLimitReached
        /// The ``monitor`` asked to stop (for example on SIGINT).
        case interrupted
    }

    /// Asks the loop to return after the current event.
    public func stop() { stopRequested = true }

    /// Runs events with times up to and including `end` (or all of them when `end` is `nil`).
    @discardableResult
    public func run(until end: SimTime? = nil) -> RunOutcome {
        stopRequested = false
        if monitor != nil && nextMonitorCheck == .max { nextMonitorCheck = eventsProcessed &+ monitorInterval }
        checkpoint = min(eventLimit ?? .max, nextMonitorCheck)
        while let next = queue.first {
            if let end, next.time > end {
                now = end
                return .reachedTime
            }
            if eventsProcessed >= checkpoint {
                if let limit = eventLimit, eventsProcessed >= limit { return .eventLimitReached }
                if let monitor {
                    nextMonitorCheck = eventsProcessed &+ max(monitorInterval, 1)
                    checkpoint = min(eventLimit ?? .max, nextMonitorCheck)
                    if !monitor.shouldContinue(self) { return .interrupted }
                } else {
                    nextMonitorCheck = .max
                    checkpoint = eventLimit ?? .max
                }
            }
            guard let event = queue.pop() else { break }
            now = event.time
            eventsProcessed &+= 1
            fingerprint = Simulator.mix(fingerprint, event)
            let registration = registrations[Int(event.target.rawValue)]
            registration.type.deliver(event, to: registration.component, simulator: self)
            if stopRequested { return .stopped }
        }
        if let end, end > now { now = end }
        return .idle
    }

    /// Folds one event into a running digest (a multiply-xorshift mix of its fields; not cryptographic).
    @inlinable static func mix(_ h: UInt64, _ e: Event) -> UInt64 {
        @inline(__always) func step(_ x: UInt64, _ word: UInt64) -> UInt64 {
            let y = (x ^ word) &* 0x9E37_79B9_7F4A_7C15
            return y ^ (y >> 29)
        }
        let kind = UInt64(e.target.rawValue) << 32 | UInt64(e.kind)
        return step(step(step(step(h, UInt64(bitPattern: e.time.rawValue)), kind), e.a), e.b)
    }
}
