import Foundation
import HostOS
import MediaStreams
import NICDriver
import NetworkModel
import ScenarioFormat
import ScenarioWorld
import SimCore
import VDEPort

/// The outcome of a run, in the shape of its JSON form (documented in `Fixtures/scenarios/REPORT.md`).
///
/// Every number is an integer count or a picosecond time, so the same scenario and seed give the same report,
/// byte for byte.
public struct Report: Codable, Hashable, Sendable {
    /// Version of the JSON layout; bumped when a field changes meaning or goes away.
    public var schemaVersion = 4
    public var scenario: String
    public var seed: UInt64
    /// Virtual time at the end of the run, picoseconds.
    public var endTimePs: Int64
    /// Events the simulator handled.
    public var events: UInt64
    /// Why the run ended: `idle`, `duration`, `stopped`, `event-limit`, `interrupted` (a signal).
    public var outcome: String
    /// The algorithm of the receivers' payload digests (`receivers[].digest`, `expectedDigest`): `stripe64`
    /// (`StripeHash64`), from schema 4; FNV-1a 64 before.
    public var digestAlgorithm: String? = StripeHash64.algorithm
    /// The run's trajectory fingerprint: a 64-bit digest of every event handled, hex (`Simulator.fingerprint`).
    public var fingerprint: String
    /// What a driver did wrong, when one did: the run ended there (outcome `stopped`, or `idle` with writes a driver
    /// never completed) and `nicsim run` exits with status 2. Absent when every driver behaved.
    public var driverFault: String?
    /// The scenario's expectations and how each came out (empty when it states none).
    public var expectations: [ExpectationResult] = []
    public var destinations: [DestinationReport]
    public var hosts: [HostReport]
    public var switchPorts: [SwitchPortReport]
    public var receivers: [ReceiverReport]
    /// One per installed policy.
    public var policies: [PolicyReport]
    /// Application calls the OS refused (nothing of them was sent).
    public var refusedCalls: Int
    /// The application's calls: how many, how far apart (picoseconds), and how many streams (entries) each
    /// serves; with the server's clock they give the streams one core sustains.
    public var writeCalls: Int
    public var writeIntervalPs: Int64
    public var streamsPerCall: Int
    public var serverClockHz: Int64
    /// Streams one server core could serve at this scenario's rate: clock × interval ÷ (cycles per call ÷
    /// streams per call). 0 when nothing was spent.
    public var streamsPerCore: Int64
    /// Policies the OS refused, with the reason.
    public var policyErrors: [String]
    /// The port to a real network, when there is one.
    public var vde: VDEReport?
    /// The scenario's injected faults, in file order; absent when it has none.
    public var faults: [FaultReport]?

    /// A VDE port's traffic and the real-time pacing.
    public struct VDEReport: Codable, Hashable, Sendable {
        public var url: String
        public var framesSent: Int
        public var framesReceived: Int
        public var sendDrops: Int
        public var sendErrors: Int
        /// Frames longer than vde_switch carries (it truncates above 1,518 bytes).
        public var oversizeFlagged: Int
        /// Why the port went down, if it did.
        public var down: String?
        /// Per-frame pacing lateness (wall clock at the send minus the frame's due time), nanoseconds, from an
        /// HdrHistogram (3 significant digits); 0 without real time.
        public var latenessP50Ns: Int64
        public var latenessP99Ns: Int64
        public var latenessMaxNs: Int64
        public var latenessP999Ns: Int64 = 0
        /// Frames the pacer timed (absent without real time), and the rate achieved: frames per second of wall
        /// time from the first to the last of them, against the rate the virtual schedule asked for.
        public var pacedFrames: Int? = nil
        public var achievedFramesPerSecond: Double? = nil
        public var scheduledFramesPerSecond: Double? = nil
        /// The pacer's spin threshold and catch-up limit, nanoseconds (absent without real time).
        public var spinThresholdNs: Int64? = nil
        public var catchUpLimitNs: Int64? = nil
        /// Wall-clock nanoseconds spent spinning before frames.
        public var spunNs: Int64? = nil
        /// Falling behind the wall clock: frames later than the catch-up limit, episodes, wall time behind in
        /// all, how far virtual time trailed the original mapping at the end and at most, and whether the run
        /// was still behind at its end.
        public var framesOverLimit: Int? = nil
        public var behindEpisodes: Int? = nil
        public var behindNs: Int64? = nil
        public var slipNs: Int64? = nil
        public var maxSlipNs: Int64? = nil
        public var stillBehind: Bool? = nil
        /// "granted" or "refused: …" when the scenario asked for real-time priority; absent otherwise.
        public var realTimePriority: String? = nil
        /// Virtual time at which the port noticed it was down (absent while up), and the frames from the
        /// simulation it released unsent after that.
        public var downAtPs: Int64? = nil
        public var discardedWhileDown = 0
    }

