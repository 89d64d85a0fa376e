import WireFormats

/// A rule a ``PolicyRouter`` applies to UDP datagrams of one flow before forwarding them (claims A3–A6, A31).
///
/// A policy matches an unfragmented IPv4/UDP datagram by its destination address and port and, optionally, its
/// source address. Each matching datagram is rewritten once per ``Target``: the IPv4 destination address and the
/// UDP destination port are replaced and both checksums are fixed; the source address and port are left as they
/// were, so a receiver sees the datagram as coming from the original sender (which is what a relay wants, but it
/// also means the target's replies go to the sender, not through the policy: return traffic is not rewritten
/// back). Every rewritten copy is then routed like any other packet, so copies for targets behind different ports
/// leave on different ports.
///
/// The same policy value is what a host's OS table and a NIC's match-action table hold (claims A5/A6);
/// only the element that applies it differs.
public struct RouterPolicy: Hashable, Sendable {
    /// Which datagrams a policy applies to.
    public struct Match: Hashable, Sendable {
        /// The IPv4 destination address the datagram must carry (it may be one of the router's own addresses: the
        /// router then acts as a relay for datagrams sent to it).
        public var destination: IPv4Address
        /// The UDP destination port the datagram must carry.
        public var destinationPort: UInt16
        /// The IPv4 source address the datagram must carry, or nil for any source.
        public var source: IPv4Address?

        /// Creates a match on destination address and port, and optionally source address.
        public init(destination: IPv4Address, destinationPort: UInt16, source: IPv4Address? = nil) {
            self.destination = destination
            self.destinationPort = destinationPort
            self.source = source
        }
    }

    /// Where one rewritten copy goes: the new IPv4 destination address and UDP destination port.
    public struct Target: Hashable, Sendable {
        /// The IPv4 destination address written into the copy.
        public var address: IPv4Address
        /// The UDP destination port written into the copy.
        public var port: UInt16

        /// Creates a target.
        public init(address: IPv4Address, port: UInt16) {
            self.address = address
            self.port = port
        }
    }

    /// What happens to a matching datagram.
    public enum Action: Hashable, Sendable {
        /// Send one rewritten copy to each target and nothing to the original destination (A3).
        case redirect([Target])
        /// Send one rewritten copy to each target and, when `keepOriginal` is true, the unchanged datagram to its
        /// original destination as well (A4). With `keepOriginal` false this behaves exactly like ``redirect(_:)``.
        case replicate([Target], keepOriginal: Bool)

        /// The targets, in the order their copies are routed.
        public var targets: [Target] {
            switch self {
            case .redirect(let targets), .replicate(let targets, _): targets
            }
        }

        /// True when the original datagram is forwarded too.
        public var keepsOriginal: Bool {
            switch self {
            case .redirect: false
            case .replicate(_, let keep): keep
            }
        }
    }

    /// The policy's identity: later replacement and removal name it.
    public var id: Int
    /// Which datagrams the policy applies to.
    public var match: Match
    /// What it does to them.
    public var action: Action

    /// Creates a policy.
    public init(id: Int, match: Match, action: Action) {
        self.id = id
        self.match = match
        self.action = action
    }
}

/// What one policy of a ``PolicyRouter`` has done. Byte counts are frame bytes as stored (Ethernet header to the
/// end of the frame, including any padding; no preamble or FCS).
public struct RouterPolicyCounters: Hashable, Sendable {
    /// Datagrams that matched the policy.
    public var matchedPackets = 0
    /// Bytes of the datagrams that matched.
    public var matchedBytes = 0
    /// Rewritten copies queued on an egress port.
    public var copiesSent = 0
    /// Bytes of the copies queued.
    public var bytesSent = 0
    /// Rewritten copies that could not be queued (no route, unresolved neighbour, the router's own address, a
    /// full output buffer or an uncabled port); the router-wide and port counters say why.
    public var copiesDropped = 0

    /// Creates zeroed counters.
    public init() {}
}
