/// ``SimDuration/serialization(bits:bitsPerSecond:)`` at one fixed rate, remembering the last answer.
///
/// A transmitter serializes most frames of a run at one of a few lengths; asking again for the length it was last
/// asked for returns the remembered duration instead of redoing two 64-bit divisions. The answer is always exactly
/// what ``SimDuration/serialization(bits:bitsPerSecond:)`` gives.
public struct SerializationMemo: Sendable {
    /// The rate, bits per second.
    public let bitsPerSecond: Int64
    @usableFromInline var lastBits: Int64 = -1
    @usableFromInline var lastDuration = SimDuration.zero

    public init(bitsPerSecond: Int64) {
        precondition(bitsPerSecond > 0)
        self.bitsPerSecond = bitsPerSecond
    }

    /// The time `bits` take at ``bitsPerSecond``, rounded up to a whole picosecond.
    @inlinable public mutating func duration(bits: Int64) -> SimDuration {
        if bits != lastBits {
            lastDuration = .serialization(bits: bits, bitsPerSecond: bitsPerSecond)
            lastBits = bits
        }
        return lastDuration
    }
}
