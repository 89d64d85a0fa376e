import MediaStreams
import NetworkModel
import ScenarioFormat
import ScenarioWorld
import SimCore
import WireFormats

/// Writes a run as a Perfetto trace (`nicsim run … --perfetto OUT.pftrace`): protobuf `TracePacket`s with track
/// descriptors and track events (perfetto.dev/docs/reference/trace-packet-proto), streamed to the file in 1 MiB
/// pieces while the run goes, so memory stays flat however long the run.
///
/// Layout: one process per machine (the server and each emulated host, the switch, each receiver) and one for the
/// links. The server's process holds tracks for its application and OS calls (`calls`), the `driver` (descriptor
/// writes, doorbells), each transmit queue's `fetch`, `DMA`, `transmit` and `write-back`, the `interrupt line`
/// and the `interrupt handler`, and counters for each queue's ring occupancy and descriptor cache; the switch
/// process one track and one queued-bytes counter per port; each receiver an `arrivals` track (a set-top box also a
/// buffer counter); the links process one track per link direction with a slice per frame's bits on the wire.
///
/// Flow arrows follow each datagram: the write call to the first descriptor of each of its packets (one chain per
/// write), each packet from its first descriptor through its DMA read to its frames on the wire, and each frame
/// from the wire through its switch queue and egress to its receiver (`DatagramTracker`).
///
/// Time: virtual picoseconds become trace nanoseconds (rounded down). ``window`` keeps only events inside it (the
/// counters' values are repeated at its start). Counters follow ``counterInterval``: a change is written at once
/// when the track's last point is at least that old; a change sooner is held and written, at its own time, before
/// the next point or at the end, so a track has at most two points per interval and always ends on its last
/// value (0, the default, writes every change).
public final class PerfettoTrace: Tracer {
    /// The part of the run to keep, in picoseconds of virtual time (`from..<to`).
    public let window: Range<Int64>
    public let counterInterval: Int64
    let file: OutputFile
    var out = ProtobufWriter()
    var scratch = ProtobufWriter()
    let tracker = DatagramTracker()
    /// Machines in process-id order; processes are declared when first used.
    var machineIndex: [String: Int] = [:]
    var machineNames: [String] = []
    var declaredProcesses: Set<Int> = []
    /// Track uuids by (machine, track name), in order of first use.
    var tracks: [String: UInt64] = [:]
    var nextTrack: UInt64 = 1
    var trackIsCounter: [UInt64: Bool] = [:]
    /// Per counter track: the last written point, the held one, and its declaration.
    struct CounterState {
        var written: (time: Int64, value: Int64)?
        var held: (time: Int64, value: Int64)?
        var current: Int64 = 0
    }
    var counters: [UInt64: CounterState] = [:]
    var counterOrder: [UInt64] = []
    /// Descriptors in each queue's cache (fetched and not yet read for a packet), per NIC and queue.
    var descriptorCache: [String: Int64] = [:]
    /// Line rates: the server's and each switch port's, for the length of a frame's slice on the wire.
    let serverRates: [String: Int64]
    let portRates: [Int64]
    let portPeers: [String]
    let setTopBoxNames: Set<String>
    /// Set-top boxes by name, attached after the world is built, for their buffer level.
    var setTopBoxes: [String: SetTopBox] = [:]
    var pendingBufferSample: (box: String, time: Int64)?
    /// A system call waiting for the driver's `write-queued` record (same machine, same time) to learn its write id.
    var pendingCall: TraceRecord?
    var windowEntered = false
    var finished = false
    public private(set) var packetsWritten = 0
    static let flushBytes = 1 << 20
    static let sequence: UInt64 = 1

    /// A trace of a run of `spec` into a new file at `path`. Throws when the file cannot be created.
    public init(path: String, spec: ScenarioSpec, window: Range<Int64> = Int64.min..<Int64.max,
                counterInterval: Int64 = 0) throws(OutputError) {
        self.file = try OutputFile(path: path)
        self.window = window
        self.counterInterval = max(0, counterInterval)
        var rates = [spec.server.name: spec.server.link.rate]
        for r in spec.receivers where r.kind == .host { rates[r.name] = r.link.rate }
        serverRates = rates
        portRates =
            [spec.server.link.rate] + spec.receivers.map(\.link.rate) + (spec.network.vde.map { [$0.rate] } ?? [])
        portPeers = [spec.server.name] + spec.receivers.map(\.name) + (spec.network.vde != nil ? ["vde"] : [])
        setTopBoxNames = Set(spec.receivers.filter { $0.kind == .setTopBox }.map(\.name))
        for name in [spec.server.name, "switch"] + spec.receivers.map(\.name) + ["links"] { _ = machine(name) }
        out.bytes.reserveCapacity(Self.flushBytes + (1 << 16))
        scratch.bytes.reserveCapacity(1 << 12)
    }

