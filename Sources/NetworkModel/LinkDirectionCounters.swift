/// What one direction of a ``Link`` has carried.
///
/// Frames handed to the link and not yet delivered or lost are in flight:
/// `offeredFrames − deliveredFrames − lostFrames − faultDrops − undeliverableFrames`.
public struct LinkDirectionCounters: Hashable, Sendable {
    /// Frames handed to this direction's near end.
    public var offeredFrames = 0
    /// Bytes of those frames (frame bytes without FCS or preamble).
    public var offeredBytes = 0
    /// Frames handed to the far side's sink.
    public var deliveredFrames = 0
    /// Bytes of delivered frames (frame bytes without FCS or preamble).
    public var deliveredBytes = 0
    /// Frames dropped by the link's random loss.
    public var lostFrames = 0
    /// Frames dropped by the link's ``Link/frameFilter`` (an injected fault: the link down, a loss burst).
    public var faultDrops = 0
    /// Frames that reached the far side while no sink was attached there (released).
    public var undeliverableFrames = 0
    /// Frames whose bits would have overlapped the previous frame's on the wire at the link's rate: the
    /// transmitter handed them over sooner than the link's rate allows. The frames are carried anyway; a non-zero
    /// count points at a transmitter that does not serialize at ``Link/rateBitsPerSecond``.
    public var overlappingFrames = 0

    /// Creates zeroed counters.
    public init() {}
}
