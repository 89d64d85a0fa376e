import SimCore

/// An IOMMU between a device and host memory: a device page table mapping 4 KiB I/O virtual pages to physical
/// frames with read/write permission, and an IOTLB caching recent translations.
///
/// Mirrors the DMA remapping unit of Intel VT-d or AMD-Vi as a driver programs it through Linux's `iommu_map` /
/// `iommu_unmap` / IOTLB flush. Give it to ``DMAEngine/init(memory:iommu:)`` and every address the device issues is
/// an I/O virtual address (IOVA), translated page by page; contiguous IOVA may map to scattered frames.
///
/// ## Translation
///
/// A translation of one page looks in the IOTLB first. A hit costs nothing extra. A miss walks the device page
/// table, costs ``Configuration/missLatency`` of virtual time and, if the page is mapped, fills the IOTLB
/// (evicting by the ``Configuration/replacement`` policy when full). An unmapped page is an
/// ``MemoryFault/Code/iommuUnmapped`` fault and a write to a read-only page an ``MemoryFault/Code/iommuPermission``
/// fault; faults are counted, never trap, and the device turns them into descriptor error status. Non-present
/// entries are never cached, so mapping a page that was unmapped needs no invalidation.
///
/// ## Invalidation
///
/// As in hardware, ``map(iova:physical:length:writable:)`` and ``unmap(iova:length:)`` change only the page table:
/// an IOTLB entry cached before the change keeps translating to the old frame until
/// ``invalidate(iova:length:)`` or ``invalidateAll()`` drops it. Invalidate right after unmapping or remapping
/// (Linux's strict mode), or later to model deferred invalidation and its window of stale access.
///
/// ## Latency
///
/// The IOMMU does not keep time. Each ``Translation`` reports its own ``Translation/latency``; a
/// ``DMAEngine`` adds up the latency of its transfers for the device to collect with
/// ``DMAEngine/takeAddedLatency()``. Over any interval the latency added is `misses × missLatency`.
///
/// Single-threaded, like every long-lived component of the simulator; one IOMMU may serve several DMA engines.
public final class IOMMU {
    /// The kind of device access being translated.
    public enum Access: Hashable, Sendable {
        /// The device reads host memory (descriptor fetch, payload read); any mapping allows it.
        case read
        /// The device writes host memory (write-back, received frames); needs a writable mapping.
        case write
    }

    /// The outcome of one successful page translation.
    public struct Translation: Hashable, Sendable {
        /// The physical address of the translated byte.
        public var physical: PhysicalAddress
        /// Whether the IOTLB held the page's translation.
        public var isHit: Bool
        /// Picoseconds of virtual time the translation added: zero on a hit, the miss latency on a miss.
        public var latency: SimDuration

        /// Creates a translation result.
        @inlinable public init(physical: PhysicalAddress, isHit: Bool, latency: SimDuration) {
            self.physical = physical
            self.isHit = isHit
            self.latency = latency
        }
    }

    /// One past the highest I/O virtual address: 2^48 bytes, the reach of a 4-level device page table. Ranges
    /// reaching beyond it are ``MemoryFault/Code/outOfRange``.
    @inlinable public static var addressLimit: UInt64 { 1 << 48 }

    /// One past the highest physical address a mapping may name: 2^52 bytes, the frame field of a page table entry.
    @inlinable static var physicalLimit: UInt64 { 1 << 52 }

    /// The parameters the IOMMU was built with.
    public let configuration: Configuration

    /// The IOMMU's counters.
    public var counters: Counters { _counters }

    /// I/O virtual pages mapped now.
    public var mappedPages: Int { table.count }

    /// IOTLB entries holding a translation now (at most ``Configuration/iotlbEntries``).
    public var iotlbOccupancy: Int { iotlb.count }

    /// The device page table: the entry of each mapped I/O virtual page, by page number. Looked up, never iterated
    /// on a path whose output depends on the order.
    @usableFromInline var table = IntegerMap()
    @usableFromInline let iotlb: IOTLB
    @usableFromInline var _counters = Counters()

    /// While true, every translation misses the IOTLB (as if it were flushed before each one) and walks the device
    /// page table: an injected IOTLB miss storm. Walked entries are still filled in, so the IOTLB is warm again
    /// when the storm ends. Counted in ``Counters/forcedMisses``.
    public var missesEveryTranslation = false

    /// Creates an IOMMU with an empty device page table and an empty IOTLB.
    ///
    /// - Precondition: `configuration` has a non-negative IOTLB capacity and miss latency (scenario parsing
    ///   rejects others before this point).
    public init(configuration: Configuration = Configuration()) {
        precondition(configuration.iotlbEntries >= 0, "negative IOTLB capacity")
        precondition(configuration.missLatency >= .zero, "negative IOTLB miss latency")
        self.configuration = configuration
        self.iotlb = IOTLB(capacity: configuration.iotlbEntries, policy: configuration.replacement)
    }

