/// A first-in first-out queue of at most ``capacity`` elements whose storage is allocated once, in `init`.
///
/// The one ring type of the emulator's own containers: a driver's software rings (packets and report points on
/// a transmit ring), a device's on-chip queues (frames fetched, the receive packet buffer). Storage is a
/// power-of-two array at least ``capacity`` long, so a position wraps with a mask instead of a division; appending
/// and removing never allocate. ``capacity`` itself is exact (a queue of 1536 entries is full at 1536).
///
/// Positions count from the oldest element: `ring[0]` is ``first``, `ring[count - 1]` the newest. Appending to a
/// full ring or removing from an empty one is a bug in the caller and traps (callers check ``isFull`` and
/// ``isEmpty``, or ``count``, first).
public struct Ring<Element> {
    @usableFromInline var storage: [Element]
    @usableFromInline let mask: Int
    @usableFromInline var head = 0
    @usableFromInline var held = 0
    /// Elements the ring can hold.
    public let capacity: Int

    /// Creates an empty ring for up to `capacity` elements; `filler` initialises the storage and is never read.
    public init(capacity: Int, filler: Element) {
        precondition(capacity >= 0 && capacity <= 1 << 30, "a ring holds 0 to 2^30 elements")
        var slots = 1
        while slots < capacity { slots <<= 1 }
        self.capacity = capacity
        self.mask = slots - 1
        self.storage = Array(repeating: filler, count: slots)
    }

    /// Elements held.
    @inlinable public var count: Int { held }
    @inlinable public var isEmpty: Bool { held == 0 }
    @inlinable public var isFull: Bool { count == capacity }
    /// Elements that can still be appended.
    @inlinable public var free: Int { capacity - count }

    /// The oldest element, if any.
    @inlinable public var first: Element? { count == 0 ? nil : storage[head] }

    /// The element `position` places after the oldest (`0 ..< count`).
    @inlinable public subscript(position: Int) -> Element {
        get {
            assert(position >= 0 && position < held, "Ring position out of range")
            return storage[(head &+ position) & mask]
        }
        _modify {
            assert(position >= 0 && position < held, "Ring position out of range")
            yield &storage[(head &+ position) & mask]
        }
    }

    /// Adds `element` after the newest; the ring must not be full.
    @inlinable public mutating func append(_ element: Element) {
        precondition(count < capacity, "Ring full: check isFull before appending")
        storage[(head &+ count) & mask] = element
        held &+= 1
    }

    /// Removes and returns the oldest element; the ring must not be empty.
    @inlinable @discardableResult public mutating func removeFirst() -> Element {
        precondition(count > 0, "Ring empty: check isEmpty before removing")
        let element = storage[head]
        head = (head &+ 1) & mask
        held &-= 1
        return element
    }

    /// Removes the `n` oldest elements (`0 ... count`).
    @inlinable public mutating func removeFirst(_ n: Int) {
        precondition(n >= 0 && n <= count, "Ring holds fewer elements than removed")
        head = (head &+ n) & mask
        held &-= n
    }

    /// Removes every element; the storage is kept.
    @inlinable public mutating func removeAll() {
        head = 0
        held = 0
    }
}

extension Ring: Sendable where Element: Sendable {}
