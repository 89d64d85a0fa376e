#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import struct Foundation.URL
import HostMemory
import HostOS
import MediaStreams
import NICDriver
import NICModel
import NetworkModel
import ScenarioFormat
import SimCore
import VDEPort
import WireFormats

/// Everything a scenario builds: the server (application, OS, driver, NIC), a switch, links and receivers —
/// plain listeners, set-top boxes, or full emulated hosts that can relay.
///
/// Build it with ``init(spec:options:)``, then ``run()``; read counters from its parts or ask for a `Report`.
public final class World {
    public let spec: ScenarioSpec
    public let simulator: Simulator
    /// The server's whole stack.
    public let server: EmulatedHost
    public var memory: PhysicalMemory { server.memory }
    public var nic: NIC { server.nic }
    public var dma: DMAEngine { server.dma }
    public var driver: any NetworkDriver { server.driver }
    public var host: Host { server.host }
    public var serverLink: Link { server.link }
    public let process: Process
    public let socket: Socket
    public let ethernetSwitch: EthernetSwitch
    /// Links to the receivers, in receiver order (a `host` receiver's is its own link).
    public let receiverLinks: [Link]
    /// The `datagram` receivers, in receiver order (all receivers when every one is a plain listener).
    public let receivers: [DatagramReceiver]
    /// What stands behind each receiver, in receiver order.
    public let receiverNodes: [ReceiverNode]
    /// The application's buffers, one per write entry, in entry order.
    public let buffers: [VirtualAddress]
    /// The bytes the application put in each buffer, in entry order (kept only when asked for).
    public let bufferContents: [[UInt8]]
    /// Per receiver: the length and payload digest (`StripeHash64`) of what should arrive, or nil when policies make
    /// the
    /// order of arrival depend on timing.
    /// Computed when first asked for (it digests every byte the writes send).
    public private(set) lazy var expectedStreams: [(bytes: Int, digest: UInt64)?] =
        World.expectedStreams(spec: spec, contents: writeContents)
    /// The bytes of each write entry, for ``expectedStreams``.
    let writeContents: [[UInt8]]
    let capture: PcapCapture?
    package let application: Application
    /// Runs the scenario's faults; nil when it has none.
    package let faultInjector: FaultInjector?
    /// The media application on the server, when the scenario has streams from it.
    public var streamApplication: StreamApplication? { streamApplications.first { $0.host === server.host } }
    /// The server's NPCP clients (`RouterPolicyClient`) by router receiver index, for policies with
    /// `via: network`.
    public var policyClients: [Int: RouterPolicyClient] { application.policyClients }
    /// Every media application: one per server that plays streams (B47).
    public let streamApplications: [StreamApplication]

    /// What stands behind a receiver's address.
    public enum ReceiverNode {
        case datagram(DatagramReceiver)
        case setTopBox(SetTopBox)
        case host(EmulatedHost)
        case router(PolicyRouter)
        /// A machine outside the emulation, behind the VDE port.
        case external
    }

    /// The port to a real network, when the scenario has one.
    public let vdePort: VDEPort?
    /// Paces virtual time to the wall clock while a real port is attached.
    public let pacer: RealTimePacer?
    /// Where pacing messages go (``Options/pacingMessages``).
    let pacingMessages: ((String) -> Void)?
    /// The link between the switch (side A) and the VDE port (side B), when the scenario has one.
    package let vdeLink: Link?

    /// Options that change what a run records, not what it does.
    public struct Options: @unchecked Sendable {
        /// Capture the server's transmitted frames as pcap, in memory (``World/pcapBytes``).
        public var capturePcap = false
        /// Capture them into this file instead, written while the run goes (in 1 MiB pieces), as a packet
        /// capture tool would; ``World/pcapBytes`` is then nil, and ``World/finishPcap()`` closes the file and
        /// tells of a failed write.
        public var pcapFile: String?
        /// Capture them into this output, which the caller opened (takes the place of ``pcapFile``).
        public var pcapOutput: OutputFile?
        /// Receivers keep every payload byte (for tests).
        public var keepPayload = false
        /// Keep each buffer's bytes in ``World/bufferContents``.
        public var keepBufferContents = false
        /// Datagram receivers digest every payload byte (stripe64) so reports can say whether streams arrived
        /// intact; without it receivers still check and count every datagram, and reports show no digest.
        public var digestPayloads = true
        /// Record the times of interrupt handler runs.
        public var recordInterruptTimes = false
        /// Stop after this many events.
        public var eventLimit: UInt64 = 2_000_000_000
        /// Receives the run's trace records from the start (`TraceWriter`, `RunRecorder`, or a `TraceFanOut`).
        public var tracer: (any Tracer)?
        /// Host-cache prefetch hints (`Simulator.cacheHints`): nil (the default) turns them on for worlds of at
        /// least ``cacheHintReceivers`` receivers, where per-destination state outgrows the host's caches. Hints
        /// change speed only, never a result.
        public var cacheHints: Bool?
        /// With a real-time VDE port: also keep the pacing lateness per interval of virtual time
        /// (`RealTimePacer.series`, for `--csv-interval`).
        public var pacingSeriesInterval: SimDuration?
        /// Where a real-time run says that it fell behind the wall clock or caught up again, and that real-time
        /// priority was refused (one line each, no newline; the command line prints them on standard error).
        public var pacingMessages: ((String) -> Void)?
        /// Receivers from which ``cacheHints`` turns hints on by itself. About 2.4 KB per destination is touched
        /// per packet (a 1472-byte payload and some fourteen cache lines of state), so 256 destinations fill a
        /// 512 KiB second-level cache.
        public static let cacheHintReceivers = 256
        /// Builds every machine's driver instead of the one the scenario's `driver.kind` names: how a driver from
        /// another package runs a scenario file (nil: ``World/defaultDriverFactory(_:)``).
        public var driverFactory: DriverFactory?
        public init() {}
    }

