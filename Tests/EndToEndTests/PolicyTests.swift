import HostMemory
import HostOS
import NICSimTesting
import Scenarios
import SimCore
import Testing
import WireFormats

/// A scenario with `datagram` receivers rx1…rxN plus, when asked, a relay host (kind `host`) after them.
func relayScenario(receivers: Int, relay: Bool, sockets: [UInt16] = [], writes: Int = 1, bytes: Int = 20_000)
    -> ScenarioSpec
{
    var spec = ScenarioSpec.testScenario(entries: [bytes], receivers: receivers + (relay ? 1 : 0), writes: writes)
    if relay {
        let r = receivers
        spec.receivers[r].name = "relay"
        spec.receivers[r].kind = .host
        spec.receivers[r].port = 6000
        spec.receivers[r].sockets = sockets
        spec.receivers[r].link.rate = 10_000_000_000
        spec.writes.entries = [WriteEntrySpec(receiver: r, bytes: bytes, pageOffset: 0)]
    }
    return spec
}

func target(_ spec: ScenarioSpec, _ i: Int) -> PolicyTargetSpec {
    .remote(ip: spec.receivers[i].ip, port: spec.receivers[i].port)
}

func run(_ spec: ScenarioSpec) throws -> Report {
    let world = try World(spec: spec)
    return world.report(outcome: world.run())
}

@Suite("Policies: redirect and replicate, in the OS and in the NIC (claims A1–A6, A31)")
struct PolicyTests {
    @Test("a transmit redirect sends the server's data to another destination instead (A3)")
    func transmitRedirect() throws {
        var spec = ScenarioSpec.testScenario(entries: [30_000], receivers: 3)
        spec.policies = [
            PolicySpec(
                id: 1, host: nil, direction: .transmit, placement: .os, matchIP: spec.receivers[0].ip,
                matchPort: 5000, matchSource: nil, redirect: true, targets: [target(spec, 2)])
        ]
        let report = try run(spec)
        #expect(report.receivers[0].datagrams == 0)
        #expect(report.receivers[1].datagrams == 0)
        #expect(report.receivers[2].payloadBytes == 30_000)
        #expect(report.receivers[2].intact == true)
        #expect(report.policies[0].matched == 1 && report.policies[0].remoteCopies == 1)
    }

    @Test("a transmit replicate sends to the destination and to every target, zero-copy (A4)")
    func transmitReplicate() throws {
        var spec = ScenarioSpec.testScenario(entries: [30_000], receivers: 3)
        spec.policies = [
            PolicySpec(
                id: 1, host: nil, direction: .transmit, placement: .os, matchIP: spec.receivers[0].ip,
                matchPort: 5000, matchSource: nil, redirect: false,
                targets: [target(spec, 1), target(spec, 2)])
        ]
        let report = try run(spec)
        #expect(report.receivers.allSatisfy { $0.intact == true && $0.payloadBytes == 30_000 })
        #expect(report.hosts[0].cpuCopiedBytes == 0)
    }

    @Test("a received stream is replicated to local sockets and remote hosts, byte for byte (A4)")
    func receiveReplicate() throws {
        var spec = relayScenario(receivers: 2, relay: true, sockets: [7000], writes: 2)
        spec.policies = [PolicySpec(id: 9, host: 2, direction: .receive, placement: .os, matchIP: spec.receivers[2].ip,
                                    matchPort: 6000, matchSource: nil, redirect: false,
                                    targets: [target(spec, 0), target(spec, 1), .local(port: 7000)])]
        let world = try World(spec: spec)
        let report = world.report(outcome: world.run())
        #expect(report.receivers[0].intact == true)
        #expect(report.receivers[1].intact == true)
        #expect(report.receivers[0].digest == report.receivers[1].digest)
        let segments = UInt64((20_000 + 1471) / 1472 * 2)
        #expect(report.policies[0].matched == segments)
        #expect(report.policies[0].remoteCopies == 2 * segments)
        #expect(report.policies[0].localCopies == segments)
        guard case .host(let relay) = world.receiverNodes[2] else { Issue.record("relay is a host"); return }
        // Plain lets first: an optional dictionary lookup compared inside #expect miscompiles on Swift 6.3.1.
        let deliveries = relay.host.socketDeliveries
        let local = deliveries[7000]?.bytes ?? 0
        let own = deliveries[6000]?.bytes ?? 0
        #expect(local == 40_000, "the local socket got every byte")
        #expect(own == 40_000, "replicate keeps the original for the relay's own socket")
        #expect(report.hosts[1].name == "relay" && report.hosts[1].cycles["policy"]! > 0)
    }

