/// A reference to one frame held in a ``FrameStore``.
///
/// Handles are plain integers so that events can carry them; exactly one component owns a handle at a time and
/// releases it when the frame leaves the simulation.
public struct FrameHandle: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
}

/// Fixed-size slots for frames in flight, recycled through a free list.
///
/// All bytes live in one array; a slot's bytes start at ``offset(of:)``. Once the store has grown to the number of
/// frames a scenario keeps in flight, allocating and releasing frames allocates no memory.
public final class FrameStore {
    /// Bytes each slot can hold.
    public let slotCapacity: Int
    /// The backing bytes of every slot. Components read and write a frame at `offset(of:)..<offset(of:) + length(of:)`.
    public var bytes: [UInt8] = []
    @usableFromInline var lengths: [Int32] = []
    @usableFromInline var free: [UInt32] = []
    /// Frames currently allocated.
    public var live: Int { _live }
    /// The most frames allocated at once.
    public var peakLive: Int { _peakLive }
    @usableFromInline var _live = 0
    @usableFromInline var _peakLive = 0

    public init(slotCapacity: Int, initialSlots: Int = 256) {
        precondition(slotCapacity > 0)
        self.slotCapacity = slotCapacity
        grow(to: initialSlots)
    }

    /// Number of slots the store holds now.
    public var capacity: Int { lengths.count }

    func grow(to slots: Int) {
        let old = lengths.count
        guard slots > old else { return }
        bytes.append(contentsOf: repeatElement(0, count: (slots - old) * slotCapacity))
        lengths.append(contentsOf: repeatElement(-1, count: slots - old))
        free.reserveCapacity(slots)
        for i in stride(from: slots - 1, through: old, by: -1) { free.append(UInt32(i)) }
    }

    /// Takes a free slot with length 0, growing the store when none is free.
    @inlinable public func allocate() -> FrameHandle {
        if free.isEmpty { growForAllocation() }
        let index = free.removeLast()
        lengths[Int(index)] = 0
        _live += 1
        if _live > _peakLive { _peakLive = _live }
        return FrameHandle(rawValue: index)
    }

    @usableFromInline func growForAllocation() { grow(to: max(16, lengths.count * 2)) }

    /// Returns a slot to the free list.
    @inlinable public func release(_ frame: FrameHandle) {
        precondition(lengths[Int(frame.rawValue)] >= 0, "frame released twice")
        lengths[Int(frame.rawValue)] = -1
        free.append(frame.rawValue)
        _live -= 1
    }

    /// Where the frame's bytes start in ``bytes``.
    @inlinable public func offset(of frame: FrameHandle) -> Int { Int(frame.rawValue) * slotCapacity }

    /// The frame's length in bytes.
    @inlinable public func length(of frame: FrameHandle) -> Int { Int(lengths[Int(frame.rawValue)]) }

    /// Sets the frame's length; it must fit the slot.
    @inlinable public func setLength(_ length: Int, of frame: FrameHandle) {
        precondition(length >= 0 && length <= slotCapacity)
        lengths[Int(frame.rawValue)] = Int32(length)
    }

    /// Appends bytes to the end of a frame; returns false (and changes nothing) when they do not fit.
    @inlinable public func append(_ source: [UInt8], from start: Int, count: Int, to frame: FrameHandle) -> Bool {
        let length = self.length(of: frame)
        guard count >= 0, start >= 0, start + count <= source.count, length + count <= slotCapacity else {
            return false
        }
        let base = offset(of: frame) + length
        for i in 0..<count { bytes[base + i] = source[start + i] }
        lengths[Int(frame.rawValue)] = Int32(length + count)
        return true
    }

    /// A new frame with the same bytes.
    public func duplicate(_ frame: FrameHandle) -> FrameHandle {
        let copy = allocate()
        let n = length(of: frame)
        let from = offset(of: frame)
        let to = offset(of: copy)
        for i in 0..<n { bytes[to + i] = bytes[from + i] }
        setLength(n, of: copy)
        return copy
    }

    /// A copy of the frame's bytes as a new array (for tests and reports, not the hot path).
    public func contents(of frame: FrameHandle) -> [UInt8] {
        let o = offset(of: frame)
        return Array(bytes[o..<(o + length(of: frame))])
    }
}
