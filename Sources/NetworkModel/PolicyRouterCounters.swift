/// Router-wide counters of a ``PolicyRouter``; per-port traffic, buffers and tail drops are in its port counters
/// (``PolicyRouter/portCounters(_:)``) and per-policy ones in ``RouterPolicyCounters``.
///
/// Every frame that enters the router is either queued on an egress port (forwarded, a policy copy, or an ARP
/// reply) or counted in exactly one drop counter here or in the egress port's counters.
public struct PolicyRouterCounters: Hashable, Sendable {
    /// IPv4 packets queued on an egress port by routing: forwarded originals and policy copies alike.
    public var forwardedPackets = 0
    /// NPCP messages (`PolicyControlMessage`) to the router's own address that it read and answered
    /// (set and remove each), those it answered with a nack, and those it could not read (dropped).
    public var controlMessages = 0
    public var controlRefused = 0
    public var controlMalformed = 0
    /// Datagrams that matched some policy (the sum over policies, removed ones included).
    public var policyMatches = 0
    /// Rewritten copies queued by policies (the sum over policies, removed ones included).
    public var policyCopies = 0
    /// ARP requests for an ingress port's own address, answered on that port.
    public var arpRequestsAnswered = 0
    /// ARP frames not answered: replies, requests for other addresses (no proxy ARP), malformed ARP.
    public var arpIgnored = 0
    /// Packets whose destination no route covers.
    public var noRouteDrops = 0
    /// Packets for a directly connected destination missing from the neighbour table.
    public var unresolvedNeighbourDrops = 0
    /// Packets that arrived with TTL ≤ 1 (no ICMP time-exceeded is sent).
    public var ttlExpiredDrops = 0
    /// Frames with an EtherType other than IPv4 and ARP.
    public var notIPv4Drops = 0
    /// Frames whose destination MAC is not the ingress port's own (or broadcast, for ARP).
    public var notAddressedDrops = 0
    /// Packets for one of the router's own addresses that no policy took: the router has no local services.
    public var addressedToRouterDrops = 0
    /// Frames too short for their headers, or whose IPv4 header is malformed (version, IHL, total length).
    public var malformedDrops = 0
    /// IPv4 packets whose header checksum does not verify (RFC 1812 §5.2.2).
    public var badChecksumDrops = 0
    /// Drops at the egress ports (tail drops, full queues, uncabled ports), summed over ports.
    public var egressDrops = 0

    /// Frames dropped for any reason.
    public var drops: Int {
        noRouteDrops + unresolvedNeighbourDrops + ttlExpiredDrops + notIPv4Drops + notAddressedDrops
            + addressedToRouterDrops + malformedDrops + badChecksumDrops + arpIgnored + egressDrops
    }

    /// Creates zeroed counters.
    public init() {}
}
