/// A growable hash map from 64-bit keys to 64-bit values, for tables looked up per packet that have no fixed size
/// (an IOMMU's device page table).
///
/// Open addressing with linear probing over a power-of-two array kept at most half full, Fibonacci hashing (one
/// multiply) and backward-shift deletion, like ``IntegerTable``, but it doubles when it fills. A slot is 16 bytes
/// (key and value; the key `UInt64.max` marks an empty slot and cannot be stored), so a probe usually touches one
/// cache line where a `Dictionary` lookup hashes with SipHash and reads separate key and value arrays. The map
/// cannot be iterated in slot order from outside, so its layout can never leak into results.
public struct IntegerMap: Sendable {
    @usableFromInline static let emptyKey = UInt64.max
    @usableFromInline struct Slot: Sendable {
        @usableFromInline var key: UInt64
        @usableFromInline var value: UInt64
        @usableFromInline init(key: UInt64, value: UInt64) {
            self.key = key
            self.value = value
        }
    }
    @usableFromInline var slots: [Slot]
    @usableFromInline var mask: Int
    @usableFromInline var shift: UInt64
    /// Keys held.
    public private(set) var count = 0

    /// Creates an empty map with room for `capacity` keys before it first grows.
    public init(capacity: Int = 8) {
        let (slots, bits) = hashSlots(capacity: capacity, minimumBits: 4)
        self.slots = Array(repeating: Slot(key: Self.emptyKey, value: 0), count: slots)
        mask = slots - 1
        shift = 64 - bits
    }

    public var isEmpty: Bool { count == 0 }

    @inlinable func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// The value stored for `key`, or nil.
    @inlinable public subscript(key: UInt64) -> UInt64? {
        var i = home(key)
        while true {
            let k = slots[i].key
            if k == key { return slots[i].value }
            if k == Self.emptyKey { return nil }
            i = (i &+ 1) & mask
        }
    }

    /// Stores `value` for `key` (not `UInt64.max`), replacing an earlier value.
    public mutating func set(_ value: UInt64, for key: UInt64) {
        precondition(key != Self.emptyKey, "IntegerMap cannot store the key UInt64.max")
        if 2 * (count + 1) > slots.count { grow() }
        var i = home(key)
        while slots[i].key != Self.emptyKey {
            if slots[i].key == key {
                slots[i].value = value
                return
            }
            i = (i &+ 1) & mask
        }
        slots[i] = Slot(key: key, value: value)
        count += 1
    }

    /// Hints to the processor that `key` will be looked up soon: the cache line of its home slot is fetched ahead,
    /// so a lookup a little later (after other work) finds it near. Changes nothing in the map.
    public func prefetch(_ key: UInt64) {
        HostCache.prefetch(element: home(key), of: slots)
    }

    /// Removes `key`; returns its value, or nil when it was not there.
    @discardableResult
    public mutating func remove(_ key: UInt64) -> UInt64? {
        var hole = home(key)
        while slots[hole].key != key {
            if slots[hole].key == Self.emptyKey { return nil }
            hole = (hole &+ 1) & mask
        }
        let removed = slots[hole].value
        slots[hole].key = Self.emptyKey
        count -= 1
        // Backward shift: pull later entries of the probe run into the hole unless their home lies after it.
        var j = hole
        while true {
            j = (j &+ 1) & mask
            guard slots[j].key != Self.emptyKey else { return removed }
            let k = home(slots[j].key)
            let stays = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j)
            if stays { continue }
            slots[hole] = slots[j]
            slots[j].key = Self.emptyKey
            hole = j
        }
    }

    /// Removes every key for which `shouldRemove` is true (visited in slot order, so the predicate must not depend
    /// on the order it sees keys in); returns how many were removed.
    @discardableResult
    public mutating func removeAll(where shouldRemove: (UInt64) -> Bool) -> Int {
        let kept = slots.filter { $0.key != Self.emptyKey && !shouldRemove($0.key) }
        let removed = count - kept.count
        guard removed > 0 else { return 0 }
        for i in slots.indices { slots[i].key = Self.emptyKey }
        count = 0
        for slot in kept { set(slot.value, for: slot.key) }
        return removed
    }

    /// Doubles the slots and re-inserts every entry.
    mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(key: Self.emptyKey, value: 0), count: old.count * 2)
        mask = slots.count - 1
        shift -= 1
        count = 0
        for slot in old where slot.key != Self.emptyKey { set(slot.value, for: slot.key) }
    }
}
