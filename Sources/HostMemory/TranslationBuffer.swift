/// A driver-held translation buffer (benchmarks B5/B6): regions of application memory registered once — walked and
/// pinned once — and afterwards translated by lookup instead of a page walk.
///
/// Mirrors the registered-buffer schemes of RDMA memory regions and `io_uring` fixed buffers: registration pays
/// the walk and the pin up front; a later send from inside the region is a table lookup (a hit). A send from
/// anywhere else is a miss, and the caller falls back to ``AddressSpace/physicalPieces(of:length:into:)``.
///
/// A registration records the mapping as it was; like a pinned page, it is not updated if the page table changes
/// later. A region keeps its address space alive until it is unregistered.
public final class TranslationBuffer {
    /// Identifies one registered region.
    public struct RegionID: RawRepresentable, Hashable, Sendable {
        /// A number unique within the buffer that issued it.
        public var rawValue: Int

        /// Wraps a raw region number.
        @inlinable public init(rawValue: Int) { self.rawValue = rawValue }
    }

    /// One registered region: the frame of every page it touches.
    @usableFromInline
    struct Region {
        @usableFromInline let id: Int
        @usableFromInline let space: AddressSpace
        /// First virtual byte of the region.
        @usableFromInline let start: UInt64
        /// One past the last virtual byte.
        @usableFromInline let end: UInt64
        /// Physical address of the frame of the page that holds `start`, kept inline (most registered buffers
        /// fit one page, and then a lookup touches no other heap object).
        @usableFromInline let firstFrame: UInt64
        /// Physical addresses of the frames of the following pages, in order (empty for a one-page region).
        @usableFromInline let moreFrames: [UInt64]

        /// Pages the region touches.
        @usableFromInline var pageCount: Int { 1 + moreFrames.count }

        @inlinable
        init(id: Int, space: AddressSpace, start: UInt64, end: UInt64, frames: [UInt64]) {
            precondition(!frames.isEmpty, "a region touches at least one page")
            self.id = id
            self.space = space
            self.start = start
            self.end = end
            self.firstFrame = frames[0]
            self.moreFrames = frames.count == 1 ? [] : Array(frames.dropFirst())
        }

        /// Appends the pieces of [`address`, `end`), which lies inside the region, merging adjacent frames.
        @inlinable
        func appendPieces(from address: UInt64, to end: UInt64, into pieces: inout [PhysicalRange]) {
            let firstNew = pieces.count
            let firstPage = start >> UInt64(Page.shift)
            var current = address
            while current < end {
                let within = current & Page.offsetMask
                let chunk = min(end - current, UInt64(Page.size) - within)
                let page = Int((current >> UInt64(Page.shift)) - firstPage)
                let frame = page == 0 ? firstFrame : moreFrames[page - 1]
                PhysicalRange.appendMerging(frame | within, length: Int(chunk), to: &pieces, firstNew: firstNew)
                current += chunk
            }
        }
    }

    /// The regions of one address space, sorted by start, with `reach[i]` the largest end among `regions[0...i]`
    /// so that a lookup can stop scanning early even when regions overlap.
    @usableFromInline
    struct SpaceRegions {
        @usableFromInline var regions: [Region] = []
        @usableFromInline var reach: [UInt64] = []
        /// True when no two regions overlap: then at most one region contains any byte, and a guess can be checked
        /// on its own.
        @usableFromInline var disjoint = true

        @inlinable init() {}

        /// The index in ``regions`` of a region containing [`start`, `end`), or nil. Allocates nothing.
        ///
        /// When the regions are disjoint, `hint` and `hint + 1` (the region used last, and the one after it: a
        /// driver sending from buffers in address order) are tried before the binary search; the region containing
        /// a range is then unique, so the answer is the same either way.
        @inlinable
        func find(start: UInt64, end: UInt64, hint: Int = 0) -> Int? {
            let needed = max(end, start + 1)
            if disjoint {
                for guess in hint..<min(hint + 2, regions.count) where guess >= 0 {
                    if regions[guess].start <= start && regions[guess].end >= needed { return guess }
                }
            }
            var low = 0
            var high = regions.count
            while low < high {
                let middle = (low + high) >> 1
                if regions[middle].start <= start { low = middle + 1 } else { high = middle }
            }
            // A region must end at or after `end` and strictly after `start` (so a zero-length range at a region's
            // end is outside it).
            var index = low - 1
            while index >= 0 && reach[index] >= needed {
                if regions[index].end >= needed { return index }
                index -= 1
            }
            return nil
        }

        /// Inserts `region` after every region starting at or before it, and updates `reach` from there on
        /// (only the new last entry when it sorts last, as buffers registered in address order do).
        mutating func insert(_ region: Region) {
            var low = 0
            var high = regions.count
            while low < high {
                let middle = (low + high) >> 1
                if regions[middle].start <= region.start { low = middle + 1 } else { high = middle }
            }
            regions.insert(region, at: low)
            rebuildReach(from: low)
        }

        /// Recomputes `reach[from...]` from the regions, and whether they are disjoint (from scratch when `first`
        /// is 0; otherwise the regions before `first` are as they were, and an overlap found earlier stays).
        mutating func rebuildReach(from first: Int = 0) {
            reach.removeSubrange(min(first, reach.count)...)
            if first == 0 { disjoint = true }
            var largest: UInt64 = first > 0 ? reach[first - 1] : 0
            for index in first..<regions.count {
                if index > 0 && largest > regions[index].start { disjoint = false }
                largest = max(largest, regions[index].end)
                reach.append(largest)
            }
        }
    }

