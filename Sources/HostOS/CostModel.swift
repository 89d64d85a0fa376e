/// Cycle costs of the host's work, the first cut of the CPU model (DESIGN.md §3 "CPU").
///
/// Each default names its source. Tags as in `REFERENCE.md`: [D] derived by arithmetic from a figure there,
/// [U] a labelled assumption awaiting calibration.
public struct CostModel: Hashable, Sendable {
    /// One system call's entry, socket lookup and exit. Default 2,600 cycles [D]: the Linux UDP GSO commit's
    /// figures (624,666 → 36,282 calls/s and 876 → 2,139 MB/s of 1,470-B datagrams on the same cycles) solve to
    /// ≈1.4 × the per-packet cost for the per-call part, with ≈4.5k cycles per call+datagram in total.
    public var syscall: Int64
    /// Moving from the application's context to the driver's and back, each way. Default 3,000 cycles [U]
    /// (≈1 µs at 3 GHz, the usual order of a Linux context switch).
    public var contextSwitch: Int64
    /// Per packet in the driver and stack (header from the template, bookkeeping). Default 1,900 cycles [D]:
    /// the per-segment share of the same solution (REFERENCE.md: "≈1.8k with GSO").
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
    /// One IOMMU mapping (writing a device page-table entry). Default 300 cycles [U]: the order of Linux's
    /// `dma_map_page` through an IOMMU, a labelled assumption.
    public var iommuMap: Int64 = 300

    public init(syscall: Int64 = 2_600, contextSwitch: Int64 = 3_000, perPacket: Int64 = 1_900,
                perDescriptor: Int64 = 40, copyPerKiB: Int64 = 512, pageWalk: Int64 = 384,
                translationHit: Int64 = 20, pinPage: Int64 = 1_000, doorbell: Int64 = 300,
                registerRead: Int64 = 1_500, interrupt: Int64 = 2_000, perReclaimedDescriptor: Int64 = 20) {
        self.syscall = syscall
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

/// Cycles spent, split by what they were spent on. ``total`` is always the sum of the categories.
public struct CycleAccount: Hashable, Sendable {
    public var syscall: Int64 = 0
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
        syscall + contextSwitch + driver + descriptors + copy + translation + pinning + doorbell + interrupt
    }

    /// Category names and values in report order.
    public var categories: [(name: String, cycles: Int64)] {
        [("syscall", syscall), ("context-switch", contextSwitch), ("driver", driver), ("descriptors", descriptors),
         ("copy", copy), ("translation", translation), ("pinning", pinning), ("doorbell", doorbell),
         ("interrupt", interrupt)]
    }

    public static func += (a: inout CycleAccount, b: CycleAccount) {
        a.syscall += b.syscall
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
