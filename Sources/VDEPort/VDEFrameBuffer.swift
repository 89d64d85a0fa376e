/// Fixed storage for a batch of frames read from a VDE connection, reused across reads.
///
/// The bytes of frame `i` are `bytes[offset(ofFrame: i) ..< offset(ofFrame: i) + length(ofFrame: i)]`. All memory
/// is allocated once, at init; ``VDEConnection/receive(into:timeoutMilliseconds:)`` overwrites the previous batch
/// without allocating.
public final class VDEFrameBuffer {
    /// Most frames one batch holds.
    public let frameCapacity: Int
    /// Bytes each frame slot holds. A longer datagram is cut to this length by the kernel; ``isFull(frame:)``
    /// tells a frame that filled its slot (and so may have been longer) from one that fitted.
    public let bytesPerFrame: Int
    /// Frames in the current batch.
    public internal(set) var count = 0
    /// The slots' bytes, `frameCapacity × bytesPerFrame` of them.
    public internal(set) var bytes: [UInt8]
    @usableFromInline var lengths: [Int]

    /// Creates a buffer of `frames` slots of `bytesPerFrame` bytes each (both > 0).
    public init(frames: Int, bytesPerFrame: Int) {
        precondition(frames > 0 && bytesPerFrame > 0, "a frame buffer needs at least one non-empty slot")
        frameCapacity = frames
        self.bytesPerFrame = bytesPerFrame
        bytes = [UInt8](repeating: 0, count: frames * bytesPerFrame)
        lengths = [Int](repeating: 0, count: frames)
    }

    /// Where frame `index` starts in ``bytes``.
    @inlinable public func offset(ofFrame index: Int) -> Int {
        precondition(index >= 0 && index < count, "frame index out of range")
        return index * bytesPerFrame
    }

    /// The length in bytes of frame `index` of the current batch.
    @inlinable public func length(ofFrame index: Int) -> Int {
        precondition(index >= 0 && index < count, "frame index out of range")
        return lengths[index]
    }

    /// Whether frame `index` filled its whole slot, so that the datagram may have been cut.
    @inlinable public func isFull(frame index: Int) -> Bool { length(ofFrame: index) == bytesPerFrame }

    /// A copy of frame `index` (for tests; allocates).
    public func contents(ofFrame index: Int) -> [UInt8] {
        let start = offset(ofFrame: index)
        return Array(bytes[start..<(start + lengths[index])])
    }

    /// Forgets the current batch.
    public func removeAll() { count = 0 }
}
