import SimCore

/// A first-in first-out queue of frame handles with a fixed power-of-two capacity.
///
/// Storage starts at 16 slots (or the capacity, if smaller) and doubles, up to the capacity, the first time the
/// queue holds more frames than ever before; after that high-water mark appending and removing never allocate. A
/// port that never queues much thus costs 64 bytes, not room for a full buffer of minimum-size frames, which
/// matters for switches with thousands of ports. Callers check ``isFull`` before every ``append(_:)`` (appending
/// to a full ring is a bug and traps).
struct FrameRing {
    private var slots: [UInt32]
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
        slots = Array(repeating: 0, count: min(capacity, 16))
    }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == capacity }

    /// The oldest frame, if any.
    var first: FrameHandle? { count == 0 ? nil : FrameHandle(rawValue: slots[head]) }

    /// Adds a frame at the tail; the ring must not be full.
    mutating func append(_ frame: FrameHandle) {
        precondition(count < capacity, "FrameRing full: check isFull before appending")
        if count == slots.count { grow() }
        slots[(head + count) & (slots.count - 1)] = frame.rawValue
        count += 1
    }

    /// Removes and returns the oldest frame; the ring must not be empty.
    mutating func removeFirst() -> FrameHandle {
        precondition(count > 0, "FrameRing empty")
        let frame = FrameHandle(rawValue: slots[head])
        head = (head + 1) & (slots.count - 1)
        count -= 1
        return frame
    }

    /// Doubles the storage (up to the capacity), keeping the frames in order from slot 0.
    private mutating func grow() {
        let old = slots.count
        var bigger = [UInt32](repeating: 0, count: min(capacity, old * 2))
        for i in 0..<count { bigger[i] = slots[(head + i) & (old - 1)] }
        slots = bigger
        head = 0
    }
}
