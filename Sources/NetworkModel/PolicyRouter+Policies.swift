import SimCore
import WireFormats

/// The match fields of one installed policy, host order: what the per-datagram scan reads.
struct PolicyKey: Hashable {
    var destination: UInt32
    var port: UInt16
    var source: UInt32
    var matchesSource: Bool

    init(_ match: RouterPolicy.Match) {
        destination = match.destination.rawValue
        port = match.destinationPort
        source = match.source?.rawValue ?? 0
        matchesSource = match.source != nil
    }
}

/// One installed policy with what it has done.
struct PolicySlot {
    var policy: RouterPolicy
    var targets: [RouterPolicy.Target]
    var keepOriginal: Bool
    var counters = RouterPolicyCounters()

    init(_ policy: RouterPolicy) {
        self.policy = policy
        self.targets = policy.action.targets
        self.keepOriginal = policy.action.keepsOriginal
    }
}

extension PolicyRouter {
    // MARK: - The policy table

    /// The installed policies in the order they were added (allocates; for reports).
    public var policies: [RouterPolicy] { policySlots.map(\.policy) }

    /// The installed policy with `id`, if any.
    public func policy(id: Int) -> RouterPolicy? {
        policySlots.first { $0.policy.id == id }?.policy
    }

    /// What the installed policy with `id` has done so far, or nil when no such policy is installed.
    public func policyCounters(id: Int) -> RouterPolicyCounters? {
        policySlots.first { $0.policy.id == id }?.counters
    }

    /// Installs a new policy; it applies to every datagram whose forwarding decision comes after this call.
    ///
    /// Throws (and changes nothing) when the id is in use, another policy has the same match, the policy has no
    /// targets, or the table is full.
    public func addPolicy(_ policy: RouterPolicy) throws(PolicyRouterError) {
        guard policyIndex(id: policy.id) == nil else {
            throw PolicyRouterError(
                code: .duplicatePolicyID, message: "policy \(policy.id) is already installed in router \(name)")
        }
        try validate(policy)
        guard policySlots.count < policyCapacity else {
            throw PolicyRouterError(
                code: .policyTableFull, message: "router \(name) holds \(policyCapacity) policies already")
        }
        policyKeys.append(PolicyKey(policy.match))
        policySlots.append(PolicySlot(policy))
    }

    /// Replaces the installed policy with the same id (match, action or both), keeping its place in the table and
    /// its counters, which belong to the id.
    ///
    /// Throws (and changes nothing) when no policy has this id, another policy has the same match, or the new
    /// policy has no targets.
    public func replacePolicy(_ policy: RouterPolicy) throws(PolicyRouterError) {
        guard let index = policyIndex(id: policy.id) else {
            throw PolicyRouterError(
                code: .unknownPolicyID, message: "router \(name) has no policy \(policy.id) to replace")
        }
        try validate(policy)
        let counters = policySlots[index].counters
        policyKeys[index] = PolicyKey(policy.match)
        policySlots[index] = PolicySlot(policy)
        policySlots[index].counters = counters
    }

    /// Removes the policy with `id` and returns its final counters, or nil when no such policy is installed.
    /// Datagrams whose forwarding decision comes later are routed as if it had never been installed.
    @discardableResult
    public func removePolicy(id: Int) -> RouterPolicyCounters? {
        guard let index = policyIndex(id: id) else { return nil }
        policyKeys.remove(at: index)
        return policySlots.remove(at: index).counters
    }

    private func policyIndex(id: Int) -> Int? {
        policySlots.firstIndex { $0.policy.id == id }
    }

    /// Checks targets and that no other id has the same match.
    private func validate(_ policy: RouterPolicy) throws(PolicyRouterError) {
        guard !policy.action.targets.isEmpty else {
            throw PolicyRouterError(code: .noTargets, message: "policy \(policy.id) has no targets")
        }
        let key = PolicyKey(policy.match)
        if let other = policySlots.indices.first(where: {
            policyKeys[$0] == key && policySlots[$0].policy.id != policy.id
        }) {
            throw PolicyRouterError(
                code: .conflictingMatch,
                message: "policy \(policy.id) has the same match as policy \(policySlots[other].policy.id)")
        }
    }

