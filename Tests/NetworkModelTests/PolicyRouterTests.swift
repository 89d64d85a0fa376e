import SimCore
import Testing
import WireFormats

@testable import NetworkModel

private let oneGigabit: Int64 = 1_000_000_000
private let tenGigabits: Int64 = 10_000_000_000

/// A host on one of the router's subnets.
private struct Station {
    var ip: [UInt8]
    var mac: MACAddress
    var port: Int
    var address: IPv4Address { IPv4Address(ip[0], ip[1], ip[2], ip[3]) }
}

// Router ports: 0 is 192.0.2.1/26, 1 is 192.0.2.65/26, 2 is 192.0.2.129/26.
private let routerMACs = [
    MACAddress(rawValue: 0x0200_0000_0100), MACAddress(rawValue: 0x0200_0000_0101),
    MACAddress(rawValue: 0x0200_0000_0102),
]
private let routerIPs: [[UInt8]] = [[192, 0, 2, 1], [192, 0, 2, 65], [192, 0, 2, 129]]
private let h0 = Station(ip: [192, 0, 2, 10], mac: MACAddress(rawValue: 0x0200_0000_0010), port: 0)
private let h0b = Station(ip: [192, 0, 2, 11], mac: MACAddress(rawValue: 0x0200_0000_0011), port: 0)
private let h1 = Station(ip: [192, 0, 2, 70], mac: MACAddress(rawValue: 0x0200_0000_0046), port: 1)
private let h1b = Station(ip: [192, 0, 2, 71], mac: MACAddress(rawValue: 0x0200_0000_0047), port: 1)
private let h2 = Station(ip: [192, 0, 2, 140], mac: MACAddress(rawValue: 0x0200_0000_008C), port: 2)
private let h2b = Station(ip: [192, 0, 2, 141], mac: MACAddress(rawValue: 0x0200_0000_008D), port: 2)
private let stations = [h0, h0b, h1, h1b, h2, h2b]

private func address(_ b: [UInt8]) -> IPv4Address { IPv4Address(b[0], b[1], b[2], b[3]) }

/// A three-port router with every egress cabled to a collector, a feeder on every ingress and every station in
/// the neighbour table.
private struct RouterWorld {
    let sim = Simulator(seed: 1)
    let router: PolicyRouter
    var outputs: [Collector] = []
    var inputs: [Feeder] = []

    init(
        rates: [Int64] = [oneGigabit, oneGigabit, oneGigabit], buffer: Int = 64 * 1024, latency: SimDuration = .zero,
        policyCapacity: Int = 64, neighbours: [Station] = stations
    ) {
        let ports = (0..<3).map {
            PolicyRouter.PortConfiguration(
                mac: routerMACs[$0], address: address(routerIPs[$0]), prefixLength: 26, rateBitsPerSecond: rates[$0],
                bufferBytes: buffer)
        }
        router = PolicyRouter(
            simulator: sim, name: "r", ports: ports, forwardingLatency: latency, policyCapacity: policyCapacity)
        for s in neighbours { router.setNeighbour(s.address, mac: s.mac) }
        for p in 0..<3 {
            let out = Collector()
            outputs.append(out)
            router.connectEgress(p, to: out)
            inputs.append(Feeder(simulator: sim, sink: router.ingress(p), name: "in\(p)"))
        }
    }

    func send(_ bytes: [UInt8], on port: Int, at time: SimTime) {
        inputs[port].send(bytes, at: time, simulator: sim)
    }

    /// Every output's arrivals.
    var delivered: Int { outputs.reduce(0) { $0 + $1.arrivals.count } }
}

/// Runs closures at given virtual times (policy changes while traffic flows).
private final class Script: EventHandler {
    private var actions: [() -> Void] = []
    private var id = ComponentID(rawValue: .max)

    init(simulator: Simulator) { id = simulator.register(self, name: "script") }

    func at(_ time: SimTime, in simulator: Simulator, _ action: @escaping () -> Void) {
        actions.append(action)
        simulator.schedule(at: time, target: id, kind: 0, a: UInt64(actions.count - 1))
    }

    func handle(_ event: Event, simulator: Simulator) { actions[Int(event.a)]() }
}

