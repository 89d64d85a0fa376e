/// A streaming 64-bit hash of a byte stream that runs at memory speed: nicsim's payload digest ("stripe64").
///
/// The stream is cut into 32-byte stripes; each stripe's four little-endian 64-bit words go to four independent
/// lanes, each lane updated as `lane = rotl(lane ^ word·K1, 29)·K0`. For a fixed lane value the update is a
/// bijection of the word, and for a fixed word a bijection of the lane (xor, rotation and multiplication by an odd
/// constant are all invertible), so no word is ever absorbed without changing its lane, and two streams that differ
/// in one word always differ in that lane afterwards. The word's multiply is off the lane's dependency chain, so a
/// lane waits only for one xor, one rotation and one multiply per word, and the four lanes overlap: several bytes a
/// cycle, several GB/s (BENCHMARKS.md, "Payload digest"), where byte-at-a-time FNV-1a waits one multiply per byte.
///
/// The value chains the four lanes, the bytes past the last whole stripe (8 at a time, then the final 0–7 bytes
/// zero-padded) and the stream's length into one 64-bit state, and ends with an xor-shift-multiply avalanche, so
/// every input bit reaches every output bit. The length makes zero padding unambiguous.
///
/// Streaming: bytes may be added in pieces of any size; the value depends only on the concatenated bytes, however
/// they were split (a piece that ends inside a stripe leaves its bytes in a 32-byte buffer). It is not a
/// cryptographic hash: it guards against accidents (lost, duplicated, reordered, corrupted or truncated data), not
/// against an adversary who chooses the payload. The state is 72 bytes, and adding allocates nothing.
public struct StripeHash64: Hashable, Sendable {
    /// The name reports give the algorithm (`digestAlgorithm`).
    public static let algorithm = "stripe64"

    // Odd 64-bit constants with about half their bits set, chosen for this hash.
    @usableFromInline static let k0: UInt64 = 0x9E37_79B9_7F4A_7C15
    @usableFromInline static let k1: UInt64 = 0xD1B5_4A32_D192_ED03
    @usableFromInline static let k2: UInt64 = 0x8CB9_2BA7_2F3D_8DD7
    @usableFromInline static let k3: UInt64 = 0xE703_7ED1_A0B4_28DB

    @usableFromInline var lane0: UInt64 = StripeHash64.k1
    @usableFromInline var lane1: UInt64 = StripeHash64.k2
    @usableFromInline var lane2: UInt64 = StripeHash64.k3
    @usableFromInline var lane3: UInt64 = StripeHash64.k0 ^ StripeHash64.k1
    /// Bytes of an unfinished stripe, in stream order (only the first `length % 32` are meaningful).
    @usableFromInline var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// Bytes added so far.
    @usableFromInline var length: UInt64 = 0

    /// Starts an empty digest.
    public init() {}

    @inlinable @inline(__always)
    static func round(_ lane: UInt64, _ word: UInt64) -> UInt64 {
        let x = lane ^ (word &* k1)
        return ((x &<< 29) | (x &>> 35)) &* k0
    }

    @inlinable @inline(__always)
    mutating func stripe(_ p: UnsafeRawPointer) {
        lane0 = Self.round(lane0, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
        lane1 = Self.round(lane1, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        lane2 = Self.round(lane2, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        lane3 = Self.round(lane3, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// Adds every byte of `bytes` to the stream.
    @inlinable
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var p = base
        var remaining = bytes.count
        let filled = Int(truncatingIfNeeded: length & 31)
        length &+= UInt64(remaining)
        if filled > 0 {
            let take = min(32 - filled, remaining)
            withUnsafeMutableBytes(of: &buffer) { b in
                (b.baseAddress! + filled).copyMemory(from: p, byteCount: take)
            }
            p += take
            remaining -= take
            guard filled + take == 32 else { return }
            let words = buffer
            lane0 = Self.round(lane0, UInt64(littleEndian: words.0))
            lane1 = Self.round(lane1, UInt64(littleEndian: words.1))
            lane2 = Self.round(lane2, UInt64(littleEndian: words.2))
            lane3 = Self.round(lane3, UInt64(littleEndian: words.3))
        }
        // Four lanes in locals, so the loop keeps them in registers.
        var a = lane0, b = lane1, c = lane2, d = lane3
        while remaining >= 32 {
            a = Self.round(a, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
            b = Self.round(b, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            c = Self.round(c, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            d = Self.round(d, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            p += 32
            remaining -= 32
        }
        lane0 = a; lane1 = b; lane2 = c; lane3 = d
        if remaining > 0 {
            withUnsafeMutableBytes(of: &buffer) { b in
                b.baseAddress!.copyMemory(from: p, byteCount: remaining)
            }
        }
    }

    /// Adds `count` bytes of `bytes` starting at `start`; the range must lie inside the array.
    @inlinable
    public mutating func add(_ bytes: [UInt8], from start: Int, count: Int) {
        precondition(start >= 0 && count >= 0 && start <= bytes.count - count, "StripeHash64 range out of bounds")
        guard count > 0 else { return }
        bytes.withUnsafeBytes { raw in add(UnsafeRawBufferPointer(rebasing: raw[start..<(start + count)])) }
    }

    /// Adds every byte of `bytes`.
    @inlinable
    public mutating func add(_ bytes: [UInt8]) {
        add(bytes, from: 0, count: bytes.count)
    }

    /// The digest of every byte added so far.
    public var value: UInt64 {
        var h = length &* Self.k2 ^ Self.k3
        h = Self.round(h, lane0 ^ (lane0 &>> 31))
        h = Self.round(h, lane1 ^ (lane1 &>> 31))
        h = Self.round(h, lane2 ^ (lane2 &>> 31))
        h = Self.round(h, lane3 ^ (lane3 &>> 31))
        let rest = Int(truncatingIfNeeded: length & 31)
        var words = buffer
        withUnsafeBytes(of: &words) { b in
            var i = 0
            while rest - i >= 8 {
                h = Self.round(h, UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                i += 8
            }
            if i < rest {
                var tail: UInt64 = 0
                for k in i..<rest { tail |= UInt64(b[k]) &<< (8 * UInt64(k - i)) }
                h = Self.round(h, tail ^ Self.k0)
            }
        }
        // Avalanche: xor-shift-multiply twice.
        h ^= h &>> 32
        h &*= 0xBF58_476D_1CE4_E5B9
        h ^= h &>> 29
        h &*= 0x94D0_49BB_1331_11EB
        h ^= h &>> 32
        return h
    }

    /// Two digests are equal when they have seen the same number of bytes and give the same value (bytes left in
    /// the stripe buffer from an earlier stripe do not count).
    public static func == (lhs: StripeHash64, rhs: StripeHash64) -> Bool {
        lhs.length == rhs.length && lhs.lane0 == rhs.lane0 && lhs.lane1 == rhs.lane1 && lhs.lane2 == rhs.lane2
            && lhs.lane3 == rhs.lane3 && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(length)
        hasher.combine(value)
    }

    /// The digest of no bytes (what a receiver reports before any payload arrives).
    public static let empty: UInt64 = StripeHash64().value
}