    /// Builds the world of `spec`. Throws when the spec asks for more than the machines it describes can hold
    /// (for example buffers larger than the server's memory), naming the key and, for a spec read from a file, its
    /// line; what can be known from the spec alone (``preflight(_:)``) is refused before anything is built.
    ///
    /// The parts are built in a fixed order (`WorldBuilder`): the switch, the server, the receivers in order,
    /// the VDE port, the capture, the application and its buffers, the faults, the media applications.
    public init(spec: ScenarioSpec, options: Options = Options()) throws(WorldError) {
        try World.preflight(spec)
        self.spec = spec
        self.pacingMessages = options.pacingMessages
        let simulator = WorldBuilder.simulator(for: spec, options: options)
        self.simulator = simulator
        // Components and simulator keep each other: a world refused half-built must free what it built.
        var built = false
        defer { if !built { simulator.tearDown() } }

        let builder = WorldBuilder(spec: spec, options: options, simulator: simulator)
        self.ethernetSwitch = builder.ethernetSwitch
        let server = try builder.server()
        self.server = server
        var nodes: [ReceiverNode] = []
        var links: [Link] = []
        for i in spec.receivers.indices {
            let (node, link) = try builder.receiver(i)
            nodes.append(node)
            links.append(link)
        }
        self.receiverNodes = nodes
        self.receiverLinks = links
        self.receivers = nodes.compactMap { if case .datagram(let d) = $0 { d } else { nil } }
        builder.addNeighbours(to: [server] + nodes.compactMap { if case .host(let h) = $0 { h } else { nil } })
        let vde = try builder.vdePort()
        self.vdePort = vde?.port
        self.vdeLink = vde?.link
        self.pacer = vde?.pacer
        self.capture = try builder.capture(of: server)

        let process = server.host.createProcess(name: "app")
        self.process = process
        self.socket = server.host.openSocket(process: process, port: spec.server.sourcePort)
        let buffers = try builder.buffers(of: process, on: server)
        self.buffers = buffers.addresses
        self.bufferContents = options.keepBufferContents ? buffers.contents : []
        self.writeContents = buffers.contents
        if spec.writes.method == .multiWrite { server.host.reserveWriteRecords(spec.writes.count) }
        self.application = Application(simulator: simulator, spec: spec, server: server.host, socket: socket,
                                       buffers: buffers.addresses, hosts: nodes)
        application.start()
        self.faultInjector = spec.faults.isEmpty ? nil : FaultInjector(
            spec: spec, simulator: simulator, server: server, nodes: nodes, links: links, vdeLink: vde?.link,
            application: application)
        self.streamApplications = try builder.streamApplications(server: server, nodes: nodes)
        built = true
    }

    /// Refuses, before anything is built or filled, what the spec alone shows cannot work: application buffers
    /// that need more pages than the server's memory has frames (each entry takes its page offset plus its size,
    /// rounded up to whole 4 KiB pages). A spec that passes may still be refused later, with the same kind of error.
    public static func preflight(_ spec: ScenarioSpec) throws(WorldError) {
        let frames = Int64(spec.server.memoryBytes / UInt64(Page.size))
        var pages: Int64 = 0
        for (i, entry) in spec.writes.entries.enumerated() {
            pages += Int64((entry.pageOffset + max(entry.bytes, 1) + Page.size - 1) / Page.size)
            if pages > frames {
                throw WorldError(
                    spec, "server.memory", "writes.entries", "writes",
                    message: "server memory (\(spec.server.memoryBytes) bytes, \(frames) pages) cannot hold the "
                        + "application's buffers: entries 0 to \(i) alone need \(pages) pages")
            }
        }
    }

