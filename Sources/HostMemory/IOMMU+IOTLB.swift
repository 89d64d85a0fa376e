import SimCore

extension IOMMU {
    /// The IOTLB: a fully associative cache of page table entries keyed by I/O virtual page number, with a fixed
    /// number of slots kept on one recency list.
    ///
    /// The list runs from the newest slot to the oldest. A fill goes to the newest end; under LRU a hit moves its
    /// slot there too, under FIFO it stays put. A fill into a full cache reuses the oldest slot. Every operation is
    /// O(1) apart from range invalidation, and none allocates after `init`: the slot storage never grows, and the
    /// page-to-slot table (``SimCore/IntegerTable``) has room for `capacity` keys and cannot be iterated, so its
    /// layout cannot leak into results.
    @usableFromInline
    final class IOTLB {
        @usableFromInline let capacity: Int
        @usableFromInline let policy: ReplacementPolicy
        // Per-slot state in memory the IOTLB owns (allocated in `init`, freed in `deinit`) rather than in arrays: a
        // hit under LRU rewrites four list links, and array stores would each check that the array is not shared.
        /// The I/O virtual page number cached in each slot.
        @usableFromInline let pages: UnsafeMutablePointer<UInt64>
        /// The page table entry cached in each slot.
        @usableFromInline let entries: UnsafeMutablePointer<PageTableEntry>
        /// For each slot on the list, the next newer slot, or -1 at the newest end.
        @usableFromInline let newer: UnsafeMutablePointer<Int>
        /// For each slot on the list, the next older slot, or -1 at the oldest end.
        @usableFromInline let older: UnsafeMutablePointer<Int>
        @usableFromInline var newest = -1
        @usableFromInline var oldest = -1
        /// Slots not on the list, used from the end.
        @usableFromInline var free: [Int]
        /// The slot of each cached page.
        @usableFromInline var slots: IntegerTable

        init(capacity: Int, policy: ReplacementPolicy) {
            precondition(capacity >= 0, "negative IOTLB capacity")
            self.capacity = capacity
            self.policy = policy
            let allocated = max(capacity, 1)
            pages = .allocate(capacity: allocated)
            pages.initialize(repeating: 0, count: allocated)
            entries = .allocate(capacity: allocated)
            entries.initialize(repeating: .empty, count: allocated)
            newer = .allocate(capacity: allocated)
            newer.initialize(repeating: -1, count: allocated)
            older = .allocate(capacity: allocated)
            older.initialize(repeating: -1, count: allocated)
            free = Array((0..<capacity).reversed())
            slots = IntegerTable(capacity: capacity)
        }

        deinit {
            pages.deallocate()
            entries.deallocate()
            newer.deallocate()
            older.deallocate()
        }

        /// Entries cached now.
        @inlinable var count: Int { slots.count }

        /// The cached entry for `page`, or nil; under LRU a hit becomes the newest entry.
        @inlinable
        func lookup(page: UInt64) -> PageTableEntry? {
            guard let found = slots.value(for: page) else { return nil }
            let slot = Int(found)
            if policy == .lru && slot != newest {
                unlink(slot)
                pushNewest(slot)
            }
            return entries[slot]
        }

        /// Caches `entry` for `page`, which is not cached now, as the newest entry; returns whether an older entry
        /// had to be evicted. With capacity 0 nothing is cached.
        @inlinable
        func fill(page: UInt64, entry: PageTableEntry) -> Bool {
            guard capacity > 0 else { return false }
            let slot: Int
            var evicted = false
            if let unused = free.popLast() {
                slot = unused
            } else {
                slot = oldest
                unlink(slot)
                slots.remove(pages[slot])
                evicted = true
            }
            pages[slot] = page
            entries[slot] = entry
            slots.set(Int32(slot), for: page)
            pushNewest(slot)
            return evicted
        }

        /// Drops the cached entries of pages `first...last`; returns how many there were.
        func remove(pagesFrom first: UInt64, through last: UInt64) -> Int {
            var removed = 0
            if last - first < UInt64(count) {
                // Fewer pages in the range than cached entries: look each page up.
                for page in first...last {
                    if let slot = slots.value(for: page) {
                        remove(slot: Int(slot))
                        removed += 1
                    }
                }
            } else {
                var slot = oldest
                while slot >= 0 {
                    let next = newer[slot]
                    if pages[slot] >= first && pages[slot] <= last {
                        remove(slot: slot)
                        removed += 1
                    }
                    slot = next
                }
            }
            return removed
        }

        /// Drops every cached entry; returns how many there were.
        func removeAll() -> Int {
            let removed = count
            while oldest >= 0 { remove(slot: oldest) }
            return removed
        }

        @usableFromInline
        func remove(slot: Int) {
            unlink(slot)
            slots.remove(pages[slot])
            entries[slot] = .empty
            free.append(slot)
        }

        @inlinable
        func unlink(_ slot: Int) {
            let toNewer = newer[slot]
            let toOlder = older[slot]
            if toNewer >= 0 { older[toNewer] = toOlder } else { newest = toOlder }
            if toOlder >= 0 { newer[toOlder] = toNewer } else { oldest = toNewer }
            newer[slot] = -1
            older[slot] = -1
        }

        @inlinable
        func pushNewest(_ slot: Int) {
            older[slot] = newest
            newer[slot] = -1
            if newest >= 0 { newer[newest] = slot } else { oldest = slot }
            newest = slot
        }

        /// The cached pages from newest to oldest (for tests).
        var pagesByRecency: [UInt64] {
            var result: [UInt64] = []
            var slot = newest
            while slot >= 0 {
                result.append(pages[slot])
                slot = older[slot]
            }
            return result
        }
    }
}
