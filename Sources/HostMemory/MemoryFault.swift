/// A failed memory access: a bad address or length that came from outside (a descriptor, a register, an
/// application) or an exhausted allocator.
///
/// Faults never trap. Callers turn them into device or OS state: a descriptor error bit, a fault counter, a fault
/// interrupt, an `EFAULT` for the application.
public struct MemoryFault: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of fault happened.
    ///
    /// A struct rather than an enum so that new codes can be added without breaking `switch` statements elsewhere.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable numeric value of the code.
        public var rawValue: UInt16

        /// Wraps a numeric code.
        @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

        /// The range lies inside physical memory but touches a frame no allocator handed out.
        @inlinable public static var unmappedPhysical: Code { Code(rawValue: 1) }
        /// The range ends beyond the end of the address space (physical `size`, or the 47-bit user virtual
        /// space).
        @inlinable public static var outOfRange: Code { Code(rawValue: 2) }
        /// `address + length` does not fit in 64 bits.
        @inlinable public static var addressOverflow: Code { Code(rawValue: 3) }
        /// The length (or another size argument) is negative, zero where bytes are required, or otherwise
        /// unusable.
        @inlinable public static var badLength: Code { Code(rawValue: 4) }
        /// The range touches a virtual page with no page table entry (a page fault with no mapping).
        @inlinable public static var unmappedVirtual: Code { Code(rawValue: 5) }
        /// A write touches a virtual page mapped read-only.
        @inlinable public static var notWritable: Code { Code(rawValue: 6) }
        /// No physical frames or virtual pages are left for an allocation.
        @inlinable public static var outOfMemory: Code { Code(rawValue: 7) }
        /// A translation names a region that was never registered or was unregistered.
        @inlinable public static var notRegistered: Code { Code(rawValue: 8) }
        /// A device access through the ``IOMMU`` touches an I/O virtual page with no device page table entry (or
        /// one at or beyond ``IOMMU/addressLimit``): a DMA remapping fault.
        @inlinable public static var iommuUnmapped: Code { Code(rawValue: 9) }
        /// A device write through the ``IOMMU`` touches an I/O virtual page mapped read-only.
        @inlinable public static var iommuPermission: Code { Code(rawValue: 10) }
        /// An address that must start a 4 KiB page (an ``IOMMU`` mapping's I/O virtual or physical address) does
        /// not.
        @inlinable public static var misaligned: Code { Code(rawValue: 11) }
        /// The bus ended a device transfer with an error completion (a master abort, an unsupported request or a
        /// completer abort), as a fault injected into a DMA transfer does; no byte moved.
        @inlinable public static var masterAbort: Code { Code(rawValue: 12) }

        /// The code's name, for example `unmappedVirtual`.
        public var description: String {
            switch rawValue {
            case 1: return "unmappedPhysical"
            case 2: return "outOfRange"
            case 3: return "addressOverflow"
            case 4: return "badLength"
            case 5: return "unmappedVirtual"
            case 6: return "notWritable"
            case 7: return "outOfMemory"
            case 8: return "notRegistered"
            case 9: return "iommuUnmapped"
            case 10: return "iommuPermission"
            case 11: return "misaligned"
            case 12: return "masterAbort"
            default: return "code(\(rawValue))"
            }
        }
    }

    /// What kind of fault happened.
    public var code: Code
    /// The address (physical or virtual, as the operation used) of the first byte found at fault, or the start of
    /// the requested range when the range as a whole is bad.
    public var address: UInt64
    /// The length in bytes of the requested access.
    public var length: Int

    /// Creates a fault record.
    @inlinable public init(code: Code, address: UInt64, length: Int) {
        self.code = code
        self.address = address
        self.length = length
    }

    /// For example `unmappedVirtual at 0x1000_2000 (length 64)`.
    public var description: String {
        "\(code) at \(hexAddressDescription(address)) (length \(length))"
    }
}

extension MemoryFault {
    /// The one overflow-checked range check: validates the byte range [`address`, `address + length`) against an
    /// address space of `limit` bytes and returns its end.
    ///
    /// Every (address, length) that comes from outside the module passes through here first, so that no later
    /// arithmetic on it can overflow: the result satisfies `address <= end <= limit`.
    ///
    /// - Throws: ``Code/badLength`` for a negative length, ``Code/addressOverflow`` when the end does not fit in
    ///   64 bits, ``Code/outOfRange`` when the end lies beyond `limit`.
    @inlinable
    static func checkRange(_ address: UInt64, length: Int, limit: UInt64) throws(MemoryFault) -> UInt64 {
        guard length >= 0 else {
            throw MemoryFault(code: .badLength, address: address, length: length)
        }
        let (end, overflow) = address.addingReportingOverflow(UInt64(length))
        guard !overflow else {
            throw MemoryFault(code: .addressOverflow, address: address, length: length)
        }
        guard end <= limit else {
            throw MemoryFault(code: .outOfRange, address: address, length: length)
        }
        return end
    }
}
