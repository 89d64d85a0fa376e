/// A component's events as a typed value (usually an enum with associated values), which the simulator stores
/// packed into an ``Event``'s kind and two argument words.
///
/// A component schedules its payload (``Simulator/schedule(_:at:for:)``) and, in its
/// ``EventHandler/handle(_:simulator:)``, decodes the event back (``init(decoding:)``) and switches over it. The
/// packing (which kind number each case has, which bits of `a` and `b` hold which argument) belongs to the
/// component and is kept apart from its model, in a file of its own; the fingerprint of a run
/// (``Simulator/fingerprint``) digests the packed words, so a packing must not change once fingerprints are kept.
public protocol EventPayload {
    /// Unpacks a payload from an event's kind and arguments; nil when `kind` is none of this type's (the handler
    /// then ignores the event).
    init?(kind: UInt32, a: UInt64, b: UInt64)

    /// The kind and the two argument words this payload packs into.
    var encoded: (kind: UInt32, a: UInt64, b: UInt64) { get }
}

extension EventPayload {
    /// Unpacks the payload of `event`; nil when its kind is none of this type's.
    @inlinable @inline(__always)
    public init?(decoding event: Event) {
        self.init(kind: event.kind, a: event.a, b: event.b)
    }
}

extension Simulator {
    /// Schedules `payload` for `target` at an absolute time, which must not lie in the past.
    @inlinable @inline(__always)
    public func schedule<Payload: EventPayload>(_ payload: Payload, at time: SimTime, for target: ComponentID) {
        let e = payload.encoded
        schedule(at: time, target: target, kind: e.kind, a: e.a, b: e.b)
    }

    /// Schedules `payload` for `target` `delay` after now.
    @inlinable @inline(__always)
    public func schedule<Payload: EventPayload>(_ payload: Payload, after delay: SimDuration, for target: ComponentID) {
        let e = payload.encoded
        schedule(at: now + delay, target: target, kind: e.kind, a: e.a, b: e.b)
    }

    /// Schedules `payload` for `target` at an absolute time with a sequence number from
    /// ``reserveSequenceNumbers(_:)`` (see ``schedule(at:reservedSequence:target:kind:a:b:)``).
    @inlinable @inline(__always)
    public func schedule<Payload: EventPayload>(
        _ payload: Payload, at time: SimTime, reservedSequence: UInt64, for target: ComponentID
    ) {
        let e = payload.encoded
        schedule(at: time, reservedSequence: reservedSequence, target: target, kind: e.kind, a: e.a, b: e.b)
    }
}