/// A UDP datagram from `source` (sent to the router's MAC on the source's port) to `destination:port`.
private func datagram(
    from source: Station, to destination: [UInt8], port: UInt16 = 6000, id: UInt16 = 1, payload: Int = 100,
    ttl: UInt8 = 64, udpChecksum: Bool = true
) -> [UInt8] {
    let bytes = (0..<payload).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(id)) }
    let frame = udpFrame(
        to: routerMACs[source.port], from: source.mac, sourceIP: source.ip, destinationIP: destination,
        destinationPort: port, identification: id, payload: bytes, udpChecksum: udpChecksum)
    return ttl == 64 ? frame : settingTTL(frame, ttl)
}

/// The frame with its IPv4 header checksum computed from scratch.
private func withIPChecksum(_ frame: [UInt8]) -> [UInt8] {
    var f = frame
    f[24] = 0
    f[25] = 0
    let sum = ~UInt16(onesComplementSum(Array(f[14..<34])))
    f[24] = UInt8(sum >> 8)
    f[25] = UInt8(sum & 0xFF)
    return f
}

private func settingTTL(_ frame: [UInt8], _ ttl: UInt8) -> [UInt8] {
    var f = frame
    f[22] = ttl
    return withIPChecksum(f)
}

/// What a router sends for `frame`: TTL − 1, header checksum recomputed, MACs of the hop.
private func forwarded(_ frame: [UInt8], to destination: MACAddress, from source: MACAddress) -> [UInt8] {
    var f = settingTTL(frame, frame[22] - 1)
    f.replaceSubrange(0..<6, with: macBytes(destination))
    f.replaceSubrange(6..<12, with: macBytes(source))
    return f
}

/// `frame` with a new destination address and UDP port, both checksums recomputed from scratch (a UDP checksum of 0
/// stays 0).
private func rewritten(_ frame: [UInt8], to destination: [UInt8], port: UInt16) -> [UInt8] {
    var f = frame
    f.replaceSubrange(30..<34, with: destination)
    f[36] = UInt8(port >> 8)
    f[37] = UInt8(port & 0xFF)
    if f[40] != 0 || f[41] != 0 {
        let udpLength = Int(f[38]) << 8 | Int(f[39])
        f[40] = 0
        f[41] = 0
        let pseudo = Array(f[26..<34]) + [0, 17, f[38], f[39]]
        var sum = ~UInt16(onesComplementSum(Array(f[34..<(34 + udpLength)]), initial: onesComplementSum(pseudo)))
        if sum == 0 { sum = 0xFFFF }
        f[40] = UInt8(sum >> 8)
        f[41] = UInt8(sum & 0xFF)
    }
    return withIPChecksum(f)
}

/// What the router sends to `target` for `frame` under a policy.
private func copy(of frame: [UInt8], for target: Station, port: UInt16) -> [UInt8] {
    forwarded(rewritten(frame, to: target.ip, port: port), to: target.mac, from: routerMACs[target.port])
}

private func view(_ bytes: [UInt8]) throws -> UDPDatagramView {
    try #require(UDPDatagramView(parsing: bytes, at: 0, length: bytes.count))
}

private func policy(
    _ id: Int, _ destination: Station, port: UInt16 = 6000, source: Station? = nil,
    redirect targets: [(Station, UInt16)]
) -> RouterPolicy {
    RouterPolicy(
        id: id,
        match: .init(destination: destination.address, destinationPort: port, source: source?.address),
        action: .redirect(targets.map { .init(address: $0.0.address, port: $0.1) }))
}

/// (max(L, 60) + 4 FCS + 8 preamble) × 8 bit times at 1 Gb/s, by hand.
private func gigabitLastBit(_ length: Int) -> SimDuration {
    .nanoseconds(Int64((max(length, 60) + 12) * 8))
}

@Suite struct PolicyRouterTests {
    // MARK: - Forwarding