    deinit { try? finish() }

    /// Lets the trace read the set-top boxes' buffer levels (call once the world is built).
    public func attach(_ world: World) {
        for case .setTopBox(let box) in world.receiverNodes { setTopBoxes[box.configuration.name] = box }
    }

    /// Writes what is held (counters' last values) and closes the file; throws the first error of any write or of
    /// the close, after removing a partial regular file. Finishing twice writes nothing more.
    public func finish() throws(OutputError) {
        if !finished {
            finished = true
            flushPendingCall()
            sampleBuffer()
            for uuid in counterOrder {
                guard let held = counters[uuid]?.held else { continue }
                writeCounter(uuid, time: held.time, value: held.value)
            }
            flush()
        }
        try file.close()
    }

    /// Ends the output because the run could not produce it: closes and removes the file, whatever was written.
    public func discard() {
        finished = true
        file.discard()
    }

    func flush() {
        file.write(out.bytes)
        out.removeAll()
    }

    // MARK: - Records

    public func record(_ r: TraceRecord) {
        guard !finished else { return }
        let t = r.time.rawValue
        if pendingCall != nil {
            if r.event == "write-queued", let call = pendingCall, r.time == call.time,
               DatagramTracker.machine(of: r.component) == Substring(call.component) {
                emitCall(call, write: r.int("write"))
                pendingCall = nil
            } else {
                flushPendingCall()
            }
        }
        sampleBuffer()
        let inside = window.contains(t)
        if inside && !windowEntered {
            windowEntered = true
            // Counters start the window with the values they had.
            for uuid in counterOrder {
                if let c = counters[uuid] { writeCounter(uuid, time: window.lowerBound, value: c.current) }
            }
        }
        let component = r.component
        let machine = String(DatagramTracker.machine(of: component))
        switch r.event {
        case "syscall":
            pendingCall = r
        case "write-queued":
            break
        case "write-posting":
            tracker.writePosting(machine: machine, r)
        case "descriptor-write":
            let (packet, opens) = tracker.descriptorWritten(machine: machine, r)
            guard inside else { return }
            var flows: [UInt64] = []
            if opens {
                flows.append(packet.flow)
                if packet.write > 0 {
                    flows.append(DatagramTracker.writeFlow(machine: self.machine(machine), write: packet.write))
                }
            }
            let index = r.int("index") ?? 0
            let name = r.int("context") == 1 ? "context descriptor \(index)" : "descriptor \(index)"
            instant(machine, "driver", name, t, flows: flows, args: r.fields)
        case "doorbell":
            if inside { instant(machine, "driver", "doorbell (tail \(r.int("tail") ?? 0))", t, args: r.fields) }
        case "descriptor-fetch":
            let q = r.int("queue") ?? 0
            let first = r.int("first") ?? 0, count = r.int("count") ?? 0
            let key = component + "#" + String(q)
            descriptorCache[key, default: 0] += count
            counter(
                machine, "queue \(q) descriptor cache", unit: "descriptors", t, descriptorCache[key] ?? 0,
                inside: inside)
            if inside {
                instant(machine, "queue \(q): fetch", "fetch descriptors \(first)+\(count)", t, args: r.fields)
            }
        case "tx-ring":
            let q = r.int("queue") ?? 0
            counter(
                machine, "queue \(q) ring occupancy", unit: "descriptors", t, r.int("occupancy") ?? 0, inside: inside)
        case "dma-read":
            let q = r.int("queue") ?? 0
            let key = component + "#" + String(q)
            descriptorCache[key] = max(0, (descriptorCache[key] ?? 0) - (r.int("count") ?? 0))
            counter(
                machine, "queue \(q) descriptor cache", unit: "descriptors", t, descriptorCache[key] ?? 0,
                inside: inside)
            guard inside else { return }
            let d = r.int("descriptor") ?? 0
            let flows = tracker.packet(machine: machine, descriptor: d).map { [$0.flow] } ?? []
            instant(
                machine, "queue \(q): DMA", "DMA read \(r.int("bytes") ?? 0) B (descriptor \(d))", t, flows: flows,
                args: r.fields)
        case "wire":
            let q = r.int("queue") ?? 0
            let datagram = tracker.wire(machine: machine, r)
            guard inside else { return }
            let bytes = Int(r.int("bytes") ?? 0)
            let end = t + serialization(bytes: bytes, rate: serverRates[machine] ?? 1_000_000_000)
            var flows: [UInt64] = []
            if let p = tracker.packet(machine: machine, descriptor: r.int("descriptor") ?? -1) { flows.append(p.flow) }
            if let datagram { flows.append(datagram.flow) }
            let name = "frame to \(r.text("to") ?? "?")" + (datagram.map { " (segment \($0.segment))" } ?? "")
            slice(machine, "queue \(q): transmit", name, t, end, flows: flows, args: r.fields)
            slice("links", "link.\(machine) → switch", name, t, end, args: r.fields)
        case "writeback":
            let q = r.int("queue") ?? 0
            if inside {
                instant(
                    machine, "queue \(q): write-back", "write-back descriptor \(r.int("descriptor") ?? 0)", t,
                    args: r.fields)
            }
        case "interrupt":
            if inside { instant(machine, "interrupt line", "interrupt", t, args: r.fields) }
        case "interrupt-handler":
            if inside { instant(machine, "interrupt handler", "handler", t, args: r.fields) }
        case "enqueue", "dequeue", "drop":
            let port = Int(r.int("port") ?? 0)
            let peer = machine == "switch" && port < portPeers.count ? " → " + portPeers[port] : ""
            let portTrack = "port \(port)\(peer)"
            counter(machine, portTrack + " queued bytes", unit: "bytes", t, r.int("queue-bytes") ?? 0, inside: inside)
            guard inside else {
                if r.event == "drop" { tracker.forget(r) }
                return
            }
            let flows = tracker.datagram(r).map { [$0.flow] } ?? []
            let to = r.text("to") ?? "?"
            switch r.event {
            case "enqueue":
                instant(machine, portTrack, "queued: frame to \(to)", t, flows: flows, args: r.fields)
            case "drop":
                instant(machine, portTrack, "DROP: frame to \(to)", t, terminating: flows, args: r.fields)
                tracker.forget(r)
            default:
                let rate = machine == "switch" && port < portRates.count ? portRates[port] : 1_000_000_000
                let start = t - serialization(bytes: Int(r.int("bytes") ?? 0), rate: rate)
                let linkName =
                    machine == "switch" && port < portPeers.count ? "switch → link.\(portPeers[port])" : component
                slice("links", linkName, "frame to \(to)", start, t, flows: flows, args: r.fields)
            }
        case "arrival":
            if setTopBoxNames.contains(component) { pendingBufferSample = (component, t) }
            let flows = tracker.datagram(r).map { [$0.flow] } ?? []
            tracker.forget(r)
            guard inside else { return }
            instant(machine, "arrivals", "datagram to \(r.text("to") ?? "?")", t, terminating: flows, args: r.fields)
        default:
            if inside { instant(machine, component, r.event, t, args: r.fields) }
        }
        if out.bytes.count >= Self.flushBytes { flush() }
    }