    @Test("two policies act at once; one removed mid-stream stops exactly then (A31)")
    func concurrentAndRemoved() throws {
        var spec = relayScenario(receivers: 2, relay: true, sockets: [7000], writes: 10, bytes: 1000)
        spec.writes.interval = 1_000_000_000  // 1 ms
        var first = PolicySpec(id: 1, host: 2, direction: .receive, placement: .os, matchIP: spec.receivers[2].ip,
                               matchPort: 6000, matchSource: nil, redirect: false, targets: [target(spec, 0)])
        first.removeAt = 4_500_000_000  // after the fifth write (0 … 4 ms) has arrived
        let second = PolicySpec(id: 2, host: nil, direction: .transmit, placement: .os, matchIP: spec.receivers[2].ip,
                                matchPort: 6000, matchSource: nil, redirect: false, targets: [target(spec, 1)])
        spec.policies = [first, second]
        let report = try run(spec)
        #expect(report.receivers[0].datagrams == 5)
        #expect(report.receivers[1].datagrams == 10)
        #expect(report.policies[0].matched == 5)
        #expect(report.policies[1].matched == 10)
    }

    @Test("the same policy in the NIC puts the same frames on the wire without host cycles (A5)")
    func hardwareVersusOS() throws {
        func spec(_ placement: PolicyPlacementSpec) -> ScenarioSpec {
            var s = relayScenario(receivers: 2, relay: true, writes: 2)
            s.policies = [
                PolicySpec(
                    id: 1, host: 2, direction: .receive, placement: placement, matchIP: s.receivers[2].ip,
                    matchPort: 6000, matchSource: nil, redirect: true,
                    targets: [target(s, 0), target(s, 1)])
            ]
            return s
        }
        let os = try run(spec(.os))
        let nic = try run(spec(.nic))
        #expect(os.receivers[0].intact == true && nic.receivers[0].intact == true)
        #expect(os.receivers.map(\.digest) == nic.receivers.map(\.digest))
        // Same bytes leave the relay either way…
        #expect(os.hosts[1].linkBytesOut == nic.hosts[1].linkBytesOut)
        // …but the OS relay spends cycles on every datagram and the NIC relay none (it never sees them).
        #expect(os.hosts[1].cyclesTotal > 0)
        #expect(nic.hosts[1].cyclesTotal < os.hosts[1].cyclesTotal / 10)
        #expect(nic.hosts[1].nic.hairpinFrames == 2 * UInt64((20_000 + 1471) / 1472 * 2))
        #expect(nic.hosts[1].nic.framesReceived == 0)
    }

    @Test("cycle totals equal the sum of their categories", arguments: SendMethod.allCases)
    func cycleTotals(method: SendMethod) throws {
        var spec = ScenarioSpec.testScenario(entries: [20_000, 5_000], writes: 2)
        spec.writes.method = method
        let report = try run(spec)
        for h in report.hosts { #expect(h.cycles.values.reduce(0, +) == h.cyclesTotal) }
        #expect(report.receivers.allSatisfy { $0.intact == true })
    }
}

@Suite("Aggregate messages and timed transmission (claims A7–A15)")
struct AggregateTests {
    /// Ten 1,000-byte messages to rx1 as one aggregate.
    static func spec(_ timing: TimingSpec) -> ScenarioSpec {
        var spec = ScenarioSpec.testScenario(entries: Array(repeating: 1000, count: 10), receivers: 1)
        spec.writes.method = .aggregate
        spec.writes.timing = timing
        return spec
    }

