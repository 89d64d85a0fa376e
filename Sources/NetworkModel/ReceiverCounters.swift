import SimCore

/// What a ``DatagramReceiver`` has seen. Every frame handed to the receiver is counted in exactly one of
/// ``datagrams``, ``framesForOtherHosts``, ``nonUDPFrames``, ``malformedFrames``, ``badIPChecksums`` or
/// ``badUDPChecksums``.
public struct ReceiverCounters: Hashable, Sendable {
    /// UDP datagrams accepted: addressed to the receiver (or broadcast), well formed, checksums valid.
    public var datagrams = 0
    /// UDP payload bytes of the accepted datagrams.
    public var payloadBytes = 0
    /// Frames whose destination MAC is neither the receiver's nor broadcast (ignored).
    public var framesForOtherHosts = 0
    /// Frames for the receiver that are not IPv4 carrying UDP (ARP, other EtherTypes, other IP protocols).
    public var nonUDPFrames = 0
    /// IPv4/UDP frames for the receiver that do not parse: truncated, fragments, inconsistent lengths, or shorter
    /// than an Ethernet header.
    public var malformedFrames = 0
    /// Datagrams dropped because the IPv4 header checksum does not verify.
    public var badIPChecksums = 0
    /// Datagrams dropped because the UDP checksum does not verify (the IPv4 one did).
    public var badUDPChecksums = 0
    /// Virtual time the first accepted datagram arrived, if any.
    public var firstArrival: SimTime?
    /// Virtual time the last accepted datagram arrived, if any.
    public var lastArrival: SimTime?

    /// Creates zeroed counters.
    public init() {}
}
