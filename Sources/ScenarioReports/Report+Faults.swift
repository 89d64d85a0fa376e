import HostOS
import NICDriver
import NICModel
import ScenarioFormat
import ScenarioWorld
import SimCore

extension Report {
    /// One injected fault and what it did (`faults[]` in the JSON report, `Fixtures/scenarios/REPORT.md`).
    public struct FaultReport: Codable, Hashable, Sendable {
        /// The fault's kind, as in the scenario (`dma-error`, `link-flap`, …).
        public var kind: String
        /// What it targeted: the server's or a receiver's name, or `vde`.
        public var target: String
        /// Its window: start and (if it has one) end, picoseconds of virtual time.
        public var fromPs: Int64
        public var untilPs: Int64?
        /// Events offered to it while active: DMA transfers of its kinds, interrupt messages, frames on its link,
        /// IOTLB flush instants, extra write calls, signal attempts.
        public var examined: UInt64
        /// Events it acted on: transfers failed, messages lost or delayed, frames dropped, flushes or forced
        /// misses, calls the OS accepted, signals sent.
        public var injected: UInt64
        /// `loss-burst`: bursts started (fixed) or entries into the bad state (Gilbert–Elliott).
        public var bursts: UInt64?
        /// `iotlb-miss-storm` with a period: IOTLB entries its flushes dropped.
        public var iotlbEntriesDropped: UInt64?
        /// `late-interrupt`: delay added, summed over the late messages, picoseconds.
        public var addedDelayPs: Int64?
        /// `ring-full-storm`: payload bytes of the calls the OS accepted.
        public var bytesAccepted: UInt64?
        /// A remark: the signal sent, or why nothing was done.
        public var note: String?
    }

    /// What faults did to one host and how its driver coped (`hosts[].faults`); all 0 in a run without faults.
    public struct HostFaultsReport: Codable, Hashable, Sendable {
        /// Interrupt handler runs on the host (compare with `interrupts`, the messages the NIC sent).
        public var interruptsHandled: UInt64
        /// Interrupt messages lost or delivered late on the way to the host.
        public var interruptsLost: UInt64
        public var interruptsDelayed: UInt64
        /// DMA transfers of the NIC that ended in an injected master abort.
        public var dmaFaultsInjected: UInt64
        /// Transmit completions the driver saw with an error status.
        public var transmitErrorsSeen: UInt64
        /// Driver watchdog runs, runs that found unreported completions, report points and receive descriptors
        /// whose write-back was lost, and transmit hangs detected.
        public var watchdogChecks: UInt64
        public var watchdogRecoveries: UInt64
        public var lostWriteBacks: UInt64
        public var lostReceiveWriteBacks: UInt64
        public var transmitHangs: UInt64
        /// Most writes waiting at once in the driver's queue for ring room.
        public var peakQueuedWrites: UInt64
        /// IOTLB invalidation commands, and misses forced by a miss storm.
        public var iotlbInvalidations: UInt64
        public var iotlbForcedMisses: UInt64

        /// Every count 0.
        public static let zero = HostFaultsReport(
            interruptsHandled: 0, interruptsLost: 0, interruptsDelayed: 0, dmaFaultsInjected: 0, transmitErrorsSeen: 0,
            watchdogChecks: 0, watchdogRecoveries: 0, lostWriteBacks: 0, lostReceiveWriteBacks: 0, transmitHangs: 0,
            peakQueuedWrites: 0, iotlbInvalidations: 0, iotlbForcedMisses: 0)
    }
}

