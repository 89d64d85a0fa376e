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

extension Page {
    /// The pieces of the byte range [`address`, `address + count`) that each stay inside one page or frame, in
    /// address order: what every walk over a range (copying, translating) steps through. The caller checked the
    /// range; an empty range has no pieces. Nothing is allocated.
    @inlinable static func pieces(_ address: UInt64, count: Int) -> Pieces { Pieces(address: address, left: count) }

    /// One piece of a range: its first byte's address, its page (or frame) number and offset within that page,
    /// the bytes of the range before it, and its own bytes.
    @usableFromInline
    typealias Piece = (address: UInt64, page: UInt64, within: Int, offset: Int, count: Int)

    /// The pieces of a range, one after the other.
    @usableFromInline
    struct Pieces: Sequence, IteratorProtocol {
        /// Where the next piece starts, the bytes left from there, and the bytes already handed out.
        @usableFromInline var address: UInt64
        @usableFromInline var left: Int
        @usableFromInline var offset = 0

        @inlinable init(address: UInt64, left: Int) {
            self.address = address
            self.left = left
        }

        @inlinable mutating func next() -> Piece? {
            guard left > 0 else { return nil }
            let within = Int(address & Page.offsetMask)
            let count = Swift.min(left, Page.size - within)
            let piece = (address, address >> UInt64(Page.shift), within, offset, count)
            address &+= UInt64(count)
            left -= count
            offset += count
            return piece
        }
    }
}
