import ScenarioFormat
import ScenarioWorld
import SimCore

/// Follows datagrams through a run's trace records: which write call a packet's descriptors belong to, which
/// descriptors a frame on the wire came from, its segment index, and (by IPv4 identification and destination) the
/// same frame later in a switch queue and at its receiver. ``PerfettoTrace`` draws its flow arrows from it and
/// ``PcapNGCapture`` writes its per-packet comments.
///
/// It reads the records the components already make (`write-queued` and `write-posting` from the driver,
/// `descriptor-write`, `dma-read`, `wire`); nothing in the model knows it exists. Memory stays bounded: packets are
/// keyed by ring index (a ring holds at most its size), datagrams by identification and destination from the wire
/// until their arrival or drop, with the oldest forgotten after ``datagramLimit`` (frames that never arrive at a
/// traced receiver: those for emulated hosts and the VDE port).
final class DatagramTracker {
    /// One packet as the driver posted it: its write call (driver write id, 0 when unknown) and descriptor span.
    struct Packet {
        var write: Int64
        var flow: UInt64
        var first: Int64
        var last: Int64
    }

    /// One frame on the wire: the packet it came from and its segment index within it.
    struct Datagram {
        var write: Int64
        var first: Int64
        var last: Int64
        var segment: Int
        var to: String
        var flow: UInt64
        var machine: String
        /// The order in which datagrams went on the wire, for forgetting the oldest.
        var sequence: Int = 0
    }

    /// Per sending machine: the write being posted, the packet being written, packets by first descriptor index.
    struct Sender {
        var currentWrite: Int64 = 0
        var openPacket: Packet?
        var packets: [Int64: Packet] = [:]
        /// The last frame's queue and first descriptor: a frame with the same ones is the next segment.
        var lastWireDescriptor: Int64 = -1
        var lastWireQueue: Int64 = -1
        var segment = 0
    }

    var senders: [String: Sender] = [:]
    var datagrams: [String: Datagram] = [:]
    var datagramSequence = 0
    static let datagramLimit = 1 << 16
    private var nextFlow: UInt64 = 1

    /// Flow ids: the high bits tell a write call's chain (1), a packet's (2) and a datagram's (3) apart.
    static func writeFlow(machine: Int, write: Int64) -> UInt64 {
        1 << 62 | UInt64(machine) << 40 | UInt64(truncatingIfNeeded: write)
    }

    func newFlow(kind: UInt64) -> UInt64 {
        defer { nextFlow += 1 }
        return kind << 62 | nextFlow
    }

    /// The machine a component belongs to: `server.nic` → `server`, `switch.port3` → `switch`, `rx1` → `rx1`.
    static func machine(of component: String) -> Substring {
        component.split(separator: ".", maxSplits: 1).first ?? Substring(component)
    }

    /// The key of a frame's datagram: its destination and IPv4 identification.
    static func key(_ r: TraceRecord) -> String? {
        guard let to = r.text("to"), let id = r.int("ip-id") else { return nil }
        return to + "#" + String(id)
    }

    func writePosting(machine: String, _ r: TraceRecord) {
        senders[machine, default: Sender()].currentWrite = r.int("write") ?? 0
    }

    /// A descriptor written: returns the packet it belongs to and whether it opens that packet.
    func descriptorWritten(machine: String, _ r: TraceRecord) -> (packet: Packet, opens: Bool) {
        let index = r.int("index") ?? 0
        if senders[machine] == nil { senders[machine] = Sender() }
        // Mutated in place: a copy of the sender would copy its packet table on every descriptor.
        var opens = false
        if senders[machine]?.openPacket == nil {
            let opened = Packet(
                write: senders[machine]?.currentWrite ?? 0, flow: newFlow(kind: 2), first: index, last: index)
            senders[machine]?.openPacket = opened
            opens = true
        }
        senders[machine]?.openPacket?.last = index
        let packet = senders[machine]?.openPacket ?? Packet(write: 0, flow: 0, first: index, last: index)
        senders[machine]?.packets[packet.first] = packet
        if r.int("eop") == 1 { senders[machine]?.openPacket = nil }
        return (packet, opens)
    }

    /// The packet whose first descriptor is `descriptor` (the NIC's `dma-read` and `wire` name it).
    func packet(machine: String, descriptor: Int64) -> Packet? { senders[machine]?.packets[descriptor] }

    /// A frame on the wire: its datagram, with the segment index counted over frames of one packet.
    func wire(machine: String, _ r: TraceRecord) -> Datagram? {
        let descriptor = r.int("descriptor") ?? -1
        if senders[machine] == nil { senders[machine] = Sender() }
        let queue = r.int("queue") ?? 0
        let same = senders[machine]?.lastWireDescriptor == descriptor && senders[machine]?.lastWireQueue == queue
        let segment = same ? (senders[machine]?.segment ?? 0) + 1 : 0
        senders[machine]?.segment = segment
        senders[machine]?.lastWireDescriptor = descriptor
        senders[machine]?.lastWireQueue = queue
        let p = senders[machine]?.packets[descriptor]
        guard let key = Self.key(r) else { return nil }
        let d = Datagram(write: p?.write ?? 0, first: p?.first ?? descriptor, last: p?.last ?? descriptor,
                         segment: segment, to: r.text("to") ?? "", flow: newFlow(kind: 3), machine: machine)
        datagrams[key] = d
        datagramSequence += 1
        datagrams[key]?.sequence = datagramSequence
        if datagrams.count > Self.datagramLimit {
            // Frames that never reach a traced receiver: drop the older half (amortized constant time per frame).
            let keep = datagramSequence - Self.datagramLimit / 2
            datagrams = datagrams.filter { $0.value.sequence > keep }
        }
        return d
    }

    /// The datagram a later record (switch queue, arrival) carries, by its destination and identification.
    func datagram(_ r: TraceRecord) -> Datagram? { Self.key(r).flatMap { datagrams[$0] } }

    func datagram(key: String) -> Datagram? { datagrams[key] }

    /// Forgets the datagram of a record that ends its way (an arrival or a drop), so memory holds only frames in
    /// flight.
    func forget(_ r: TraceRecord) {
        if let key = Self.key(r) { datagrams[key] = nil }
    }
}
