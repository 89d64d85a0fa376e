/// A byte address in a device's I/O virtual address space (an IOVA), translated to physical memory by an
/// ``IOMMU``'s device page table.
///
/// Mirrors the DMA addresses a driver programs into descriptors when the platform's IOMMU is on (Intel VT-d
/// "DMA remapping", what Linux's `dma_map_single` returns). Values come from guest-controlled places, so nothing here
/// assumes they are valid: every translation checks the range and the mapping.
public struct IOVirtualAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The address in bytes from I/O virtual address 0.
    public var rawValue: UInt64

    /// Wraps a raw byte address.
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The address `bytes` bytes further on, wrapping modulo 2^64 (a wrapped address then fails its range check
    /// instead of trapping here).
    @inlinable public func advanced(by bytes: Int) -> IOVirtualAddress {
        IOVirtualAddress(rawValue: rawValue &+ UInt64(bitPattern: Int64(bytes)))
    }

    /// The byte offset of this address within its 4 KiB page (0..<4096).
    @inlinable public var pageOffset: Int { Int(rawValue & Page.offsetMask) }

    /// The address of the first byte of the page that holds this address.
    @inlinable public var pageBase: IOVirtualAddress { IOVirtualAddress(rawValue: rawValue & ~Page.offsetMask) }

    /// Whether the address is the first byte of a 4 KiB page.
    @inlinable public var isPageAligned: Bool { rawValue & Page.offsetMask == 0 }

    /// Orders addresses by their byte value.
    @inlinable public static func < (a: IOVirtualAddress, b: IOVirtualAddress) -> Bool { a.rawValue < b.rawValue }

    /// Hexadecimal in groups of four digits, at least eight digits, for example `0x0010_0000`.
    public var description: String { hexAddressDescription(rawValue) }
}
