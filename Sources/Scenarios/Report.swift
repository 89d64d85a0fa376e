import Foundation
import HostOS
import NICDriver
import NetworkModel
import SimCore

/// The outcome of a run, in the shape of its JSON form (documented in `Fixtures/scenarios/REPORT.md`).
///
/// Every number is an integer count or a picosecond time, so the same scenario and seed give the same report,
/// byte for byte.
public struct Report: Codable, Hashable, Sendable {
    /// Version of the JSON layout; bumped when a field changes meaning or goes away.
    public var schemaVersion = 1
    public var scenario: String
    public var seed: UInt64
    /// Virtual time at the end of the run, picoseconds.
    public var endTimePs: Int64
    /// Events the simulator handled.
    public var events: UInt64
    /// Why the run ended: `idle`, `duration`, `event-limit`.
    public var outcome: String
    public var destinations: [DestinationReport]
    public var hosts: [HostReport]
    public var switchPorts: [SwitchPortReport]
    public var receivers: [ReceiverReport]

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
        public var datagrams: Int
        public var payloadBytes: Int
        /// FNV-1a 64 of the received payload stream, hex.
        public var digest: String
        /// Bytes the application wrote to this receiver.
        public var expectedBytes: Int
        /// FNV-1a 64 of what the application wrote to it, in write and entry order, hex.
        public var expectedDigest: String
        /// Received stream equals what was written.
        public var intact: Bool
        public var badChecksums: Int
        public var firstArrivalPs: Int64?
        public var lastArrivalPs: Int64?
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
        }
        let destinations: [Report.DestinationReport] = spec.receivers.map { r in
            var c = DestinationCounters()
            if let id = driverDestination(for: r) { c = driver.destinationCounters[id.rawValue] }
            return Report.DestinationReport(receiver: r.name, address: "\(r.ip):\(r.port)", segments: c.packets,
                                            descriptors: c.descriptors, payloadBytes: c.payloadBytes)
        }
        let d = driver.counters
        let n = nic.counters
        let completed = host.writeRecords.compactMap { w in w.completed.map { ($0 - w.issued).rawValue } }
        let hostReport = Report.HostReport(
            name: host.name, syscalls: host.counters.syscalls, contextSwitches: host.counters.contextSwitches,
            cpuCopiedBytes: d.bytesCopied,
            cycles: Dictionary(uniqueKeysWithValues: host.cycles.categories.map { ($0.name, $0.cycles) }),
            cyclesTotal: host.cycles.total,
            translationHits: d.translationHits, translationMisses: d.translationMisses,
            pageWalks: d.pageWalks + driver.translationBuffer.counters.pageWalks,
            pagesPinned: driver.translationBuffer.counters.pagesPinned,
            dmaBytesRead: dma.counters.bytesRead, dmaBytesWritten: dma.counters.bytesWritten,
            interrupts: n.interrupts, doorbells: d.doorbells, descriptorsWritten: d.descriptorsWritten,
            ringFullStalls: d.ringFullStalls, framesTransmitted: n.framesTransmitted,
            octetsTransmitted: n.octetsTransmitted, writes: host.counters.writes,
            writesCompleted: host.counters.writesCompleted,
            meanWriteCompletionPs: completed.isEmpty ? 0 : completed.reduce(0, +) / Int64(completed.count),
            nicErrors: n.txDMAErrors + n.txLengthErrors + n.txFormatErrors + n.registerErrors,
            sends: d.packets,
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
                iommuFaults: dma.iommu?.counters.faults ?? 0, iommuMappings: d.iommuMappings))
        let peers = [spec.server.name] + spec.receivers.map(\.name)
        let ports = ethernetSwitch.allPortCounters.enumerated().map { i, c in
            Report.SwitchPortReport(port: i, peer: peers[i], framesOut: c.framesOut, bytesOut: c.bytesOut,
                                    peakOccupancyBytes: c.peakOccupancyBytes,
                                    peakOccupancyTimePs: c.peakOccupancyTime.rawValue, drops: c.drops)
        }
        let receiverReports = receivers.enumerated().map { i, r in
            let expected = expectedStreams[i]
            return Report.ReceiverReport(
                name: r.name, datagrams: r.counters.datagrams, payloadBytes: r.counters.payloadBytes,
                digest: hex(r.digest), expectedBytes: expected.bytes, expectedDigest: hex(expected.digest),
                intact: r.counters.payloadBytes == expected.bytes && r.digest == expected.digest,
                badChecksums: r.counters.badIPChecksums + r.counters.badUDPChecksums,
                firstArrivalPs: r.counters.firstArrival?.rawValue, lastArrivalPs: r.counters.lastArrival?.rawValue)
        }
        return Report(scenario: spec.name, seed: spec.seed, endTimePs: simulator.now.rawValue,
                      events: simulator.eventsProcessed, outcome: outcomeName, destinations: destinations,
                      hosts: [hostReport], switchPorts: ports, receivers: receiverReports)
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

    /// The report as aligned text tables.
    public func text() -> String {
        var out = "nicsim report: \(scenario) (seed \(seed))\n"
        out += "virtual time \(SimDuration(rawValue: endTimePs)), \(events) events, ended: \(outcome)\n\n"
        out += "Destinations\n"
        out += table(["receiver", "address", "segments", "descriptors", "payload bytes"],
                     destinations.map { [$0.receiver, $0.address, "\($0.segments)", "\($0.descriptors)", "\($0.payloadBytes)"] })
        for h in hosts {
            out += "\nHost \(h.name)\n"
            let rows: [[String]] = [
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
            out += table(["counter", "value"], rows)
            out += "\nCycles by category (\(h.name))\n"
            out += table(["category", "cycles"], h.cycles.sorted { $0.key < $1.key }.map { [$0.key, "\($0.value)"] })
        }
        out += "\nSwitch ports\n"
        out += table(["port", "peer", "frames out", "bytes out", "peak bytes", "peak at", "drops"],
                     switchPorts.map { ["\($0.port)", $0.peer, "\($0.framesOut)", "\($0.bytesOut)", "\($0.peakOccupancyBytes)",
                                        "\(SimDuration(rawValue: $0.peakOccupancyTimePs))", "\($0.drops)"] })
        out += "\nReceivers\n"
        out += table(["receiver", "datagrams", "bytes", "digest", "intact", "bad checksums"],
                     receivers.map { [$0.name, "\($0.datagrams)", "\($0.payloadBytes)", $0.digest, $0.intact ? "yes" : "NO",
                                      "\($0.badChecksums)"] })
        return out
    }
}

/// Left-aligns the first column and right-aligns the rest.
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
        if r == 0 { out += "  " + widths.enumerated().map { String(repeating: "-", count: $0.element + ($0.offset == 0 ? 0 : 2)) }.joined() + "\n" }
    }
    return out
}
