extension IOMMU {
    /// Counts of the IOMMU's translations and IOTLB maintenance.
    ///
    /// Every translation of one I/O virtual page is exactly one hit or one miss, so `translations == hits + misses`;
    /// a fault is counted in addition to the hit or miss that found it.
    public struct Counters: Hashable, Sendable {
        /// Page translations requested: one per 4 KiB I/O virtual page each device access touches.
        public var translations: UInt64
        /// Translations answered by the IOTLB.
        public var hits: UInt64
        /// Translations that missed the IOTLB and walked the device page table (each costs the miss latency).
        public var misses: UInt64
        /// Translations that found no mapping (``MemoryFault/Code/iommuUnmapped``).
        public var unmappedFaults: UInt64
        /// Writes that found a read-only mapping (``MemoryFault/Code/iommuPermission``).
        public var permissionFaults: UInt64
        /// Invalidation commands: calls of ``IOMMU/invalidate(iova:length:)`` and ``IOMMU/invalidateAll()``.
        public var invalidations: UInt64
        /// IOTLB entries dropped by invalidation commands.
        public var invalidatedEntries: UInt64
        /// IOTLB entries replaced by the replacement policy to make room for a miss.
        public var evictions: UInt64
        /// Misses forced by ``IOMMU/missesEveryTranslation`` (counted in ``misses`` too).
        public var forcedMisses: UInt64 = 0

        /// All translation faults: ``unmappedFaults`` plus ``permissionFaults``.
        @inlinable public var faults: UInt64 { unmappedFaults &+ permissionFaults }

        /// Creates counters with the given values, all zero by default.
        @inlinable
        public init(
            translations: UInt64 = 0, hits: UInt64 = 0, misses: UInt64 = 0, unmappedFaults: UInt64 = 0,
            permissionFaults: UInt64 = 0, invalidations: UInt64 = 0, invalidatedEntries: UInt64 = 0,
            evictions: UInt64 = 0
        ) {
            self.translations = translations
            self.hits = hits
            self.misses = misses
            self.unmappedFaults = unmappedFaults
            self.permissionFaults = permissionFaults
            self.invalidations = invalidations
            self.invalidatedEntries = invalidatedEntries
            self.evictions = evictions
        }
    }
}
