/// Hands out ranges of a device's I/O virtual address space, page by page, the way Linux's IOVA allocator does
/// (`drivers/iommu/iova.c`, used by `dma-iommu` behind `dma_map_single` and `dma_map_page`).
///
/// ## The rule
///
/// - **Page granular.** A request for `n` bytes takes ⌈n / 4096⌉ pages.
/// - **Size aligned.** The range starts at a multiple of its page count rounded up to a power of two (Linux's
///   `alloc_iova(…, size_aligned: true)`, which `dma-iommu` asks for): a 3-page range starts at a multiple of 4
///   pages.
/// - **Top down, below the device's limit.** Of the free gaps below ``limit``, the highest one that can hold the
///   aligned range is used, and the range is put at the top of it. Linux searches down from its cached node, which
///   a free above it moves up again, so it too finds the highest gap that fits; the first range of a fresh
///   allocator under a 4 GiB limit is the page at `0xFFFF_F000`.
/// - **Reuse.** A freed range becomes free space again at once, merged with its neighbours, and the next request
///   that fits takes it if it is the highest gap that does.
/// - **Page 0 is never handed out** (Linux starts its domains at page frame 1), so an IOVA of 0 is always invalid.
///
/// Linux tries below 4 GiB first for PCI devices (`dma-iommu`, unless `iommu.forcedac=1`), hence the default
/// ``defaultLimit``. Linux also keeps per-CPU caches of recently freed ranges of up to 32 pages (its "rcache",
/// after Peleg et al., USENIX ATC 2015), which hand the last freed range of a size back first; nicsim has one
/// CPU's worth of allocations and no such cache, so a freed range is found by the top-down search instead. Both
/// reuse freed space; the addresses may differ from Linux's when frees come out of order.
///
/// Deterministic: the same requests and frees in the same order give the same addresses. Nothing is allocated on
/// the heap once the gap list has grown to the most gaps ever open at once.
public struct IOVAAllocator: Sendable {
    /// The default limit: 2^32, as Linux's `dma-iommu` first tries for a PCI device.
    public static let defaultLimit: UInt64 = 1 << 32

    /// One past the highest address handed out.
    public let limit: UInt64
    /// Free gaps as page-number ranges [first, end), sorted by address, never adjacent (merged on free).
    var gaps: [(first: UInt64, end: UInt64)]
    /// Pages handed out and not yet freed.
    public private(set) var allocatedPages: Int = 0

    /// Creates an allocator of the pages from 1 up to `limit` (rounded down to a page).
    ///
    /// - Precondition: `limit` leaves at least one page above page 0 and is at most ``IOMMU/addressLimit``.
    public init(limit: UInt64 = IOVAAllocator.defaultLimit) {
        let endPage = limit >> UInt64(Page.shift)
        precondition(endPage >= 2 && limit <= IOMMU.addressLimit, "an IOVA limit needs at least two pages below 2^48")
        self.limit = endPage << UInt64(Page.shift)
        gaps = [(1, endPage)]
        gaps.reserveCapacity(64)
    }

    /// Takes a size-aligned range of ⌈`bytes` / 4096⌉ pages at the top of the highest free gap that holds it and
    /// returns its first address, or nil when no gap does (or `bytes` is not positive).
    public mutating func allocate(bytes: Int) -> IOVirtualAddress? {
        guard bytes > 0 else { return nil }
        let pages = UInt64(Page.count(forBytes: bytes))
        var alignment: UInt64 = 1
        while alignment < pages { alignment <<= 1 }
        var i = gaps.count - 1
        while i >= 0 {
            let gap = gaps[i]
            if gap.end - gap.first >= pages {
                let start = (gap.end - pages) & ~(alignment - 1)
                if start >= gap.first {
                    take(gap: i, start: start, end: start + pages)
                    allocatedPages += Int(pages)
                    return IOVirtualAddress(rawValue: start << UInt64(Page.shift))
                }
            }
            i -= 1
        }
        return nil
    }

    /// Cuts [start, end) out of gap `i`, leaving what lies below and above it.
    mutating func take(gap i: Int, start: UInt64, end: UInt64) {
        let gap = gaps[i]
        switch (gap.first < start, end < gap.end) {
        case (false, false): gaps.remove(at: i)
        case (true, false): gaps[i].end = start
        case (false, true): gaps[i].first = end
        case (true, true):
            gaps[i].end = start
            gaps.insert((end, gap.end), at: i + 1)
        }
    }

    /// Gives back the range of ⌈`bytes` / 4096⌉ pages starting at `iova`, as allocated; returns false (and frees
    /// nothing) when any of its pages is free already, outside the allocator's range, or `iova` does not start a
    /// page.
    @discardableResult
    public mutating func free(_ iova: IOVirtualAddress, bytes: Int) -> Bool {
        guard bytes > 0, iova.isPageAligned else { return false }
        let first = iova.rawValue >> UInt64(Page.shift)
        let pages = UInt64(Page.count(forBytes: bytes))
        let end = first &+ pages
        guard first >= 1, end > first, end <= limit >> UInt64(Page.shift) else { return false }
        // The first gap at or above `end`, and the one before it, must not overlap the range.
        var above = 0
        while above < gaps.count && gaps[above].first < end { above += 1 }
        if above > 0 && gaps[above - 1].end > first { return false }
        let mergesBelow = above > 0 && gaps[above - 1].end == first
        let mergesAbove = above < gaps.count && gaps[above].first == end
        switch (mergesBelow, mergesAbove) {
        case (true, true):
            gaps[above - 1].end = gaps[above].end
            gaps.remove(at: above)
        case (true, false): gaps[above - 1].end = end
        case (false, true): gaps[above].first = first
        case (false, false): gaps.insert((first, end), at: above)
        }
        allocatedPages -= Int(pages)
        return true
    }

    /// The free gaps as address ranges, lowest first (for tests and documentation).
    public var freeRanges: [Range<UInt64>] {
        gaps.map { ($0.first << UInt64(Page.shift))..<($0.end << UInt64(Page.shift)) }
    }
}
