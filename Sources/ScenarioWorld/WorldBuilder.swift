import HostMemory
import HostOS
import NetworkModel
import ScenarioFormat
import SimCore
import VDEPort
import WireFormats

/// Builds the parts of a ``World`` from a spec: the simulator, the switch, the server, one factory per receiver
/// kind, the VDE port, the capture and the application's buffers.
///
/// ``World/init(spec:options:)`` calls these in one fixed order, and the order is part of the result: the
/// simulator numbers components and names random streams as they are made, so the same spec must build its parts
/// in the same sequence to give the same run. Every error names the scenario key it comes from
/// (``WorldError/init(_:_:message:)``), with its file and line for a spec read from a file.
struct WorldBuilder {
    let spec: ScenarioSpec
    let options: World.Options
    let simulator: Simulator
    /// Port 0 faces the server, port i + 1 receiver i, and the last port the VDE port when there is one.
    let ethernetSwitch: EthernetSwitch
    /// The datagram receivers keep their digest states side by side.
    let digester = PayloadDigester()

    init(spec: ScenarioSpec, options: World.Options, simulator: Simulator) {
        self.spec = spec
        self.options = options
        self.simulator = simulator
        let rates =
            [spec.server.link.rate] + spec.receivers.map(\.link.rate) + (spec.network.vde.map { [$0.rate] } ?? [])
        // The MAC table holds every station of the scenario, however many receivers it has.
        self.ethernetSwitch = EthernetSwitch(simulator: simulator, name: "switch", portCount: rates.count,
                                             portRates: rates, bufferBytesPerPort: spec.network.portBufferBytes,
                                             macTableCapacity: max(8192, 2 * rates.count))
    }

    /// The run's simulator, with the event limit, tracer and host-cache hints `options` and the spec ask for.
    static func simulator(for spec: ScenarioSpec, options: World.Options) -> Simulator {
        let largestMTU = ([spec.server.mtu] + spec.receivers.map { _ in spec.server.mtu }).max() ?? 1500
        let simulator = Simulator(seed: spec.seed,
                                  maxFrameBytes: max(1536, (largestMTU + EthernetHeader.size + 63) & ~63))
        simulator.eventLimit = min(options.eventLimit, UInt64(max(spec.limits.events, 0)))
        simulator.tracer = options.tracer
        simulator.cacheHints = options.cacheHints ?? (spec.receivers.count >= World.Options.cacheHintReceivers)
        return simulator
    }

    /// The server's whole stack on switch port 0.
    func server() throws(WorldError) -> EmulatedHost {
        let server: EmulatedHost
        do throws(WorldError) {
            server = try EmulatedHost(simulator: simulator, server: spec.server, seed: spec.seed,
                                      switch: ethernetSwitch, port: 0, driverFactory: options.driverFactory)
        } catch {
            throw WorldError(spec, "server.nic.tx-ring", "server.nic.rx-ring", "server.memory", "server",
                             message: error.message)
        }
        server.host.recordInterruptTimes = options.recordInterruptTimes
        return server
    }

    /// What stands behind the address of receiver `i`, and the link to it, from the factory of its kind.
    func receiver(_ i: Int) throws(WorldError) -> (node: World.ReceiverNode, link: Link) {
        switch spec.receivers[i].kind {
        case .host: return try host(i)
        case .external: return external(i)
        case .router: return router(i)
        case .setTopBox: return try setTopBox(i)
        case .datagram: return datagram(i)
        }
    }

    /// Every emulated host knows every address in the scenario. External machines are found by ARP, unless the
    /// scenario turns ARP off: then their configured MAC is used.
    func addNeighbours(to machines: [EmulatedHost]) {
        let arp = spec.network.vde?.resolveByARP ?? false
        let addresses = [(spec.server.ip, spec.server.mac)]
            + spec.receivers.filter { $0.kind != .external || !arp }.map { ($0.ip, $0.mac) }
        for machine in machines {
            for (ip, mac) in addresses where ip != machine.host.ip { machine.host.addNeighbor(ip, mac: mac) }
            machine.host.resolvesByARP = arp
        }
    }

    /// The port to a real network, one more switch port carried by libvdeplug, with its link and (in real time)
    /// its pacer; nil when the scenario has none.
    func vdePort() throws(WorldError) -> (port: VDEPort, link: Link, pacer: RealTimePacer?)? {
        guard let vde = spec.network.vde else { return nil }
        let connection: VDEConnection
        do throws(VDEError) {
            connection = try VDEConnection(url: vde.url, description: "nicsim \(spec.name)")
        } catch {
            throw WorldError(spec, "network.vde.url", message: "cannot attach the VDE port: \(error)")
        }
        let port = VDEPort(simulator: simulator, name: "vde", connection: connection,
                           pollInterval: .picoseconds(vde.pollInterval))
        let k = spec.receivers.count + 1
        let link = Link(simulator: simulator, name: "link.vde", rateBitsPerSecond: vde.rate, propagationDelay: .zero)
        link.attach(a: ethernetSwitch.ingress(k), b: port)
        ethernetSwitch.connectEgress(k, to: link.endA)
        port.inbound = link.endB
        guard vde.realTime else { return (port, link, nil) }
        var pacing = RealTimePacer.Configuration()
        pacing.spinThresholdNanoseconds = vde.spinThreshold / 1_000
        pacing.catchUpLimitNanoseconds = max(vde.catchUpLimit / 1_000, 1)
        pacing.seriesInterval = options.pacingSeriesInterval
        let pacer = RealTimePacer(simulator: simulator, configuration: pacing)
        pacer.start(simulator: simulator)
        pacer.behindHandler = options.pacingMessages.map { say in { say(World.describe($0)) } }
        port.pacer = pacer
        return (port, link, pacer)
    }

    /// The capture of the server's transmitted frames the options ask for (into memory, a file or an output the
    /// caller opened); nil for none.
    func capture(of server: EmulatedHost) throws(WorldError) -> PcapCapture? {
        guard options.capturePcap || options.pcapFile != nil || options.pcapOutput != nil else { return nil }
        let capture: PcapCapture
        if let output = options.pcapOutput {
            capture = PcapCapture(output: output)
        } else {
            do throws(OutputError) {
                capture = try PcapCapture(file: options.pcapFile)
            } catch {
                // Not a scenario setting: the file the command line names.
                throw WorldError(key: "", message: error.description)
            }
        }
        server.nic.transmitObserver = capture
        return capture
    }
}
