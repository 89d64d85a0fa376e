import HostMemory
import HostOS
import NICDriver
import NICModel
import NetworkModel
import SimCore
import WireFormats

/// Everything a scenario builds: one server (application, OS, driver, NIC), a switch, links and receivers.
///
/// Build it with ``init(spec:options:)``, then ``run()``; read counters from its parts or ask for a ``Report``.
public final class World {
    public let spec: ScenarioSpec
    public let simulator: Simulator
    public let memory: PhysicalMemory
    public let nic: NIC
    public let dma: DMAEngine
    public let driver: Driver
    public let host: Host
    public let process: Process
    public let socket: Socket
    public let ethernetSwitch: EthernetSwitch
    public let serverLink: Link
    public let receiverLinks: [Link]
    public let receivers: [DatagramReceiver]
    /// The application's buffers, one per write entry, in entry order.
    public let buffers: [VirtualAddress]
    /// The bytes the application put in each buffer, in entry order (kept only when asked for).
    public let bufferContents: [[UInt8]]
    /// Digest (FNV-1a 64) and length of what the application wrote to each receiver, in write and entry order.
    public let expectedStreams: [(bytes: Int, digest: UInt64)]
    let capture: PcapCapture?

    /// Options that change what a run records, not what it does.
    public struct Options: Sendable {
        /// Capture the server's transmitted frames as pcap.
        public var capturePcap = false
        /// Receivers keep every payload byte (for tests).
        public var keepPayload = false
        /// Keep each buffer's bytes in ``World/bufferContents``.
        public var keepBufferContents = false
        /// Record the times of interrupt handler runs.
        public var recordInterruptTimes = false
        /// Stop after this many events.
        public var eventLimit: UInt64 = 2_000_000_000
        public init() {}
    }

