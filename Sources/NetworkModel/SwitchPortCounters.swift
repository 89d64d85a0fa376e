import SimCore

/// What one port of an ``EthernetSwitch`` has seen, in and out, and how full its output buffer has been.
///
/// Byte counts are frame bytes as stored (destination MAC to the end of the payload: no preamble, FCS or padding).
public struct SwitchPortCounters: Hashable, Sendable {
    /// Frames received on the port.
    public var framesIn = 0
    /// Bytes of frames received on the port.
    public var bytesIn = 0
    /// Frames transmitted on the port (handed to its egress sink at their last bit).
    public var framesOut = 0
    /// Bytes of frames transmitted on the port.
    public var bytesOut = 0
    /// Frames dropped at the tail of the output buffer: queued bytes plus the frame would exceed the buffer.
    public var tailDrops = 0
    /// Frames dropped because the output queue already held its maximum number of frames (only very short frames
    /// can hit this before the byte limit; see ``EthernetSwitch/queueFramesPerPort``).
    public var queueFullDrops = 0
    /// Frames forwarded (not flooded) to this port while no egress sink was connected to it (released).
    public var unconnectedDrops = 0
    /// Bytes in the output buffer now, including the frame being serialized until its last bit leaves.
    public var occupancyBytes = 0
    /// Frames in the output buffer now, including the one being serialized.
    public var occupancyFrames = 0
    /// The largest ``occupancyBytes`` seen.
    public var peakOccupancyBytes = 0
    /// The first virtual time at which ``peakOccupancyBytes`` was reached.
    public var peakOccupancyTime = SimTime.zero

    /// Frames dropped at this output port for any reason.
    public var drops: Int { tailDrops + queueFullDrops + unconnectedDrops }

    /// Creates zeroed counters.
    public init() {}
}
