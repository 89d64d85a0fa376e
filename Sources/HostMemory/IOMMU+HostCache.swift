import SimCore

// Speed layer: looks at the device page table for host-cache hints (``DMAEngine/prefetch(_:count:)``), changing
// nothing the model keeps (no IOTLB state, counters or faults).
extension IOMMU {
    /// The page-table entry of device page `page` as the table holds it now, or nil when the page is unmapped: a
    /// look that changes nothing (no IOTLB fill or reordering, no counters, no faults), for host-cache hints.
    func peekEntry(page: UInt64) -> PageTableEntry? {
        table[page].map { PageTableEntry(rawValue: $0) }
    }

    /// Hints to the processor that the page table will be walked for device page `page` soon. Changes nothing.
    public func prefetchEntry(page: UInt64) {
        table.prefetch(page)
    }
}
