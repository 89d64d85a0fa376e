// Speed layer: a frame's next sink brings what it will touch into the host's caches while the frame is still on
// the wire (``HostCache``), no simulated effect. What it buys is measured with the NIC's hints (NIC+HostCache.swift
// in NICModel): 1.16x per packet at 10,000 destinations, hints on against off.
extension FrameSink {
    public static func prefetch(for frame: FrameHandle, to sink: Unmanaged<AnyObject>, simulator: Simulator) {
        HostCache.prefetch(object: sink)
    }
}

extension FrameSinkReference {
    /// Tells the sink that `frame` will reach it a little later (a serialization or propagation delay from now),
    /// when the simulator gives host-cache hints (``Simulator/cacheHints``); see
    /// ``FrameSink/prefetch(for:to:simulator:)``. No simulated effect.
    @inlinable
    public func prefetch(for frame: FrameHandle, simulator: Simulator) {
        if simulator.cacheHints { type.prefetch(for: frame, to: object, simulator: simulator) }
    }
}
