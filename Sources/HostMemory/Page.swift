/// The geometry of a 4 KiB page, the unit of both virtual pages and physical frames.
///
/// Mirrors the base page size of x86-64 and most AArch64 Linux configurations. Every page table, frame allocator
/// and translation in this module works in whole pages of ``size`` bytes.
public enum Page {
    /// Bytes in one page or frame: 4096.
    @inlinable public static var size: Int { 1 << shift }

    /// log2 of ``size``: the number of address bits that select a byte within a page (12).
    @inlinable public static var shift: Int { 12 }

    /// Mask of the in-page offset bits of an address (`0xFFF`).
    @inlinable public static var offsetMask: UInt64 { UInt64(size - 1) }

    /// The number of pages needed to hold `bytes` bytes (rounding up); `bytes` must not be negative.
    @inlinable public static func count(forBytes bytes: Int) -> Int {
        precondition(bytes >= 0, "negative byte count")
        return bytes >> shift + (bytes & (size - 1) == 0 ? 0 : 1)
    }
}
