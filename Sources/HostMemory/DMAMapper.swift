import SimCore

/// The DMA mapping API a driver calls with an IOMMU in the way: Linux's `dma_map_single` / `dma_map_page` /
/// `dma_map_sg` and their unmaps, through `dma-iommu`, with the IOTLB invalidation of Linux's strict or deferred
/// mode.
///
/// ## Mapping
///
/// ``map(_:length:writable:)`` takes an IOVA range from its ``IOVAAllocator`` (top down below 4 GiB, size aligned),
/// maps each of its pages to the buffer's frames in the ``IOMMU`` and returns the device address of the buffer's
/// first byte: the address a descriptor carries. It is not the physical address. ``mapScattered(_:writable:)``
/// maps a list of pieces (a registered buffer's pages) into one contiguous IOVA range, as `dma_map_sg` does, and
/// remembers it so that ``persistentAddress(of:)`` finds the device address of any byte in it.
///
/// ## Unmapping and invalidation
///
/// ``unmap(_:length:)`` clears the range's page-table entries at once. What happens to the IOTLB and to the IOVA
/// depends on ``Invalidation``:
///
/// - ``Invalidation/strict`` (`iommu.strict=1`): every unmap invalidates the range's IOTLB entries and waits for
///   the invalidation to complete (one page-selective invalidation, ``Work/invalidations``); the IOVA is free
///   again at once. A DMA to the range after the unmap faults.
/// - ``Invalidation/deferred`` (Linux's default on x86, the "flush queue"): the unmapped IOVA goes on a queue and
///   stays allocated. When the queue holds ``flushQueueSize`` (256) entries, or ``flushTimeout`` (10 ms) after
///   the first entry queued since the timer last fired, one global IOTLB invalidation empties the IOTLB
///   (``Work/flushes``) and every queued IOVA is freed. Until then a translation the IOTLB still holds keeps
///   working: the device can still reach a buffer the driver has given back, the security window that strict
///   mode closes. Linux's `IOVA_FQ_SIZE` and `IOVA_FQ_TIMEOUT` (drivers/iommu/dma-iommu.c) give the two numbers;
///   Linux's ring of 256 slots keeps one empty and checks before it queues, so it flushes when the 256th unmap
///   arrives, nicsim when the 256th is queued (the same count of IOVAs per flush, less one).
///
/// The timeout needs the simulator's clock: built without a `Simulator`, a deferred mapper flushes only
/// when its queue fills (or on ``flush()``).
///
/// ## Work
///
/// The mapper counts what the CPU did for each call (pages mapped and unmapped, invalidations, flushes) in
/// ``Work``; a driver adds ``takeWork()`` to the receipt of the call it is in, and the host's cost model prices it.
/// A flush on the timer happens outside any driver call: its work waits in the mapper and goes to the receipt of
/// the driver's next mapping call.
///
/// Single-threaded, like every long-lived component of the simulator. Nothing is allocated per call once the flush
/// queue and the allocator's gap list have grown to their largest.
public final class DMAMapper: EventHandler {
    /// When the IOTLB entries of an unmapped range are invalidated.
    public enum Invalidation: String, Hashable, Sendable, CaseIterable {
        /// Every unmap invalidates its range and waits (`iommu.strict=1`).
        case strict
        /// Unmapped ranges wait on a flush queue for one global invalidation (`iommu.strict=0`, Linux's x86 default).
        case deferred
    }

    /// Work the CPU did for mappings, in units the host's cost model prices.
    public struct Work: Hashable, Sendable {
        /// Pages mapped (one device page-table entry written each).
        public var pagesMapped: UInt64 = 0
        /// Pages unmapped (one entry cleared each).
        public var pagesUnmapped: UInt64 = 0
        /// Page-selective IOTLB invalidations waited for: one per unmap in strict mode.
        public var invalidations: UInt64 = 0
        /// Global IOTLB flushes: one per flush of the deferred queue.
        public var flushes: UInt64 = 0

        /// Creates work counts, all zero by default.
        public init(pagesMapped: UInt64 = 0, pagesUnmapped: UInt64 = 0, invalidations: UInt64 = 0,
                    flushes: UInt64 = 0) {
            self.pagesMapped = pagesMapped
            self.pagesUnmapped = pagesUnmapped
            self.invalidations = invalidations
            self.flushes = flushes
        }

        /// Adds `b`'s counts to `a`'s.
        public static func += (a: inout Work, b: Work) {
            a.pagesMapped &+= b.pagesMapped
            a.pagesUnmapped &+= b.pagesUnmapped
            a.invalidations &+= b.invalidations
            a.flushes &+= b.flushes
        }
    }

