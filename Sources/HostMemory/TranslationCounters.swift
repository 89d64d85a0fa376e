/// Counters of a driver's address translations (benchmarks B5/B6): how often a registered region saved a page
/// walk.
public struct TranslationCounters: Hashable, Sendable {
    /// Translations answered from a registered region, with no page walk.
    public var hits: UInt64
    /// Translations that found no registered region covering the whole range; the caller then walks the page table.
    public var misses: UInt64
    /// Page walks done while registering regions (one per page of each region).
    public var pageWalks: UInt64
    /// Pages pinned by registrations, counted cumulatively (unregistering does not subtract).
    public var pagesPinned: UInt64
    /// Regions registered.
    public var registrations: UInt64

    /// Creates counters with the given values, all zero by default.
    @inlinable
    public init(
        hits: UInt64 = 0, misses: UInt64 = 0, pageWalks: UInt64 = 0, pagesPinned: UInt64 = 0,
        registrations: UInt64 = 0
    ) {
        self.hits = hits
        self.misses = misses
        self.pageWalks = pageWalks
        self.pagesPinned = pagesPinned
        self.registrations = registrations
    }
}
