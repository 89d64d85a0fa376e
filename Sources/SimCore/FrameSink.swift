/// Something that accepts a frame at the current virtual time: a wire's near end, a switch port, a NIC's receiver.
///
/// Accepting a frame takes ownership of its ``FrameHandle``: the sink forwards it or releases it. Sinks are the
/// only way frames move between components, so a link, a switch port or a VDE port can stand wherever another does.
public protocol FrameSink: _FrameSinkCall {
    /// Takes `frame` at `simulator.now`; the last bit of the frame has just arrived.
    func accept(_ frame: FrameHandle, simulator: Simulator)

    /// A reference that reaches what this sink stands for without going through the sink object, or nil (the
    /// default) to call the sink itself. A link end or a switch port, which only forwards to its owner, returns
    /// one to the owner's port (``FrameSinkReference/init(_:port:)``), so that a frame touches one object fewer.
    /// Whoever holds the reference holds this sink, which must keep the target alive.
    var directReference: FrameSinkReference? { get }
}

extension FrameSink {
    public var directReference: FrameSinkReference? { nil }
}

/// A component that takes frames on several ports (a link's two sides, a switch's or a router's ports), reached
/// by a ``FrameSinkReference`` that names the port.
///
/// Each port is usually also an object of its own that conforms to ``FrameSink`` and returns such a reference as
/// its ``FrameSink/directReference``, so that the sender calls the component directly.
public protocol MultiPortSink: _FrameSinkCall {
    /// Takes `frame`, whose last bit has just arrived on `port`, at `simulator.now`.
    func receive(_ frame: FrameHandle, port: Int, simulator: Simulator)

    /// A hint that `frame` will arrive on `port` a little later, after a serialization or propagation delay: the
    /// component prefetches into the host's caches what receiving it will touch (``HostCache``). No simulated
    /// effect, nothing counted. The default prefetches the first cache lines of the component.
    func prefetch(for frame: FrameHandle, port: Int, simulator: Simulator)
}

extension MultiPortSink {
    public func prefetch(for frame: FrameHandle, port: Int, simulator: Simulator) {
        HostCache.prefetch(object: Unretained<AnyObject>(self))
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
