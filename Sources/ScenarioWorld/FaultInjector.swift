import Foundation
import HostMemory
import NICModel
import NetworkModel
import ScenarioFormat
import SimCore

/// Runs a scenario's `faults`: installs a decorator around each component a fault targets (a NIC's bus to memory,
/// its interrupt line, a link: `FaultInjector+Decorators.swift`) and the fault in it, opens and closes its window
/// at its times, drives the faults that act on a clock (IOTLB flushes, extra write calls, the switch kill), and
/// keeps what each one did for the report. A component no fault targets gets no decorator.
///
/// Every decision draws from a stream derived from the scenario's seed and the fault's position in the list, so
/// the same scenario and seed inject the same faults into the same events.
package final class FaultInjector: EventHandler {
    /// Where one fault lives once installed.
    enum Binding {
        case dma(DMAFaultGate, Int)
        case interrupt(InterruptLineFaults, Int)
        case iotlb(IOMMU)
        case link(LinkFaultFilter, Int)
        case storm
        case vdeKill
        /// Nothing to act on (a spec built in code that the parser would have refused).
        case inert
    }

    /// What a fault did, beyond what its component counts.
    package struct Outcome {
        /// Events offered to the fault, and those it acted on (see `Report.FaultReport`).
        package var examined: UInt64 = 0
        package var injected: UInt64 = 0
        package var entriesDropped: UInt64 = 0
        package var bytes: UInt64 = 0
        /// Picoseconds of delay added to interrupts.
        package var addedDelay: Int64 = 0
        /// IOMMU forced misses when the storm opened (miss-every-translation mode).
        package var forcedMissesAtOpen: UInt64 = 0
        package var isOpen = false
        package var note: String?
    }

    let specs: [FaultSpec]
    let simulator: Simulator
    let application: Application
    private(set) var bindings: [Binding] = []
    private(set) var outcomes: [Outcome]
    /// Per fault: the NIC whose link a flap of both directions takes down, so that its PHY sees the carrier go
    /// and come back (STATUS.LU, LSC); nil for other faults and for links without a NIC at the flapped end.
    private(set) var carriers: [NIC?] = []
    package var id = ComponentID(rawValue: 0)
    /// The decorators installed, one per component at most, by the component they decorate.
    private var gates: [ObjectIdentifier: DMAFaultGate] = [:]
    private var lines: [ObjectIdentifier: InterruptLineFaults] = [:]
    private var filters: [ObjectIdentifier: LinkFaultFilter] = [:]

    /// Installs every fault of `spec` (inactive until its window opens) and schedules its window.
    ///
    /// - Parameters:
    ///   - links: The receivers' links, in receiver order; `vdeLink` the VDE port's.
    init(spec: ScenarioSpec, simulator: Simulator, server: EmulatedHost, nodes: [World.ReceiverNode],
         links: [Link], vdeLink: Link?, application: Application) {
        self.specs = spec.faults
        self.simulator = simulator
        self.application = application
        self.outcomes = Array(repeating: Outcome(), count: spec.faults.count)
        self.carriers = Array(repeating: nil, count: spec.faults.count)
        for (i, fault) in spec.faults.enumerated() {
            let random = simulator.randomStream(named: "fault.\(i).\(fault.kind.rawValue)")
            let rule: FaultTrigger.Rule
            switch fault.trigger {
            case .always: rule = .always
            case .everyNth(let n): rule = .everyNth(n)
            case .probability(let ppm): rule = .probability(partsPerMillion: ppm)
            }
            let trigger = FaultTrigger(rule: rule, random: random)
            var machine = server
            if case .receiver(let r) = fault.target, case .host(let m) = nodes[r] { machine = m }
            switch fault.kind {
            case .dmaError:
                var kinds: DMATransferKinds = []
                for t in fault.transfers {
                    switch t {
                    case .descriptor: kinds.insert(.descriptorFetch)
                    case .payload: kinds.insert(.payload)
                    case .writeBack: kinds.insert(.writeBack)
                    case .receive: kinds.insert(.receive)
                    }
                }
                let gate = dmaGate(machine.nic)
                bindings.append(.dma(gate, gate.add(NICDMAFault(kinds: kinds, trigger: trigger))))
            case .lostInterrupt, .lateInterrupt:
                let effect: NICInterruptFault.Effect =
                    fault.kind == .lostInterrupt ? .lose : .delay(.picoseconds(fault.delay))
                let line = interruptLine(machine.nic)
                bindings.append(.interrupt(line, line.add(NICInterruptFault(effect: effect, trigger: trigger))))
            case .iotlbMissStorm:
                // The parser admits this kind only with an IOMMU; without one the fault has nothing to act on.
                if let iommu = server.dma.iommu {
                    bindings.append(.iotlb(iommu))
                } else {
                    bindings.append(.inert)
                    outcomes[i].note = "no IOMMU"
                }
            case .linkFlap, .lossBurst:
                let (link, hostSide) = FaultInjector.link(for: fault.target, server: server, nodes: nodes, links: links,
                                                          vdeLink: vdeLink)
                let toSwitch: LinkFault.Directions = hostSide ? .aToB : .bToA
                let fromSwitch: LinkFault.Directions = hostSide ? .bToA : .aToB
                let directions: LinkFault.Directions
                switch fault.direction {
                case .both: directions = .both
                case .toSwitch: directions = toSwitch
                case .fromSwitch: directions = fromSwitch
                }
                let model: LinkFault.Model
                if fault.kind == .linkFlap {
                    model = .down
                } else if let ge = fault.gilbertElliott {
                    model = .gilbertElliott(goodToBad: ge.goodToBad, badToGood: ge.badToGood, lossInGood: ge.lossInGood,
                                            lossInBad: ge.lossInBad)
                } else {
                    model = .bursts(length: fault.burst)
                }
                if fault.kind == .linkFlap && fault.direction == .both,
                   fault.target == .server || machine !== server {
                    carriers[i] = machine.nic
                }
                if let link {
                    let filter = frameFilter(link)
                    bindings.append(.link(filter, filter.add(LinkFault(model: model, directions: directions,
                                                                       trigger: trigger))))
                } else {
                    bindings.append(.inert)
                    outcomes[i].note = "no such link"
                }
            case .ringFullStorm:
                bindings.append(.storm)
            case .vdeSwitchKill:
                bindings.append(.vdeKill)
            }
        }
        self.id = simulator.register(self, name: "faults")
        for (i, fault) in specs.enumerated() {
            let start = SimTime(rawValue: fault.start)
            switch fault.kind {
            case .vdeSwitchKill:
                simulator.schedule(FaultEvent.kill(fault: i), at: start, for: id)
            case .ringFullStorm:
                let end = fault.end ?? fault.start
                for k in 0..<fault.calls {
                    let at =
                        fault.start
                        + Int64((Double(end - fault.start) * Double(k) / Double(fault.calls)).rounded(.down))
                    simulator.schedule(FaultEvent.call(fault: i), at: SimTime(rawValue: at), for: id)
                }
            default:
                simulator.schedule(FaultEvent.open(fault: i), at: start, for: id)
                if let end = fault.end {
                    simulator.schedule(FaultEvent.close(fault: i), at: SimTime(rawValue: end), for: id)
                }
            }
        }
    }

    /// The decorator on `nic`'s bus to memory, installed at the first DMA fault that targets it.
    private func dmaGate(_ nic: NIC) -> DMAFaultGate {
        Self.decorator(of: nic, in: &gates, make: DMAFaultGate.init) { nic.transferGate = $0 }
    }

    /// The decorator on `nic`'s interrupt line, installed at the first interrupt fault that targets it.
    private func interruptLine(_ nic: NIC) -> InterruptLineFaults {
        Self.decorator(of: nic, in: &lines, make: InterruptLineFaults.init) { nic.interruptGate = $0 }
    }

    /// The decorator on `link`, installed at the first link fault that targets it.
    private func frameFilter(_ link: Link) -> LinkFaultFilter {
        Self.decorator(of: link, in: &filters, make: LinkFaultFilter.init) { link.frameFilter = $0 }
    }

    /// The decorator `installed` holds for `component`; without one, a new one from `make`, handed to `install`
    /// (which puts it on the component's seam) and kept in `installed`.
    private static func decorator<Decorator>(
        of component: AnyObject, in installed: inout [ObjectIdentifier: Decorator], make: () -> Decorator,
        install: (Decorator) -> Void
    ) -> Decorator {
        if let decorator = installed[ObjectIdentifier(component)] { return decorator }
        let decorator = make()
        install(decorator)
        installed[ObjectIdentifier(component)] = decorator
        return decorator
    }

    /// What the decorators on `nic` did: interrupt messages lost and delayed, DMA transfers failed (zero without a
    /// decorator).
    package func injected(on nic: NIC) -> (interruptsLost: UInt64, interruptsDelayed: UInt64, dmaFaults: UInt64) {
        let line = lines[ObjectIdentifier(nic)]
        return (line?.lost ?? 0, line?.delayed ?? 0, gates[ObjectIdentifier(nic)]?.injected ?? 0)
    }

    /// The link a link fault targets, and whether its side A is the host's (else the switch's).
    static func link(for target: FaultSpec.Target, server: EmulatedHost, nodes: [World.ReceiverNode], links: [Link],
                     vdeLink: Link?) -> (Link?, Bool) {
        switch target {
        case .server: return (server.link, true)
        case .vde: return (vdeLink, false)
        case .receiver(let r):
            if case .host = nodes[r] { return (links[r], true) }
            return (links[r], false)
        }
    }

    package func handle(_ event: Event, simulator: Simulator) {
        guard let event = FaultEvent(decoding: event), specs.indices.contains(event.fault) else { return }
        switch event {
        case .open(let i): setOpen(i, true)
        case .close(let i): setOpen(i, false)
        case .flush(let i): flush(i)
        case .call(let i): stormCall(i)
        case .kill(let i): killSwitch(i)
        }
    }

    func setOpen(_ i: Int, _ open: Bool) {
        guard outcomes[i].isOpen != open else { return }
        outcomes[i].isOpen = open
        switch bindings[i] {
        case .dma(let gate, let k): gate.setFault(k, active: open)
        case .interrupt(let line, let k): line.setFault(k, active: open)
        case .link(let filter, let k):
            filter.setFault(k, active: open)
            carriers[i]?.setCarrier(!open)
        case .iotlb(let iommu):
            if specs[i].period != nil {
                if open { flush(i) }
            } else {
                if open { outcomes[i].forcedMissesAtOpen = iommu.counters.forcedMisses } else {
                    outcomes[i].injected += iommu.counters.forcedMisses - outcomes[i].forcedMissesAtOpen
                }
                iommu.missesEveryTranslation = open
            }
        case .storm, .vdeKill, .inert: break
        }
    }

    /// One global IOTLB invalidation, and the next one `period` later while the window is open.
    func flush(_ i: Int) {
        guard outcomes[i].isOpen, case .iotlb(let iommu) = bindings[i], let period = specs[i].period else { return }
        outcomes[i].examined += 1
        outcomes[i].injected += 1
        outcomes[i].entriesDropped += UInt64(iommu.invalidateAll())
        let next = simulator.now.rawValue + period
        if specs[i].end.map({ next < $0 }) ?? true {
            simulator.schedule(FaultEvent.flush(fault: i), at: SimTime(rawValue: next), for: id)
        }
    }

    /// One extra write call of the scenario's own kind.
    func stormCall(_ i: Int) {
        let refusedBefore = application.refusedCalls
        application.call()
        outcomes[i].examined += 1
        if application.refusedCalls == refusedBefore {
            outcomes[i].injected += 1
            outcomes[i].bytes += UInt64(application.bytesPerCall)
        }
    }

    /// Sends the signal to the vde_switch whose pid the pid file holds, after checking the process is one.
    func killSwitch(_ i: Int) {
        let fault = specs[i]
        outcomes[i].examined += 1
        guard let text = try? String(contentsOfFile: fault.pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else {
            outcomes[i].note = "no process id in \(fault.pidFile)"
            return
        }
        let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard command == "vde_switch" else {
            outcomes[i].note =
                "process \(pid) is \(command.map { "\"\($0)\"" } ?? "gone"), not vde_switch; not signalled"
            return
        }
        let signal = fault.signal == .kill ? SIGKILL : SIGTERM
        guard kill(pid, signal) == 0 else {
            outcomes[i].note = "kill(\(pid)) failed: errno \(errno)"
            return
        }
        outcomes[i].injected += 1
        outcomes[i].note = "sent SIG\(fault.signal.rawValue.uppercased()) to vde_switch \(pid)"
    }

    /// The fault's outcome with its component's counts folded in, as the report shows it.
    package func outcome(_ i: Int) -> Outcome {
        var o = outcomes[i]
        switch bindings[i] {
        case .dma(let gate, let k):
            if let f = gate.fault(k) {
                o.examined = f.trigger.offered
                o.injected = f.trigger.fired
            }
        case .interrupt(let line, let k):
            if let f = line.fault(k) {
                o.examined = f.trigger.offered
                o.injected = f.trigger.fired
                o.addedDelay = f.addedDelay.rawValue
            }
        case .link(let filter, let k):
            if let f = filter.fault(k) {
                o.examined = UInt64(f.offered)
                o.injected = UInt64(f.dropped)
                o.entriesDropped = UInt64(f.bursts)
            }
        case .iotlb(let iommu):
            if specs[i].period == nil {
                if o.isOpen { o.injected += iommu.counters.forcedMisses - o.forcedMissesAtOpen }
                o.examined = o.injected
            }
        case .storm, .vdeKill, .inert: break
        }
        return o
    }
}

/// What a ``FaultInjector`` schedules for itself; each names the fault (an index into the scenario's faults).
enum FaultEvent {
    /// The fault's window opens.
    case open(fault: Int)
    /// The fault's window closes.
    case close(fault: Int)
    /// A periodic IOTLB flush of the fault is due.
    case flush(fault: Int)
    /// One extra write call of a ring-full storm.
    case call(fault: Int)
    /// The VDE switch is killed.
    case kill(fault: Int)

    /// The fault the event belongs to.
    var fault: Int {
        switch self {
        case .open(let i), .close(let i), .flush(let i), .call(let i), .kill(let i): i
        }
    }
}