    /// Entries the deferred flush queue holds before it flushes: Linux's `IOVA_FQ_SIZE`, 256.
    public static let flushQueueSize = 256
    /// How long after an entry is queued the deferred queue is flushed at the latest: Linux's `IOVA_FQ_TIMEOUT`,
    /// 10 ms.
    public static let flushTimeout = SimDuration.milliseconds(10)

    /// The IOMMU whose device page table the mapper writes.
    public let iommu: IOMMU
    /// When unmapped ranges are invalidated.
    public let invalidation: Invalidation
    /// The IOVA allocator (its free gaps tell where the next mapping goes).
    public private(set) var allocator: IOVAAllocator
    /// Work done since the mapper was built.
    public private(set) var totals = Work()
    /// Unmapped ranges waiting for the deferred flush (always 0 in strict mode).
    public var queuedUnmaps: Int { queue.count }
    /// Whether the deferred flush timer is set.
    public private(set) var isTimerArmed = false

    var pending = Work()
    /// The deferred flush queue: the page-aligned IOVA and the byte length (whole pages) of each unmapped range.
    var queue: [(iova: IOVirtualAddress, bytes: Int)] = []
    /// Persistent (scattered) mappings: physical frame number → I/O virtual page number.
    var persistent = IntegerMap()
    let simulator: Simulator?
    var component: ComponentID?

    /// Creates a mapper for `iommu`.
    ///
    /// - Parameters:
    ///   - iommu: The IOMMU whose page table the mapper writes.
    ///   - invalidation: Strict or deferred invalidation.
    ///   - limit: One past the highest IOVA handed out (the device's DMA limit): 4 GiB by default.
    ///   - simulator: The clock for the deferred flush timeout; nil for no timeout.
    ///   - name: The component name of the flush timer.
    public init(iommu: IOMMU, invalidation: Invalidation = .deferred, limit: UInt64 = IOVAAllocator.defaultLimit,
                simulator: Simulator? = nil, name: String = "iommu.flush-queue") {
        self.iommu = iommu
        self.invalidation = invalidation
        self.allocator = IOVAAllocator(limit: limit)
        self.simulator = simulator
        queue.reserveCapacity(Self.flushQueueSize)
        if invalidation == .deferred, let simulator {
            component = simulator.register(self, name: name)
        }
    }

    /// The work done since the previous call, for the receipt of the driver call in progress.
    public func takeWork() -> Work {
        let w = pending
        pending = Work()
        return w
    }

    // MARK: Mapping

    /// Maps the physically contiguous buffer [`physical`, `physical + length`) for the device (`dma_map_single`)
    /// and returns the device address of its first byte; the in-page offset is kept.
    ///
    /// - Throws: ``MemoryFault/Code/badLength`` for a length that is not positive, ``MemoryFault/Code/outOfMemory``
    ///   when no IOVA range is free, or the IOMMU's own range faults; nothing is mapped then.
    public func map(_ physical: PhysicalAddress, length: Int, writable: Bool) throws(MemoryFault) -> IOVirtualAddress {
        guard length > 0, length <= Int(IOMMU.addressLimit) else {
            throw MemoryFault(code: .badLength, address: physical.rawValue, length: length)
        }
        let bytes = physical.pageOffset + length
        guard let base = allocator.allocate(bytes: bytes) else {
            throw MemoryFault(code: .outOfMemory, address: physical.rawValue, length: length)
        }
        do throws(MemoryFault) {
            try iommu.map(iova: base, physical: physical.pageBase, length: bytes, writable: writable)
        } catch {
            allocator.free(base, bytes: bytes)
            throw error
        }
        pending.pagesMapped &+= UInt64(Page.count(forBytes: bytes))
        totals.pagesMapped &+= UInt64(Page.count(forBytes: bytes))
        return base.advanced(by: physical.pageOffset)
    }

