import Scenarios
import SimCore

/// Which value of a run a lab's number is: a field of the report (`nicsim run --format json`), or for the real
/// Linux lab something Linux itself measured.
public enum LabMetric: Sendable, Hashable {
    /// A counter of one emulated host, by its name (`server` unless the scenario names it otherwise).
    case host(String, HostValue)
    /// Cycles one host spent in one category (`copy`, `syscall`, `stack`, `driver`, `interrupt`, `timer` …).
    case cycles(String, category: String)
    /// The largest peak occupancy over all switch output ports, bytes.
    case switchPeak
    /// Frames all switch ports dropped.
    case switchDrops
    /// Receivers whose stream arrived byte for byte as the scenario fixes it.
    case receiversIntact
    /// A value of one receiver, by name.
    case receiver(String, ReceiverValue)
    /// A value over all set-top boxes.
    case setTopBoxes(SetTopBoxValue)
    /// A counter of one policy, by id.
    case policy(Int, PolicyValue)
    /// Datagrams the server's driver built for one destination.
    case segments(to: String)
    /// What Linux saw in the real-network lab.
    case linux(LinuxValue)
    /// The VDE port's counters.
    case vde(VDEValue)

    /// A host counter: each case is the report field of the same name (`hosts[].NAME`, NIC counters under
    /// `hosts[].nic`).
    public enum HostValue: String, Sendable, Hashable, CaseIterable {
        /// System calls the host's applications made.
        case syscalls
        /// Payload bytes the CPU copied.
        case cpuCopiedBytes
        /// Cycles over all categories.
        case cyclesTotal
        /// Interrupts the host's NIC raised.
        case interrupts
        /// Descriptors the driver wrote into the transmit ring.
        case descriptorsWritten
        /// Sends the driver described: datagrams, or large sends with NIC segmentation.
        case sends
        /// Frames the host's NIC put on the wire.
        case framesTransmitted
        /// Page-table walks (unregistered zero-copy and registration).
        case pageWalks
        /// Pages pinned.
        case pagesPinned
        /// Transmit doorbells (tail register writes).
        case doorbells
        /// NAPI polls the OS ran for the host's driver (`hosts[].driver.polls`).
        case polls
        /// Mean time from a write call to its completion interrupt, picoseconds.
        case meanWriteCompletionPs
        /// ARP and ICMP echo replies the host's stack sent.
        case repliesSent
        /// ARP requests the host sent to resolve destinations.
        case arpRequestsSent
        /// Bytes the host's link carried out of the host.
        case linkBytesOut
        /// Frames the NIC took in from the wire and passed to the host.
        case framesReceived
        /// Segments the NIC cut from large sends.
        case segmentsProduced
        /// Frames the NIC held until their launch time.
        case launchTimedFrames
        /// Launch-timed frames the NIC could not send on time.
        case lateFrames
        /// Frames the NIC's match-action table sent back out itself.
        case hairpinFrames
        /// Derived: `cyclesTotal / framesTransmitted`, rounded down, as `nicsim compare` prints it.
        case cyclesPerDatagram
    }

    /// A receiver's value (`receivers[]`).
    public enum ReceiverValue: String, Sendable, Hashable, CaseIterable {
        /// Datagrams received.
        case datagrams
        /// Payload bytes received.
        case payloadBytes
        /// Derived: `lastArrivalPs − firstArrivalPs`.
        case arrivalSpreadPs
    }

    /// A value over all set-top boxes (`receivers[].setTopBox`).
    public enum SetTopBoxValue: String, Sendable, Hashable, CaseIterable {
        /// The largest MDI delay factor of any box, picoseconds.
        case maxDelayFactorPs
        /// Underflows over all boxes.
        case underflows
        /// Continuity-counter errors over all boxes.
        case continuityErrors
    }

    /// A policy's counter (`policies[]`).
    public enum PolicyValue: String, Sendable, Hashable, CaseIterable {
        /// Packets (transmit: write entries) the policy matched.
        case matched
        /// Copies it sent to remote targets.
        case remoteCopies
        /// Copies it delivered to local sockets.
        case localCopies
    }