    // MARK: Page table

    /// Maps the I/O virtual pages of [`iova`, `iova + length`) to the physical frames from `physical` on, one to
    /// one, replacing earlier mappings of those pages.
    ///
    /// `length` is rounded up to whole pages. The IOTLB is not touched: if a replaced mapping may be cached, call
    /// ``invalidate(iova:length:)`` afterwards. Frames are not checked against any memory here; a mapping to a frame
    /// no allocator handed out makes the device's access fault with ``MemoryFault/Code/unmappedPhysical``.
    ///
    /// - Parameters:
    ///   - iova: The first I/O virtual address; must start a page.
    ///   - physical: The physical address `iova` maps to; must start a frame.
    ///   - length: Bytes to map; must be positive.
    ///   - writable: Whether the device may write the pages (reads are always allowed).
    /// - Throws: ``MemoryFault/Code/misaligned`` for an address inside a page, ``MemoryFault/Code/badLength`` for
    ///   a length that is not positive, ``MemoryFault/Code/addressOverflow`` or ``MemoryFault/Code/outOfRange`` when
    ///   either range passes 2^64, ``addressLimit`` or 2^52 physical. Nothing is mapped then.
    public func map(iova: IOVirtualAddress, physical: PhysicalAddress, length: Int, writable: Bool) throws(MemoryFault)
    {
        let (first, last) = try pageRange(iova, length: length)
        guard physical.isPageAligned else {
            throw MemoryFault(code: .misaligned, address: physical.rawValue, length: length)
        }
        _ = try MemoryFault.checkRange(physical.rawValue, length: length, limit: Self.physicalLimit)
        var frame = physical.rawValue
        for page in first...last {
            table.set(PageTableEntry(frame: PhysicalAddress(rawValue: frame), writable: writable).rawValue, for: page)
            frame += UInt64(Page.size)
        }
    }

    /// Removes the mappings of the I/O virtual pages of [`iova`, `iova + length`) and returns how many pages were
    /// mapped; pages already unmapped are skipped.
    ///
    /// `length` is rounded up to whole pages. The IOTLB is not touched: cached translations of these pages keep
    /// working until ``invalidate(iova:length:)`` or ``invalidateAll()``.
    ///
    /// - Throws: ``MemoryFault/Code/misaligned`` when `iova` does not start a page, ``MemoryFault/Code/badLength``
    ///   for a length that is not positive, range faults beyond ``addressLimit``. Nothing is unmapped then.
    @discardableResult
    public func unmap(iova: IOVirtualAddress, length: Int) throws(MemoryFault) -> Int {
        let (first, last) = try pageRange(iova, length: length)
        let before = table.count
        if last - first < UInt64(before) {
            for page in first...last { table.remove(page) }
        } else {
            // More pages in the range than mapped: visit the mapped ones instead (the result is order-independent).
            table.removeAll { $0 >= first && $0 <= last }
        }
        return before - table.count
    }

    /// The first and last page numbers of a page-aligned range.
    func pageRange(_ iova: IOVirtualAddress, length: Int) throws(MemoryFault) -> (first: UInt64, last: UInt64) {
        guard iova.isPageAligned else {
            throw MemoryFault(code: .misaligned, address: iova.rawValue, length: length)
        }
        let end = try MemoryFault.checkRange(iova.rawValue, length: length, limit: Self.addressLimit)
        guard length > 0 else {
            throw MemoryFault(code: .badLength, address: iova.rawValue, length: length)
        }
        return (iova.rawValue >> UInt64(Page.shift), (end - 1) >> UInt64(Page.shift))
    }

    // MARK: IOTLB invalidation

    /// Drops the IOTLB entries of every I/O virtual page that [`iova`, `iova + length`) touches and returns how
    /// many were cached: one invalidation command (a page-selective IOTLB invalidation descriptor in VT-d).
    ///
    /// The next translation of each such page misses and walks the page table. A zero length drops nothing but is
    /// still a command.
    ///
    /// - Throws: ``MemoryFault/Code/badLength``, ``MemoryFault/Code/addressOverflow`` or
    ///   ``MemoryFault/Code/outOfRange`` beyond ``addressLimit``; nothing is counted or dropped then.
    @discardableResult
    public func invalidate(iova: IOVirtualAddress, length: Int) throws(MemoryFault) -> Int {
        let end = try MemoryFault.checkRange(iova.rawValue, length: length, limit: Self.addressLimit)
        _counters.invalidations &+= 1
        guard end > iova.rawValue else { return 0 }
        let removed = iotlb.remove(
            pagesFrom: iova.rawValue >> UInt64(Page.shift), through: (end - 1) >> UInt64(Page.shift))
        _counters.invalidatedEntries &+= UInt64(removed)
        return removed
    }