    public struct PolicyReport: Codable, Hashable, Sendable {
        public var id: Int
        public var host: String
        public var placement: String
        public var matched: UInt64
        public var remoteCopies: UInt64
        public var localCopies: UInt64
        public var bytes: UInt64
    }

    /// A set-top box's delivery figures (RFC 3550 jitter, RFC 4445 MDI).
    public struct SetTopBoxReport: Codable, Hashable, Sendable {
        public var underflows: Int
        public var starvedPs: Int64
        public var overflows: Int
        public var peakBufferBytes: Int
        public var continuityErrors: Int
        public var rtpLost: Int
        public var rtpReordered: Int
        public var jitterPs: Int64
        public var gapP50Ns: UInt64
        public var gapP99Ns: UInt64
        public var gapMaxNs: UInt64
        public var maxPCRIntervalPs: Int64
        /// The largest MDI delay factor over the measurement intervals.
        public var mdiDelayFactorPs: Int64
        /// The largest MDI media loss rate, packets per second.
        public var mdiMediaLossRate: Double
    }

    public struct DestinationReport: Codable, Hashable, Sendable {
        public var receiver: String
        public var address: String
        /// UDP datagrams (segments) built for this destination.
        public var segments: UInt64
        /// Descriptors written for them.
        public var descriptors: UInt64
        /// Payload bytes described.
        public var payloadBytes: UInt64
    }

    public struct HostReport: Codable, Hashable, Sendable {
        public var name: String
        public var syscalls: UInt64
        public var contextSwitches: UInt64
        /// Payload bytes the CPU copied.
        public var cpuCopiedBytes: UInt64
        public var cycles: [String: Int64]
        public var cyclesTotal: Int64
        public var translationHits: UInt64
        public var translationMisses: UInt64
        public var pageWalks: UInt64
        public var pagesPinned: UInt64
        public var dmaBytesRead: UInt64
        public var dmaBytesWritten: UInt64
        public var interrupts: UInt64
        /// Interrupt messages that reached the host by vector (index = vector), when some came on a vector other
        /// than 0 (MSI-X, datasheet §6.3); absent otherwise.
        public var interruptsByVector: [UInt64]?
        public var doorbells: UInt64
        public var descriptorsWritten: UInt64
        public var ringFullStalls: UInt64
        public var framesTransmitted: UInt64
        public var octetsTransmitted: UInt64
        public var writes: UInt64
        public var writesCompleted: UInt64
        /// Mean time from write call to its completion interrupt, picoseconds (0 when none completed).
        public var meanWriteCompletionPs: Int64
        /// NIC transmit errors (DMA, length, format) and refused register writes.
        public var nicErrors: UInt64
        /// Sends the driver described (one per datagram, or one per large send with NIC segmentation).
        public var sends: UInt64
        /// The NIC's own counters.
        public var nic: NICReport
        /// Bytes the host's link carried out of and into the host.
        public var linkBytesOut: UInt64
        public var linkBytesIn: UInt64
        /// Calls the OS refused.
        public var systemCallsRefused: UInt64
        /// ARP and ICMP echo replies the host's stack sent.
        public var repliesSent: UInt64
        /// UDP datagrams the host's stack delivered to its sockets, and ARP requests it sent to resolve.
        public var udpDelivered: UInt64
        public var arpRequestsSent: UInt64
        /// What injected faults did to the host and how its driver coped.
        public var faults = HostFaultsReport.zero
        /// The driver that ran the host's NIC and what only it counts.
        public var driver = DriverReport(kind: "reference", polls: 0, figures: [])
    }

    /// The driver of a host: its kind, the polls the OS ran for it, and the figures only it has, in its own order.
    public struct DriverReport: Codable, Hashable, Sendable {
        public var kind: String
        /// NAPI polls the OS ran (0 for a driver that does its work in the interrupt handler).
        public var polls: UInt64
        public var figures: [Figure]
        public struct Figure: Codable, Hashable, Sendable {
            public var name: String
            public var value: UInt64
        }
    }

