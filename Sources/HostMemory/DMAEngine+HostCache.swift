import SimCore

// Speed layer: host-cache hints for the device's transfers (``HostCache``), no simulated effect. What they buy is
// measured with all of the NIC's hints together (``NIC`` in NICModel, NIC+HostCache.swift).
extension DMAEngine {
    /// Hints to the host processor that the device will read [`address`, `address + count`) soon: the range is
    /// translated as the IOMMU's page table holds it now (without touching the IOTLB) and its bytes are prefetched
    /// into the host's caches. A hint has no simulated effect: no counters, no faults, no latency, no IOTLB state;
    /// an address that would fault is skipped. The device calls it for the next packet's buffers while it reads
    /// this one's, so the emulator's own copy does not wait on main memory (BENCHMARKS.md, "Scaling").
    public func prefetch(_ address: PhysicalAddress, count: Int) {
        guard count > 0, address.rawValue < IOMMU.addressLimit else { return }
        guard let unit = unretainedIOMMU else {
            memory.prefetch(address.rawValue, count: count)
            return
        }
        unit.withObject { iommu in
            var current = address.rawValue
            let end = current + UInt64(min(count, 1 << 16))
            while current < end && current < IOMMU.addressLimit {
                let within = current & Page.offsetMask
                let chunk = min(end - current, UInt64(Page.size) - within)
                if let entry = iommu.peekEntry(page: current >> UInt64(Page.shift)) {
                    memory.prefetch(entry.frameAddress | within, count: Int(chunk))
                }
                current += chunk
            }
        }
    }

    /// Hints to the host processor that the device will translate `address` soon: the page-table slot of its page
    /// is prefetched, so a ``prefetch(_:count:)`` or a transfer a little later walks a table already in cache.
    /// Without an IOMMU it does nothing. No simulated effect.
    public func prefetchTranslation(_ address: PhysicalAddress) {
        guard let unit = unretainedIOMMU, address.rawValue < IOMMU.addressLimit else { return }
        unit.withObject { $0.prefetchEntry(page: address.rawValue >> UInt64(Page.shift)) }
    }
}
