// Speed layer: the per-event and per-frame calls between components go through ``Unretained`` references with the
// callee's type known, not through `any EventHandler` or `any FrameSink` values kept in class properties. Each such
// call would otherwise cost an atomic retain and release (the compiler must assume the property could change
// during the call); BENCHMARKS.md ("Scaling") has the figures. Nothing here changes what a run computes.

extension EventHandler {
    @inlinable
    public static func deliver(_ event: Event, to component: Unretained<AnyObject>, simulator: Simulator) {
        component.withObject(as: Self.self) { $0.handle(event, simulator: simulator) }
    }
}

/// A registered component as the loop calls it: unretained (``Simulator`` owns it through its handler list) and
/// with its dynamic type, whose ``EventHandler/deliver(_:to:simulator:)`` makes the call.
@usableFromInline
struct Registration {
    @usableFromInline let component: Unretained<AnyObject>
    @usableFromInline let type: any EventHandler.Type

    @usableFromInline init(_ handler: EventHandler) {
        component = Unretained<AnyObject>(handler)
        type = Swift.type(of: handler)
    }
}

/// The calling convention of ``FrameSinkReference``; not API. ``FrameSink`` and ``MultiPortSink`` implement it, so
/// that each sink type has its own entry point, reached through the reference's stored type.
public protocol _FrameSinkCall: AnyObject {
    /// Hands `frame` to `object`, an instance of this type (on `port` of it, for a multi-port sink).
    static func _accept(_ frame: FrameHandle, to object: Unretained<AnyObject>, port: Int, simulator: Simulator)
    /// A host-cache hint that `frame` will reach `object` (on `port`) a little later.
    static func _prefetch(for frame: FrameHandle, to object: Unretained<AnyObject>, port: Int, simulator: Simulator)
}

extension FrameSink {
    @inlinable
    public static func _accept(
        _ frame: FrameHandle, to object: Unretained<AnyObject>, port: Int, simulator: Simulator
    ) {
        object.withObject(as: Self.self) { $0.accept(frame, simulator: simulator) }
    }

    public static func _prefetch(
        for frame: FrameHandle, to object: Unretained<AnyObject>, port: Int, simulator: Simulator
    ) {
        HostCache.prefetch(object: object)
    }
}

extension MultiPortSink {
    @inlinable
    public static func _accept(
        _ frame: FrameHandle, to object: Unretained<AnyObject>, port: Int, simulator: Simulator
    ) {
        object.withObject(as: Self.self) { $0.receive(frame, port: port, simulator: simulator) }
    }

    public static func _prefetch(
        for frame: FrameHandle, to object: Unretained<AnyObject>, port: Int, simulator: Simulator
    ) {
        object.withObject(as: Self.self) { $0.prefetch(for: frame, port: port, simulator: simulator) }
    }
}

/// A frame sink as the per-frame path calls it: unretained, with its dynamic type.
///
/// Calling a sink stored as `any FrameSink` in a class property costs an atomic retain and release per frame
/// (the compiler must assume the call could replace the property). This reference is a plain value (no reference
/// counting when copied or called); whoever stores one must also hold the sink strongly, as links, switch ports
/// and the NIC do in the property the reference is made from.
public struct FrameSinkReference {
    @usableFromInline let object: Unretained<AnyObject>
    @usableFromInline let port: Int
    @usableFromInline let type: any _FrameSinkCall.Type

    /// A reference to `sink` (or to what it stands for, ``FrameSink/directReference``), which the caller keeps
    /// alive for as long as it uses the reference.
    public init(_ sink: any FrameSink) {
        if let direct = sink.directReference {
            self = direct
        } else {
            object = Unretained<AnyObject>(sink)
            port = 0
            type = Swift.type(of: sink)
        }
    }

    /// A reference to `port` of `owner`, which the caller keeps alive for as long as it uses the reference: what a
    /// port object returns as its ``FrameSink/directReference``, so that frames go straight to its owner.
    public init<Owner: MultiPortSink>(_ owner: Owner, port: Int) {
        object = Unretained<AnyObject>(owner)
        self.port = port
        type = Owner.self
    }

    /// Hands `frame` to the sink (``FrameSink/accept(_:simulator:)``).
    @inlinable
    public func accept(_ frame: FrameHandle, simulator: Simulator) {
        type._accept(frame, to: object, port: port, simulator: simulator)
    }

    /// Tells the sink that `frame` will reach it a little later (a serialization or propagation delay from now),
    /// when the simulator gives host-cache hints (``Simulator/cacheHints``); no simulated effect. A multi-port
    /// sink says what it prefetches (``MultiPortSink/prefetch(for:port:simulator:)``); any other sink gets the
    /// first cache lines of its object prefetched.
    @inlinable
    public func prefetch(for frame: FrameHandle, simulator: Simulator) {
        if simulator.cacheHints { type._prefetch(for: frame, to: object, port: port, simulator: simulator) }
    }
}