    /// What Linux measured in the real-network lab.
    public enum LinuxValue: String, Sendable, Hashable, CaseIterable {
        /// Datagrams a UDP socket bound in the namespace received.
        case datagrams
        /// Their payload bytes.
        case bytes
        /// 1 when their FNV-1a 64 digest equals the application buffer's, else 0.
        case intact
        /// Echo replies `ping` inside the namespace got from the emulated server.
        case pingReplies
    }

    /// The VDE port's counters (`vde`).
    public enum VDEValue: String, Sendable, Hashable, CaseIterable {
        /// Frames sent out through the port.
        case framesSent
        /// Frames that came in through the port.
        case framesReceived
        /// Frames dropped because the port's socket was full.
        case sendDrops
        /// Frames longer than vde_switch carries (1,518 bytes).
        case oversizeFlagged
    }

    /// How the value reads.
    public enum Unit: Sendable, Hashable {
        /// A count of things.
        case count
        /// Bytes.
        case bytes
        /// CPU cycles.
        case cycles
        /// A duration in picoseconds of virtual time, printed in the largest fitting unit.
        case picoseconds

        /// `4982` → "4,982"; picoseconds as a duration ("44.362 ms").
        public func format(_ value: Int64) -> String {
            switch self {
            case .picoseconds: return SimDuration(rawValue: value).description
            case .count, .cycles, .bytes:
                let digits = String(value.magnitude)
                var out = ""
                for (i, c) in digits.enumerated() {
                    if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
                    out.append(c)
                }
                return (value < 0 ? "-" : "") + out
            }
        }
    }

    /// How the metric's value reads.
    public var unit: Unit {
        switch self {
        case .host(_, .meanWriteCompletionPs), .receiver(_, .arrivalSpreadPs), .setTopBoxes(.maxDelayFactorPs):
            .picoseconds
        case .host(_, .cyclesTotal), .host(_, .cyclesPerDatagram), .cycles: .cycles
        case .host(_, .cpuCopiedBytes), .host(_, .linkBytesOut), .switchPeak, .receiver(_, .payloadBytes),
            .linux(.bytes):
            .bytes
        default: .count
        }
    }

    /// Where the value sits in the JSON report, so a student can find it in `nicsim run --format json`.
    public var reportKey: String {
        switch self {
        case .host(let h, .cyclesPerDatagram): "hosts[\(h)].cyclesTotal / framesTransmitted"
        case .host(let h, let v) where [.framesReceived, .segmentsProduced, .launchTimedFrames, .lateFrames,
                                        .hairpinFrames].contains(v): "hosts[\(h)].nic.\(v.rawValue)"
        case .host(let h, let v): "hosts[\(h)].\(v.rawValue)"
        case .cycles(let h, let category): "hosts[\(h)].cycles.\(category)"
        case .switchPeak: "max switchPorts[].peakOccupancyBytes"
        case .switchDrops: "sum switchPorts[].drops"
        case .receiversIntact: "count receivers[].intact"
        case .receiver(let r, .arrivalSpreadPs): "receivers[\(r)].lastArrivalPs − firstArrivalPs"
        case .receiver(let r, let v): "receivers[\(r)].\(v.rawValue)"
        case .setTopBoxes(.maxDelayFactorPs): "max receivers[].setTopBox.mdiDelayFactorPs"
        case .setTopBoxes(let v): "sum receivers[].setTopBox.\(v.rawValue)"
        case .policy(let id, let v): "policies[id \(id)].\(v.rawValue)"
        case .segments(let r): "destinations[\(r)].segments"
        case .linux(let v): "Linux: \(v.rawValue)"
        case .vde(let v): "vde.\(v.rawValue)"
        }
    }

