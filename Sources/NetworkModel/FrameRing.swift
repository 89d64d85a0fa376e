import SimCore

/// A first-in first-out queue of frame handles with a fixed power-of-two capacity.
///
/// The storage is allocated once, in `init`; appending and removing never allocate. Callers check ``isFull`` before
/// every ``append(_:)`` (appending to a full ring is a bug and traps).
struct FrameRing {
    private var slots: [UInt32]
    private var head = 0
    /// Frames held.
    private(set) var count = 0
    private let mask: Int

    /// Creates a ring that holds at least `minimumCapacity` frames (rounded up to a power of two).
    init(minimumCapacity: Int) {
        precondition(minimumCapacity > 0 && minimumCapacity <= 1 << 30)
        var capacity = 1
        while capacity < minimumCapacity { capacity <<= 1 }
        slots = Array(repeating: 0, count: capacity)
        mask = capacity - 1
    }

    /// Frames the ring can hold.
    var capacity: Int { mask + 1 }
    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == capacity }

    /// The oldest frame, if any.
    var first: FrameHandle? { count == 0 ? nil : FrameHandle(rawValue: slots[head]) }

    /// Adds a frame at the tail; the ring must not be full.
    mutating func append(_ frame: FrameHandle) {
        precondition(count < capacity, "FrameRing full: check isFull before appending")
        slots[(head + count) & mask] = frame.rawValue
        count += 1
    }

    /// Removes and returns the oldest frame; the ring must not be empty.
    mutating func removeFirst() -> FrameHandle {
        precondition(count > 0, "FrameRing empty")
        let frame = FrameHandle(rawValue: slots[head])
        head = (head + 1) & mask
        count -= 1
        return frame
    }
}
