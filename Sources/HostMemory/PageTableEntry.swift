/// One page table entry, laid out like an x86-64 PTE: bit 0 present, bit 1 writable, bits 12–51 the physical
/// frame address.
@usableFromInline
struct PageTableEntry: Hashable, Sendable {
    @usableFromInline var rawValue: UInt64

    @inlinable init(rawValue: UInt64) { self.rawValue = rawValue }

    /// A present entry mapping to `frame`.
    @inlinable init(frame: PhysicalAddress, writable: Bool) {
        rawValue = (frame.rawValue & Self.frameMask) | Self.presentBit | (writable ? Self.writableBit : 0)
    }

    /// The entry of an unmapped page.
    @inlinable static var empty: PageTableEntry { PageTableEntry(rawValue: 0) }

    @inlinable static var presentBit: UInt64 { 1 << 0 }
    @inlinable static var writableBit: UInt64 { 1 << 1 }
    @inlinable static var frameMask: UInt64 { 0x000F_FFFF_FFFF_F000 }

    /// P: the page is mapped.
    @inlinable var isPresent: Bool { rawValue & Self.presentBit != 0 }
    /// R/W: the page may be written.
    @inlinable var isWritable: Bool { rawValue & Self.writableBit != 0 }
    /// The physical address of the mapped frame's first byte.
    @inlinable var frameAddress: UInt64 { rawValue & Self.frameMask }
}
