/// The payload digests (``StripeHash64``) of several receivers, kept side by side.
///
/// Each stream's state lives in one contiguous array, so a world of thousands of receivers keeps its digest state
/// in a few hundred kilobytes, and adding a payload hashes it at once, at memory speed, while its bytes are still in
/// the cache. Each stream's digest is exactly ``StripeHash64`` over its own payloads in the order they were added.
///
/// Adding allocates nothing. Single-threaded, like every component of a simulation.
public final class PayloadDigester {
    /// Digest state per stream.
    var states: [StripeHash64] = []

    /// Creates a digester with no streams.
    public init() {}

    /// Adds a stream; returns its number.
    public func addStream() -> Int {
        states.append(StripeHash64())
        return states.count - 1
    }

    /// Appends `count` bytes of `bytes` from `start` to stream `stream`.
    public func add(_ stream: Int, bytes: borrowing [UInt8], from start: Int, count: Int) {
        precondition(start >= 0 && count >= 0 && start <= bytes.count - count, "PayloadDigester range out of bounds")
        guard count > 0 else { return }
        bytes.withUnsafeBytes { raw in
            let piece = UnsafeRawBufferPointer(rebasing: raw[start..<(start + count)])
            states.withUnsafeMutableBufferPointer { s in s[stream].add(piece) }
        }
    }

    /// The digest of stream `stream` over everything added to it so far.
    public func digest(of stream: Int) -> UInt64 {
        states[stream].value
    }
}