    func flushPendingCall() {
        guard let call = pendingCall else { return }
        pendingCall = nil
        emitCall(call, write: nil)
    }

    func emitCall(_ r: TraceRecord, write: Int64?) {
        guard window.contains(r.time.rawValue) else { return }
        let machine = r.component
        let flows = write.map { [DatagramTracker.writeFlow(machine: self.machine(machine), write: $0)] } ?? []
        var args = r.fields
        if let write { args.append(("write", .int(write))) }
        instant(machine, "calls", "\(r.text("call") ?? "call") (\(r.int("messages") ?? 0) messages)", r.time.rawValue,
                flows: flows, args: args)
    }

    /// The set-top box that just took a datagram: its buffer level after it.
    func sampleBuffer() {
        guard let (name, t) = pendingBufferSample else { return }
        pendingBufferSample = nil
        guard let box = setTopBoxes[name] else { return }
        counter(
            name, "buffer", unit: "bytes", t, Int64(box.bufferLevel(at: SimTime(rawValue: t))),
            inside: window.contains(t))
    }

    func serialization(bytes: Int, rate: Int64) -> Int64 {
        EthernetWireTiming.timeToLastBit(frameLength: bytes, bitsPerSecond: max(rate, 1)).rawValue
    }

    // MARK: - Tracks

    func machine(_ name: String) -> Int {
        if let i = machineIndex[name] { return i }
        machineNames.append(name)
        machineIndex[name] = machineNames.count
        return machineNames.count
    }