    /// The value in `report`, or in `linux` for what Linux measured; nil when the report has no such thing
    /// (an unknown host or receiver name, a run without set-top boxes).
    public func value(in report: Report, linux: LinuxObservation? = nil) -> Int64? {
        switch self {
        case .host(let name, let v):
            guard let h = report.hosts.first(where: { $0.name == name }) else { return nil }
            return Self.hostValue(h, v)
        case .cycles(let name, let category):
            return report.hosts.first { $0.name == name }.map { $0.cycles[category] ?? 0 }
        case .switchPeak:
            return Int64(report.switchPorts.map(\.peakOccupancyBytes).max() ?? 0)
        case .switchDrops:
            return Int64(report.switchPorts.reduce(0) { $0 + $1.drops })
        case .receiversIntact:
            return Int64(report.receivers.filter { $0.intact == true }.count)
        case .receiver(let name, let v):
            guard let r = report.receivers.first(where: { $0.name == name }) else { return nil }
            switch v {
            case .datagrams: return Int64(r.datagrams)
            case .payloadBytes: return Int64(r.payloadBytes)
            case .arrivalSpreadPs:
                guard let first = r.firstArrivalPs, let last = r.lastArrivalPs else { return nil }
                return last - first
            }
        case .setTopBoxes(let v):
            let boxes = report.receivers.compactMap(\.setTopBox)
            guard !boxes.isEmpty else { return nil }
            switch v {
            case .maxDelayFactorPs: return boxes.map(\.mdiDelayFactorPs).max()
            case .underflows: return Int64(boxes.reduce(0) { $0 + $1.underflows })
            case .continuityErrors: return Int64(boxes.reduce(0) { $0 + $1.continuityErrors })
            }
        case .policy(let id, let v):
            guard let p = report.policies.first(where: { $0.id == id }) else { return nil }
            switch v {
            case .matched: return Int64(p.matched)
            case .remoteCopies: return Int64(p.remoteCopies)
            case .localCopies: return Int64(p.localCopies)
            }
        case .segments(let name):
            return report.destinations.first { $0.receiver == name }.map { Int64($0.segments) }
        case .linux(let v):
            guard let linux else { return nil }
            switch v {
            case .datagrams: return Int64(linux.datagrams)
            case .bytes: return Int64(linux.bytes)
            case .intact: return linux.intact ? 1 : 0
            case .pingReplies: return Int64(linux.pingReplies)
            }
        case .vde(let v):
            guard let vde = report.vde else { return nil }
            switch v {
            case .framesSent: return Int64(vde.framesSent)
            case .framesReceived: return Int64(vde.framesReceived)
            case .sendDrops: return Int64(vde.sendDrops)
            case .oversizeFlagged: return Int64(vde.oversizeFlagged)
            }
        }
    }

    static func hostValue(_ h: Report.HostReport, _ v: HostValue) -> Int64 {
        switch v {
        case .syscalls: Int64(h.syscalls)
        case .cpuCopiedBytes: Int64(h.cpuCopiedBytes)
        case .cyclesTotal: h.cyclesTotal
        case .interrupts: Int64(h.interrupts)
        case .descriptorsWritten: Int64(h.descriptorsWritten)
        case .sends: Int64(h.sends)
        case .framesTransmitted: Int64(h.framesTransmitted)
        case .pageWalks: Int64(h.pageWalks)
        case .pagesPinned: Int64(h.pagesPinned)
        case .doorbells: Int64(h.doorbells)
        case .polls: Int64(h.driver.polls)
        case .meanWriteCompletionPs: h.meanWriteCompletionPs
        case .repliesSent: Int64(h.repliesSent)
        case .arpRequestsSent: Int64(h.arpRequestsSent)
        case .linkBytesOut: Int64(h.linkBytesOut)
        case .framesReceived: Int64(h.nic.framesReceived)
        case .segmentsProduced: Int64(h.nic.segmentsProduced)
        case .launchTimedFrames: Int64(h.nic.launchTimedFrames)
        case .lateFrames: Int64(h.nic.lateFrames)
        case .hairpinFrames: Int64(h.nic.hairpinFrames)
        case .cyclesPerDatagram: h.framesTransmitted == 0 ? 0 : h.cyclesTotal / Int64(h.framesTransmitted)
        }
    }
}

/// What Linux measured in the real-network lab: the datagrams a UDP socket in the namespace received, and the
/// replies `ping` got from the emulated server.
public struct LinuxObservation: Sendable, Hashable {
    /// Datagrams the socket received.
    public var datagrams: Int
    /// Their payload bytes.
    public var bytes: Int
    /// The received payload, in arrival order, has the digest of what the application wrote.
    public var intact: Bool
    /// Echo replies ping got.
    public var pingReplies: Int
    /// `ping`'s summary line, as Linux printed it.
    public var pingSummary: String
    /// An observation with every field given.
    public init(datagrams: Int, bytes: Int, intact: Bool, pingReplies: Int, pingSummary: String) {
        self.datagrams = datagrams
        self.bytes = bytes
        self.intact = intact
        self.pingReplies = pingReplies
        self.pingSummary = pingSummary
    }
}