    @usableFromInline var spaces: [ObjectIdentifier: SpaceRegions] = [:] {
        didSet { lastSpace = nil }
    }
    /// The regions of the space translated last (a driver serves one process at a time, often only one), so a
    /// translation skips the dictionary; forgotten whenever `spaces` changes.
    @usableFromInline var lastSpace: ObjectIdentifier?
    @usableFromInline var lastRegions = SpaceRegions()
    /// The index in `lastRegions` of the region the last hit used (a hint for the next lookup).
    @usableFromInline var lastIndex = 0
    @usableFromInline var byID: [Int: Region] = [:]
    @usableFromInline var _counters = TranslationCounters()
    var nextID = 1

    /// The buffer's counters. Page walks and pins are counted at registration; hits and misses at translation.
    public var counters: TranslationCounters { _counters }

    /// Pages pinned by the regions registered now.
    public private(set) var pinnedPages = 0

    /// Regions registered now.
    public var regionCount: Int { byID.count }

    /// Creates an empty translation buffer.
    public init() {}

    /// Registers [`address`, `address + length`) of `space`: walks every page once (counted as page walks, in the
    /// buffer's counters and in `space`), pins it, and records its frame.
    ///
    /// - Throws: Range faults, ``MemoryFault/Code/badLength`` for a zero length, or
    ///   ``MemoryFault/Code/unmappedVirtual``; nothing is registered or pinned then.
    public func register(space: AddressSpace, address: VirtualAddress, length: Int) throws(MemoryFault) -> RegionID {
        let end = try MemoryFault.checkRange(address.rawValue, length: length, limit: AddressSpace.limit)
        guard length > 0 else {
            throw MemoryFault(code: .badLength, address: address.rawValue, length: length)
        }
        let firstPage = address.rawValue >> UInt64(Page.shift)
        let lastPage = (end - 1) >> UInt64(Page.shift)
        var frames: [UInt64] = []
        frames.reserveCapacity(Int(lastPage - firstPage + 1))
        for page in firstPage...lastPage {
            _counters.pageWalks &+= 1
            let faultAddress = max(address.rawValue, page << UInt64(Page.shift))
            frames.append(try space.walk(page: page, faultAddress: faultAddress, length: length))
        }
        let id = nextID
        nextID += 1
        let region = Region(id: id, space: space, start: address.rawValue, end: end, frames: frames)
        byID[id] = region
        // Taken out of the table, with the remembered copy dropped, the entry is uniquely referenced and grows in
        // place (registering N buffers costs O(N log N), not N copies of the table).
        lastRegions = SpaceRegions()
        var entry = spaces.removeValue(forKey: ObjectIdentifier(space)) ?? SpaceRegions()
        entry.insert(region)
        spaces[ObjectIdentifier(space)] = entry
        pinnedPages += frames.count
        _counters.pagesPinned &+= UInt64(frames.count)
        _counters.registrations &+= 1
        return RegionID(rawValue: id)
    }

    /// Unregisters a region and unpins its pages. Unknown or already unregistered ids are ignored.
    public func unregister(_ id: RegionID) {
        guard let region = byID.removeValue(forKey: id.rawValue) else { return }
        let key = ObjectIdentifier(region.space)
        lastRegions = SpaceRegions()
        if var entry = spaces.removeValue(forKey: key) {
            entry.regions.removeAll { $0.id == id.rawValue }
            entry.rebuildReach()
            spaces[key] = entry.regions.isEmpty ? nil : entry
        }
        pinnedPages -= region.pageCount
    }

    /// Translates [`address`, `address + length`) of `space` by lookup if it lies entirely inside one registered
    /// region of that space.
    ///
    /// On a hit, appends the physical pieces (split at page boundaries, physically adjacent pages merged), counts a
    /// hit and returns true; a zero length inside a region is a hit with no pieces. Otherwise — including a bad
    /// range — counts a miss, leaves `pieces` alone and returns false, and the caller walks the page table.
    /// Allocates nothing when `pieces` has capacity.
    public func translate(
        space: AddressSpace, address: VirtualAddress, length: Int, into pieces: inout [PhysicalRange]
    ) -> Bool {
        let key = ObjectIdentifier(space)
        if key != lastSpace, let regions = spaces[key] {
            lastRegions = regions
            lastSpace = key
        }
        guard key == lastSpace,
            let end = try? MemoryFault.checkRange(address.rawValue, length: length, limit: AddressSpace.limit),
            let index = lastRegions.find(start: address.rawValue, end: end, hint: lastIndex)
        else {
            _counters.misses &+= 1
            return false
        }
        lastIndex = index
        lastRegions.regions[index].appendPieces(from: address.rawValue, to: end, into: &pieces)
        _counters.hits &+= 1
        return true
    }

    /// Translates `length` bytes at `offset` from the start of a registered region, counting a hit.
    ///
    /// For a driver that already knows which region a buffer belongs to.
    ///
    /// - Throws: ``MemoryFault/Code/notRegistered`` for an unknown region, ``MemoryFault/Code/badLength`` for a
    ///   negative offset or length, ``MemoryFault/Code/outOfRange`` when the range leaves the region.
    @inlinable
    public func translate(
        region id: RegionID, offset: Int, length: Int, into pieces: inout [PhysicalRange]
    ) throws(MemoryFault) {
        guard let region = byID[id.rawValue] else {
            throw MemoryFault(code: .notRegistered, address: 0, length: length)
        }
        guard offset >= 0 else {
            throw MemoryFault(code: .badLength, address: region.start, length: offset)
        }
        let start = region.start + UInt64(offset)
        let end = try MemoryFault.checkRange(start, length: length, limit: region.end)
        region.appendPieces(from: start, to: end, into: &pieces)
        _counters.hits &+= 1
    }
}