    /// Builds the world of `spec`. Throws when the spec asks for more than the machine it describes can hold
    /// (for example buffers larger than the server's memory).
    public init(spec: ScenarioSpec, options: Options = Options()) throws(ScenarioError) {
        self.spec = spec
        let server = spec.server
        let maxFrame = server.mtu + EthernetHeader.size
        let simulator = Simulator(seed: spec.seed, maxFrameBytes: max(1536, (maxFrame + 63) & ~63))
        simulator.eventLimit = options.eventLimit
        self.simulator = simulator
        let memory = PhysicalMemory(size: server.memoryBytes, seed: spec.seed)
        self.memory = memory
        let iommu = server.nic.iommu.map { spec in
            IOMMU(configuration: IOMMU.Configuration(iotlbEntries: spec.iotlbEntries, replacement: spec.fifo ? .fifo : .lru,
                                                     missLatency: .picoseconds(spec.missLatency)))
        }
        let dma = DMAEngine(memory: memory, iommu: iommu)
        self.dma = dma
        let nicSpec = server.nic
        let nic = NIC(simulator: simulator, name: "\(server.name).nic",
                      configuration: NICConfiguration(lineRate: server.link.rate, maxFrameBytes: maxFrame,
                                                      dmaReadLatency: .picoseconds(nicSpec.dmaLatency),
                                                      dmaBytesPerSecond: max(1, nicSpec.dmaBitsPerSecond / 8),
                                                      txPacketBufferBytes: nicSpec.packetBufferBytes),
                      dma: dma)
        self.nic = nic
        let driverConfiguration = DriverConfiguration(
            ringSize: server.txRingSize, packetSize: server.packetSize,
            path: server.driverMode == .zeroCopy ? .zeroCopy : .copy,
            order: server.order == .interleaved ? .roundRobin : .destinationMajor,
            report: server.interrupts == .perPacket ? .everyPacket : .lastOfWrite,
            segmentation: nicSpec.segmentation == .nic ? .nic : .driver,
            moderation: ModerationRegisterValues(
                itr: registerUnits(nicSpec.interruptInterval, unit: 256_000),
                tidv: registerUnits(nicSpec.txDelay, unit: 1_024_000),
                tadv: registerUnits(nicSpec.txAbsoluteDelay, unit: 1_024_000),
                txft: UInt32(nicSpec.txFrames),
                rdtr: registerUnits(nicSpec.rxDelay, unit: 1_024_000),
                radv: registerUnits(nicSpec.rxAbsoluteDelay, unit: 1_024_000),
                rxft: UInt32(nicSpec.rxFrames)),
            receiveRingSize: nicSpec.rxRingSize)
        do {
            self.driver = try Driver(device: nic, memory: memory, configuration: driverConfiguration, maxFrameBytes: maxFrame,
                                     iommu: iommu)
        } catch {
            throw ScenarioError(file: "", line: 0, column: 0, message: "server memory too small for the driver's rings: \(error)")
        }
        let host = Host(simulator: simulator, name: server.name, mac: server.mac, ip: server.ip, memory: memory,
                        driver: driver, configuration: HostConfiguration(cores: server.cores, clockHz: server.clockHz))
        host.recordInterruptTimes = options.recordInterruptTimes
        self.host = host
        nic.interruptSink = host

        // Network: port 0 faces the server, port i+1 receiver i.
        let rates = [server.link.rate] + spec.receivers.map(\.link.rate)
        let sw = EthernetSwitch(simulator: simulator, name: "switch", portCount: rates.count, portRates: rates,
                                bufferBytesPerPort: spec.network.portBufferBytes)
        self.ethernetSwitch = sw
        let serverLink = Link(simulator: simulator, name: "link.\(server.name)", rateBitsPerSecond: server.link.rate,
                              propagationDelay: .picoseconds(server.link.delay))
        serverLink.attach(a: nic, b: sw.ingress(0))
        nic.wire = serverLink.endA
        sw.connectEgress(0, to: serverLink.endB)
        sw.addEntry(server.mac.rawValue, port: 0)
        self.serverLink = serverLink
        var links: [Link] = []
        var receivers: [DatagramReceiver] = []
        for (i, r) in spec.receivers.enumerated() {
            let receiver = DatagramReceiver(simulator: simulator, name: r.name, mac: r.mac, keepPayload: options.keepPayload)
            let link = Link(simulator: simulator, name: "link.\(r.name)", rateBitsPerSecond: r.link.rate,
                            propagationDelay: .picoseconds(r.link.delay))
            link.attach(a: sw.ingress(i + 1), b: receiver)
            sw.connectEgress(i + 1, to: link.endA)
            // Receivers only listen; their switch entries are configured so unicast is forwarded, not flooded.
            sw.addEntry(r.mac.rawValue, port: i + 1)
            links.append(link)
            receivers.append(receiver)
            host.addNeighbor(r.ip, mac: r.mac)
        }
        self.receiverLinks = links
        self.receivers = receivers

        if options.capturePcap {
            let capture = PcapCapture()
            nic.transmitObserver = capture
            self.capture = capture
        } else {
            self.capture = nil
        }

        // The application: one buffer per entry, filled with seeded bytes, registered when asked (B5/B6).
        let process = host.createProcess(name: "app")
        self.process = process
        self.socket = host.openSocket(process: process, port: server.sourcePort)
        var buffers: [VirtualAddress] = []
        var contents: [[UInt8]] = []
        var streams = Array(repeating: (bytes: 0, digest: FNV1a64()), count: spec.receivers.count)
        for (i, entry) in spec.writes.entries.enumerated() {
            var random = simulator.randomStream(named: "app.data.\(i)")
            var data = [UInt8](repeating: 0, count: entry.bytes)
            var k = 0
            while k < data.count {
                var word = random.next()
                for _ in 0..<8 where k < data.count {
                    data[k] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    k += 1
                }
            }
            let address: VirtualAddress
            do throws(MemoryFault) {
                address = try process.addressSpace.allocate(bytes: max(entry.bytes, 1), startOffset: entry.pageOffset)
                try process.addressSpace.write(address, from: data, at: 0, count: data.count)
            } catch {
                throw ScenarioError(file: "", line: 0, column: 0,
                                    message: "server memory (\(server.memoryBytes) bytes) cannot hold the application's buffers: \(error)")
            }
            if server.registerBuffers && server.driverMode == .zeroCopy && entry.bytes > 0 {
                do throws(HostError) {
                    try host.registerBuffer(process: process, address: address, length: entry.bytes)
                } catch {
                    throw ScenarioError(file: "", line: 0, column: 0, message: "registering buffer \(i): \(error)")
                }
            }
            buffers.append(address)
            contents.append(data)
        }
        // What each receiver should see: every write's entries for it, in entry order.
        for _ in 0..<spec.writes.count {
            for (i, entry) in spec.writes.entries.enumerated() {
                streams[entry.receiver].bytes += entry.bytes
                streams[entry.receiver].digest.add(contents[i], from: 0, count: entry.bytes)
            }
        }
        self.buffers = buffers
        self.bufferContents = options.keepBufferContents ? contents : []
        self.expectedStreams = streams.map { ($0.bytes, $0.digest.value) }

        // The write calls.
        // Every call sends the same buffers, so the calls share one entry array.
        let entries = spec.writes.entries.enumerated().map { i, e in
            let r = spec.receivers[e.receiver]
            return WriteVectorEntry(destination: SocketAddress(ip: r.ip, port: r.port), address: buffers[i], length: e.bytes)
        }
        for w in 0..<spec.writes.count {
            host.scheduleWrite(at: SimTime(rawValue: Int64(w) * spec.writes.interval), socket: socket, entries: entries)
        }
    }

    /// Runs until nothing is left or the scenario's duration is reached.
    @discardableResult
    public func run() -> Simulator.RunOutcome {
        simulator.run(until: spec.duration.map { SimTime(rawValue: $0) })
    }

    /// The captured pcap file bytes, when capture was on.
    public var pcapBytes: [UInt8]? { capture?.writer.bytes }
}

/// Writes every frame the NIC puts on the wire into a pcap stream, stamped with its first bit's virtual time.
final class PcapCapture: FrameObserver {
    var writer = PcapWriter()
    func observe(_ frame: FrameHandle, at time: SimTime, simulator: Simulator) {
        let frames = simulator.frames
        writer.append(frames.bytes, from: frames.offset(of: frame), count: frames.length(of: frame),
                      timestampNanoseconds: time.nanoseconds)
    }
}

/// A duration in a register's units, rounded to the nearest unit (at least 1 when the duration is not 0).
func registerUnits(_ picoseconds: Int64, unit: Int64) -> UInt32 {
    guard picoseconds > 0 else { return 0 }
    return UInt32(clamping: max(1, (picoseconds + unit / 2) / unit))
}