    func processTrack(_ pid: Int) -> UInt64 {
        let uuid = UInt64(pid) << 32
        if declaredProcesses.insert(pid).inserted {
            packet(time: nil) { w in
                let d = w.beginMessage(60)
                w.uint(1, uuid)
                let p = w.beginMessage(3)
                w.int(1, Int64(pid))
                w.string(6, machineNames[pid - 1])
                w.endMessage(p)
                w.endMessage(d)
            }
        }
        return uuid
    }

    /// The uuid of `machine`'s track `name`, declared on first use.
    func track(_ machine: String, _ name: String, counterUnit: String? = nil) -> UInt64 {
        let key = machine + "\u{1}" + name
        if let uuid = tracks[key] { return uuid }
        let pid = self.machine(machine)
        let parent = processTrack(pid)
        let uuid = parent | nextTrack
        nextTrack += 1
        tracks[key] = uuid
        packet(time: nil) { w in
            let d = w.beginMessage(60)
            w.uint(1, uuid)
            w.string(2, name)
            w.uint(5, parent)
            if let counterUnit {
                let c = w.beginMessage(8)
                w.uint(3, counterUnit == "bytes" ? 3 : 2)
                w.string(6, counterUnit)
                w.endMessage(c)
            }
            w.endMessage(d)
        }
        return uuid
    }

    // MARK: - Events

    func instant(_ machine: String, _ track: String, _ name: String, _ t: Int64, flows: [UInt64] = [],
                 terminating: [UInt64] = [], args: [(name: String, value: TraceValue)]) {
        event(
            type: 3, track: self.track(machine, track), name: name, t, flows: flows, terminating: terminating,
            args: args)
    }

    func slice(_ machine: String, _ track: String, _ name: String, _ t0: Int64, _ t1: Int64, flows: [UInt64] = [],
               args: [(name: String, value: TraceValue)]) {
        let uuid = self.track(machine, track)
        event(type: 1, track: uuid, name: name, t0, flows: flows, terminating: [], args: args)
        event(type: 2, track: uuid, name: nil, max(t0, t1), flows: [], terminating: [], args: [])
    }

    func counter(_ machine: String, _ name: String, unit: String, _ t: Int64, _ value: Int64, inside: Bool) {
        let uuid = track(machine, name, counterUnit: unit)
        var c = counters[uuid] ?? {
            counterOrder.append(uuid)
            return CounterState()
        }()
        c.current = value
        counters[uuid] = c
        guard inside else { return }
        if let w = c.written, w.value == value, c.held == nil { return }
        if let w = c.written, t - w.time < counterInterval {
            counters[uuid]?.held = (t, value)
            return
        }
        if let held = c.held, held.time < t { writeCounter(uuid, time: held.time, value: held.value) }
        writeCounter(uuid, time: t, value: value)
    }

    func writeCounter(_ uuid: UInt64, time: Int64, value: Int64) {
        counters[uuid]?.written = (time, value)
        counters[uuid]?.held = nil
        packet(time: time) { w in
            let e = w.beginMessage(11)
            w.uint(9, 4)
            w.uint(11, uuid)
            w.int(30, value)
            w.endMessage(e)
        }
    }

    func event(type: UInt64, track uuid: UInt64, name: String?, _ t: Int64, flows: [UInt64], terminating: [UInt64],
               args: [(name: String, value: TraceValue)]) {
        packet(time: t) { w in
            let e = w.beginMessage(11)
            w.uint(9, type)
            w.uint(11, uuid)
            if let name { w.string(23, name) }
            for (k, v) in args {
                let a = w.beginMessage(4)
                w.string(10, k)
                switch v {
                case .int(let i): w.int(4, i)
                case .address(let x): w.uint(7, x)
                case .time(let s): w.int(4, s.rawValue)
                case .text(let s): w.string(6, s)
                }
                w.endMessage(a)
            }
            for f in flows { w.fixed64(47, f) }
            for f in terminating { w.fixed64(48, f) }
            w.endMessage(e)
        }
    }

    /// Appends one `TracePacket` (field 1 of `Trace`): its timestamp in nanoseconds when given, the sequence id,
    /// and what `body` writes.
    func packet(time: Int64?, _ body: (inout ProtobufWriter) -> Void) {
        let p = out.beginMessage(1)
        if let time { out.uint(8, UInt64(max(0, time / 1000))) }
        out.uint(10, Self.sequence)
        if packetsWritten == 0 { out.uint(13, 1) }
        body(&out)
        out.endMessage(p)
        packetsWritten += 1
    }
}
