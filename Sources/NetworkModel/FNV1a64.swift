/// The 64-bit FNV-1a hash (Fowler–Noll–Vo), computed incrementally over bytes.
///
/// Offset basis 0xcbf29ce484222325, prime 0x100000001b3: the same function as `stableHash(_:)` but fed
/// with raw bytes, so a digest over several frames equals the digest over their concatenation. One multiply per byte,
/// each waiting for the last: receivers digest with ``StripeHash64`` instead (report schema 3); FNV-1a stays for
/// the labs that compare with what Linux received.
public struct FNV1a64: Hashable, Sendable {
    /// The FNV-1a 64-bit offset basis: the digest of no bytes.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The FNV 64-bit prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The digest of every byte added so far.
    @inlinable public var value: UInt64 { state }

    @usableFromInline var state: UInt64 = FNV1a64.offsetBasis

    /// Starts an empty digest.
    public init() {}

    /// Continues a digest whose value so far is `state`.
    init(state: UInt64) { self.state = state }

    /// Adds `count` bytes of `bytes` starting at `start`; the range must lie inside the array.
    @inlinable public mutating func add(_ bytes: [UInt8], from start: Int, count: Int) {
        precondition(start >= 0 && count >= 0 && start <= bytes.count - count, "FNV1a64 range out of bounds")
        guard count > 0 else { return }
        var h = state
        bytes.withUnsafeBufferPointer { buffer in
            // The range was checked above; the loop itself needs no bounds checks.
            for i in start..<(start + count) {
                h ^= UInt64(buffer[i])
                h &*= Self.prime
            }
        }
        state = h
    }

    /// Adds every byte of `bytes`.
    @inlinable public mutating func add(_ bytes: [UInt8]) {
        add(bytes, from: 0, count: bytes.count)
    }
}