    /// The NIC's counters (datasheet §9).
    public struct NICReport: Codable, Hashable, Sendable {
        public var descriptorsFetched: UInt64
        public var descriptorBatches: UInt64
        public var descriptorsWrittenBack: UInt64
        public var checksumsInserted: UInt64
        public var segmentedPackets: UInt64
        public var segmentsProduced: UInt64
        public var launchTimedFrames: UInt64
        public var lateFrames: UInt64
        public var lateFramesDropped: UInt64
        public var txDMAErrors: UInt64
        public var txLengthErrors: UInt64
        public var txFormatErrors: UInt64
        public var registerErrors: UInt64
        public var txRingEmptyEvents: UInt64
        public var interruptsWithTransmitCause: UInt64
        public var interruptsWithReceiveCause: UInt64
        public var interruptsWithErrorCause: UInt64
        public var framesReceived: UInt64
        public var octetsReceived: UInt64
        public var rxDroppedNoBuffer: UInt64
        public var rxDroppedDisabled: UInt64
        public var rxDroppedOversize: UInt64
        public var rxChecksumErrors: UInt64
        public var rxDMAErrors: UInt64
        /// IOTLB lookups, hits, misses and IOMMU faults (all 0 without an IOMMU).
        public var iotlbHits: UInt64
        public var iotlbMisses: UInt64
        public var iommuFaults: UInt64
        public var iommuMappings: UInt64
        /// Frames the match-action table matched, and the frames the NIC sent on its own for it.
        public var policyMatches: UInt64
        public var hairpinFrames: UInt64
    }

    public struct SwitchPortReport: Codable, Hashable, Sendable {
        public var port: Int
        /// What the port leads to.
        public var peer: String
        public var framesOut: Int
        public var bytesOut: Int
        public var peakOccupancyBytes: Int
        /// Virtual time the peak was first reached, picoseconds.
        public var peakOccupancyTimePs: Int64
        public var drops: Int
    }

    public struct ReceiverReport: Codable, Hashable, Sendable {
        public var name: String
        /// `datagram`, `set-top-box` or `host`.
        public var kind: String
        public var datagrams: Int
        public var payloadBytes: Int
        /// The digest (``Report/digestAlgorithm``) of the received payload stream, hex (datagram receivers).
        public var digest: String?
        /// Bytes and digest of what should arrive, when the scenario fixes it.
        public var expectedBytes: Int?
        public var expectedDigest: String?
        /// Received stream equals what should arrive; absent when that is not fixed.
        public var intact: Bool?
        public var badChecksums: Int = 0
        public var firstArrivalPs: Int64?
        public var lastArrivalPs: Int64?
        public var setTopBox: SetTopBoxReport?
        public init(name: String, kind: String, datagrams: Int, payloadBytes: Int) {
            self.name = name
            self.kind = kind
            self.datagrams = datagrams
            self.payloadBytes = payloadBytes
        }
    }
}