    /// Maps `pieces` (a buffer's physical pieces in order: every piece but the first starts a page and every
    /// piece but the last ends one) into one contiguous IOVA range, as `dma_map_sg` does, and returns the device
    /// address of the first piece's first byte. The mapping is remembered for ``persistentAddress(of:)`` and is
    /// never unmapped (a registered buffer stays mapped).
    ///
    /// - Throws: ``MemoryFault/Code/badLength`` for no pieces or a piece that breaks the page rule above,
    ///   ``MemoryFault/Code/outOfMemory`` when no IOVA range is free; nothing stays mapped then.
    public func mapScattered(_ pieces: [PhysicalRange], writable: Bool) throws(MemoryFault) -> IOVirtualAddress {
        guard let first = pieces.first else { throw MemoryFault(code: .badLength, address: 0, length: 0) }
        var bytes = first.address.pageOffset
        for (k, piece) in pieces.enumerated() {
            let endsPage = (piece.address.rawValue &+ UInt64(piece.length)) & Page.offsetMask == 0
            guard piece.length > 0, k == 0 || piece.address.isPageAligned, k == pieces.count - 1 || endsPage else {
                throw MemoryFault(code: .badLength, address: piece.address.rawValue, length: piece.length)
            }
            bytes += piece.length
        }
        guard let base = allocator.allocate(bytes: bytes) else {
            throw MemoryFault(code: .outOfMemory, address: first.address.rawValue, length: bytes)
        }
        var iova = base
        for piece in pieces {
            let pieceBytes = piece.address.pageOffset + piece.length
            do throws(MemoryFault) {
                try iommu.map(iova: iova, physical: piece.address.pageBase, length: pieceBytes, writable: writable)
            } catch {
                _ = try? iommu.unmap(iova: base, length: bytes)
                allocator.free(base, bytes: bytes)
                throw error
            }
            var frame = piece.address.rawValue >> UInt64(Page.shift)
            var page = iova.rawValue >> UInt64(Page.shift)
            for _ in 0..<Page.count(forBytes: pieceBytes) {
                persistent.set(page, for: frame)
                frame += 1
                page += 1
            }
            iova = iova.advanced(by: Page.count(forBytes: pieceBytes) * Page.size)
        }
        pending.pagesMapped &+= UInt64(Page.count(forBytes: bytes))
        totals.pagesMapped &+= UInt64(Page.count(forBytes: bytes))
        return base.advanced(by: first.address.pageOffset)
    }

    /// The device address of `physical` in a mapping made by ``mapScattered(_:writable:)``, or nil when its frame
    /// is in none. Looks only; counts nothing.
    public func persistentAddress(of physical: PhysicalAddress) -> IOVirtualAddress? {
        guard let page = persistent[physical.rawValue >> UInt64(Page.shift)] else { return nil }
        return IOVirtualAddress(rawValue: page << UInt64(Page.shift) | UInt64(physical.pageOffset))
    }

    // MARK: Unmapping

    /// Unmaps the range [`iova`, `iova + length`) that ``map(_:length:writable:)`` returned (`dma_unmap_single`):
    /// the page-table entries go at once; the IOTLB entries and the IOVA as ``invalidation`` says.
    ///
    /// - Throws: ``MemoryFault/Code/badLength`` for a length that is not positive, or the IOMMU's range faults;
    ///   nothing is unmapped then.
    public func unmap(_ iova: IOVirtualAddress, length: Int) throws(MemoryFault) {
        guard length > 0 else { throw MemoryFault(code: .badLength, address: iova.rawValue, length: length) }
        let base = iova.pageBase
        let bytes = Page.count(forBytes: iova.pageOffset + length) * Page.size
        try iommu.unmap(iova: base, length: bytes)
        let pages = UInt64(bytes / Page.size)
        pending.pagesUnmapped &+= pages
        totals.pagesUnmapped &+= pages
        switch invalidation {
        case .strict:
            try iommu.invalidate(iova: base, length: bytes)
            allocator.free(base, bytes: bytes)
            pending.invalidations &+= 1
            totals.invalidations &+= 1
        case .deferred:
            queue.append((base, bytes))
            if queue.count >= Self.flushQueueSize {
                flush()
            } else if !isTimerArmed, let simulator, let component {
                isTimerArmed = true
                simulator.schedule(DMAMapperEvent.flushTimeout, after: Self.flushTimeout, for: component)
            }
        }
    }

    /// Flushes the deferred queue now: one global IOTLB invalidation, then every queued IOVA is free again. Does
    /// nothing when the queue is empty.
    public func flush() {
        guard !queue.isEmpty else { return }
        iommu.invalidateAll()
        for entry in queue { allocator.free(entry.iova, bytes: entry.bytes) }
        queue.removeAll(keepingCapacity: true)
        pending.flushes &+= 1
        totals.flushes &+= 1
    }

    /// The flush timer fired: flush whatever is queued (Linux's `fq_flush_timeout`).
    public func handle(_ event: Event, simulator: Simulator) {
        guard case .flushTimeout = DMAMapperEvent(decoding: event) else { return }
        isTimerArmed = false
        flush()
    }
}

/// What a ``DMAMapper`` schedules for itself.
enum DMAMapperEvent {
    /// The deferred queue's flush timer ran out.
    case flushTimeout
}
