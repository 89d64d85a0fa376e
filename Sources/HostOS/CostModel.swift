/// Cycle costs of the host's work: the CPU model (each core is busy for cycles ÷ clock of virtual time).
///
/// Each default names its source. Tags as in `REFERENCE.md`: [D] derived by arithmetic from a figure there,
/// [U] a labelled assumption awaiting calibration.
public struct CostModel: Hashable, Sendable {
    /// One system call's entry and exit. Default 630 cycles [D]: the Linux sendmmsg commit measured 804k → 965k
    /// 64-byte datagrams per second at batch 64 (+20 %); with a per-call part `e` and a per-message part `m`,
    /// e + m = 1.2 (e/64 + m) gives e ≈ 0.204 m, and 3 GHz / 804k = 3,731 cycles = e + m.
    public var syscall: Int64
    /// One message through the stack: socket and route lookup, buffer allocation, queueing discipline. Default
    /// 2,070 cycles [D]: from the UDP GSO commit (≈4.5k cycles per 1,470-B datagram without GSO, ≈1.8k per
    /// segment with it, REFERENCE.md) the per-call share is ≈2.7k, less the 630-cycle entry. The sendmmsg figure
    /// agrees: 2,070 + 1,065 + 32 (copying 64 B) = 3,167 ≈ its 3,099 per message.
    public var stackPerMessage: Int64
    /// Moving from the application's context to the driver's and back, each way. Default 3,000 cycles [U]
    /// (≈1 µs at 3 GHz, the usual order of a Linux context switch).
    public var contextSwitch: Int64
    /// Per send the driver describes (header from the template, bookkeeping). Default 1,065 cycles [D]: the
    /// GSO per-segment 1.8k less copying 1,470 bytes at 0.5 cycle/byte (735).
    public var perPacket: Int64
    /// Per descriptor written into the ring. Default 40 cycles [U]: one 16-byte store plus index arithmetic.
    public var perDescriptor: Int64
    /// CPU copy, in cycles per 1,024 bytes. Default 512 (0.5 cycle/byte) [U]: ≈6 GB/s single-core copy at 3 GHz.
    public var copyPerKiB: Int64
    /// One page-table walk. Default 384 cycles [D]: four levels, each a cache miss of ≈32 ns (REFERENCE.md,
    /// Brouer) at 3 GHz.
    public var pageWalk: Int64
    /// One translation-buffer lookup that hits. Default 20 cycles [U]: a lookup in a small cached table.
    public var translationHit: Int64
    /// Pinning one page when a region is registered. Default 1,000 cycles [U], chosen so that pinning and
    /// notifying break even with copying near 10 KB per write, the MSG_ZEROCOPY break-even (REFERENCE.md).
    public var pinPage: Int64
    /// One doorbell (an uncached posted MMIO write). Default 300 cycles [U] (≈100 ns at 3 GHz).
    public var doorbell: Int64
    /// One MMIO register read (a full PCIe round trip). Default 1,500 cycles [U]: the 500 ns DMA read latency
    /// the NIC model assumes, at 3 GHz.
    public var registerRead: Int64
    /// Interrupt entry, dispatch and exit. Default 2,000 cycles [U].
    public var interrupt: Int64
    /// Per descriptor cleaned after completion. Default 20 cycles [U].
    public var perReclaimedDescriptor: Int64
    /// Mapping one page for the device (`dma_map_page` through an IOMMU: an IOVA from the allocator and one device
    /// page-table entry written). Default 300 cycles [U]: Peleg et al., "Utilizing the IOMMU Scalably" (USENIX ATC
    /// 2015, REFERENCE.md) split Linux's map into IOVA allocation and the page-table update and show the allocation
    /// dominating until per-CPU IOVA caches (their fix, in Linux since 4.7) make it cheap; what remains is the
    /// page-table update of a few hundred cycles. The figure is from memory of that paper, not checked against it.
    public var iommuMap: Int64 = 300
    /// Completing a zero-copy send of unregistered memory: unpinning and notifying the process that its buffer
    /// is free again. Default 800 cycles [U], chosen with `pinPage` so that zero-copy of unregistered memory
    /// breaks even with copying near 10 KB per write, the MSG_ZEROCOPY figure (REFERENCE.md).
    public var zeroCopyCompletion: Int64 = 800
    /// One policy-table lookup (per message sent, per datagram received while policies exist). Default 50
    /// cycles [U]: a hash lookup in a small table, the order of an eBPF map lookup.
    public var policyLookup: Int64 = 50
    /// One kernel timer expiry that releases timed messages (hrtimer interrupt and softirq). Default 1,500
    /// cycles [U].
    public var timer: Int64 = 1_500
    /// One MMIO register write other than a doorbell (an interrupt mask set or clear). Default 300 cycles [U], the
    /// same posted MMIO write as ``doorbell``.
    public var registerWrite: Int64 = 300
    /// Unmapping one page when the device is done with a buffer (`dma_unmap_page`: the page-table entry cleared,
    /// the IOVA freed or queued), without the IOTLB invalidation (``iotlbInvalidation``, ``iotlbFlush``). Default
    /// 300 cycles [U], the order of ``iommuMap`` by Peleg et al. (ATC 2015), who find unmap's own work of the same
    /// order as map's once the invalidation is counted apart; from memory, not checked against the paper.
    public var iommuUnmap: Int64 = 300
    /// One page-selective IOTLB invalidation and the wait for its completion, paid by every unmap in Linux's strict
    /// mode (`iommu.strict=1`). Default 2,000 cycles [U]: Peleg et al. (ATC 2015) and Malka et al., "rIOMMU"
    /// (ASPLOS 2015), both REFERENCE.md, measure the invalidation as the largest single part of a strict unmap, of
    /// the order of 2,000 cycles on the Intel parts they used; Markuze et al. (ASPLOS 2016, REFERENCE.md) find that
    /// this cost makes copying into permanently mapped buffers faster than zero-copy for small and medium
    /// buffers. The figure is from memory of those papers, not checked against them.
    public var iotlbInvalidation: Int64 = 2_000
    /// One global IOTLB flush of the deferred flush queue (Linux's default mode: one per 256 unmaps or per 10 ms).
    /// Default 2,000 cycles [U]: the same invalidation command and wait as ``iotlbInvalidation`` with a
    /// domain-wide scope (Peleg et al., ATC 2015, who note that batching is what makes deferred mode cheap); from
    /// memory, not checked against the paper.
    public var iotlbFlush: Int64 = 2_000

