import HostMemory
import SimCore

// Speed layer: the NIC's host-cache hints (``HostCache``), no simulated effect. What they buy, measured: with the
// link and switch hints, 1.16x per packet at 10,000 destinations (hints on against off, Scaling, BENCHMARKS.md);
// leaving out buffers under 256 bytes took another 2 % off there.
extension NIC {
    /// After a packet fetch from `queue`: the hints of ``prefetchUpcomingBuffers(queue:)`` when the simulator gives
    /// hints (``Simulator/cacheHints``).
    @inline(__always)
    func prefetchUpcoming(queue q: Int) {
        if simulator.cacheHints { prefetchUpcomingBuffers(queue: q) }
    }

    /// Buffers shorter than this get no host-cache hint from ``prefetchUpcomingBuffers(queue:)``: they are headers a
    /// driver writes into its own slots in ring order, which the host's own prefetcher keeps warm, and each hint would
    /// still cost a page-table and a frame-table look-up.
    static let prefetchMinimumLength: UInt16 = 256

    /// Host-cache hints for the packets after the one just read from `queue` (no simulated effect: nothing here
    /// reads simulated memory through the bus, counts, faults or takes time). The next packet's buffers are
    /// prefetched into the host's caches, and the page-table slots of the one after it, so that when their turns
    /// come the emulator's translation and copy find their data near instead of waiting on main memory. With
    /// thousands of destinations, each with its own buffer, the buffers are far out of cache (BENCHMARKS.md,
    /// "Scaling"). Looks at most eight cached descriptors. (A third stage, prefetching the frame-table entries of
    /// the packet after next, and a prefetch of the next event's registration in the event loop were tried: each
    /// cost more than it saved.)
    func prefetchUpcomingBuffers(queue q: Int) {
        let cached = min(txQueues[q].cacheCount, 8)
        var packet = 0
        var i = 0
        while i < cached {
            let d = txQueues[q].cached(i)
            i += 1
            if d.length >= Self.prefetchMinimumLength && !d.command.contains(.extended)
                && !d.status.contains(.dmaError)
            {
                let address = PhysicalAddress(rawValue: d.bufferAddress)
                if packet == 0 { dma.prefetch(address, count: Int(d.length)) } else { dma.prefetchTranslation(address) }
            }
            if d.command.contains(.endOfPacket) {
                packet += 1
                if packet == 2 { return }
            }
        }
    }
}