extension World {
    /// The report of the run so far.
    public func report(outcome: Simulator.RunOutcome) -> Report {
        let outcomeName: String
        switch outcome {
        case .idle: outcomeName = "idle"
        case .reachedTime: outcomeName = "duration"
        case .stopped: outcomeName = "stopped"
        case .eventLimitReached: outcomeName = "event-limit"
        case .interrupted: outcomeName = "interrupted"
        }
        let destinations: [Report.DestinationReport] = spec.receivers.map { r in
            var c = DestinationCounters()
            if let id = driverDestination(for: r) { c = driver.destinationCounters(id) }
            return Report.DestinationReport(receiver: r.name, address: "\(r.ip):\(r.port)", segments: c.packets,
                                            descriptors: c.descriptors, payloadBytes: c.payloadBytes)
        }
        var machines = [server]
        for case .host(let machine) in receiverNodes { machines.append(machine) }
        let hostReports = machines.map { machine in
            var report = hostReport(machine)
            report.faults = hostFaultsReport(machine)
            report.driver = Report.DriverReport(
                kind: machine.driver.kind, polls: machine.host.counters.polls,
                figures: machine.driver.statistics.extra.map {
                    Report.DriverReport.Figure(name: $0.name, value: $0.value)
                })
            return report
        }
        let peers =
            [spec.server.name] + spec.receivers.map(\.name) + (spec.network.vde.map { ["vde: " + $0.url] } ?? [])
        let ports = ethernetSwitch.allPortCounters.enumerated().map { i, c in
            Report.SwitchPortReport(port: i, peer: peers[i], framesOut: c.framesOut, bytesOut: c.bytesOut,
                                    peakOccupancyBytes: c.peakOccupancyBytes,
                                    peakOccupancyTimePs: c.peakOccupancyTime.rawValue, drops: c.drops)
        }
        let receiverReports = receiverNodes.enumerated().map { i, node in
            receiverReport(i, node, interrupted: outcome == .interrupted)
        }
        let policies = spec.policies.map { p in
            if let h = p.host, case .router(let router) = receiverNodes[h] {
                let c = router.policyCounters(id: p.id) ?? application.routerCounters[p.id]
                    ?? router.removedPolicyCounters[p.id] ?? RouterPolicyCounters()
                return Report.PolicyReport(id: p.id, host: router.name, placement: "router",
                                           matched: UInt64(c.matchedPackets), remoteCopies: UInt64(c.copiesSent),
                                           localCopies: 0, bytes: UInt64(c.bytesSent))
            }
            let machine = p.host.flatMap { h -> EmulatedHost? in
                if case .host(let m) = receiverNodes[h] { return m } else { return nil }
            } ?? server
            let c = machine.host.policyCounters[p.id] ?? PolicyCounters()
            return Report.PolicyReport(id: p.id, host: machine.host.name, placement: p.placement.rawValue,
                                       matched: c.matched, remoteCopies: c.remoteCopies, localCopies: c.localCopies,
                                       bytes: c.bytes)
        }
        var report = Report(
            scenario: spec.name, seed: spec.seed, endTimePs: simulator.now.rawValue,
            events: simulator.eventsProcessed, outcome: outcomeName,
            fingerprint: hex(simulator.fingerprint), destinations: destinations,
            hosts: hostReports, switchPorts: ports, receivers: receiverReports, policies: policies,
            refusedCalls: application.refusedCalls, writeCalls: spec.writes.count,
            writeIntervalPs: spec.writes.interval, streamsPerCall: spec.writes.entries.count,
            serverClockHz: spec.server.clockHz,
            streamsPerCore: World.streamsPerCore(
                cycles: server.host.cycles.total, calls: spec.writes.count,
                streams: spec.writes.entries.count, interval: spec.writes.interval,
                clock: spec.server.clockHz),
            policyErrors: application.policyErrors, vde: vdeReport(), faults: faultReports())
        report.driverFault = driverFault(outcome: outcome)
        return report.checked(against: spec.expectations)
    }

    /// What a driver did wrong: what a host recorded (an impossible receipt, a completion it never had), or, when
    /// the run went idle with no fault injected, writes a driver accepted and never completed.
    func driverFault(outcome: Simulator.RunOutcome) -> String? {
        var machines = [server]
        for case .host(let machine) in receiverNodes { machines.append(machine) }
        if let recorded = machines.lazy.compactMap(\.host.driverFault).first { return recorded }
        guard outcome == .idle, spec.faults.isEmpty else { return nil }
        for m in machines where m.host.counters.writesCompleted < m.host.counters.writes {
            let missing = m.host.counters.writes - m.host.counters.writesCompleted
            return "driver \(m.driver.kind) on \(m.host.name): \(missing) of \(m.host.counters.writes) writes "
                + "never completed, and nothing was left to happen"
        }
        return nil
    }

    func vdeReport() -> Report.VDEReport? {
        guard let port = vdePort, let spec = spec.network.vde else { return nil }
        let c = port.counters
        let p = pacer?.report
        var report = Report.VDEReport(
            url: spec.url, framesSent: c.framesSent, framesReceived: c.framesReceived,
            sendDrops: c.sendDrops, sendErrors: c.sendErrors, oversizeFlagged: c.oversizeFlagged,
            down: port.downReason.map { "\($0)" }, latenessP50Ns: p?.p50LatenessNanoseconds ?? 0,
            latenessP99Ns: p?.p99LatenessNanoseconds ?? 0, latenessMaxNs: p?.maxLatenessNanoseconds ?? 0)
        report.downAtPs = port.wentDownAt?.rawValue
        report.discardedWhileDown = c.discardedWhileDown
        if let p {
            report.latenessP999Ns = p.p999LatenessNanoseconds
            report.pacedFrames = p.frames
            report.achievedFramesPerSecond = (p.achievedFramesPerSecond * 10).rounded() / 10
            report.scheduledFramesPerSecond = (p.scheduledFramesPerSecond * 10).rounded() / 10
            report.spinThresholdNs = p.spinThresholdNanoseconds
            report.catchUpLimitNs = p.catchUpLimitNanoseconds
            report.spunNs = p.spunNanoseconds
            report.framesOverLimit = p.framesOverLimit
            report.behindEpisodes = p.behindEpisodes
            report.behindNs = p.behindWallNanoseconds
            report.slipNs = p.slipNanoseconds
            report.maxSlipNs = p.maxSlipNanoseconds
            report.stillBehind = p.stillBehind
        }
        report.realTimePriority = realTimePriority
        return report
    }