    static func firstBits(_ spec: ScenarioSpec) throws -> (times: [Int64], report: Report) {
        var options = World.Options()
        options.capturePcap = true
        let world = try World(spec: spec, options: options)
        let report = world.report(outcome: world.run())
        let records = try PcapReader.read(try #require(world.pcapBytes))
        return (records.map(\.timestampNanoseconds), report)
    }

    @Test("NIC launch time puts each message on the wire exactly at its stamp: absolute, range, relative")
    func launchTimes() throws {
        var absolute = TimingSpec()
        absolute.kind = .absolute
        absolute.start = 50_000_000  // 50 µs
        absolute.spacing = 100_000_000  // 100 µs
        absolute.launchTime = true
        var range = TimingSpec()
        range.kind = .range
        range.over = 1_000_000_000  // 1 ms over 10 messages: 100 µs apart from the call (t = 0)
        range.launchTime = true
        var relative = TimingSpec()
        relative.kind = .relative
        relative.spacing = 100_000_000
        relative.launchTime = true
        let a = try Self.firstBits(Self.spec(absolute))
        #expect(a.times == (0..<10).map { 50_000 + Int64($0) * 100_000 })
        #expect(a.report.hosts[0].nic.lateFrames == 0)
        #expect(a.report.hosts[0].syscalls == 1)
        // Range and relative stamp the first message at the call itself: it is late by the CPU work of the whole
        // aggregate (all ten posted before the doorbell, ≈13 µs) and the DMA fetch, so it is sent at once and
        // counted late; the others leave exactly on time.
        for t in [range, relative] {
            let r = try Self.firstBits(Self.spec(t))
            #expect(Array(r.times.dropFirst()) == (1..<10).map { Int64($0) * 100_000 })
            #expect(r.times[0] > 10_000 && r.times[0] < 20_000)
            let late = r.report.hosts[0].nic.lateFrames
            #expect(late == 1)
        }
    }

    @Test("the OS's timed queue sends each message one CPU path and one DMA fetch after its stamp: sequence")
    func osQueue() throws {
        var sequence = TimingSpec()
        sequence.kind = .sequence
        sequence.spacing = 100_000_000
        let r = try Self.firstBits(Self.spec(sequence))
        // Independent arithmetic from the documented defaults (CostModel, NICConfiguration, DriverConfiguration):
        // timer 1,500 + stack 2,070 + per send 1,065 + one descriptor 40 + copy of 1,000 B at 512/KiB (500)
        // + doorbell 300 = 5,475 cycles at 3 GHz = 1,825 ns. Then one descriptor batch (500 ns + 16 B in one
        // completion TLP of 20 overhead bytes) and the 1,042-byte buffer (500 ns + 1,042 B in ⌈1,042 / 256⌉ = 5
        // completions of 20 overhead bytes each, datasheet §5) at 3,938 MB/s.
        let cpu: Int64 = 5_475 * 1_000_000 / 3_000  // picoseconds
        let bus = { (bytes: Int64) in (bytes * 1_000_000_000_000 + 3_938_000_000 - 1) / 3_938_000_000 }
        let fetch = 500_000 + bus(16 + 20) + 500_000 + bus(1042 + 5 * 20)
        // The first release shares its instant with the call: the call's own 630-cycle entry (210 ns) runs first.
        let syscall: Int64 = 630 * 1_000_000 / 3_000
        let expected = (0..<10).map { (Int64($0) * 100_000_000 + cpu + fetch + ($0 == 0 ? syscall : 0)) / 1_000 }
        #expect(r.times == expected)
        let host = r.report.hosts[0]
        let timerCycles: Int64 = host.cycles["timer"] ?? -1
        #expect(timerCycles == Int64(15_000))
        #expect(host.syscalls == 1)
    }

    @Test("malformed aggregates are refused whole: nothing is sent")
    func refused() throws {
        let world = try World(spec: .testScenario(entries: [1000], receivers: 1, writes: 1))
        world.run()
        let host = world.host
        let before = world.nic.counters.framesTransmitted
        let address = world.buffers[0]
        let rx = SocketAddress(ip: world.spec.receivers[0].ip, port: 5000)
        let good = AggregateEntry(destination: rx, address: address, length: 100)
        let cases: [(AggregateMessage, HostError.Code)] = [
            (AggregateMessage(entries: []), .badAggregate),
            (
                AggregateMessage(
                    entries: [good, good], timing: .range(start: .microseconds(5), end: .microseconds(1))),
                .badAggregate
            ),
            (
                AggregateMessage(
                    entries: [
                        AggregateEntry(destination: rx, address: address, length: 10, stamp: 5),
                        AggregateEntry(destination: rx, address: address, length: 10, stamp: 5),
                    ],
                    timing: .sequence(period: .microseconds(10))), .badAggregate
            ),
            (
                AggregateMessage(entries: [
                    good,
                    AggregateEntry(
                        destination: SocketAddress(ip: IPv4Address(192, 0, 2, 99), port: 1),
                        address: address, length: 10),
                ]), .unknownNeighbor
            ),
            (
                AggregateMessage(entries: [AggregateEntry(destination: rx, address: address, length: 5000)]),
                .messageTooLong
            ),
            (
                AggregateMessage(entries: [
                    good,
                    AggregateEntry(
                        destination: rx, address: VirtualAddress(rawValue: 0x7000_0000_0000),
                        length: 10),
                ]), .memory
            ),
        ]
        for (aggregate, code) in cases {
            #expect(throws: HostError.self) { try host.sendAggregate(socket: world.socket, aggregate) }
            do {
                try host.sendAggregate(socket: world.socket, aggregate)
            } catch {
                #expect(error.code == code, "\(error)")
            }
        }
        world.run()
        #expect(world.nic.counters.framesTransmitted == before, "nothing sent half-way")
    }

    @Test("a policy carried by an aggregate redirects its messages (A9, A10)")
    func policyInAggregate() throws {
        let world = try World(spec: .testScenario(entries: [1000], receivers: 2, writes: 1))
        world.run()
        let rx1 = SocketAddress(ip: world.spec.receivers[0].ip, port: 5000)
        let rx2 = SocketAddress(ip: world.spec.receivers[1].ip, port: 5000)
        let policy = Policy(match: FlowMatch(destination: rx1), action: .redirect([.remote(rx2)]), direction: .transmit)
        try world.host.sendAggregate(
            socket: world.socket,
            AggregateMessage(
                entries: [AggregateEntry(destination: rx1, address: world.buffers[0], length: 1000)], policy: policy,
                policyID: 3))
        world.run()
        #expect(world.receivers[0].counters.datagrams == 1, "only the scenario's own write")
        #expect(world.receivers[1].counters.datagrams == 1, "the aggregate's message, redirected")
    }
}

@Suite("A policy in a router (A6)")
struct RouterPolicyTests {
    @Test(
        "the router fans out one stream: same bytes at the receivers, one copy on the server's link, fewer host cycles")
    func routerVersusServer() throws {
        // Three listeners and a router on a stick; the data goes to the router in one case, to rx1 in the other.
        var viaServer = ScenarioSpec.testScenario(entries: [40_000], receivers: 4, writes: 2)
        viaServer.receivers[3].name = "router"
        viaServer.receivers[3].kind = .router
        viaServer.receivers[3].port = 6000
        viaServer.receivers[3].link.rate = 10_000_000_000
        let targets = (0..<3).map { target(viaServer, $0) }
        var viaRouter = viaServer
        viaServer.policies = [PolicySpec(id: 1, host: nil, direction: .transmit, placement: .os,
                                         matchIP: viaServer.receivers[0].ip, matchPort: 5000, matchSource: nil,
                                         redirect: true, targets: targets)]
        viaRouter.writes.entries = [WriteEntrySpec(receiver: 3, bytes: 40_000, pageOffset: 0)]
        viaRouter.policies = [PolicySpec(id: 1, host: 3, direction: .receive, placement: .os,
                                         matchIP: viaRouter.receivers[3].ip, matchPort: 6000, matchSource: nil,
                                         redirect: true, targets: targets)]
        let a = try run(viaServer)
        let b = try run(viaRouter)
        for i in 0..<3 {
            #expect(a.receivers[i].intact == true && b.receivers[i].intact == true)
            #expect(a.receivers[i].digest == b.receivers[i].digest)
        }
        let (sa, sb) = (a.hosts[0], b.hosts[0])
        // Three copies leave the server in one case, one (plus the router's ARP-free forwarding) in the other.
        #expect(sa.linkBytesOut > 2 * sb.linkBytesOut)
        #expect(sa.framesTransmitted == 3 * sb.framesTransmitted)
        #expect(sa.cyclesTotal > sb.cyclesTotal)
        #expect(b.policies[0].matched == sb.framesTransmitted && b.policies[0].remoteCopies == 3 * sb.framesTransmitted)
    }
}
