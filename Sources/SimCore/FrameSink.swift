/// Something that accepts a frame at the current virtual time: a wire's near end, a switch port, a NIC's receiver.
///
/// Accepting a frame takes ownership of its ``FrameHandle``: the sink forwards it or releases it. Sinks are the
/// only way frames move between components, so a link, a switch port or a VDE port can stand wherever another does.
public protocol FrameSink: AnyObject {
    /// Takes `frame` at `simulator.now`; the last bit of the frame has just arrived.
    func accept(_ frame: FrameHandle, simulator: Simulator)

    /// Calls ``accept(_:simulator:)`` on `sink`, an instance of this type that the caller keeps alive.
    ///
    /// The way in for ``FrameSinkReference``, which holds its sink strongly and calls it unretained (no atomic
    /// retain and release per frame). Sinks do not implement it; the default does the call.
    static func accept(_ frame: FrameHandle, to sink: Unmanaged<AnyObject>, simulator: Simulator)

    /// A reference that reaches what this sink stands for without going through the sink object, or nil (the
    /// default) to call the sink itself. A link end, which only forwards to its link, returns one to the link, so
    /// that a frame touches one object fewer. Whoever holds the reference holds this sink, which must keep the target
    /// alive.
    var directReference: FrameSinkReference? { get }

    /// A hint that `frame` will reach `sink` (an instance of this type, or what a ``directReference`` of this
    /// type stands for) a little later, after a serialization or propagation delay: the sink prefetches into the
    /// host's caches what accepting it will touch (``HostCache``). No simulated effect, nothing counted. The
    /// default prefetches the first cache lines of the sink object; a switch port prefetches its MAC-table slot for
    /// the frame's destination, a link the state of the direction the frame will take (FrameSink+HostCache.swift).
    static func prefetch(for frame: FrameHandle, to sink: Unmanaged<AnyObject>, simulator: Simulator)
}

extension FrameSink {
    public var directReference: FrameSinkReference? { nil }

    @inlinable
    public static func accept(_ frame: FrameHandle, to sink: Unmanaged<AnyObject>, simulator: Simulator) {
        sink._withUnsafeGuaranteedRef { unsafeDowncast($0, to: Self.self).accept(frame, simulator: simulator) }
    }
}

/// A frame sink as the per-frame path calls it: unretained, with its dynamic type.
///
/// Calling a sink stored as `any FrameSink` in a class property costs an atomic retain and release per frame
/// (the compiler must assume the call could replace the property). This reference is a plain value (no reference
/// counting when copied or called); whoever stores one must also hold the sink strongly, as links, switch ports
/// and the NIC do in the property the reference is made from.
public struct FrameSinkReference {
    @usableFromInline let object: Unmanaged<AnyObject>
    @usableFromInline let type: any FrameSink.Type

    /// A reference to `sink` (or to what it stands for, ``FrameSink/directReference``), which the caller keeps
    /// alive for as long as it uses the reference.
    public init(_ sink: any FrameSink) {
        if let direct = sink.directReference {
            self = direct
        } else {
            self.init(object: Unmanaged.passUnretained(sink), type: Swift.type(of: sink))
        }
    }

    /// A reference that calls `type`'s ``FrameSink/accept(_:to:simulator:)`` with `object`, which the caller keeps
    /// alive. `type` need not be `object`'s class: it only has to know what `object` is.
    public init(object: Unmanaged<AnyObject>, type: any FrameSink.Type) {
        self.object = object
        self.type = type
    }

    /// Hands `frame` to the sink (``FrameSink/accept(_:simulator:)``).
    @inlinable
    public func accept(_ frame: FrameHandle, simulator: Simulator) {
        type.accept(frame, to: object, simulator: simulator)
    }
}

/// Watches frames pass a point without taking them: a capture tap for pcap files and traces.
public protocol FrameObserver: AnyObject {
    /// `frame` passes the observed point; its first bit is on the wire at `time` (which may be later than
    /// `simulator.now` when the transmitter has already scheduled it). The observer must not keep the handle.
    func observe(_ frame: FrameHandle, at time: SimTime, simulator: Simulator)
}

/// Receives a device's interrupt messages: the host's interrupt controller.
///
/// Devices and hosts meet only here and in memory: the device raises, the host decides when its handler runs.
public protocol InterruptSink: AnyObject {
    /// The device sent an interrupt message on `vector` at the current virtual time.
    func interruptRaised(vector: Int)
}
