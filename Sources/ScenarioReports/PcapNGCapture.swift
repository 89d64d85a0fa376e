import NetworkModel
import ScenarioFormat
import ScenarioWorld
import SimCore
import WireFormats

/// Captures a run at every point a frame passes (`nicsim run … --pcapng OUT.pcapng`): one pcapng interface for
/// the server's NIC (first bit on the wire), one per switch port's egress (last bit out), one per receiver (last
/// bit in), and one for the VDE port (both directions). Timestamps are virtual time in nanoseconds. Each packet
/// carries a comment naming the write call (the driver's write id), the destination, the segment index within the
/// packet and the descriptor indices it came from, found by a `DatagramTracker` that reads the run's trace.
///
/// Written to its `OutputFile` (ScenarioWorld) in 1 MiB pieces while the run goes; the first failed write is kept
/// and thrown by ``finish()``, which removes a partial regular file like every other output of a run.
public final class PcapNGCapture: Tracer {
    var writer = PcapNGWriter()
    let file: OutputFile
    let tracker = DatagramTracker()
    let serverName: String
    /// The server NIC's frame seen by the transmit tap, waiting for its `wire` record (which names its descriptors).
    var pending: [UInt8] = []
    var pendingTime: Int64 = 0
    var hasPending = false
    var finished = false
    /// Interface ids: the server NIC is 0, switch port p is 1 + p, then receivers, then the VDE port.
    let receiverInterface: [String: Int]
    let vdeInterface: Int?
    let interfaceNames: [String]
    static let flushBytes = 1 << 20

    /// A capture of a run of `spec` into a new file at `path`. Throws when the file cannot be created.
    public init(path: String, spec: ScenarioSpec) throws(OutputError) {
        file = try OutputFile(path: path)
        serverName = spec.server.name
        var names = ["\(spec.server.name).nic"]
        var descriptions = ["frames the server's NIC puts on the wire (first bit)"]
        let peers = [spec.server.name] + spec.receivers.map(\.name) + (spec.network.vde != nil ? ["vde"] : [])
        for (p, peer) in peers.enumerated() {
            names.append("switch.port\(p)")
            descriptions.append("switch port \(p) egress toward \(peer) (last bit out)")
        }
        var receivers: [String: Int] = [:]
        for r in spec.receivers where r.kind != .external {
            receivers[r.name] = names.count
            names.append(r.name)
            descriptions.append("frames arriving at \(r.name) (last bit in)")
        }
        receiverInterface = receivers
        if spec.network.vde != nil {
            vdeInterface = names.count
            names.append("vde")
            descriptions.append("frames crossing the VDE port, both directions")
        } else {
            vdeInterface = nil
        }
        interfaceNames = names
        for (n, d) in zip(names, descriptions) { writer.addInterface(name: n, description: d) }
        pending.reserveCapacity(9216)
    }

    deinit { try? finish() }

    /// Frames written per interface, in interface order (for tests and reports).
    public private(set) lazy var framesPerInterface: [Int] = Array(repeating: 0, count: interfaceNames.count)

    /// Puts the taps on `world`'s NIC, switch ports, receiver links and VDE link.
    public func attach(_ world: World) {
        let nicTap = Tap(capture: self, interface: 0)
        world.nic.transmitObserver = FrameObserverFanOut.combine(world.nic.transmitObserver, nicTap)
        for p in 0..<(interfaceNames.count) where interfaceNames[p].hasPrefix("switch.port") {
            let tap = Tap(capture: self, interface: p)
            world.ethernetSwitch.setEgressObserver(p - 1, tap)
        }
        for (i, node) in world.receiverNodes.enumerated() {
            guard let interface = receiverInterface[world.spec.receivers[i].name] else { continue }
            let tap = Tap(capture: self, interface: interface)
            switch node {
            case .host(let relay): relay.link.observerAtA = tap
            case .external: break
            default: world.receiverLinks[i].observerAtB = tap
            }
        }
        if let vdeInterface, let link = world.vdeLink {
            let tap = Tap(capture: self, interface: vdeInterface)
            link.observerAtA = tap
            link.observerAtB = tap
        }
    }

    /// Writes what is pending and closes the file; throws the first error of any write or of the close, after
    /// removing a partial regular file. Finishing twice writes nothing more.
    public func finish() throws(OutputError) {
        if !finished {
            finished = true
            writePending(comment: "frame from \(serverName)'s NIC (no descriptor record)")
            file.write(writer.bytes)
            writer.discardBytes()
        }
        try file.close()
    }

