import SimCore
import WireFormats

extension Host {
    /// The policy system call (A1): installs `policy` under `id`, replacing one with the same id (A31: several
    /// policies are active at once; each can be replaced or removed while traffic flows).
    ///
    /// Refused when a remote target has no neighbour entry, or when the action has no target.
    public func setPolicy(id: Int, _ policy: Policy) throws(HostError) {
        _ = occupy(core: 0, from: simulator.now, systemCallAccount())
        guard !policy.action.targets.isEmpty else { throw HostError(.badPolicy, "policy \(id) has no target") }
        for case .remote(let target) in policy.action.targets where neighbors[target.ip] == nil {
            // With ARP the target is resolved now and copies flow once it answers; without, it is an error.
            guard resolvesByARP, policy.placement == .os else {
                throw HostError(.unknownNeighbor, "policy \(id): \(target.ip) has no neighbour entry")
            }
            sendARPRequest(for: target.ip)
        }
        if policy.placement == .nic {
            guard installInHardware(id: id, policy) else {
                throw HostError(.badPolicy, "policy \(id) does not fit the NIC's match-action table")
            }
        }
        if let i = policies.firstIndex(where: { $0.id == id }) {
            if policies[i].policy.placement == .nic && policy.placement == .os { removeFromHardware(id: id) }
            policies[i].policy = policy
        } else {
            policies.append((id, policy))
        }
        if policyCounters[id] == nil { policyCounters[id] = PolicyCounters() }
    }

    /// Removes the policy `id`; returns false when there was none.
    @discardableResult
    public func removePolicy(id: Int) -> Bool {
        _ = occupy(core: 0, from: simulator.now, systemCallAccount())
        guard let i = policies.firstIndex(where: { $0.id == id }) else { return false }
        if policies[i].policy.placement == .nic { removeFromHardware(id: id) }
        policies.remove(at: i)
        return true
    }

    /// The ids of the policies installed now, in the order they were first installed (a replacement keeps its
    /// place).
    public var policyIDs: [Int] { policies.map(\.id) }

    /// The first OS-placed policy on `direction` that matches, with its id.
    func policy(_ direction: PolicyDirection, destination: SocketAddress, source: SocketAddress) -> (Int, Policy)? {
        for (id, p) in policies where p.direction == direction && p.placement == .os {
            if p.match.matches(destination: destination, source: source) { return (id, p) }
        }
        return nil
    }

    var hasOSPolicies: Bool { policies.contains { $0.policy.placement == .os } }

    /// Rewrites outgoing messages per transmit policies: redirect replaces the destination by the targets,
    /// replicate adds them. The copies share the application's buffer (no byte is copied).
    func applyTransmitPolicies(_ messages: [OutMessage], sourcePort: UInt16, account: inout CycleAccount)
        -> [OutMessage]
    {
        guard hasOSPolicies else { return messages }
        var out: [OutMessage] = []
        out.reserveCapacity(messages.count)
        let source = SocketAddress(ip: ip, port: sourcePort)
        for m in messages {
            account.policy += configuration.costs.policyLookup
            guard let (id, p) = policy(.transmit, destination: m.destination, source: source) else {
                out.append(m)
                continue
            }
            policyCounters[id, default: PolicyCounters()].matched += 1
            if p.action.keepsOriginal { out.append(m) }
            for target in p.action.targets {
                switch target {
                case .remote(let address):
                    var copy = m
                    copy.destination = address
                    out.append(copy)
                    policyCounters[id, default: PolicyCounters()].remoteCopies += 1
                case .local(let port):
                    deliverLocally(port: port, bytes: m.length, account: &account)
                    policyCounters[id, default: PolicyCounters()].localCopies += 1
                }
                policyCounters[id, default: PolicyCounters()].bytes += UInt64(m.length)
            }
        }
        return out
    }

    /// Counts a datagram for the socket bound to `port` and prices copying it to the process.
    func deliverLocally(port: UInt16, bytes: Int, account: inout CycleAccount) {
        guard sockets.contains(where: { $0.port == port }) else {
            receiveCounters.udpNoSocket += 1
            return
        }
        var d = socketDeliveries[port] ?? (0, 0)
        d.datagrams += 1
        d.bytes += UInt64(bytes)
        socketDeliveries[port] = d
        account.copy += (Int64(bytes) * configuration.costs.copyPerKiB + 1023) / 1024
    }