    public init(
        syscall: Int64 = 630, stackPerMessage: Int64 = 2_070, contextSwitch: Int64 = 3_000, perPacket: Int64 = 1_065,
        perDescriptor: Int64 = 40, copyPerKiB: Int64 = 512, pageWalk: Int64 = 384,
        translationHit: Int64 = 20, pinPage: Int64 = 1_000, doorbell: Int64 = 300,
        registerRead: Int64 = 1_500, interrupt: Int64 = 2_000, perReclaimedDescriptor: Int64 = 20
    ) {
        self.syscall = syscall
        self.stackPerMessage = stackPerMessage
        self.contextSwitch = contextSwitch
        self.perPacket = perPacket
        self.perDescriptor = perDescriptor
        self.copyPerKiB = copyPerKiB
        self.pageWalk = pageWalk
        self.translationHit = translationHit
        self.pinPage = pinPage
        self.doorbell = doorbell
        self.registerRead = registerRead
        self.interrupt = interrupt
        self.perReclaimedDescriptor = perReclaimedDescriptor
    }
}

extension CostModel {
    /// The cycles a driver's receipt costs, by category.
    ///
    /// One receipt is priced at once (copy cycles round up per receipt, not per byte run), and a receipt that asks
    /// for a kick pays the doorbell that kick will write.
    public func price(_ r: DriverReceipt) -> CycleAccount {
        var a = CycleAccount()
        a.driver = Int64(r.sends) * perPacket + Int64(r.descriptorsReclaimed) * perReclaimedDescriptor
        a.descriptors = Int64(r.descriptorsWritten) * perDescriptor
        a.copy = (Int64(r.bytesCopied) * copyPerKiB + 1023) / 1024
        a.translation = Int64(r.pageWalks) * pageWalk + Int64(r.translationHits) * translationHit
            + Int64(r.iommuMaps) * iommuMap + Int64(r.iommuUnmaps) * iommuUnmap
            + Int64(r.iotlbInvalidations) * iotlbInvalidation + Int64(r.iotlbFlushes) * iotlbFlush
        a.interrupt = Int64(r.registerReads) * registerRead + Int64(r.registerWrites) * registerWrite
        a.pinning = Int64(r.pagesPinned + r.transientPins) * pinPage + (r.transientPins > 0 ? zeroCopyCompletion : 0)
        a.doorbell = Int64(r.doorbells + (r.kickNeeded ? 1 : 0)) * doorbell
        return a
    }
}

/// Cycles spent, split by what they were spent on. ``total`` is always the sum of the categories.
public struct CycleAccount: Hashable, Sendable {
    public var syscall: Int64 = 0
    public var stack: Int64 = 0
    public var policy: Int64 = 0
    public var timer: Int64 = 0
    public var contextSwitch: Int64 = 0
    public var driver: Int64 = 0
    public var descriptors: Int64 = 0
    public var copy: Int64 = 0
    public var translation: Int64 = 0
    public var pinning: Int64 = 0
    public var doorbell: Int64 = 0
    public var interrupt: Int64 = 0
    public init() {}

    /// All categories added up.
    public var total: Int64 {
        syscall + stack + policy + timer + contextSwitch + driver + descriptors + copy + translation + pinning
            + doorbell
            + interrupt
    }

    /// Category names and values in report order.
    public var categories: [(name: String, cycles: Int64)] {
        [
            ("syscall", syscall), ("stack", stack), ("policy", policy), ("timer", timer),
            ("context-switch", contextSwitch), ("driver", driver), ("descriptors", descriptors),
            ("copy", copy), ("translation", translation), ("pinning", pinning), ("doorbell", doorbell),
            ("interrupt", interrupt),
        ]
    }

    public static func += (a: inout CycleAccount, b: CycleAccount) {
        a.syscall += b.syscall
        a.stack += b.stack
        a.policy += b.policy
        a.timer += b.timer
        a.contextSwitch += b.contextSwitch
        a.driver += b.driver
        a.descriptors += b.descriptors
        a.copy += b.copy
        a.translation += b.translation
        a.pinning += b.pinning
        a.doorbell += b.doorbell
        a.interrupt += b.interrupt
    }
}
