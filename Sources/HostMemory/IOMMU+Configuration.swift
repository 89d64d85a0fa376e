import SimCore

extension IOMMU {
    /// Which cached translation the IOTLB gives up when it is full and a miss brings in a new one.
    public enum ReplacementPolicy: String, Hashable, Sendable, CaseIterable {
        /// Least recently used: every hit makes its entry the most recent; the entry unused for longest goes.
        case lru
        /// First in, first out: hits change nothing; the entry filled longest ago goes, however often it was used.
        case fifo
    }

    /// The IOMMU's fixed parameters, set once when it is built.
    public struct Configuration: Hashable, Sendable {
        /// Entries in the IOTLB, each caching the translation of one 4 KiB I/O virtual page; 0 means no IOTLB
        /// (every translation walks).
        ///
        /// Real IOTLB sizes are not published; the default of 64 is a labelled assumption [U].
        public var iotlbEntries: Int
        /// How a full IOTLB picks the entry to replace.
        public var replacement: ReplacementPolicy
        /// Virtual time one IOTLB miss adds to the transfer that caused it: the device page table walk.
        ///
        /// The default, 128 ns, is a 4-level walk whose four loads each miss the cache at ≈32 ns (REFERENCE.md,
        /// "10 GbE frame budget … cache miss ≈32 ns" [V], Brouer), so 4 × 32 ns [D].
        public var missLatency: SimDuration

        /// The default miss latency: 4 levels × 32 ns = 128 ns.
        public static let defaultMissLatency = SimDuration.nanoseconds(4 * 32)

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - iotlbEntries: IOTLB capacity in entries (pages); must not be negative.
        ///   - replacement: The IOTLB's replacement policy.
        ///   - missLatency: Picoseconds of virtual time per IOTLB miss; must not be negative.
        @inlinable
        public init(
            iotlbEntries: Int = 64, replacement: ReplacementPolicy = .lru,
            missLatency: SimDuration = Configuration.defaultMissLatency
        ) {
            self.iotlbEntries = iotlbEntries
            self.replacement = replacement
            self.missLatency = missLatency
        }
    }
}