    /// Ends the output because the run could not produce it: closes and removes the file, whatever was written.
    public func discard() {
        finished = true
        file.discard()
    }

    func observe(_ frame: FrameHandle, at time: SimTime, interface: Int, simulator: Simulator) {
        let frames = simulator.frames
        let offset = frames.offset(of: frame), length = frames.length(of: frame)
        if interface == 0 {
            // The NIC's tap comes just before its `wire` record: hold the frame until the record names its descriptors.
            writePending(comment: "frame from \(serverName)'s NIC (no descriptor record)")
            pending.removeAll(keepingCapacity: true)
            pending.append(contentsOf: frames.bytes[offset..<(offset + length)])
            pendingTime = time.rawValue
            hasPending = true
            return
        }
        let fields = frames.traceFields(of: frame)
        let record = TraceRecord(time: time, component: "", event: "", fields: fields)
        let comment: String
        if let key = DatagramTracker.key(record), let d = tracker.datagram(key: key) {
            comment = Self.describe(d)
        } else if let to = record.text("to") {
            comment = "to \(to), not from a traced write call"
        } else {
            comment = "\(length)-byte frame, not IPv4/UDP from a write call"
        }
        append(frames.bytes, from: offset, count: length, interface: interface, time: time.rawValue, comment: comment)
    }

    static func describe(_ d: DatagramTracker.Datagram) -> String {
        let write = d.write > 0 ? "write call \(d.write)" : "write call unknown"
        let span = d.first == d.last ? "descriptor \(d.first)" : "descriptors \(d.first)-\(d.last)"
        return "\(write) of \(d.machine), to \(d.to), segment \(d.segment), \(span)"
    }

    func writePending(comment: String) {
        guard hasPending else { return }
        hasPending = false
        append(pending, from: 0, count: pending.count, interface: 0, time: pendingTime, comment: comment)
    }

    func append(_ bytes: [UInt8], from start: Int, count: Int, interface: Int, time: Int64, comment: String) {
        writer.append(bytes, from: start, count: count, interface: interface, timestampNanoseconds: time / 1000,
                      comment: comment)
        framesPerInterface[interface] += 1
        if writer.bytes.count >= Self.flushBytes {
            file.write(writer.bytes)
            writer.discardBytes()
        }
    }

    public func record(_ r: TraceRecord) {
        let machine = String(DatagramTracker.machine(of: r.component))
        switch r.event {
        case "write-posting": tracker.writePosting(machine: machine, r)
        case "descriptor-write": _ = tracker.descriptorWritten(machine: machine, r)
        case "wire":
            let d = tracker.wire(machine: machine, r)
            guard machine == serverName, hasPending else { return }
            let q = r.int("queue") ?? 0
            if let d {
                writePending(comment: Self.describe(d) + ", queue \(q)")
            } else {
                let desc = r.int("descriptor") ?? -1
                let p = tracker.packet(machine: machine, descriptor: desc)
                let span =
                    p.map { $0.first == $0.last ? "descriptor \($0.first)" : "descriptors \($0.first)-\($0.last)" }
                    ?? "descriptor \(desc)"
                writePending(comment: "\(r.int("bytes") ?? 0)-byte frame, \(span), queue \(q)"
                             + (p.map { $0.write > 0 ? ", write call \($0.write)" : "" } ?? ""))
            }
        case "arrival", "drop":
            // The receiver's tap saw the frame before its arrival record: its way ends here.
            tracker.forget(r)
        default: break
        }
    }

    /// One capture point's tap; the component it sits on keeps it, and it keeps the capture.
    final class Tap: FrameObserver {
        let capture: PcapNGCapture
        let interface: Int
        init(capture: PcapNGCapture, interface: Int) {
            self.capture = capture
            self.interface = interface
        }
        func observe(_ frame: FrameHandle, at time: SimTime, simulator: Simulator) {
            capture.observe(frame, at: time, interface: interface, simulator: simulator)
        }
    }
}

/// Passes each observed frame to two observers (a pcap and a pcapng capture on one NIC).
final class FrameObserverFanOut: FrameObserver {
    let first: FrameObserver
    let second: FrameObserver
    init(_ first: FrameObserver, _ second: FrameObserver) {
        self.first = first
        self.second = second
    }
    static func combine(_ existing: FrameObserver?, _ added: FrameObserver) -> FrameObserver {
        existing.map { FrameObserverFanOut($0, added) } ?? added
    }
    func observe(_ frame: FrameHandle, at time: SimTime, simulator: Simulator) {
        first.observe(frame, at: time, simulator: simulator)
        second.observe(frame, at: time, simulator: simulator)
    }
}