    // MARK: - Per datagram

    /// The index of the policy for a datagram, or -1: one that names this source wins over one for any source.
    @inline(__always)
    func matchPolicy(destination: UInt32, port: UInt16, source: UInt32) -> Int {
        var anySource = -1
        for i in policyKeys.indices where policyKeys[i].destination == destination && policyKeys[i].port == port {
            if policyKeys[i].matchesSource {
                if policyKeys[i].source == source { return i }
            } else if anySource < 0 {
                anySource = i
            }
        }
        return anySource
    }

    /// Sends one rewritten copy of a matching datagram to each target of policy `index`, then the original if the
    /// policy keeps it.
    func applyPolicy(_ index: Int, to frame: FrameHandle, length: Int, ihl: Int, simulator: Simulator) {
        let frames = simulator.frames
        let targets = policySlots[index].targets
        let keepOriginal = policySlots[index].keepOriginal
        var sent = 0
        var dropped = 0
        for k in targets.indices {
            // The original is still unmodified here: every copy is made before it is routed.
            let copy = !keepOriginal && k == targets.count - 1 ? frame : frames.duplicate(frame)
            let ip = frames.offset(of: copy) + RouterFrame.ethernetHeaderBytes
            Self.rewriteDestination(
                &frames.bytes, ip: ip, udp: ip + ihl, address: targets[k].address.rawValue, port: targets[k].port)
            if route(copy, length: length, simulator: simulator) {
                sent += 1
            } else {
                dropped += 1
            }
        }
        policySlots[index].counters.matchedPackets += 1
        policySlots[index].counters.matchedBytes += length
        policySlots[index].counters.copiesSent += sent
        policySlots[index].counters.bytesSent += sent * length
        policySlots[index].counters.copiesDropped += dropped
        globalCounters.policyMatches += 1
        globalCounters.policyCopies += sent
        if keepOriginal { route(frame, length: length, simulator: simulator) }
    }

    /// Replaces the IPv4 destination address and UDP destination port of the datagram whose IPv4 header starts at
    /// `ip` and UDP header at `udp`, updating the header checksum and (unless it is 0, "none") the UDP checksum,
    /// whose pseudo-header holds the destination address, incrementally (RFC 1624 equation 3). A UDP checksum that
    /// comes out as 0 is written as 0xFFFF (RFC 768).
    static func rewriteDestination(_ b: inout [UInt8], ip: Int, udp: Int, address: UInt32, port: UInt16) {
        let oldAddress = FrameBytes.get32(b, ip + RouterFrame.destinationOffset)
        let oldPort = FrameBytes.get16(b, udp + RouterFrame.udpDestinationPortOffset)
        let headerChecksum = FrameBytes.get16(b, ip + RouterFrame.checksumOffset)
        FrameBytes.set16(
            &b, ip + RouterFrame.checksumOffset, RouterFrame.updated(headerChecksum, old: oldAddress, new: address))
        FrameBytes.set32(&b, ip + RouterFrame.destinationOffset, address)
        let udpChecksum = FrameBytes.get16(b, udp + RouterFrame.udpChecksumOffset)
        if udpChecksum != 0 {
            var sum = RouterFrame.updated(udpChecksum, old: oldAddress, new: address)
            sum = InternetChecksum.updated(sum, oldWord: oldPort, newWord: port)
            FrameBytes.set16(&b, udp + RouterFrame.udpChecksumOffset, sum == 0 ? 0xFFFF : sum)
        }
        FrameBytes.set16(&b, udp + RouterFrame.udpDestinationPortOffset, port)
    }
}