    static func streamsPerCore(cycles: Int64, calls: Int, streams: Int, interval: Int64, clock: Int64) -> Int64 {
        guard cycles > 0, calls > 0, streams > 0 else { return 0 }
        // cycles per stream per interval = cycles / (calls · streams); a core has clock · interval cycles per interval.
        let perStream = Double(cycles) / Double(calls * streams)
        let budget = Double(clock) * Double(interval) / 1e12
        return Int64(budget / perStream)
    }

    func receiverReport(_ i: Int, _ node: ReceiverNode, interrupted: Bool = false) -> Report.ReceiverReport {
        let r = spec.receivers[i]
        // A run stopped by a signal was cut short: what should have arrived is not what could have.
        let expected = interrupted ? nil : expectedStreams[i]
        var report = Report.ReceiverReport(name: r.name, kind: r.kind.rawValue, datagrams: 0, payloadBytes: 0)
        report.expectedBytes = expected?.bytes
        report.expectedDigest = expected.map { hex($0.digest) }
        switch node {
        case .datagram(let d):
            report.datagrams = d.counters.datagrams
            report.payloadBytes = d.counters.payloadBytes
            if d.digestsPayload {
                report.digest = hex(d.digest)
                report.intact = expected.map { d.counters.payloadBytes == $0.bytes && d.digest == $0.digest }
            }
            report.badChecksums = d.counters.badIPChecksums + d.counters.badUDPChecksums
            report.firstArrivalPs = d.counters.firstArrival?.rawValue
            report.lastArrivalPs = d.counters.lastArrival?.rawValue
        case .setTopBox(let box):
            let c = box.counters
            report.datagrams = c.datagrams
            report.payloadBytes = c.payloadBytes
            report.badChecksums = c.badChecksums
            report.firstArrivalPs = c.firstArrival?.rawValue
            report.lastArrivalPs = c.lastArrival?.rawValue
            report.setTopBox = Report.SetTopBoxReport(
                underflows: c.underflows, starvedPs: c.starvedTime.rawValue, overflows: c.overflows,
                peakBufferBytes: c.peakBufferBytes, continuityErrors: c.continuityErrors, rtpLost: c.rtpPacketsLost,
                rtpReordered: c.rtpReordered, jitterPs: c.interarrivalJitter.rawValue,
                gapP50Ns: c.gapP50Nanoseconds, gapP99Ns: c.gapP99Nanoseconds, gapMaxNs: c.gapMaxNanoseconds,
                maxPCRIntervalPs: c.maxPCRInterval.rawValue, mdiDelayFactorPs: c.maxDelayFactor.rawValue,
                mdiMediaLossRate: c.maxMediaLossRate)
        case .external:
            break
        case .router(let router):
            let c = router.counters
            report.datagrams = c.policyMatches + c.forwardedPackets
            report.payloadBytes = 0
        case .host(let machine):
            let c = machine.host.receiveCounters
            report.datagrams = Int(machine.host.socketDeliveries.values.reduce(0) { $0 + $1.datagrams })
            report.payloadBytes = Int(c.udpBytesDelivered)
            report.badChecksums = Int(c.checksumErrors)
        }
        return report
    }

