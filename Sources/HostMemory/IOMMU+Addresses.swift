/// A byte address in a device's I/O virtual address space (an IOVA), translated to physical memory by an
/// ``IOMMU``'s device page table.
///
/// Mirrors the DMA addresses a driver programs into descriptors when the platform's IOMMU is on (Intel VT-d
/// "DMA remapping", what Linux's `dma_map_single` returns). Values come from guest-controlled places, so nothing here
/// assumes they are valid: every translation checks the range and the mapping.
public struct IOVirtualAddress: PagedAddress {
    /// The address in bytes from I/O virtual address 0.
    public var rawValue: UInt64

    /// Wraps a raw byte address.
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
}