    /// Empties the IOTLB and returns how many entries it held: one invalidation command (a global IOTLB
    /// invalidation).
    @discardableResult
    public func invalidateAll() -> Int {
        _counters.invalidations &+= 1
        let removed = iotlb.removeAll()
        _counters.invalidatedEntries &+= UInt64(removed)
        return removed
    }

    // MARK: Translation

    /// Translates one I/O virtual address for a device access of kind `access`: one counted page translation.
    ///
    /// - Throws: ``MemoryFault/Code/outOfRange`` at or beyond ``addressLimit`` (not counted as a translation),
    ///   ``MemoryFault/Code/iommuUnmapped`` or ``MemoryFault/Code/iommuPermission`` (counted; a miss before the
    ///   fault still costs its latency).
    public func translate(_ iova: IOVirtualAddress, access: Access) throws(MemoryFault) -> Translation {
        _ = try MemoryFault.checkRange(iova.rawValue, length: 1, limit: Self.addressLimit)
        let (entry, hit) = try translate(
            page: iova.rawValue >> UInt64(Page.shift), access: access, faultAddress: iova.rawValue, length: 1)
        return Translation(
            physical: PhysicalAddress(rawValue: entry.frameAddress | (iova.rawValue & Page.offsetMask)),
            isHit: hit, latency: hit ? .zero : configuration.missLatency)
    }

    /// Translates [`iova`, `iova + length`) for a device access of kind `access`, one counted translation per page
    /// the range touches, and appends its physically contiguous pieces to `pieces`; returns the latency added
    /// (`misses × missLatency` for this range).
    ///
    /// Pieces break at page boundaries except where consecutive pages map to adjacent frames. A zero length
    /// translates nothing. The caller clears and reuses `pieces`; nothing is allocated when it has capacity.
    ///
    /// - Throws: Range faults against ``addressLimit`` before any translation, or the first page's
    ///   ``MemoryFault/Code/iommuUnmapped`` / ``MemoryFault/Code/iommuPermission`` fault with the address of the
    ///   first faulting byte; `pieces` is then left as it was, while translations done before the fault stay
    ///   counted and their misses still cost latency.
    @discardableResult
    public func translate(
        _ iova: IOVirtualAddress, length: Int, access: Access, into pieces: inout [PhysicalRange]
    ) throws(MemoryFault) -> SimDuration {
        _ = try MemoryFault.checkRange(iova.rawValue, length: length, limit: Self.addressLimit)
        let firstNew = pieces.count
        let missesBefore = _counters.misses
        for piece in Page.pieces(iova.rawValue, count: length) {
            let entry: PageTableEntry
            do throws(MemoryFault) {
                (entry, _) = try translate(
                    page: piece.page, access: access, faultAddress: piece.address, length: length)
            } catch {
                pieces.removeSubrange(firstNew...)
                throw error
            }
            PhysicalRange.appendMerging(
                entry.frameAddress | UInt64(piece.within), length: piece.count, to: &pieces, firstNew: firstNew)
        }
        return latency(ofMisses: _counters.misses &- missesBefore)
    }

    /// The virtual time `misses` IOTLB misses cost.
    @inlinable
    func latency(ofMisses misses: UInt64) -> SimDuration {
        configuration.missLatency * Int64(truncatingIfNeeded: misses)
    }

    /// One counted page translation: the IOTLB, then on a miss the page table (filling the IOTLB), then the
    /// permission check. Returns the entry and whether it was a hit.
    @usableFromInline
    func translate(
        page: UInt64, access: Access, faultAddress: UInt64, length: Int
    ) throws(MemoryFault) -> (PageTableEntry, Bool) {
        _counters.translations &+= 1
        let entry: PageTableEntry
        let hit: Bool
        if missesEveryTranslation {
            // The page's entry is gone before the lookup, as if invalidated just now; the walk fills it again.
            _ = iotlb.remove(pagesFrom: page, through: page)
            _counters.forcedMisses &+= 1
        }
        if let cached = iotlb.lookup(page: page) {
            _counters.hits &+= 1
            entry = cached
            hit = true
        } else {
            _counters.misses &+= 1
            guard let walkedRaw = table[page] else {
                _counters.unmappedFaults &+= 1
                throw MemoryFault(code: .iommuUnmapped, address: faultAddress, length: length)
            }
            let walked = PageTableEntry(rawValue: walkedRaw)
            if iotlb.fill(page: page, entry: walked) { _counters.evictions &+= 1 }
            entry = walked
            hit = false
        }
        if access == .write && !entry.isWritable {
            _counters.permissionFaults &+= 1
            throw MemoryFault(code: .iommuPermission, address: faultAddress, length: length)
        }
        return (entry, hit)
    }
}