    @Test(arguments: [UInt16(0), 1, 0x7FFF, 0xBEEF, 0xFFFF], [true, false])
    func forwardsBetweenSubnetsWithExactTTLAndChecksum(identification: UInt16, udpChecksum: Bool) throws {
        let w = RouterWorld()
        let input = datagram(from: h0, to: h1.ip, id: identification, udpChecksum: udpChecksum)
        w.send(input, on: 0, at: .microseconds(1))
        w.sim.run()

        let out = try #require(w.outputs[1].arrivals.first)
        #expect(out.bytes == forwarded(input, to: h1.mac, from: routerMACs[1]))
        #expect(out.time == SimTime.microseconds(1) + gigabitLastBit(input.count))
        let v = try view(out.bytes)
        #expect(v.ip.ttl == 63)
        #expect(v.ipChecksumValid)
        #expect(v.udpChecksumValid)
        #expect(v.udp.checksum == (udpChecksum ? v.udp.checksum : 0))
        #expect(v.ethernet.source == routerMACs[1])
        #expect(v.ethernet.destination == h1.mac)
        #expect(w.delivered == 1)
        #expect(w.router.counters.forwardedPackets == 1)
        #expect(w.router.counters.drops == 0)
        #expect(w.router.portCounters(0).framesIn == 1)
        #expect(w.router.portCounters(1).framesOut == 1)
        #expect(w.router.portCounters(1).bytesOut == input.count)
        #expect(w.sim.frames.live == 0)
    }

    @Test(arguments: [false, true])
    func longestPrefixWinsWhateverTheOrderRoutesWereAdded(reversed: Bool) throws {
        let w = RouterWorld()
        let gw0 = MACAddress(rawValue: 0x0200_0000_0A00)
        let gw1 = MACAddress(rawValue: 0x0200_0000_0A01)
        let gw1b = MACAddress(rawValue: 0x0200_0000_0A1B)
        let gw2 = MACAddress(rawValue: 0x0200_0000_0A02)
        var routes = [
            PolicyRouter.Route(prefix: IPv4Address(0, 0, 0, 0), prefixLength: 0, port: 0, nextHop: gw0),
            PolicyRouter.Route(prefix: IPv4Address(198, 51, 100, 77), prefixLength: 24, port: 1, nextHop: gw1),
            PolicyRouter.Route(prefix: IPv4Address(198, 51, 100, 128), prefixLength: 25, port: 2, nextHop: gw2),
            PolicyRouter.Route(prefix: IPv4Address(198, 51, 100, 200), prefixLength: 32, port: 1, nextHop: gw1b),
        ]
        if reversed { routes.reverse() }
        for r in routes { try w.router.addRoute(r) }
        #expect(w.router.routes.map(\.prefixLength) == [32, 26, 26, 26, 25, 24, 0])
        #expect(w.router.routes.last?.prefix == IPv4Address(0, 0, 0, 0))
        #expect(w.router.routes.contains { $0.prefix == IPv4Address(198, 51, 100, 0) && $0.prefixLength == 24 })

        let sends: [([UInt8], Int, MACAddress)] = [
            ([198, 51, 100, 5], 1, gw1),  // /24
            ([198, 51, 100, 130], 2, gw2),  // /25 beats /24
            ([198, 51, 100, 200], 1, gw1b),  // /32 beats /25
            ([203, 0, 113, 9], 0, gw0),  // default, back out of the ingress port
            (h1.ip, 1, h1.mac),  // connected /26 beats the default
        ]
        for (i, s) in sends.enumerated() {
            w.send(datagram(from: h0, to: s.0, id: UInt16(i)), on: 0, at: .microseconds(Int64(i) * 20))
        }
        w.sim.run()
        for (i, s) in sends.enumerated() {
            let hit = w.outputs[s.1].arrivals.first { $0.bytes[19] == UInt8(i) }  // identification low byte
            let bytes = try #require(hit?.bytes, "datagram \(i) did not leave port \(s.1)")
            #expect(bytes == forwarded(datagram(from: h0, to: s.0, id: UInt16(i)), to: s.2, from: routerMACs[s.1]))
        }
        #expect(w.delivered == sends.count)
        #expect(w.router.counters.forwardedPackets == sends.count)
        #expect(w.sim.frames.live == 0)
    }