    func hostReport(_ machine: EmulatedHost) -> Report.HostReport {
        let host = machine.host
        let dma = machine.dma
        // What the driver did, as its receipts told the OS.
        let d = host.driverWork
        let n = machine.nic.counters
        return Report.HostReport(
            name: host.name, syscalls: host.counters.syscalls, contextSwitches: host.counters.contextSwitches,
            cpuCopiedBytes: d.bytesCopied,
            cycles: Dictionary(uniqueKeysWithValues: host.cycles.categories.map { ($0.name, $0.cycles) }),
            cyclesTotal: host.cycles.total,
            translationHits: d.translationHits, translationMisses: d.translationMisses,
            pageWalks: d.pageWalks, pagesPinned: d.pagesPinned,
            dmaBytesRead: dma.counters.bytesRead, dmaBytesWritten: dma.counters.bytesWritten,
            interrupts: n.interrupts,
            interruptsByVector: host.counters.interruptsByVector.isEmpty ? nil : host.counters.interruptsByVector,
            doorbells: d.doorbells, descriptorsWritten: d.descriptorsWritten,
            ringFullStalls: d.ringFullStalls, framesTransmitted: n.framesTransmitted,
            octetsTransmitted: n.octetsTransmitted, writes: host.counters.writes,
            writesCompleted: host.counters.writesCompleted,
            meanWriteCompletionPs: host.meanWriteCompletion.rawValue,
            nicErrors: n.txDMAErrors + n.txLengthErrors + n.txFormatErrors + n.registerErrors,
            sends: d.sends,
            nic: Report.NICReport(
                descriptorsFetched: n.descriptorsFetched, descriptorBatches: n.descriptorBatches,
                descriptorsWrittenBack: n.descriptorsWrittenBack, checksumsInserted: n.checksumsInserted,
                segmentedPackets: n.segmentedPackets, segmentsProduced: n.segmentsProduced,
                launchTimedFrames: n.launchTimedFrames, lateFrames: n.lateFrames,
                lateFramesDropped: n.lateFramesDropped, txDMAErrors: n.txDMAErrors,
                txLengthErrors: n.txLengthErrors, txFormatErrors: n.txFormatErrors,
                registerErrors: n.registerErrors, txRingEmptyEvents: n.txRingEmptyEvents,
                interruptsWithTransmitCause: n.interruptsWithTransmitCause,
                interruptsWithReceiveCause: n.interruptsWithReceiveCause,
                interruptsWithErrorCause: n.interruptsWithErrorCause, framesReceived: n.framesReceived,
                octetsReceived: n.octetsReceived, rxDroppedNoBuffer: n.rxDroppedNoBuffer,
                rxDroppedDisabled: n.rxDroppedDisabled, rxDroppedOversize: n.rxDroppedOversize,
                rxChecksumErrors: n.rxChecksumErrors, rxDMAErrors: n.rxDMAErrors,
                iotlbHits: dma.iommu?.counters.hits ?? 0, iotlbMisses: dma.iommu?.counters.misses ?? 0,
                iommuFaults: dma.iommu?.counters.faults ?? 0, iommuMappings: d.iommuMaps,
                policyMatches: n.policyMatches, hairpinFrames: n.hairpinFrames),
            linkBytesOut: UInt64(machine.link.aToB.offeredBytes), linkBytesIn: UInt64(machine.link.bToA.deliveredBytes),
            systemCallsRefused: host.counters.writesRefused, repliesSent: host.receiveCounters.echoRequestsAnswered
                + host.receiveCounters.arpRequestsAnswered,
            udpDelivered: host.receiveCounters.udpDelivered, arpRequestsSent: host.counters.arpRequestsSent)
    }

    func driverDestination(for r: ReceiverSpec) -> DestinationID? {
        host.destinationID(forSourcePort: spec.server.sourcePort, destination: SocketAddress(ip: r.ip, port: r.port))
    }
}

func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

extension Report {
    /// The report as pretty-printed JSON with sorted keys (stable bytes for the same run).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Decodes a report from its JSON form.
    public static func decode(json: String) throws -> Report {
        try JSONDecoder().decode(Report.self, from: Data(json.utf8))
    }

    /// The report as aligned text tables; with `colour`, titles are bold and failures red (ANSI escapes, for a
    /// terminal).
    public func text(colour: Bool = false) -> String {
        let plain = plainText()
        guard colour else { return plain }
        var lines: [String] = []
        let all = plain.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in all.enumerated() {
            var l = String(line)
            // The title, and each section title (the line above a table).
            let isTitle = i == 0 || (i + 1 < all.count && all[i + 1].hasPrefix("  "))
            if !l.isEmpty && !l.hasPrefix(" ") && isTitle {
                l = "\u{1B}[1m" + l + "\u{1B}[0m"
            } else {
                for word in [" FAIL", " NO"] where l.contains(word + " ") || l.hasSuffix(word) {
                    l = l.replacingOccurrences(of: word, with: " \u{1B}[31m" + word.dropFirst() + "\u{1B}[0m")
                }
                if l.hasSuffix(" pass") { l = String(l.dropLast(4)) + "\u{1B}[32mpass\u{1B}[0m" }
            }
            lines.append(l)
        }
        return lines.joined(separator: "\n")
    }

