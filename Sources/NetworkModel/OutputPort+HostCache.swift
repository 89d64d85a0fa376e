import SimCore

// Speed layer: the sink a frame leaves into learns at its first bit that it will arrive (``HostCache``), no
// simulated effect. Measured with the NIC's hints (NIC+HostCache.swift in NICModel): 1.16x per packet at 10,000
// destinations, hints on against off.
extension OutputPort {
    /// Tells the egress sink that `frame` will reach it at its last bit (a host-cache hint).
    func hintEgress(of frame: FrameHandle, simulator: Simulator) {
        sinkReference?.prefetch(for: frame, simulator: simulator)
    }
}