    @Test func answersARPForEachPortsOwnAddressOnly() throws {
        let w = RouterWorld()
        func arp(_ op: UInt8, to destination: MACAddress, sha: MACAddress, spa: [UInt8], tha: MACAddress, tpa: [UInt8])
            -> [UInt8]
        {
            var f = macBytes(destination) + macBytes(sha) + [0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, op]
            f += macBytes(sha) + spa + macBytes(tha) + tpa
            return f + [UInt8](repeating: 0, count: 60 - f.count)
        }
        let zero = MACAddress(rawValue: 0)
        let request = arp(1, to: .broadcast, sha: h0.mac, spa: h0.ip, tha: zero, tpa: routerIPs[0])
        w.send(request, on: 0, at: .microseconds(1))
        // A request for port 1's address heard on port 0 (no proxy ARP), a reply, and a request sent to another MAC.
        w.send(
            arp(1, to: .broadcast, sha: h0.mac, spa: h0.ip, tha: zero, tpa: routerIPs[1]), on: 0, at: .microseconds(2))
        w.send(
            arp(2, to: routerMACs[0], sha: h0.mac, spa: h0.ip, tha: routerMACs[0], tpa: routerIPs[0]), on: 0,
            at: .microseconds(3))
        w.send(arp(1, to: h1.mac, sha: h0.mac, spa: h0.ip, tha: zero, tpa: routerIPs[0]), on: 0, at: .microseconds(4))
        // A unicast request to port 2's MAC on port 2 is answered too.
        let unicast = arp(1, to: routerMACs[2], sha: h2.mac, spa: h2.ip, tha: zero, tpa: routerIPs[2])
        w.send(unicast, on: 2, at: .microseconds(5))
        w.sim.run()

        let reply = arp(2, to: h0.mac, sha: routerMACs[0], spa: routerIPs[0], tha: h0.mac, tpa: h0.ip)
        #expect(w.outputs[0].arrivals == [.init(time: .microseconds(1) + gigabitLastBit(60), bytes: reply)])
        let reply2 = arp(2, to: h2.mac, sha: routerMACs[2], spa: routerIPs[2], tha: h2.mac, tpa: h2.ip)
        #expect(w.outputs[2].arrivals.map(\.bytes) == [reply2])
        #expect(w.outputs[1].arrivals.isEmpty)
        let c = w.router.counters
        #expect(c.arpRequestsAnswered == 2)
        #expect(c.arpIgnored == 2)
        #expect(c.notAddressedDrops == 1)
        #expect(c.forwardedPackets == 0)
        #expect(w.sim.frames.live == 0)
    }

    @Test func dropsAtTTLOneOrZeroAndForwardsTTLTwo() throws {
        let w = RouterWorld()
        for (i, ttl) in [UInt8(0), 1, 2, 255].enumerated() {
            w.send(datagram(from: h0, to: h1.ip, id: UInt16(i), ttl: ttl), on: 0, at: .microseconds(Int64(i) * 10))
        }
        w.sim.run()
        let out = w.outputs[1].arrivals.map(\.bytes)
        #expect(out.map { $0[22] } == [1, 254])
        #expect(out[0] == forwarded(datagram(from: h0, to: h1.ip, id: 2, ttl: 2), to: h1.mac, from: routerMACs[1]))
        #expect(try out.allSatisfy { try view($0).ipChecksumValid })
        #expect(w.router.counters.ttlExpiredDrops == 2)
        #expect(w.router.counters.forwardedPackets == 2)
        #expect(w.sim.frames.live == 0)
    }

    @Test func unknownDestinationsAndBadFramesAreDroppedAndCounted() {
        let w = RouterWorld(neighbours: [h0])
        let good = datagram(from: h0, to: h1.ip)
        w.send(datagram(from: h0, to: [203, 0, 113, 9]), on: 0, at: .microseconds(1))  // no route (no default)
        w.send(good, on: 0, at: .microseconds(2))  // connected, but h1 is not in the neighbour table
        w.send(datagram(from: h0, to: routerIPs[1]), on: 0, at: .microseconds(3))  // the router's own address
        var badSum = good
        badSum[24] ^= 0x01
        w.send(badSum, on: 0, at: .microseconds(4))
        var badVersion = good
        badVersion[14] = 0x65
        w.send(badVersion, on: 0, at: .microseconds(5))
        var longer = good
        longer[16] = 0x05  // total length beyond the frame
        w.send(withIPChecksum(longer), on: 0, at: .microseconds(6))
        w.send(Array(good[0..<10]), on: 0, at: .microseconds(7))  // shorter than an Ethernet header
        w.send(Array(good[0..<30]), on: 0, at: .microseconds(8))  // shorter than an IPv4 header
        w.send(ethernetFrame(to: routerMACs[0], from: h0.mac, length: 100), on: 0, at: .microseconds(9))  // not IPv4
        var other = good
        other.replaceSubrange(0..<6, with: macBytes(h1.mac))
        w.send(other, on: 0, at: .microseconds(10))  // not for the router's MAC
        w.sim.run()

        let c = w.router.counters
        #expect(c.noRouteDrops == 1)
        #expect(c.unresolvedNeighbourDrops == 1)
        #expect(c.addressedToRouterDrops == 1)
        #expect(c.badChecksumDrops == 1)
        #expect(c.malformedDrops == 4)
        #expect(c.notIPv4Drops == 1)
        #expect(c.notAddressedDrops == 1)
        #expect(c.drops == 10)
        #expect(c.forwardedPackets == 0)
        #expect(w.delivered == 0)
        #expect(w.sim.frames.live == 0)
    }

