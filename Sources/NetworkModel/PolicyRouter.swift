import SimCore
import WireFormats

/// A store-and-forward IPv4 router with static routes, a static neighbour table and a table of UDP policies that
/// redirect or replicate datagrams without any host CPU (claims A5, A6 and A31).
///
/// **Ports.** Each port has a MAC address, an IPv4 address with the length of its directly connected subnet, and
/// a transmitter with a byte-limited output FIFO that behaves exactly like an ``EthernetSwitch`` port (same
/// serialization, inter-frame gap, tail drop, peak occupancy; its counters are ``SwitchPortCounters``).
///
/// **Ingress.** A frame is taken whole at its last bit (``ingress(_:)``), waits ``forwardingLatency``, and is then
/// handled in this order:
/// 1. ARP (EtherType 0x0806) sent to broadcast or to the port's MAC: a request for the ingress port's own address is
///    answered on that port (the request's frame slot becomes the reply; its length and padding are kept); anything
///    else (replies, requests for other addresses — there is no proxy ARP) is counted and released. Neighbours are
///    never learned from ARP: the neighbour table is static.
/// 2. Any other frame whose destination MAC is not the ingress port's is dropped; so is any EtherType but IPv4.
/// 3. The IPv4 header must be well formed (version 4, IHL ≥ 5, total length inside the frame) and its checksum must
///    verify (RFC 1812 §5.2.2); a packet with TTL ≤ 1 is dropped (no ICMP is sent), before any policy is consulted.
/// 4. An unfragmented UDP datagram is checked against the policy table (see below).
/// 5. Otherwise the packet is routed.
///
/// **Routing.** The longest prefix among the static routes (``addRoute(_:)``) and the connected subnets of the ports
/// chooses the egress port (hairpinning back out of the ingress port is allowed, without an ICMP redirect). A route
/// with a next-hop MAC sends there; a connected route (no next hop) sends to the destination's MAC from the
/// neighbour table (``setNeighbour(_:mac:)``), and drops the packet when it has none. Packets for the router's own
/// addresses are dropped (the router has no local services). A routed packet's TTL is decremented, its IPv4 header
/// checksum updated incrementally (RFC 1624, equation 3), its source MAC set to the egress port's and its
/// destination MAC to the next hop's, and it is queued on the egress port.
///
/// **Policies.** Up to ``policyCapacity`` ``RouterPolicy`` values are active at once, each named by its id, and can
/// be added, replaced and removed while traffic flows (from any event handler); a frame sees the table as it is at
/// its forwarding decision, after ``forwardingLatency``. A datagram matches a policy with its destination address
/// and port and, if the policy names one, its source address; a policy that names a source wins over one that
/// does not, and two policies with the same match cannot be installed together. The table is a fixed array scanned
/// in order, so lookup allocates nothing. A matching datagram is copied in the frame store once per target (the
/// last target takes the original frame when the original is not kept), each copy's destination address and
/// port are rewritten with both checksums updated incrementally (a UDP checksum of 0, "none", stays 0; a computed
/// 0 is sent as 0xFFFF), and each copy is routed as above, so TTL, MACs and the egress port follow the target.
/// Copies are routed in target order, then the original when ``RouterPolicy/Action/replicate(_:keepOriginal:)``
/// keeps it. Copies are not matched against the table again. Source address and port are never rewritten, so
/// replies from a target go straight to the sender, not back through the policy.
///
/// Occupancy over time is not pushed to an observer; peaks are recorded and ``portCounters(_:)`` can be sampled.
public final class PolicyRouter: EventHandler, PortedElement {
    /// The name the router is registered under.
    public let name: String
    /// The id the router's events are addressed to.
    public private(set) var id = ComponentID(rawValue: .max)
    /// The ports' configurations, indexed by port number.
    public let portConfigurations: [PortConfiguration]
    /// Time from a frame's last bit arriving to its forwarding decision, in picoseconds of virtual time.
    public let forwardingLatency: SimDuration
    /// Most policies the table holds at once.
    public let policyCapacity: Int

    /// One entry of the routing table.
    public struct Route: Hashable, Sendable {
        /// The network address; host bits beyond ``prefixLength`` are cleared when the route is added.
        public var prefix: IPv4Address
        /// Number of leading bits of ``prefix`` that must match (0...32).
        public var prefixLength: Int
        /// The egress port.
        public var port: Int
        /// The next hop's MAC address, or nil for a directly connected subnet (resolved per destination through the
        /// neighbour table).
        public var nextHop: MACAddress?

        /// Creates a route.
        public init(prefix: IPv4Address, prefixLength: Int, port: Int, nextHop: MACAddress?) {
            self.prefix = prefix
            self.prefixLength = prefixLength
            self.port = port
            self.nextHop = nextHop
        }

        /// The network mask for `prefixLength` bits, host order.
        static func mask(_ prefixLength: Int) -> UInt32 {
            prefixLength == 0 ? 0 : UInt32.max << UInt32(32 - prefixLength)
        }
    }

    /// Router-wide counters.
    public var counters: PolicyRouterCounters {
        var c = globalCounters
        c.egressDrops = ports.reduce(0) { $0 + $1.counters.drops }
        return c
    }

    /// The routing table, longest prefix first (connected routes included).
    public var routes: [Route] { routeTable }

