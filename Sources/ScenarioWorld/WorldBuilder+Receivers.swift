import HostOS
import MediaStreams
import NetworkModel
import ScenarioFormat
import SimCore

/// One factory per receiver kind (``ReceiverKind``): each builds what stands behind receiver `i`'s address and
/// cables it to switch port `i + 1`. A new kind adds a factory here and a case in ``WorldBuilder/receiver(_:)``.
extension WorldBuilder {
    /// A full emulated host (NIC, driver, OS) with a process that binds the receiver's port and its extra sockets.
    func host(_ i: Int) throws(WorldError) -> (node: World.ReceiverNode, link: Link) {
        let r = spec.receivers[i]
        var machine = ServerSpec(
            name: r.name, mac: r.mac, ip: r.ip, link: r.link, cores: 1, clockHz: spec.server.clockHz,
            memoryBytes: 64 << 20, txRingSize: 1024, driverMode: .copy, order: .destinationMajor,
            interrupts: .perPacket, mtu: spec.server.mtu, packetSize: spec.server.mtu, registerBuffers: false,
            sourcePort: r.port)
        machine.nic.rxRingSize = 256
        machine.watchdog = spec.server.watchdog
        machine.driverKind = r.driverKind
        machine.napi = r.napi
        let relay: EmulatedHost
        do throws(WorldError) {
            relay = try EmulatedHost(simulator: simulator, server: machine, seed: spec.seed, switch: ethernetSwitch,
                                     port: i + 1, driverFactory: options.driverFactory)
        } catch {
            throw WorldError(spec, "receivers[\(i)]", message: error.message)
        }
        let p = relay.host.createProcess(name: "\(r.name).app")
        for port in [r.port] + r.sockets { _ = relay.host.openSocket(process: p, port: port) }
        return (.host(relay), relay.link)
    }

    /// A machine outside the emulation, behind the VDE port: nothing is built for it but a link that no switch
    /// port uses (reports and fault targets index links by receiver).
    func external(_ i: Int) -> (node: World.ReceiverNode, link: Link) {
        let r = spec.receivers[i]
        return (.external, Link(simulator: simulator, name: "link.\(r.name)", rateBitsPerSecond: r.link.rate,
                                propagationDelay: .picoseconds(r.link.delay)))
    }

    /// A one-port router on a stick that knows every other address of the scenario.
    func router(_ i: Int) -> (node: World.ReceiverNode, link: Link) {
        let r = spec.receivers[i]
        let router = PolicyRouter(simulator: simulator, name: r.name, ports: [
            PolicyRouter.PortConfiguration(mac: r.mac, address: r.ip, prefixLength: 24, rateBitsPerSecond: r.link.rate,
                                           bufferBytes: spec.network.portBufferBytes),
        ])
        let link = Link(simulator: simulator, name: "link.\(r.name)", rateBitsPerSecond: r.link.rate,
                        propagationDelay: .picoseconds(r.link.delay))
        link.attach(a: ethernetSwitch.ingress(i + 1), b: router.ingress(0))
        ethernetSwitch.connectEgress(i + 1, to: link.endA)
        router.connectEgress(0, to: link.endB)
        ethernetSwitch.addEntry(r.mac.rawValue, port: i + 1)
        for (ip, mac) in [(spec.server.ip, spec.server.mac)] + spec.receivers.map({ ($0.ip, $0.mac) }) where ip != r.ip
        {
            router.setNeighbour(ip, mac: mac)
        }
        return (.router(router), link)
    }

    /// A set-top box with a playout buffer.
    func setTopBox(_ i: Int) throws(WorldError) -> (node: World.ReceiverNode, link: Link) {
        let r = spec.receivers[i]
        let b = r.setTopBox
        let box: SetTopBox
        do throws(MediaError) {
            box = try SetTopBox(SetTopBox.Configuration(
                name: r.name, mac: r.mac, udpPort: r.port, encapsulation: b.rtp ? .rtp : .rawUDP,
                payload: b.transportStream ? .transportStream : .opaque, drainBitsPerSecond: b.rateBitsPerSecond,
                startupDelay: .picoseconds(b.startupDelay), bufferCapacityBytes: b.bufferBytes))
        } catch {
            throw WorldError(spec, "receivers[\(i)]", message: "set-top box \(r.name): \(error)")
        }
        return (.setTopBox(box), listenerLink(i, to: box))
    }

    /// A listener that checks and digests every datagram.
    func datagram(_ i: Int) -> (node: World.ReceiverNode, link: Link) {
        let r = spec.receivers[i]
        let receiver = DatagramReceiver(
            simulator: simulator, name: r.name, mac: r.mac, keepPayload: options.keepPayload,
            digestsPayload: options.digestPayloads, digester: digester)
        return (.datagram(receiver), listenerLink(i, to: receiver))
    }

    /// The link from switch port `i + 1` to a listener (a datagram receiver or a set-top box).
    func listenerLink(_ i: Int, to sink: FrameSink) -> Link {
        let r = spec.receivers[i]
        let link = Link(simulator: simulator, name: "link.\(r.name)", rateBitsPerSecond: r.link.rate,
                        propagationDelay: .picoseconds(r.link.delay))
        link.attach(a: ethernetSwitch.ingress(i + 1), b: sink)
        ethernetSwitch.connectEgress(i + 1, to: link.endA)
        // Listeners never send; their switch entries are configured so unicast is forwarded, not flooded.
        ethernetSwitch.addEntry(r.mac.rawValue, port: i + 1)
        return link
    }
}