    @Test(arguments: [SimDuration.zero, .nanoseconds(300)])
    func egressSerializationTailDropAndGapAreExact(latency: SimDuration) throws {
        // 10 Gb/s in, 1 Gb/s out with room for 2,500 bytes: two 1,000-byte frames fit, two are tail-dropped.
        let w = RouterWorld(rates: [tenGigabits, oneGigabit, oneGigabit], buffer: 2500, latency: latency)
        let arrival = SimTime.microseconds(1)
        for i in 0..<4 {
            w.send(datagram(from: h0, to: h1.ip, id: UInt16(i), payload: 958), on: 0, at: arrival)
        }
        // (1000 + 4 + 8) × 8 = 8,096 ns per frame at 1 Gb/s, then a 96 ns gap.
        let first = arrival + latency + .nanoseconds(8_096)
        let second = first + .nanoseconds(96 + 8_096)
        // A small frame decided 50 ns after the second's last bit waits out the gap: (60 + 12) × 8 = 576 ns.
        let lateDecision = second + .nanoseconds(50)
        let late = datagram(from: h0, to: h1.ip, id: 9, payload: 4)
        #expect(late.count == 60)
        w.send(late, on: 0, at: SimTime(rawValue: lateDecision.rawValue - latency.rawValue))
        w.sim.run()

        #expect(w.outputs[1].times == [first, second, second + .nanoseconds(96 + 576)])
        #expect(w.outputs[1].arrivals.map { $0.bytes[19] } == [0, 1, 9])
        let port = w.router.portCounters(1)
        #expect(port.tailDrops == 2)
        #expect(port.framesOut == 3)
        #expect(port.peakOccupancyBytes == 2000)
        #expect(port.peakOccupancyTime == arrival + latency)
        #expect(port.occupancyBytes == 0)
        #expect(w.router.counters.egressDrops == 2)
        #expect(w.router.counters.forwardedPackets == 3)
        #expect(w.sim.frames.live == 0)
    }

    // MARK: - Policies

    @Test(arguments: [true, false], [4, 100])
    func redirectSendsOnlyToTheNewDestination(udpChecksum: Bool, payload: Int) throws {
        let w = RouterWorld()
        try w.router.addPolicy(policy(1, h1, redirect: [(h2, 7000)]))
        var inputs: [[UInt8]] = []
        for i in 0..<3 {
            inputs.append(datagram(from: h0, to: h1.ip, id: UInt16(i), payload: payload, udpChecksum: udpChecksum))
            w.send(inputs[i], on: 0, at: .microseconds(Int64(i) * 10))
        }
        let unmatched = datagram(from: h0, to: h1.ip, port: 6001, id: 3, payload: payload, udpChecksum: udpChecksum)
        w.send(unmatched, on: 0, at: .microseconds(30))
        w.sim.run()

        #expect(w.outputs[1].arrivals.map(\.bytes) == [forwarded(unmatched, to: h1.mac, from: routerMACs[1])])
        #expect(w.outputs[2].arrivals.map(\.bytes) == inputs.map { copy(of: $0, for: h2, port: 7000) })
        #expect(w.outputs[0].arrivals.isEmpty)
        for bytes in w.outputs[2].arrivals.map(\.bytes) {
            let v = try view(bytes)
            #expect(v.ipChecksumValid)
            #expect(v.udpChecksumValid)
            #expect((v.udp.checksum == 0) == !udpChecksum)
            #expect(v.ip.source == h0.address)
            #expect(v.udp.sourcePort == 5000)
            #expect(v.ip.destination == h2.address)
            #expect(v.udp.destinationPort == 7000)
            #expect(v.ip.ttl == 63)
            #expect(v.payloadLength == payload)
        }
        let pc = try #require(w.router.policyCounters(id: 1))
        let length = inputs[0].count
        #expect(pc.matchedPackets == 3)
        #expect(pc.matchedBytes == 3 * length)
        #expect(pc.copiesSent == 3)
        #expect(pc.bytesSent == 3 * length)
        #expect(pc.copiesDropped == 0)
        #expect(w.router.counters.policyMatches == 3)
        #expect(w.router.counters.forwardedPackets == 4)
        #expect(w.sim.frames.live == 0)
    }

