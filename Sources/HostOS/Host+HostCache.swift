import SimCore
import WireFormats

// Speed layer: a write to many destinations brings the table slot of the destination four entries ahead into the
// host's caches while it looks up this one (``HostCache``), no simulated effect. Measured only with every other
// hint (NIC+HostCache.swift in NICModel): together 1.16x per packet at 10,000 destinations, hints on against off.
extension Host {
    /// When the simulator gives hints (``Simulator/cacheHints``), prefetches the ``destinations`` slot of the plain
    /// UDP destination four messages after message `index`.
    @inline(__always)
    func prefetchDestination(after index: Int, of messages: [OutMessage], sourcePort: UInt16,
                             rtp: HeaderTemplate.RTPFields?) {
        guard simulator.cacheHints, rtp == nil, index + 4 < messages.count else { return }
        destinations.prefetch(Self.packed(sourcePort: sourcePort, destination: messages[index + 4].destination))
    }
}
