import SimCore

// Speed layer: what a frame entering a link will touch, brought into the host's caches while it is still on its
// way (``FrameSink/prefetch(for:to:simulator:)``), no simulated effect. Measured with the NIC's hints
// (NIC+HostCache.swift in NICModel): 1.16x per packet at 10,000 destinations, hints on against off.
extension Link {
    /// Prefetches, for a frame on its way into `port`, the state ``receive(_:port:simulator:)`` reads
    /// (`MultiPortSink.prefetch(for:port:simulator:)`).
    public func prefetch(for frame: FrameHandle, port: Int, simulator: Simulator) {
        prefetchDirection(fromA: port == Self.sideA)
    }

    /// Prefetches the state ``receive(_:port:simulator:)`` reads for frames entering on side A (`fromA`) or B: the
    /// link's first cache line (delay and loss probability) and the direction's state.
    func prefetchDirection(fromA: Bool) {
        HostCache.prefetch(object: Unretained<AnyObject>(self), byteCount: 64)
        if fromA {
            withUnsafePointer(to: &ab) { HostCache.prefetch($0, byteCount: MemoryLayout<Direction>.size) }
        } else {
            withUnsafePointer(to: &ba) { HostCache.prefetch($0, byteCount: MemoryLayout<Direction>.size) }
        }
    }

    /// Tells the sink `frame` will reach after the propagation delay that it is on its way (a host-cache hint).
    func hintArrival(of frame: FrameHandle, at sink: FrameSinkReference?, simulator: Simulator) {
        sink?.prefetch(for: frame, simulator: simulator)
    }
}
