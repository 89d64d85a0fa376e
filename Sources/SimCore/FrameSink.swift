/// Something that accepts a frame at the current virtual time: a wire's near end, a switch port, a NIC's receiver.
///
/// Accepting a frame takes ownership of its ``FrameHandle``: the sink forwards it or releases it. Sinks are the
/// only way frames move between components, so a link, a switch port or a VDE port can stand wherever another does.
public protocol FrameSink: AnyObject {
    /// Takes `frame` at `simulator.now`; the last bit of the frame has just arrived.
    func accept(_ frame: FrameHandle, simulator: Simulator)
}