    /// Runs until nothing is left or the scenario's duration is reached.
    @discardableResult
    public func run() -> Simulator.RunOutcome {
        // A real port polls forever: such a run needs an end, 2 s of virtual time unless the scenario gives one.
        let end = spec.duration ?? (vdePort != nil ? 2_000_000_000_000 : nil)
        var priority = RealTimePriority()
        if pacer != nil, spec.network.vde?.realTimePriority == true {
            let outcome = priority.enable()
            realTimePriority = outcome.summary
            if !outcome.refusals.isEmpty {
                pacingMessages?("real-time priority refused, pacing at normal priority: "
                                + outcome.refusals.joined(separator: "; "))
            }
        }
        // The pacer was started when the world was built; the frames are due from now on.
        if simulator.eventsProcessed == 0 { pacer?.reanchor(at: simulator.now) }
        let outcome = simulator.run(until: end.map { SimTime(rawValue: $0) })
        priority.restore()
        capture?.flush()
        vdePort?.stopPolling()
        pacer?.stop()
        return outcome
    }

    /// What `RealTimePriority.enable()` got for the last ``run()``: "granted" or "refused: …"; nil when the
    /// scenario did not ask for it.
    public private(set) var realTimePriority: String?

    /// A line for the terminal about falling behind the wall clock or catching up.
    static func describe(_ event: RealTimePacer.BehindEvent) -> String {
        switch event {
        case .started(let time, let late, let slip):
            return "real time lost at virtual \(time): a frame went out \(PacingReport.text(late)) late; "
                + "virtual time now trails the wall clock by \(PacingReport.text(slip))"
        case .caughtUp(let time, let wall, let frames, let slip):
            return "real time regained at virtual \(time) after \(PacingReport.text(wall)) behind "
                + "(\(frames) frames over the catch-up limit); virtual time trails the wall clock by "
                + "\(PacingReport.text(slip)) in all"
        }
    }

    /// The captured pcap file bytes, when capture into memory was on.
    public var pcapBytes: [UInt8]? { capture?.file == nil ? capture?.writer.bytes : nil }

    /// Why writing ``Options/pcapFile`` failed, if it did (the run itself goes on).
    public var pcapError: String? { capture?.failure?.description }

    /// Writes the rest of the capture to ``Options/pcapFile`` (or ``Options/pcapOutput``) and closes it; throws
    /// when any of it did not reach the file, which is then removed. Nothing to do for a capture into memory.
    public func finishPcap() throws(OutputError) {
        try capture?.finish()
    }

    /// What each receiver should get: the server's entries for it in write and entry order, moved and copied by
    /// the scenario's policies. Receivers whose bytes come from more than one place get nil.
    static func expectedStreams(spec: ScenarioSpec, contents: [[UInt8]]) -> [(bytes: Int, digest: UInt64)?] {
        let n = spec.receivers.count
        // For each receiver, the entry indices it gets in one write, in order; nil once it is ambiguous.
        var sources: [[Int]?] = Array(repeating: [], count: n)
        func index(of ip: IPv4Address, port: UInt16) -> Int? {
            spec.receivers.firstIndex { $0.ip == ip && $0.port == port }
        }
        let interleavedDuplicates = spec.server.order == .interleaved
        for (e, entry) in spec.writes.entries.enumerated() {
            var targets = [entry.receiver]
            let r = spec.receivers[entry.receiver]
            if let p = spec.policies.first(where: { $0.host == nil && $0.direction == .transmit
                && $0.matchIP == r.ip && $0.matchPort == r.port && $0.installAt == 0 && $0.removeAt == nil }) {
                targets = p.redirect ? [] : targets
                for case .remote(let ip, let port) in p.targets {
                    if let t = index(of: ip, port: port) { targets.append(t) }
                }
            }
            for t in targets { sources[t]?.append(e) }
        }
        for p in spec.policies where p.host != nil && p.direction == .receive {
            guard let h = p.host, p.installAt == 0, p.removeAt == nil, spec.receivers[h].ip == p.matchIP,
                  spec.receivers[h].port == p.matchPort else { continue }
            for case .remote(let ip, let port) in p.targets {
                guard let t = index(of: ip, port: port) else { continue }
                if sources[t]?.isEmpty == true { sources[t] = sources[h] } else { sources[t] = nil }
            }
        }
        // Two entries for one receiver arrive interleaved when the write interleaves.
        let lists: [[Int]?] = sources.map { list in
            guard let list, !(interleavedDuplicates && Set(list).count > 1) else { return nil }
            return list
        }
        let digester = PayloadDigester()
        let streams = lists.map { $0 == nil ? -1 : digester.addStream() }
        for _ in 0..<spec.totalWriteCalls {
            for (r, list) in lists.enumerated() {
                guard let list else { continue }
                for e in list { digester.add(streams[r], bytes: contents[e], from: 0, count: contents[e].count) }
            }
        }
        return lists.enumerated().map { r, list in
            guard let list else { return nil }
            let perWrite = list.reduce(0) { $0 + contents[$1].count }
            return (perWrite * spec.totalWriteCalls, digester.digest(of: streams[r]))
        }
    }
}