extension World {
    /// The host's fault and recovery counters.
    func hostFaultsReport(_ machine: EmulatedHost) -> Report.HostFaultsReport {
        let d = machine.driver.statistics
        let n = faultInjector?.injected(on: machine.nic) ?? (interruptsLost: 0, interruptsDelayed: 0, dmaFaults: 0)
        let iommu = machine.dma.iommu?.counters
        return Report.HostFaultsReport(
            interruptsHandled: machine.host.counters.interruptsHandled, interruptsLost: n.interruptsLost,
            interruptsDelayed: n.interruptsDelayed, dmaFaultsInjected: n.dmaFaults,
            transmitErrorsSeen: d.transmitErrors, watchdogChecks: d.watchdogChecks,
            watchdogRecoveries: d.watchdogRecoveries, lostWriteBacks: d.lostWriteBacks,
            lostReceiveWriteBacks: d.lostReceiveWriteBacks, transmitHangs: d.transmitHangs,
            peakQueuedWrites: d.peakQueuedWrites, iotlbInvalidations: iommu?.invalidations ?? 0,
            iotlbForcedMisses: iommu?.forcedMisses ?? 0)
    }

    /// One entry per fault of the scenario, or nil when it has none.
    func faultReports() -> [Report.FaultReport]? {
        guard let injector = faultInjector else { return nil }
        return spec.faults.enumerated().map { i, fault in
            let o = injector.outcome(i)
            let target: String
            switch fault.target {
            case .server: target = spec.server.name
            case .receiver(let r): target = spec.receivers[r].name
            case .vde: target = "vde"
            }
            var report = Report.FaultReport(kind: fault.kind.rawValue, target: target, fromPs: fault.start,
                                            untilPs: fault.end, examined: o.examined, injected: o.injected)
            switch fault.kind {
            case .lossBurst: report.bursts = o.entriesDropped
            case .iotlbMissStorm where fault.period != nil: report.iotlbEntriesDropped = o.entriesDropped
            case .lateInterrupt: report.addedDelayPs = o.addedDelay
            case .ringFullStorm: report.bytesAccepted = o.bytes
            default: break
            }
            report.note = o.note
            return report
        }
    }
}

extension Report {
    /// The host rows about faults, when any of them is not zero.
    static func faultRows(_ f: HostFaultsReport) -> [[String]] {
        let rows: [(String, UInt64)] = [
            ("interrupts handled", f.interruptsHandled), ("interrupts lost", f.interruptsLost),
            ("interrupts delayed", f.interruptsDelayed), ("DMA faults injected", f.dmaFaultsInjected),
            ("transmit errors seen by the driver", f.transmitErrorsSeen), ("watchdog checks", f.watchdogChecks),
            ("watchdog recoveries", f.watchdogRecoveries), ("lost write-backs (TX)", f.lostWriteBacks),
            ("lost write-backs (RX)", f.lostReceiveWriteBacks), ("transmit hangs detected", f.transmitHangs),
            ("peak writes queued for ring room", f.peakQueuedWrites), ("IOTLB invalidations", f.iotlbInvalidations),
            ("IOTLB forced misses", f.iotlbForcedMisses),
        ]
        let eventful = f.interruptsLost + f.interruptsDelayed + f.dmaFaultsInjected + f.watchdogChecks
            + f.lostWriteBacks + f.lostReceiveWriteBacks + f.iotlbForcedMisses + f.transmitHangs
        guard eventful > 0 || f.peakQueuedWrites > 1 || f.iotlbInvalidations > 0 else { return [] }
        return rows.map { [$0.0, "\($0.1)"] }
    }

    /// The faults table of the text report, or nothing without faults.
    func faultsText() -> String {
        guard let faults, !faults.isEmpty else { return "" }
        var out = "\nFaults\n"
        out += table(["kind", "target", "from", "until", "examined", "injected", "detail"], faults.map { f in
            var detail: [String] = []
            if let b = f.bursts { detail.append("\(b) bursts") }
            if let e = f.iotlbEntriesDropped { detail.append("\(e) IOTLB entries dropped") }
            if let d = f.addedDelayPs { detail.append("\(SimDuration(rawValue: d)) added") }
            if let b = f.bytesAccepted { detail.append("\(b) bytes accepted") }
            if let n = f.note { detail.append(n) }
            return [f.kind, f.target, "\(SimDuration(rawValue: f.fromPs))",
                    f.untilPs.map { "\(SimDuration(rawValue: $0))" } ?? "end", "\(f.examined)", "\(f.injected)",
                    detail.joined(separator: "; ")]
        })
        return out
    }
}
