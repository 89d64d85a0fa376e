import WireFormats

/// Which packets a policy applies to (A1): a flow, matched on any of its fields that are given.
public struct FlowMatch: Hashable, Sendable {
    /// The packet's destination address and port (transmit: where the application sends; receive: this host's
    /// address and the port the datagram arrives on).
    public var destination: SocketAddress?
    /// The packet's source address (a port of 0 matches any port).
    public var source: SocketAddress?
    public init(destination: SocketAddress? = nil, source: SocketAddress? = nil) {
        self.destination = destination
        self.source = source
    }

    func matches(destination d: SocketAddress, source s: SocketAddress) -> Bool {
        if let destination, destination != d { return false }
        if let source, source.ip != s.ip || (source.port != 0 && source.port != s.port) { return false }
        return true
    }
}

/// Where a redirected or replicated packet goes.
public enum PolicyTarget: Hashable, Sendable, CustomStringConvertible {
    /// Another host: the packet is rewritten for it and transmitted.
    case remote(SocketAddress)
    /// A socket of a process on this host, by its bound port.
    case local(port: UInt16)
    public var description: String {
        switch self {
        case .remote(let a): "\(a)"
        case .local(let port): "local:\(port)"
        }
    }
}

/// What a policy does with a matching packet.
public enum PolicyAction: Hashable, Sendable {
    /// Send it to these targets instead (A3).
    case redirect([PolicyTarget])
    /// Send it on as it is and also to these targets (A4).
    case replicate([PolicyTarget])

    public var targets: [PolicyTarget] {
        switch self {
        case .redirect(let t), .replicate(let t): t
        }
    }
    public var keepsOriginal: Bool {
        if case .replicate = self { return true }
        return false
    }
}

/// The path a policy sits on.
public enum PolicyDirection: String, Hashable, Sendable, CaseIterable {
    case transmit
    case receive
}

/// Where a policy runs: in the OS below the IP layer (A1), or in the NIC's match-action table (A5).
public enum PolicyPlacement: String, Hashable, Sendable, CaseIterable {
    case os
    case nic
}

/// A rule an application gives the OS for manipulating packets (A1): match, action, direction, placement.
public struct Policy: Hashable, Sendable {
    public var match: FlowMatch
    public var action: PolicyAction
    public var direction: PolicyDirection
    public var placement: PolicyPlacement
    public init(match: FlowMatch, action: PolicyAction, direction: PolicyDirection, placement: PolicyPlacement = .os) {
        self.match = match
        self.action = action
        self.direction = direction
        self.placement = placement
    }
}

/// Counts of one policy's work.
public struct PolicyCounters: Hashable, Sendable {
    /// Packets (messages on transmit, datagrams on receive) the policy matched.
    public var matched: UInt64 = 0
    /// Copies it sent to remote targets and delivered to local ones.
    public var remoteCopies: UInt64 = 0
    public var localCopies: UInt64 = 0
    /// Payload bytes of those copies.
    public var bytes: UInt64 = 0
    public init() {}
}
