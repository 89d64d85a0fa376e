import SimCore

// Speed layer: a frame on its way to a switch port brings the MAC-table slot of its destination into the host's
// caches (``HostCache``), no simulated effect. Measured with the NIC's hints (NIC+HostCache.swift in NICModel):
// 1.16x per packet at 10,000 destinations, hints on against off.
extension EthernetSwitch {
    /// A frame is on its way into `port`: the switch prefetches the MAC-table slot of its destination
    /// (`MultiPortSink.prefetch(for:port:simulator:)`).
    public func prefetch(for frame: FrameHandle, port: Int, simulator: Simulator) {
        prefetchLookup(of: frame, simulator: simulator)
    }

    /// Prefetches the MAC-table slot that forwarding `frame` will read (``FrameSink/prefetch(for:to:simulator:)``).
    func prefetchLookup(of frame: FrameHandle, simulator: Simulator) {
        let frames = simulator.frames
        guard frames.length(of: frame) >= Self.ethernetHeaderBytes else { return }
        table.prefetch(FrameBytes.getMAC(frames.bytes, frames.offset(of: frame)))
    }
}

extension MACTable {
    /// Hints that `address` will be looked up soon (a host-cache prefetch of its slot; changes nothing).
    func prefetch(_ address: UInt64) {
        ports.prefetch(address)
    }
}