    var globalCounters = PolicyRouterCounters()
    /// The counters of policies removed by an NPCP remove message, by id (the router forgets a removed policy).
    public internal(set) var removedPolicyCounters: [Int: RouterPolicyCounters] = [:]
    var ports: [PolicyRouterPort] = []
    /// Sorted by prefix length, longest first; among equal lengths in the order added.
    var routeTable: [Route] = []
    /// `routeTable` masks and prefixes, host order, for the per-packet scan.
    var routeKeys: [(prefix: UInt32, mask: UInt32)] = []
    var neighbours: [UInt32: MACAddress] = [:]
    /// The match fields of the installed policies, scanned per datagram; parallel to `policySlots`.
    var policyKeys: [PolicyKey] = []
    var policySlots: [PolicySlot] = []

    /// Creates a router, installs a connected route for each port's subnet, and registers it with `simulator`.
    ///
    /// - Parameters:
    ///   - simulator: The simulator it runs in.
    ///   - name: Component name (traces and reports).
    ///   - ports: One configuration per port (at least one); rates and buffers > 0, prefix lengths 0...32.
    ///   - forwardingLatency: Delay between a frame's last bit in and its forwarding decision (≥ 0).
    ///   - policyCapacity: Most policies active at once; storage is reserved up front.
    public init(
        simulator: Simulator, name: String, ports: [PortConfiguration], forwardingLatency: SimDuration = .zero,
        policyCapacity: Int = 64
    ) {
        precondition(!ports.isEmpty, "a router needs at least one port")
        precondition(ports.allSatisfy { $0.rateBitsPerSecond > 0 }, "port rates must be positive")
        precondition(ports.allSatisfy { $0.bufferBytes > 0 }, "buffers must be positive")
        precondition(ports.allSatisfy { (0...32).contains($0.prefixLength) }, "prefix lengths must lie in 0...32")
        precondition(ports.allSatisfy { ($0.queueFrames ?? 1) > 0 }, "queues must hold at least one frame")
        precondition(forwardingLatency >= .zero, "forwarding latency must not be negative")
        precondition(policyCapacity > 0, "the policy table needs room for one policy")
        self.name = name
        self.portConfigurations = ports
        self.forwardingLatency = forwardingLatency
        self.policyCapacity = policyCapacity
        policyKeys.reserveCapacity(policyCapacity)
        policySlots.reserveCapacity(policyCapacity)
        self.id = simulator.register(self, name: name)
        for (i, configuration) in ports.enumerated() {
            self.ports.append(PolicyRouterPort(owner: self, index: i, configuration: configuration))
            insertRoute(
                Route(
                    prefix: configuration.address, prefixLength: configuration.prefixLength, port: i, nextHop: nil))
        }
    }

    /// Number of ports, numbered from 0.
    public var portCount: Int { ports.count }

    /// Not API: the port numbered `port`, for ``PortedElement``'s cabling and counters.
    public func _outputPort(_ port: Int) -> OutputPort & FrameSink {
        ports[port]
    }

    /// Adds a static route, or replaces the route with the same prefix and length.
    public func addRoute(_ route: Route) throws(PolicyRouterError) {
        guard (0...32).contains(route.prefixLength) else {
            throw PolicyRouterError(
                code: .invalidPrefixLength, message: "prefix length \(route.prefixLength) is not in 0...32")
        }
        guard route.port >= 0 && route.port < ports.count else {
            throw PolicyRouterError(code: .invalidPort, message: "router \(name) has no port \(route.port)")
        }
        insertRoute(route)
    }

    /// Enters a directly connected host's MAC address, or changes it. Packets for `address` that a connected
    /// route (one without a next hop) sends to a port go to `mac`.
    public func setNeighbour(_ address: IPv4Address, mac: MACAddress) {
        neighbours[address.rawValue] = mac
    }

    /// Removes a neighbour entry; returns false when there was none.
    @discardableResult
    public func removeNeighbour(_ address: IPv4Address) -> Bool {
        neighbours.removeValue(forKey: address.rawValue) != nil
    }

    /// The MAC address the neighbour table holds for `address`, if any.
    public func neighbour(_ address: IPv4Address) -> MACAddress? {
        neighbours[address.rawValue]
    }

    /// Handles the router's own events (forwarding decisions and ends of serialization).
    public func handle(_ event: Event, simulator: Simulator) {
        switch ForwardingEvent(decoding: event) {
        case .forward(let frame, let ingress):
            forward(frame, from: ingress, simulator: simulator)
        case .lastBit(let frame, let port):
            ports[port].finishTransmission(frame, simulator: simulator)
        case nil:
            break
        }
    }

    /// Inserts `route` after every longer or equally long prefix, replacing one with the same prefix and length.
    private func insertRoute(_ route: Route) {
        var r = route
        let mask = Route.mask(r.prefixLength)
        r.prefix = IPv4Address(rawValue: r.prefix.rawValue & mask)
        if let same = routeTable.firstIndex(where: { $0.prefix == r.prefix && $0.prefixLength == r.prefixLength }) {
            routeTable[same] = r
            return
        }
        let at = routeTable.firstIndex { $0.prefixLength < r.prefixLength } ?? routeTable.count
        routeTable.insert(r, at: at)
        routeKeys.insert((r.prefix.rawValue, mask), at: at)
    }
}
