/// A byte address in a host's physical address space, as seen by the memory controller and by DMA.
///
/// Mirrors the physical addresses a driver programs into descriptor address fields and base-address registers.
/// Values come from guest-controlled places (descriptors, registers), so nothing here assumes they are valid: every
/// access goes through ``PhysicalMemory/check(_:length:)``.
public struct PhysicalAddress: PagedAddress {
    /// The address in bytes from physical address 0.
    public var rawValue: UInt64

    /// Wraps a raw byte address.
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Physical address 0.
    public static let zero = PhysicalAddress(rawValue: 0)
}

/// A byte address in one process's virtual address space, translated to physical memory by that
/// ``AddressSpace``'s page table.
///
/// Mirrors the user-space pointers an application hands to `send`/`write` and a driver has to translate (walk or
/// look up) before it can give them to a device.
public struct VirtualAddress: PagedAddress {
    /// The address in bytes from virtual address 0.
    public var rawValue: UInt64

    /// Wraps a raw byte address.
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
}

/// What the three kinds of byte address (``PhysicalAddress``, ``VirtualAddress``, ``IOVirtualAddress``) share: a
/// 64-bit byte offset in a space cut into 4 KiB pages (frames, for physical memory), ordered by value, printed in
/// hexadecimal. Each stays its own type, so that one kind is never passed where another is expected.
public protocol PagedAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible
where RawValue == UInt64 {
    /// Wraps a raw byte address.
    init(rawValue: UInt64)
}

extension PagedAddress {
    /// The address `bytes` bytes further on, wrapping modulo 2^64 (a wrapped address then fails its range check
    /// instead of trapping here).
    @inlinable public func advanced(by bytes: Int) -> Self {
        Self(rawValue: rawValue &+ UInt64(bitPattern: Int64(bytes)))
    }

    /// The byte offset of this address within its 4 KiB page or frame (0..<4096).
    @inlinable public var pageOffset: Int { Int(rawValue & Page.offsetMask) }

    /// The address of the first byte of the page or frame that holds this address.
    @inlinable public var pageBase: Self { Self(rawValue: rawValue & ~Page.offsetMask) }

    /// Whether the address is the first byte of a 4 KiB page or frame.
    @inlinable public var isPageAligned: Bool { rawValue & Page.offsetMask == 0 }

    /// Orders addresses by their byte value.
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// Hexadecimal in groups of four digits, at least eight digits, for example `0x0000_1234`.
    public var description: String { hexAddressDescription(rawValue) }
}

/// Formats an address as uppercase hexadecimal, zero-padded to a multiple of four digits (at least eight) and
/// grouped by four with underscores, the way Swift literals are written: `0x0000_1234`, `0x0001_0000_0000`.
func hexAddressDescription(_ value: UInt64) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    let width = max(8, (digits.count + 3) / 4 * 4)
    let padded = String(repeating: "0", count: width - digits.count) + digits
    var result = "0x"
    for (index, digit) in padded.enumerated() {
        if index > 0 && index % 4 == 0 { result.append("_") }
        result.append(digit)
    }
    return result
}
