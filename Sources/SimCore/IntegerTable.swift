/// A hash table from 64-bit keys to 32-bit values with a fixed capacity, for lookups made per packet (a switch's
/// MAC table, an IOTLB).
///
/// Open addressing with linear probing over a power-of-two array at most half full, Fibonacci hashing (one multiply)
/// and backward-shift deletion, so lookups cost a multiply and a short probe instead of a SipHash round, and
/// nothing is allocated after `init`. Key, value and occupancy share one 16-byte slot, so a probe touches one cache
/// line (tables with thousands of entries are mostly out of cache). The table cannot be iterated, so its layout can
/// never leak into results.
public struct IntegerTable: Sendable {
    @usableFromInline struct Slot: Sendable {
        @usableFromInline var key: UInt64 = 0
        @usableFromInline var value: Int32 = 0
        @usableFromInline var occupied = false
        @usableFromInline init() {}
    }
    @usableFromInline var slots: [Slot]
    @usableFromInline let mask: Int
    @usableFromInline let shift: UInt64
    /// Keys the table can hold.
    public let capacity: Int
    /// Keys held.
    public var count: Int { used }
    @usableFromInline var used = 0

    /// Creates an empty table for up to `capacity` keys; its storage is allocated here, once.
    public init(capacity: Int) {
        let (count, bits) = hashSlots(capacity: capacity, minimumBits: 3)
        self.capacity = capacity
        self.mask = count - 1
        self.shift = 64 - bits
        self.slots = Array(repeating: Slot(), count: count)
    }

    /// The slot a key's probe starts at: the top bits of the key times 2^64/φ.
    @inlinable func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// The slot holding `key`, or nil.
    @inlinable func slot(of key: UInt64) -> Int? {
        var i = home(key)
        while slots[i].occupied {
            if slots[i].key == key { return i }
            i = (i &+ 1) & mask
        }
        return nil
    }

    /// The value stored for `key`, or nil.
    @inlinable public func value(for key: UInt64) -> Int32? {
        guard let i = slot(of: key) else { return nil }
        return slots[i].value
    }

    /// Hints to the processor that `key` will be looked up soon (its home slot's cache line is fetched ahead).
    /// Changes nothing in the table.
    public func prefetch(_ key: UInt64) {
        HostCache.prefetch(element: home(key), of: slots)
    }

    /// Stores `value` for `key`; returns false (and changes nothing) when `key` is new and the table is full.
    @inlinable @discardableResult
    public mutating func set(_ value: Int32, for key: UInt64) -> Bool {
        var i = home(key)
        while slots[i].occupied {
            if slots[i].key == key {
                slots[i].value = value
                return true
            }
            i = (i &+ 1) & mask
        }
        guard used < capacity else { return false }
        slots[i].key = key
        slots[i].value = value
        slots[i].occupied = true
        used += 1
        return true
    }

    /// Stores `value` for `key`, first doubling the table (to at least 64 keys) when `key` is new and the table is
    /// full: for tables that grow with what a run meets (a host's destinations), never on a per-packet path.
    public mutating func insertGrowing(_ value: Int32, for key: UInt64) {
        if slot(of: key) == nil && used == capacity {
            var bigger = IntegerTable(capacity: max(64, 2 * capacity))
            for slot in slots where slot.occupied { bigger.set(slot.value, for: slot.key) }
            self = bigger
        }
        set(value, for: key)
    }

    /// Removes `key`; returns its value, or nil when it was not there.
    @discardableResult
    public mutating func remove(_ key: UInt64) -> Int32? {
        guard var hole = slot(of: key) else { return nil }
        let removed = slots[hole].value
        slots[hole].occupied = false
        used -= 1
        // Backward shift: pull later entries of the probe run into the hole unless their home lies after it.
        var j = hole
        while true {
            j = (j &+ 1) & mask
            guard slots[j].occupied else { return removed }
            let k = home(slots[j].key)
            let stays = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j)
            if stays { continue }
            slots[hole] = slots[j]
            slots[j].occupied = false
            hole = j
        }
    }
}

/// The slot count (a power of two, at least 2^`minimumBits`, at least twice `capacity`) and its base-2 logarithm of
/// an open-addressing table kept at most half full (``IntegerTable``, ``IntegerMap``).
func hashSlots(capacity: Int, minimumBits: UInt64) -> (count: Int, bits: UInt64) {
    precondition(capacity >= 0, "negative capacity")
    var count = 1 << Int(minimumBits)
    var bits = minimumBits
    while count < 2 * capacity {
        count <<= 1
        bits += 1
    }
    return (count, bits)
}