    /// The receive half of the policies (A4): a datagram for a replicated flow is delivered to every interested
    /// local socket and rewritten and retransmitted to every remote target. Returns true when a policy took it.
    func applyReceivePolicies(_ bytes: [UInt8], view: UDPDatagramView, account: inout CycleAccount) -> Bool {
        guard hasOSPolicies else { return false }
        account.policy += configuration.costs.policyLookup
        let destination = SocketAddress(ip: view.ip.destination, port: view.udp.destinationPort)
        let source = SocketAddress(ip: view.ip.source, port: view.udp.sourcePort)
        guard let (id, p) = policy(.receive, destination: destination, source: source) else { return false }
        policyCounters[id, default: PolicyCounters()].matched += 1
        if p.action.keepsOriginal {
            deliverLocally(port: view.udp.destinationPort, bytes: view.payloadLength, account: &account)
        }
        for target in p.action.targets {
            switch target {
            case .local(let port):
                deliverLocally(port: port, bytes: view.payloadLength, account: &account)
                policyCounters[id, default: PolicyCounters()].localCopies += 1
            case .remote(let address):
                if retransmit(bytes, view: view, to: address, fromPort: view.udp.destinationPort, account: &account) {
                    policyCounters[id, default: PolicyCounters()].remoteCopies += 1
                }
            }
            policyCounters[id, default: PolicyCounters()].bytes += UInt64(view.payloadLength)
        }
        return true
    }

    /// Builds a copy of a received datagram for `target` (new Ethernet and IPv4 addresses, ports, checksums)
    /// and sends it; the relay is the copy's source.
    func retransmit(_ bytes: [UInt8], view: UDPDatagramView, to target: SocketAddress, fromPort: UInt16,
                    account: inout CycleAccount) -> Bool {
        guard let mac = neighbors[target.ip] else {
            // Not resolved (yet): ask again, at most once per ARP timeout, and drop this copy.
            if resolvesByARP, arpAsked[target.ip].map({ simulator.now - $0 >= arpTimeout }) ?? true {
                arpAsked[target.ip] = simulator.now
                sendARPRequest(for: target.ip)
            }
            receiveCounters.repliesDropped += 1
            return false
        }
        let payload = view.payloadLength
        let template = HeaderTemplate(sourceMAC: self.mac, destinationMAC: mac, sourceIP: ip, destinationIP: target.ip,
                                      sourcePort: fromPort, destinationPort: target.port)
        let header = template.headerLength
        guard header + payload <= replyScratch.count else { return false }
        for i in 0..<payload { replyScratch[header + i] = bytes[view.payloadOffset + i] }
        var sum = InternetChecksum()
        sum.add(replyScratch, from: header, count: payload)
        template.render(into: &replyScratch, at: 0, payloadLength: payload, identification: nextIdentification(),
                        checksum: .full(payloadSum: sum))
        account.copy += (Int64(payload) * configuration.costs.copyPerKiB + 1023) / 1024
        account.driver += configuration.costs.perPacket
        return sendReply(length: max(header + payload, EthernetFraming.minimumFrameBytes))
    }
}

extension Host {
    /// Puts an OS policy into the NIC's match-action table (A5): only remote targets, a destination to match,
    /// and at most as many targets as an entry holds; false when it does not fit.
    func installInHardware(id: Int, _ policy: Policy) -> Bool {
        guard let destination = policy.match.destination else { return false }
        var targets: [(ip: IPv4Address, port: UInt16, mac: MACAddress)] = []
        for target in policy.action.targets {
            guard case .remote(let address) = target, let mac = neighbors[address.ip] else { return false }
            targets.append((address.ip, address.port, mac))
        }
        let slot: Int
        if let existing = hardwareSlots[id] {
            slot = existing
        } else if let free = (0..<16).first(where: { s in !hardwareSlots.values.contains(s) }) {
            slot = free
        } else {
            return false
        }
        let rule = HardwarePolicy(destination: destination.ip, port: destination.port, source: policy.match.source?.ip,
                                  onReceive: policy.direction == .receive, onTransmit: policy.direction == .transmit,
                                  redirect: !policy.action.keepsOriginal, targets: targets)
        guard let receipt = driver.installHardwarePolicy(slot: slot, rule) else { return false }
        driverWork += receipt
        hardwareSlots[id] = slot
        return true
    }

    func removeFromHardware(id: Int) {
        guard let slot = hardwareSlots.removeValue(forKey: id) else { return }
        driverWork += driver.removeHardwarePolicy(slot: slot)
    }
}
