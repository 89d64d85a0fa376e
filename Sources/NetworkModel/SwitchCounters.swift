/// Switch-wide counters of an ``EthernetSwitch`` (per-port ones are in ``SwitchPortCounters``).
public struct SwitchCounters: Hashable, Sendable {
    /// Frames sent to every other connected port: unknown unicast, broadcast and multicast destinations.
    public var floodedFrames = 0
    /// Of ``floodedFrames``, those with a unicast destination not (yet) in the MAC table.
    public var unknownUnicastFrames = 0
    /// Copies made in the frame store to flood frames (a flood to n ports with room makes n − 1 copies).
    public var floodCopies = 0
    /// Frames dropped because their destination was learned on the port they came in on.
    public var filteredFrames = 0
    /// Frames too short to hold an Ethernet header (under 14 bytes), dropped.
    public var malformedFrames = 0
    /// Source addresses the MAC table could not learn because it was full (their frames still forward).
    public var learningFailures = 0
    /// Times a learned address was seen on a different port and moved there.
    public var stationMoves = 0
    /// Addresses in the MAC table now.
    public var macTableSize = 0

    /// Creates zeroed counters.
    public init() {}
}
