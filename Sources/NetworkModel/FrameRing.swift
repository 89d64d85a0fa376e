import SimCore

/// A first-in first-out queue of frame handles with a fixed power-of-two capacity.
///
/// The first four slots (or the capacity, if smaller) are stored inline, in the port that owns the ring, so a port
/// that never queues more than four frames touches no other heap object and costs nothing beyond its own size; this
/// matters for switches with thousands of ports, whose per-port state is mostly out of cache. The first time the
/// queue holds more, storage moves to an array of twice the size, which doubles, up to the capacity, whenever the
/// queue holds more frames than ever before; after that high-water mark appending and removing never allocate.
/// Callers check ``isFull`` before every ``append(_:)`` (appending to a full ring is a bug and traps).
struct FrameRing {
    private static let inlineSlots = 4
    private var inline: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    /// The slots once the queue has outgrown the inline ones; empty until then.
    private var spilled: [UInt32] = []
    /// Slots in use as storage: the inline ones (at most `inlineSlots`) or `spilled.count`; a power of two.
    private var storage: Int
    private var head = 0
    /// Frames held.
    private(set) var count = 0
    /// Frames the ring can hold.
    let capacity: Int

    /// Creates a ring that holds at least `minimumCapacity` frames (rounded up to a power of two).
    init(minimumCapacity: Int) {
        precondition(minimumCapacity > 0 && minimumCapacity <= 1 << 30)
        var capacity = 1
        while capacity < minimumCapacity { capacity <<= 1 }
        self.capacity = capacity
        storage = min(capacity, Self.inlineSlots)
    }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == capacity }

    /// The oldest frame, if any.
    var first: FrameHandle? { count == 0 ? nil : FrameHandle(rawValue: slot(head)) }

    private func slot(_ i: Int) -> UInt32 {
        if spilled.isEmpty {
            return withUnsafeBytes(of: inline) { $0.load(fromByteOffset: i &* 4, as: UInt32.self) }
        }
        return spilled[i]
    }

    private mutating func setSlot(_ i: Int, _ value: UInt32) {
        if spilled.isEmpty {
            withUnsafeMutableBytes(of: &inline) { $0.storeBytes(of: value, toByteOffset: i &* 4, as: UInt32.self) }
        } else {
            spilled[i] = value
        }
    }

    /// Adds a frame at the tail; the ring must not be full.
    mutating func append(_ frame: FrameHandle) {
        precondition(count < capacity, "FrameRing full: check isFull before appending")
        if count == storage { grow() }
        setSlot((head + count) & (storage - 1), frame.rawValue)
        count += 1
    }

    /// Removes and returns the oldest frame; the ring must not be empty.
    mutating func removeFirst() -> FrameHandle {
        precondition(count > 0, "FrameRing empty")
        let frame = FrameHandle(rawValue: slot(head))
        head = (head + 1) & (storage - 1)
        count -= 1
        return frame
    }

    /// Doubles the storage (up to the capacity), keeping the frames in order from slot 0; the first growth moves
    /// them out of the inline slots.
    private mutating func grow() {
        let bigger = min(capacity, storage * 2)
        var slots = [UInt32](repeating: 0, count: bigger)
        for i in 0..<count { slots[i] = slot((head + i) & (storage - 1)) }
        spilled = slots
        storage = bigger
        head = 0
    }
}
