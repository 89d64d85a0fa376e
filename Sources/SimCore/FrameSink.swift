/// Something that accepts a frame at the current virtual time: a wire's near end, a switch port, a NIC's receiver.
///
/// Accepting a frame takes ownership of its ``FrameHandle``: the sink forwards it or releases it. Sinks are the
/// only way frames move between components, so a link, a switch port or a VDE port can stand wherever another does.
public protocol FrameSink: AnyObject {
    /// Takes `frame` at `simulator.now`; the last bit of the frame has just arrived.
    func accept(_ frame: FrameHandle, simulator: Simulator)
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
