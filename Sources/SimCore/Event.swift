/// Identifies a component registered with a ``Simulator``; events are addressed to it.
public struct ComponentID: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
}

/// One scheduled happening: a small value with no references, so the queue holds plain bytes.
///
/// `kind` is private to the target component (each component numbers its own events); `a` and `b` carry its
/// arguments, for example a ``FrameHandle`` index and a queue number.
public struct Event: Sendable {
    /// When the event happens.
    public var time: SimTime
    /// Order of scheduling; breaks ties so that equal times run first-scheduled first.
    public var sequence: UInt64
    /// The component that handles the event.
    public var target: ComponentID
    /// What happens, numbered by the target.
    public var kind: UInt32
    /// First argument.
    public var a: UInt64
    /// Second argument.
    public var b: UInt64

    @inlinable public init(time: SimTime, sequence: UInt64, target: ComponentID, kind: UInt32, a: UInt64, b: UInt64) {
        self.time = time
        self.sequence = sequence
        self.target = target
        self.kind = kind
        self.a = a
        self.b = b
    }

    @inlinable func precedes(_ other: Event) -> Bool {
        time < other.time || (time == other.time && sequence < other.sequence)
    }
}

/// A component that receives events from the simulator loop.
///
/// Components are long-lived, single-threaded classes (a NIC, a switch, a link end). They are called only from
/// ``Simulator/run(until:)``, one event at a time, in (time, sequence) order.
public protocol EventHandler: AnyObject {
    /// Handles one event addressed to this component. `simulator.now` equals `event.time`.
    func handle(_ event: Event, simulator: Simulator)

    /// Calls ``handle(_:simulator:)`` on `component`, an instance of this type that the simulator keeps alive.
    ///
    /// The simulator loop's way in: it holds every component strongly and calls through this requirement with an
    /// unretained reference, which saves an atomic retain and release per event. Components do not implement it;
    /// the default (in the speed layer, `Speed/UnretainedCalls.swift`) does the call.
    static func deliver(_ event: Event, to component: Unretained<AnyObject>, simulator: Simulator)
}
