import HostMemory
import HostOS
import NetworkModel
import ScenarioFormat
import SimCore
import WireFormats

/// The server's application and the scenario's clock-driven actions: write calls in the chosen way of sending,
/// and policies installed and removed at their times.
package final class Application: EventHandler {
    let spec: ScenarioSpec
    let simulator: Simulator
    let server: Host
    let socket: Socket
    let buffers: [VirtualAddress]
    let hosts: [World.ReceiverNode]
    package var id = ComponentID(rawValue: 0)
    /// The sequence number reserved for write call 0; call `w` has `firstCallSequence + w`.
    var firstCallSequence: UInt64 = 0
    /// Write calls refused by the OS (a policy or address the scenario got wrong shows here, not as a crash).
    package private(set) var refusedCalls = 0
    package private(set) var policyErrors: [String] = []
    /// Final counters of router policies that were removed.
    package private(set) var routerCounters: [Int: RouterPolicyCounters] = [:]
    /// The server's NPCP clients, one per router that gets policies over the network (`via: network`), by
    /// receiver index.
    private(set) var policyClients: [Int: RouterPolicyClient] = [:]
    /// The vector every multi-destination write sends (the same buffers each time).
    let vector: [WriteVectorEntry]
    /// The same data cut into datagrams, for the ways of sending that send datagram by datagram.
    let datagrams: [(destination: SocketAddress, address: VirtualAddress, length: Int)]
    /// Payload bytes one call hands over (every entry once).
    var bytesPerCall: Int { spec.writes.entries.reduce(0) { $0 + $1.bytes } }

    init(simulator: Simulator, spec: ScenarioSpec, server: Host, socket: Socket, buffers: [VirtualAddress],
         hosts: [World.ReceiverNode]) {
        self.simulator = simulator
        self.spec = spec
        self.server = server
        self.socket = socket
        self.buffers = buffers
        self.hosts = hosts
        let destinations = spec.writes.entries.map { e in
            SocketAddress(ip: spec.receivers[e.receiver].ip, port: spec.receivers[e.receiver].port)
        }
        self.vector = spec.writes.entries.enumerated().map { i, e in
            WriteVectorEntry(destination: destinations[i], address: buffers[i], length: e.bytes)
        }
        let payload = spec.server.packetSize - IPv4Header.minimumSize - UDPHeader.size
        var datagrams: [(SocketAddress, VirtualAddress, Int)] = []
        for (i, e) in spec.writes.entries.enumerated() {
            var offset = 0
            repeat {
                let n = min(payload, e.bytes - offset)
                datagrams.append((destinations[i], VirtualAddress(rawValue: buffers[i].rawValue + UInt64(offset)), n))
                offset += n
            } while offset < e.bytes
        }
        self.datagrams = datagrams
        self.id = simulator.register(self, name: "application")
    }

    func start() {
        for (k, p) in spec.policies.enumerated() {
            simulator.schedule(ApplicationEvent.install(policy: k), at: SimTime(rawValue: p.installAt), for: id)
            if let end = p.removeAt {
                simulator.schedule(ApplicationEvent.remove(policy: k), at: SimTime(rawValue: end), for: id)
            }
        }
        // Only the next call waits in the queue (a long run would otherwise hold every call in the heap); each
        // call has the sequence number it would have had if all were scheduled now, so the order is the same.
        firstCallSequence = simulator.reserveSequenceNumbers(spec.writes.count)
        scheduleCall(0)
    }

    /// Puts write call `w` in the queue, if the scenario has it.
    func scheduleCall(_ w: Int) {
        guard w < spec.writes.count else { return }
        simulator.schedule(
            ApplicationEvent.call(w), at: SimTime(rawValue: Int64(w) * spec.writes.interval),
            reservedSequence: firstCallSequence + UInt64(w), for: id)
    }

    /// The server's NPCP client for the router at receiver `h`, made when first needed.
    func policyClient(for h: Int) -> RouterPolicyClient {
        if let client = policyClients[h] { return client }
        let client = RouterPolicyClient(host: server, router: spec.receivers[h].ip)
        policyClients[h] = client
        return client
    }

    func host(for policy: PolicySpec) -> Host? {
        guard let h = policy.host else { return server }
        if case .host(let machine) = hosts[h] { return machine.host }
        return nil
    }

    package func handle(_ event: Event, simulator: Simulator) {
        switch ApplicationEvent(decoding: event) {
        case .call(let w):
            scheduleCall(w + 1)
            call()
        case .install(let k):
            let p = spec.policies[k]
            if p.viaNetwork, let h = p.host {
                let policy = Policy(
                    match: FlowMatch(destination: SocketAddress(ip: p.matchIP, port: p.matchPort),
                                     source: p.matchSource.map { SocketAddress(ip: $0, port: 0) }),
                    action: p.redirect ? .redirect(targets(p)) : .replicate(targets(p)), direction: .receive)
                do throws(HostError) {
                    try policyClient(for: h).set(id: p.id, policy)
                } catch {
                    policyErrors.append("policy \(p.id): \(error)")
                }
                return
            }
            if let h = p.host, case .router(let router) = hosts[h] {
                let targets = p.targets.compactMap { t -> RouterPolicy.Target? in
                    if case .remote(let ip, let port) = t { return RouterPolicy.Target(address: ip, port: port) }
                    return nil
                }
                let policy = RouterPolicy(
                    id: p.id,
                    match: .init(
                        destination: p.matchIP, destinationPort: p.matchPort,
                        source: p.matchSource),
                    action: p.redirect ? .redirect(targets) : .replicate(targets, keepOriginal: true))
                do throws(PolicyRouterError) {
                    if router.policy(id: p.id) != nil {
                        try router.replacePolicy(policy)
                    } else {
                        try router.addPolicy(policy)
                    }
                } catch {
                    policyErrors.append("policy \(p.id) on \(router.name): \(error)")
                }
                return
            }
            guard let host = host(for: p) else { return }
            let policy = Policy(
                match: FlowMatch(destination: SocketAddress(ip: p.matchIP, port: p.matchPort),
                                 source: p.matchSource.map { SocketAddress(ip: $0, port: 0) }),
                action: p.redirect ? .redirect(targets(p)) : .replicate(targets(p)),
                direction: p.direction == .transmit ? .transmit : .receive,
                placement: p.placement == .nic ? .nic : .os)
            do throws(HostError) {
                try host.setPolicy(id: p.id, policy)
            } catch {
                policyErrors.append("policy \(p.id): \(error)")
            }
        case .remove(let k):
            let p = spec.policies[k]
            if p.viaNetwork, let h = p.host {
                policyClient(for: h).remove(id: p.id)
            } else if let h = p.host, case .router(let router) = hosts[h] {
                // Keep the final counts for the report: the router forgets a removed policy.
                if let c = router.removePolicy(id: p.id) { routerCounters[p.id] = c }
            } else {
                host(for: p)?.removePolicy(id: p.id)
            }
        case nil: break
        }
    }

    func targets(_ p: PolicySpec) -> [PolicyTarget] {
        p.targets.map { t in
            switch t {
            case .remote(let ip, let port): .remote(SocketAddress(ip: ip, port: port))
            case .local(let port): .local(port: port)
            }
        }
    }

    /// One write call of the scenario, in its way of sending.
    func call() {
        do throws(HostError) {
            switch spec.writes.method {
            case .multiWrite:
                try server.write(socket: socket, entries: vector)
            case .writePerPacket:
                for d in datagrams {
                    try server.sendto(socket: socket, destination: d.destination, address: d.address, length: d.length)
                }
            case .sendmmsg:
                var i = 0
                while i < datagrams.count {
                    let end = min(i + spec.writes.batch, datagrams.count)
                    try server.sendmmsg(socket: socket, messages: Array(datagrams[i..<end]))
                    i = end
                }
            case .aggregate:
                try server.sendAggregate(socket: socket, aggregate())
            }
        } catch {
            refusedCalls += 1
        }
    }

    /// The datagrams as one aggregate message, stamped per the scenario's timing.
    func aggregate() -> AggregateMessage {
        let t = spec.writes.timing
        let now = simulator.now
        let entries = datagrams.enumerated().map { k, d in
            let stamp: Int64
            switch t.kind {
            case .immediate, .range: stamp = 0
            case .absolute: stamp = now.rawValue + t.start + Int64(k) * t.spacing
            case .sequence: stamp = Int64(k)
            case .relative: stamp = Int64(k) * t.spacing
            }
            return AggregateEntry(destination: d.destination, address: d.address, length: d.length, stamp: stamp)
        }
        let timing: AggregateTiming
        switch t.kind {
        case .immediate: timing = .immediate
        case .range: timing = .range(start: now, end: now + SimDuration(rawValue: t.over))
        case .absolute: timing = .absolute
        case .sequence: timing = .sequence(period: SimDuration(rawValue: t.spacing))
        case .relative: timing = .relative
        }
        return AggregateMessage(entries: entries, timing: timing, delivery: t.launchTime ? .launchTime : .osQueue)
    }
}

/// What an ``Application`` schedules for itself.
enum ApplicationEvent {
    /// Write call `w` of the scenario is due.
    case call(Int)
    /// The scenario's policy `policy` (an index into its policies) is installed.
    case install(policy: Int)
    /// The scenario's policy `policy` is removed.
    case remove(policy: Int)
}
