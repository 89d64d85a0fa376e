/// RFC 1071 one's-complement sum accumulator, as used by the IPv4 header, UDP and TCP checksums.
///
/// The accumulator treats everything added to it as one byte stream split into big-endian 16-bit words: bytes
/// may be added in chunks of any size, starting anywhere in an array, and the result equals adding the whole
/// stream at once (a chunk that ends on an odd byte leaves the next byte to fill the low half of that word).
public struct InternetChecksum: Sendable {
    /// Unfolded running sum of 16-bit words.
    @usableFromInline
    var sum: UInt64
    /// True when an odd number of bytes has been added, so the next byte is the low half of a word.
    @usableFromInline
    var odd: Bool

    /// Creates an empty accumulator (sum 0, even byte count).
    @inlinable
    public init() {
        sum = 0
        odd = false
    }

    /// Adds `count` bytes of `bytes` starting at index `start` to the stream; the range must lie inside the array.
    @inlinable
    public mutating func add(_ bytes: [UInt8], from start: Int, count: Int) {
        precondition(start >= 0 && count >= 0 && count <= bytes.count - start, "InternetChecksum.add out of range")
        guard count > 0 else { return }
        bytes.withUnsafeBytes { raw in
            add(UnsafeRawBufferPointer(rebasing: raw[start..<(start + count)]))
        }
    }

    /// Adds every byte of `bytes` to the stream.
    ///
    /// The bulk is summed eight bytes at a time in the machine's byte order, as two 32-bit halves, then folded and
    /// byte-swapped into the big-endian stream (RFC 1071 §2: the one's-complement sum is independent of byte order
    /// up to a final swap, and 2^16 ≡ 1 modulo 0xFFFF lets wider words stand for their 16-bit halves). The folded
    /// result equals adding the bytes as 16-bit words one by one.
    @inlinable
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        let end = bytes.count
        guard end > 0, let base = bytes.baseAddress else { return }
        var index = 0
        var total = sum
        if odd {
            total &+= UInt64(bytes[0])
            index = 1
        }
        let words = (end - index) &>> 3
        if words > 0 {
            // Each half adds less than 2^32, so neither accumulator can overflow below 2^32 words.
            var low: UInt64 = 0
            var high: UInt64 = 0
            let start = base + index
            for k in 0..<words {
                let x = (start + k &<< 3).loadUnaligned(as: UInt64.self)
                low &+= x & 0xFFFF_FFFF
                high &+= x &>> 32
            }
            index += words &<< 3
            var folded = (low & 0xFFFF_FFFF) &+ (low &>> 32) &+ (high & 0xFFFF_FFFF) &+ (high &>> 32)
            while folded > 0xFFFF { folded = (folded & 0xFFFF) &+ (folded &>> 16) }
            // Machine order to the stream's big-endian order (a no-op on big-endian hosts).
            total &+= UInt64(UInt16(truncatingIfNeeded: folded).bigEndian)
        }
        while end - index >= 2 {
            total &+= UInt64(bytes[index]) << 8 | UInt64(bytes[index + 1])
            index += 2
        }
        if index < end {
            total &+= UInt64(bytes[index]) << 8
            odd = true
        } else {
            odd = false
        }
        sum = total
    }

    /// Adds a 16-bit value as two bytes (high byte first) of the stream.
    @inlinable
    public mutating func add(_ word: UInt16) {
        sum += UInt64(odd ? word.byteSwapped : word)
    }

    /// Adds a 32-bit value as two 16-bit words (four bytes, most significant first) of the stream.
    @inlinable
    public mutating func add(_ value: UInt32) {
        add(UInt16(truncatingIfNeeded: value >> 16))
        add(UInt16(truncatingIfNeeded: value))
    }

    /// Appends another accumulator's byte stream to this one, as if its bytes had been added here.
    @inlinable
    public mutating func add(_ other: InternetChecksum) {
        let otherSum = other.partialSum
        sum += UInt64(odd ? otherSum.byteSwapped : otherSum)
        odd = odd != other.odd
    }

    /// The sum folded to 16 bits with end-around carry, not complemented.
    ///
    /// This is what Linux stores in the UDP checksum field for `CHECKSUM_PARTIAL` (the pseudo-header sum) before
    /// the NIC finishes it.
    @inlinable
    public var partialSum: UInt16 {
        var folded = sum
        while folded > 0xFFFF {
            folded = (folded & 0xFFFF) + (folded >> 16)
        }
        return UInt16(truncatingIfNeeded: folded)
    }

    /// The folded and complemented sum: the value to store in a checksum field that was zero while summing.
    @inlinable
    public var checksum: UInt16 {
        ~partialSum
    }

    /// RFC 1624 incremental update of a header checksum when one 16-bit field changes from `oldWord` to `newWord`.
    ///
    /// Computes `~(~checksum + ~oldWord + newWord)` in one's-complement arithmetic (RFC 1624 equation 3).
    @inlinable
    public static func updated(_ checksum: UInt16, oldWord: UInt16, newWord: UInt16) -> UInt16 {
        var total = UInt32(~checksum) + UInt32(~oldWord) + UInt32(newWord)
        total = (total & 0xFFFF) + (total >> 16)
        total = (total & 0xFFFF) + (total >> 16)
        return ~UInt16(truncatingIfNeeded: total)
    }

    /// The UDP/TCP-over-IPv4 pseudo-header sum (source, destination, zero and protocol, length), for seeding an
    /// accumulator before adding the transport header and payload.
    ///
    /// - Parameters:
    ///   - source: the IPv4 source address.
    ///   - destination: the IPv4 destination address.
    ///   - protocolNumber: the IPv4 protocol (17 for UDP).
    ///   - length: the UDP length field (header plus payload, bytes).
    @inlinable
    public static func pseudoHeader(
        source: IPv4Address, destination: IPv4Address, protocolNumber: UInt8, length: UInt16
    ) -> InternetChecksum {
        var sum = InternetChecksum()
        sum.add(source.rawValue)
        sum.add(destination.rawValue)
        sum.add(UInt16(protocolNumber))
        sum.add(length)
        return sum
    }

    /// Finishes a `CHECKSUM_PARTIAL` packet the way a NIC with checksum insertion does.
    ///
    /// Sums the bytes from `start` to `end` (csum_start to the end of the packet, with the checksum field holding
    /// the pseudo-header sum), complements, and stores the result big-endian at `checksumOffset`. With
    /// `zeroAsAllOnes` (UDP, RFC 768) a result of 0 is stored as 0xFFFF, as Linux's `skb_checksum_help` does.
    @inlinable
    public static func insertChecksum(
        into bytes: inout [UInt8], start: Int, end: Int, checksumOffset: Int, zeroAsAllOnes: Bool = true
    ) {
        precondition(start >= 0 && start <= end && end <= bytes.count, "insertChecksum range out of bounds")
        var sum = InternetChecksum()
        sum.add(bytes, from: start, count: end - start)
        var value = sum.checksum
        if zeroAsAllOnes, value == 0 {
            value = 0xFFFF
        }
        NetworkBytes.setUInt16(&bytes, checksumOffset, value)
    }
}