    @Test(arguments: [false, true])
    func replicateToThreeTargetsOnTwoPortsMakesExactCopies(keepOriginal: Bool) throws {
        let w = RouterWorld()
        let targets: [(Station, UInt16)] = [(h2, 7000), (h1b, 7001), (h2b, 7002)]
        try w.router.addPolicy(
            RouterPolicy(
                id: 7, match: .init(destination: h1.address, destinationPort: 6000),
                action: .replicate(targets.map { .init(address: $0.0.address, port: $0.1) }, keepOriginal: keepOriginal)
            ))
        let input = datagram(from: h0, to: h1.ip, id: 0x1234, payload: 200)
        w.send(input, on: 0, at: .microseconds(1))
        w.sim.run()

        let l = gigabitLastBit(input.count)
        let gap = SimDuration.nanoseconds(96)
        let start = SimTime.microseconds(1)
        // Copies are routed in target order, then the original.
        #expect(
            w.outputs[2].arrivals == [
                .init(time: start + l, bytes: copy(of: input, for: h2, port: 7000)),
                .init(time: start + l + gap + l, bytes: copy(of: input, for: h2b, port: 7002)),
            ])
        var port1: [Collector.Arrival] = [.init(time: start + l, bytes: copy(of: input, for: h1b, port: 7001))]
        if keepOriginal {
            port1.append(.init(time: start + l + gap + l, bytes: forwarded(input, to: h1.mac, from: routerMACs[1])))
        }
        #expect(w.outputs[1].arrivals == port1)
        // Outside the rewritten fields (MACs, TTL, IPv4 checksum, destination address and port, UDP checksum) every
        // byte of every copy equals the original's.
        let rewrittenBytes: Set<Int> = Set(0..<12).union([22, 24, 25, 30, 31, 32, 33, 36, 37, 40, 41])
        for arrival in w.outputs[1].arrivals + w.outputs[2].arrivals {
            #expect(arrival.bytes.count == input.count)
            for i in input.indices where !rewrittenBytes.contains(i) {
                #expect(arrival.bytes[i] == input[i], "byte \(i)")
            }
            let v = try view(arrival.bytes)
            #expect(v.ipChecksumValid && v.udpChecksumValid)
        }
        let pc = try #require(w.router.policyCounters(id: 7))
        #expect(pc.matchedPackets == 1)
        #expect(pc.copiesSent == 3)
        #expect(pc.bytesSent == 3 * input.count)
        #expect(w.router.counters.policyCopies == 3)
        #expect(w.router.counters.forwardedPackets == (keepOriginal ? 4 : 3))
        // Copies live in the frame store: one frame per copy, the last target reusing the original when it is not kept.
        #expect(w.sim.frames.peakLive == (keepOriginal ? 4 : 3))
        #expect(w.sim.frames.live == 0)
    }

    @Test func concurrentPoliciesOnDifferentPortsBothActAndASourceMatchWins() throws {
        let w = RouterWorld()
        try w.router.addPolicy(policy(1, h1, redirect: [(h2, 7000)]))
        try w.router.addPolicy(
            RouterPolicy(
                id: 2, match: .init(destination: h0.address, destinationPort: 6000),
                action: .replicate([.init(address: h2b.address, port: 7100)], keepOriginal: true)))
        try w.router.addPolicy(policy(3, h1, source: h0b, redirect: [(h1b, 7200)]))
        #expect(w.router.policies.map(\.id) == [1, 2, 3])

        for i in 0..<3 {
            w.send(datagram(from: h0, to: h1.ip, id: UInt16(i)), on: 0, at: .microseconds(Int64(i) * 20))
        }
        for i in 0..<2 {
            w.send(datagram(from: h1, to: h0.ip, id: UInt16(10 + i)), on: 1, at: .microseconds(Int64(i) * 20 + 10))
        }
        let fromH0b = datagram(from: h0b, to: h1.ip, id: 20)
        w.send(fromH0b, on: 0, at: .microseconds(100))
        w.sim.run()

        let toH2 = w.outputs[2].arrivals.map(\.bytes)
        #expect(toH2.count == 5)
        #expect(
            toH2.filter { $0[33] == 140 }
                == (0..<3).map { copy(of: datagram(from: h0, to: h1.ip, id: UInt16($0)), for: h2, port: 7000) })
        #expect(
            toH2.filter { $0[33] == 141 }
                == (0..<2).map { copy(of: datagram(from: h1, to: h0.ip, id: UInt16(10 + $0)), for: h2b, port: 7100) })
        #expect(w.outputs[0].arrivals.count == 2)  // policy 2 keeps the originals
        #expect(w.outputs[1].arrivals.map(\.bytes) == [copy(of: fromH0b, for: h1b, port: 7200)])
        #expect(w.router.policyCounters(id: 1)?.matchedPackets == 3)
        #expect(w.router.policyCounters(id: 2)?.matchedPackets == 2)
        #expect(w.router.policyCounters(id: 3)?.matchedPackets == 1)
        #expect(w.router.counters.policyMatches == 6)
        #expect(w.sim.frames.live == 0)
    }

    /// Ten datagrams every 10 µs; the policy is removed at `removal`. A removal at the same instant as a forwarding
    /// decision acts after it when scheduled after it (FIFO among equal times).
    @Test(arguments: [(SimTime.microseconds(45), 5), (.microseconds(50), 6)])
    func removingAPolicyMidStreamStopsMatchingFromThenOn(removal: SimTime, matchedBefore: Int) throws {
        let w = RouterWorld()
        try w.router.addPolicy(policy(1, h1, redirect: [(h2, 7000)]))
        for i in 0..<10 {
            w.send(datagram(from: h0, to: h1.ip, id: UInt16(i)), on: 0, at: .microseconds(Int64(i) * 10))
        }
        let script = Script(simulator: w.sim)
        var final: RouterPolicyCounters?
        script.at(removal, in: w.sim) { final = w.router.removePolicy(id: 1) }
        w.sim.run()

        let counters = try #require(final)
        #expect(counters.matchedPackets == matchedBefore)
        #expect(counters.copiesSent == matchedBefore)
        #expect(w.router.policyCounters(id: 1) == nil)
        #expect(w.router.removePolicy(id: 1) == nil)
        #expect(w.router.counters.policyMatches == matchedBefore)
        #expect(w.outputs[2].arrivals.map { Int($0.bytes[19]) } == Array(0..<matchedBefore))
        #expect(w.outputs[1].arrivals.map { Int($0.bytes[19]) } == Array(matchedBefore..<10))
        #expect(
            w.outputs[1].arrivals.map(\.bytes)
                == (matchedBefore..<10).map {
                    forwarded(datagram(from: h0, to: h1.ip, id: UInt16($0)), to: h1.mac, from: routerMACs[1])
                })
        #expect(w.sim.frames.live == 0)
    }

    @Test func replacingAPolicyByIDKeepsItsPlaceAndCounters() throws {
        let w = RouterWorld()
        try w.router.addPolicy(policy(1, h1, redirect: [(h2, 7000)]))
        try w.router.addPolicy(policy(2, h2, redirect: [(h0, 7000)]))
        for i in 0..<6 {
            w.send(datagram(from: h0, to: h1.ip, id: UInt16(i)), on: 0, at: .microseconds(Int64(i) * 10))
        }
        let script = Script(simulator: w.sim)
        script.at(.microseconds(25), in: w.sim) {
            #expect(throws: Never.self) { try w.router.replacePolicy(policy(1, h1, redirect: [(h1b, 7001)])) }
        }
        w.sim.run()

        #expect(
            w.outputs[2].arrivals.map(\.bytes)
                == (0..<3).map { copy(of: datagram(from: h0, to: h1.ip, id: UInt16($0)), for: h2, port: 7000) })
        #expect(
            w.outputs[1].arrivals.map(\.bytes)
                == (3..<6).map { copy(of: datagram(from: h0, to: h1.ip, id: UInt16($0)), for: h1b, port: 7001) })
        #expect(w.router.policies.map(\.id) == [1, 2])
        #expect(w.router.policy(id: 1)?.action == .redirect([.init(address: h1b.address, port: 7001)]))
        #expect(w.router.policyCounters(id: 1)?.matchedPackets == 6)
        #expect(w.router.policyCounters(id: 1)?.copiesSent == 6)
        #expect(w.router.policyCounters(id: 2)?.matchedPackets == 0)
        #expect(w.sim.frames.live == 0)
    }

    @Test func aPolicyOnTheRoutersOwnAddressRelaysAndOtherPortsAreNotServed() throws {
        let w = RouterWorld()
        let relay = Station(ip: routerIPs[0], mac: routerMACs[0], port: 0)
        try w.router.addPolicy(policy(1, relay, redirect: [(h1, 7000), (h2, 7000)]))
        let input = datagram(from: h0, to: relay.ip)
        w.send(input, on: 0, at: .zero)
        w.send(datagram(from: h0, to: relay.ip, port: 6001), on: 0, at: .microseconds(10))
        w.sim.run()
        #expect(w.outputs[1].arrivals.map(\.bytes) == [copy(of: input, for: h1, port: 7000)])
        #expect(w.outputs[2].arrivals.map(\.bytes) == [copy(of: input, for: h2, port: 7000)])
        #expect(w.router.counters.addressedToRouterDrops == 1)
        #expect(w.sim.frames.live == 0)
    }

    @Test func copiesThatCannotBeRoutedAreCountedPerPolicy() throws {
        let w = RouterWorld()
        let nowhere = Station(ip: [203, 0, 113, 1], mac: MACAddress(rawValue: 0x0200_0000_0FFF), port: 0)
        try w.router.addPolicy(policy(1, h1, redirect: [(nowhere, 7000), (h2, 7000)]))
        w.send(datagram(from: h0, to: h1.ip), on: 0, at: .zero)
        w.sim.run()
        let pc = try #require(w.router.policyCounters(id: 1))
        #expect(pc.copiesSent == 1)
        #expect(pc.copiesDropped == 1)
        #expect(w.router.counters.noRouteDrops == 1)
        #expect(w.outputs[2].arrivals.count == 1)
        #expect(w.sim.frames.live == 0)
    }

    @Test func refusedPolicyAndRouteChangesChangeNothing() throws {
        let w = RouterWorld(policyCapacity: 2)
        try w.router.addPolicy(policy(1, h1, redirect: [(h2, 7000)]))
        func code(_ body: () throws -> Void) -> PolicyRouterError.Code? {
            do {
                try body()
                return nil
            } catch {
                return (error as? PolicyRouterError)?.code
            }
        }
        #expect(code { try w.router.addPolicy(policy(1, h2, redirect: [(h0, 1)])) } == .duplicatePolicyID)
        #expect(code { try w.router.replacePolicy(policy(9, h2, redirect: [(h0, 1)])) } == .unknownPolicyID)
        #expect(code { try w.router.addPolicy(policy(2, h1, redirect: [(h0, 1)])) } == .conflictingMatch)
        #expect(code { try w.router.addPolicy(policy(2, h2, redirect: [])) } == .noTargets)
        #expect(code { try w.router.replacePolicy(policy(1, h1, redirect: [])) } == .noTargets)
        try w.router.addPolicy(policy(2, h1, source: h0, redirect: [(h0, 1)]))  // a source makes the match differ
        #expect(code { try w.router.addPolicy(policy(3, h2, redirect: [(h0, 1)])) } == .policyTableFull)
        #expect(w.router.policies.map(\.id) == [1, 2])
        #expect(w.router.policy(id: 1) == policy(1, h1, redirect: [(h2, 7000)]))

        let routes = w.router.routes
        let route = PolicyRouter.Route(prefix: IPv4Address(0, 0, 0, 0), prefixLength: 0, port: 0, nextHop: nil)
        var bad = route
        bad.port = 3
        #expect(code { try w.router.addRoute(bad) } == .invalidPort)
        bad = route
        bad.prefixLength = 33
        #expect(code { try w.router.addRoute(bad) } == .invalidPrefixLength)
        #expect(w.router.routes == routes)
    }
}