    func plainText() -> String {
        var out = "nicsim report: \(scenario) (seed \(seed))\n"
        out += "virtual time \(SimDuration(rawValue: endTimePs)), \(events) events, ended: \(outcome)\n"
        out += "trajectory fingerprint \(fingerprint)\n"
        out += "streams one server core sustains at this rate: \(streamsPerCore)\n\n"
        out += "Destinations\n"
        out += table(
            ["receiver", "address", "segments", "descriptors", "payload bytes"],
            destinations.map { [$0.receiver, $0.address, "\($0.segments)", "\($0.descriptors)", "\($0.payloadBytes)"] })
        for h in hosts {
            out += "\nHost \(h.name)\n"
            let rows: [[String]] =
                [
                    ["system calls", "\(h.syscalls)"], ["context switches", "\(h.contextSwitches)"],
                    ["CPU-copied bytes", "\(h.cpuCopiedBytes)"], ["cycles", "\(h.cyclesTotal)"],
                    ["translation hits", "\(h.translationHits)"], ["translation misses", "\(h.translationMisses)"],
                    ["page walks", "\(h.pageWalks)"], ["pages pinned", "\(h.pagesPinned)"],
                    ["DMA bytes read", "\(h.dmaBytesRead)"], ["DMA bytes written", "\(h.dmaBytesWritten)"],
                    ["interrupts", "\(h.interrupts)"], ["doorbells", "\(h.doorbells)"],
                    ["descriptors written", "\(h.descriptorsWritten)"], ["ring-full stalls", "\(h.ringFullStalls)"],
                    ["frames transmitted", "\(h.framesTransmitted)"], ["octets transmitted", "\(h.octetsTransmitted)"],
                    ["writes (completed)", "\(h.writes) (\(h.writesCompleted))"],
                    ["mean write completion", "\(SimDuration(rawValue: h.meanWriteCompletionPs))"],
                    ["NIC errors", "\(h.nicErrors)"],
                    ["sends described", "\(h.sends)"],
                    ["NIC segmented sends (segments)", "\(h.nic.segmentedPackets) (\(h.nic.segmentsProduced))"],
                    ["NIC descriptor batches", "\(h.nic.descriptorBatches)"],
                    ["NIC late frames (dropped)", "\(h.nic.lateFrames) (\(h.nic.lateFramesDropped))"],
                    ["NIC frames received", "\(h.nic.framesReceived)"],
                    ["IOTLB hits / misses", "\(h.nic.iotlbHits) / \(h.nic.iotlbMisses)"],
                    ["NIC receive drops (no buffer)", "\(h.nic.rxDroppedNoBuffer)"],
                ]
                + (h.interruptsByVector.map { [["interrupts by vector", $0.map(String.init).joined(separator: " ")]] }
                    ?? [])
            let driverRows =
                [["driver", h.driver.kind]] + (h.driver.kind == "reference" ? [] : [["polls", "\(h.driver.polls)"]])
                + h.driver.figures.map { ["driver: \($0.name)", "\($0.value)"] }
            out += table(["counter", "value"], driverRows + rows + Report.faultRows(h.faults))
            out += "\nCycles by category (\(h.name))\n"
            out += table(["category", "cycles"], h.cycles.sorted { $0.key < $1.key }.map { [$0.key, "\($0.value)"] })
        }
        out += "\nSwitch ports\n"
        out += table(
            ["port", "peer", "frames out", "bytes out", "peak bytes", "peak at", "drops"],
            switchPorts.map {
                [
                    "\($0.port)", $0.peer, "\($0.framesOut)", "\($0.bytesOut)", "\($0.peakOccupancyBytes)",
                    "\(SimDuration(rawValue: $0.peakOccupancyTimePs))", "\($0.drops)",
                ]
            })
        out += "\nReceivers\n"
        out += table(["receiver", "datagrams", "bytes", "digest", "intact", "bad checksums"],
                     receivers.map { [$0.name, "\($0.datagrams)", "\($0.payloadBytes)", $0.digest ?? "-",
                                      $0.intact.map { $0 ? "yes" : "NO" } ?? "-", "\($0.badChecksums)"] })
        let boxes = receivers.compactMap { r in r.setTopBox.map { (r.name, $0) } }
        if !boxes.isEmpty {
            out += "\nSet-top boxes\n"
            out += table(["box", "underflows", "overflows", "CC errors", "RTP lost", "jitter", "gap p99", "MDI DF"],
                         boxes.map { name, b in
                             [name, "\(b.underflows)", "\(b.overflows)", "\(b.continuityErrors)", "\(b.rtpLost)",
                                     "\(SimDuration(rawValue: b.jitterPs))", "\(b.gapP99Ns) ns",
                                     "\(SimDuration(rawValue: b.mdiDelayFactorPs))"]
                         })
        }
        if !policies.isEmpty {
            out += "\nPolicies\n"
            out += table(["id", "host", "placement", "matched", "remote copies", "local copies", "bytes"],
                         policies.map { ["\($0.id)", $0.host, $0.placement, "\($0.matched)", "\($0.remoteCopies)",
                                         "\($0.localCopies)", "\($0.bytes)"] })
        }
        if let v = vde {
            out += "\nVDE port \(v.url)\n"
            out += table(["counter", "value"], [
                ["frames sent", "\(v.framesSent)"], ["frames received", "\(v.framesReceived)"],
                ["send drops (full socket)", "\(v.sendDrops)"], ["send errors", "\(v.sendErrors)"],
                ["frames over 1518 bytes", "\(v.oversizeFlagged)"], ["down", v.down ?? "no"],
                ["went down at", v.downAtPs.map { "\(SimDuration(rawValue: $0))" } ?? "-"],
                ["frames discarded while down", "\(v.discardedWhileDown)"],
                ["frame lateness p50 / p99 / p99.9 / max",
                 "\(v.latenessP50Ns) / \(v.latenessP99Ns) / \(v.latenessP999Ns) / \(v.latenessMaxNs) ns"],
            ] + (v.pacedFrames.map { frames in [
                ["paced frames, achieved / scheduled rate",
                 "\(frames), \(Self.rate(v.achievedFramesPerSecond)) / \(Self.rate(v.scheduledFramesPerSecond)) per s"],
                ["behind the wall clock", (v.behindEpisodes ?? 0) == 0 ? "never" :
                    "\(v.behindEpisodes ?? 0)× for \(PacingReport.text(v.behindNs ?? 0)), \(v.framesOverLimit ?? 0) "
                    + "frames over the limit, up to \(PacingReport.text(v.maxSlipNs ?? 0)) behind"
                    + (v.stillBehind == true ? " (still at the end)" : "")],
            ] } ?? []) + (v.realTimePriority.map { [["real-time priority", $0]] } ?? []))
        }
        out += faultsText()
        if refusedCalls > 0 || !policyErrors.isEmpty {
            out += "\nRefused: \(refusedCalls) calls\n" + policyErrors.map { "  \($0)\n" }.joined()
        }
        if !expectations.isEmpty {
            let failed = failedExpectations.count
            out += "\nExpectations ("
                + "\(failed == 0 ? "all \(expectations.count) met" : "\(failed) of \(expectations.count) failed"))\n"
            out += table(["expectation", "measured", "result"], expectations.map { e in
                    [
                        e.name,
                        e.message.map { $0.hasPrefix("measured ") ? String($0.dropFirst(9)) : $0 }
                            ?? e.actual.map {
                                ExpectationSpec.format(
                                    $0,
                                    ExpectationMetric.named(String(e.name.prefix { $0 != " " && $0 != "." }))?.unit
                                        ?? .count)
                            } ?? "-",
                        e.passed ? "pass" : "FAIL",
                    ]
            })
        }
        return out
    }
}

/// Left-aligns the first column and right-aligns the rest.
extension Report {
    /// A frames-per-second figure with one decimal ("-" when absent).
    static func rate(_ value: Double?) -> String {
        guard let value else { return "-" }
        let tenths = Int64((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    var widths = Array(repeating: 0, count: header.count)
    for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    var out = ""
    for (r, row) in all.enumerated() {
        var line = ""
        for (i, cell) in row.enumerated() {
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            line += i == 0 ? cell + pad : "  " + pad + cell
        }
        out += "  " + line + "\n"
        if r == 0 {
            out +=
                "  "
                + widths.enumerated().map { String(repeating: "-", count: $0.element + ($0.offset == 0 ? 0 : 2)) }
                .joined() + "\n"
        }
    }
    return out
}
