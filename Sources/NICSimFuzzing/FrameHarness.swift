import Scenarios
import SimCore
import VDEPort

/// Frames from a real network, as the VDE port's receive path hands them to the emulated switch.
///
/// Each input builds a fresh world: a server, a plain listener, two set-top boxes (raw UDP and RTP), a full
/// emulated host with a replicating policy and a local socket, a router with a redirecting policy, and an
/// `external` machine behind the VDE port, which is a `null://` libvdeplug connection. The input's first byte picks
/// MTU 1500 or (when odd) 9000 with segmentation in the server's NIC and an IOMMU. The rest is a list of frames
/// (raw, or built from the world's own addresses, see ``FrameBuilder``), each delivered through
/// `VDEPort.injectReceived` after a gap the input chooses, while the server's own writes are on their way.
///
/// Checks: the run ends (no frame storm past the event limit); once the network is idle every frame slot is
/// released and every switch queue is empty; the switch saw every frame that fitted a slot; the report encodes.
enum FrameHarness {
    static let scenario = """
        name: fuzz-frames
        seed: 9
        server: { nic: { rx-ring: 64 } }
        network:
          switch: { port-buffer: 64KiB }
          vde: { url: "null://", real-time: false, poll: 1s, arp: true }
        receivers:
          - { name: rx1 }
          - { name: box, kind: set-top-box, set-top-box: { rate: 2Mbps, startup-delay: 1ms, buffer: 64KiB } }
          - { name: rtpbox, kind: set-top-box, set-top-box: { rtp: true, rate: 2Mbps, startup-delay: 1ms } }
          - { name: relay, kind: host, sockets: [6000] }
          - { name: router, kind: router }
          - { name: outside, kind: external, ip: 192.0.2.99, mac: 02:00:00:00:99:99 }
        writes: { count: 2, interval: 100us, entries: [{ to: relay, size: 3000 }, { to: rx1, size: 100 }] }
        policies:
          - { id: 1, on: relay, match: { to: relay }, action: replicate, targets: [rx1, local:6000] }
          - { id: 2, on: router, match: { to: router }, action: redirect, targets: [box, rtpbox] }
          - { id: 3, placement: nic, match: { to: rx1 }, action: replicate, targets: [outside] }
        limits: { events: 400000 }
        """

    /// The scenario, parsed once, and a jumbo variant (MTU 9000, segmentation in the NIC, an IOMMU) that the
    /// input's first byte picks when odd.
    static let specs: [Result<ScenarioSpec, ScenarioError>] = [
        Result { () throws(ScenarioError) in try ScenarioParser.parse(yaml: scenario, file: "fuzz-frames.yaml") },
        Result { () throws(ScenarioError) in
            try ScenarioParser.parse(
                yaml: scenario, file: "fuzz-frames-jumbo.yaml",
                overrides: [
                    ScenarioOverride(path: ["server", "driver", "mtu"], value: "9000"),
                    ScenarioOverride(path: ["server", "nic", "segmentation"], value: "nic"),
                    ScenarioOverride(path: ["server", "nic", "iommu", "iotlb"], value: "4"),
                ])
        },
    ]

    static let builder: FrameBuilder = {
        var macs: [[UInt8]] = [[0x02, 0, 0, 0, 0, 0x01], [0x02, 0, 0, 0, 0x99, 0x99]]
        var addresses: [[UInt8]] = [[192, 0, 2, 1], [192, 0, 2, 99]]
        for i in 0..<5 {
            macs.append([0x02, 0, 0, 0, 0x01, UInt8(1 + i)])
            addresses.append([192, 0, 2, UInt8(11 + i)])
        }
        return FrameBuilder(macs: macs, addresses: addresses, ports: [5000, 6000, 4000, 4001, 9])
    }()

    /// Most frames one input delivers.
    static let maximumFrames = 96

    static func run(_ bytes: [UInt8], _ outcome: inout FuzzOutcome) {
        var input = FuzzInput(bytes)
        let spec: ScenarioSpec
        switch specs[Int(input.u8() & 1)] {
        case .success(let s): spec = s
        case .failure(let error): return outcome.violations.append("the harness scenario does not parse: \(error)")
        }
        let world: World
        do {
            world = try World(spec: spec)
        } catch {
            return outcome.violations.append("the harness world cannot be built: \(error)")
        }
        defer { world.tearDown() }
        guard let port = world.vdePort else { return outcome.violations.append("the harness world has no VDE port") }
        let simulator = world.simulator
        var violations: [String] = []
        var delivered = 0
        while !input.isAtEnd, delivered < maximumFrames {
            // A burst of 1 … 4 frames after a gap of 0 … ~1 ms of virtual time.
            let control = input.u8()
            let gap = SimDuration.nanoseconds(Int64(control >> 3) * Int64(control >> 3) * 1_000)
            if gap > .zero, simulator.run(until: simulator.now + gap) == .eventLimitReached {
                violations.append("event limit reached while frames were arriving")
                break
            }
            var burst: [[UInt8]] = []
            for _ in 0...(Int(control) & 3) where !input.isAtEnd { burst.append(builder.frame(&input)) }
            delivered += port.injectReceived(burst, simulator: simulator)
        }
        if violations.isEmpty, simulator.run(until: simulator.now + .milliseconds(20)) == .eventLimitReached {
            violations.append("event limit reached after the frames: a storm or a loop")
        }
        port.stopPolling()
        if violations.isEmpty {
            let end = simulator.run()
            if end != .idle { violations.append("the network did not go idle (\(end))") }
            let live = simulator.frames.live
            if end == .idle, live != 0 { violations.append("\(live) frame slots still held once idle") }
            for (index, port) in world.ethernetSwitch.allPortCounters.enumerated()
            where port.occupancyBytes != 0 || port.occupancyFrames != 0 {
                violations.append("switch port \(index) holds \(port.occupancyFrames) frames once idle")
            }
            let frames = world.ethernetSwitch.allPortCounters.reduce(0) { $0 + $1.framesIn }
            if frames < delivered - port.counters.receivedTooLong {
                violations.append("the switch saw \(frames) frames, fewer than the \(delivered) delivered")
            }
            _ = world.report(outcome: end).json()
        }
        outcome.violations = violations
        outcome.counters["delivered"] = delivered
        outcome.counters["injected"] = Int(port.counters.framesInjected)
        outcome.counters["sentOutside"] = Int(port.counters.framesSent)
        for node in world.receiverNodes {
            switch node {
            case .host(let machine):
                let c = machine.host.receiveCounters
                outcome.counters["relay.arpAnswered"] = Int(c.arpRequestsAnswered)
                outcome.counters["relay.echoAnswered"] = Int(c.echoRequestsAnswered)
                outcome.counters["relay.udpDelivered"] = Int(c.udpDelivered)
                outcome.counters["relay.framesReceived"] = Int(machine.nic.counters.framesReceived)
                outcome.counters["relay.rxDropped"] = Int(machine.nic.counters.rxDroppedOversize
                    + machine.nic.counters.rxDroppedNoBuffer + machine.nic.counters.rxDMAErrors)
            case .router(let router):
                outcome.counters["router.policyCopies"] = router.counters.policyCopies
            case .setTopBox(let box):
                outcome.counters["\(box.configuration.name).datagrams", default: 0] += box.counters.datagrams
            case .datagram(let receiver):
                outcome.counters["rx1.datagrams"] = receiver.counters.datagrams
            case .external:
                break
            }
        }
    }
}
