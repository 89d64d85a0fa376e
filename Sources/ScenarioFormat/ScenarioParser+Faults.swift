import Foundation

/// The `faults` section: a list of faults injected into the run, each with a kind, a target, a window and the
/// parameters of its kind (`Fixtures/scenarios/README.md`, "Faults").
extension ScenarioParser {
    static let maximumFaults = 64

    /// Keys every fault may have.
    static let commonFaultKeys = ["kind", "target", "at", "from", "until", "for"]

    /// Keys each kind adds to ``commonFaultKeys``.
    static func faultKeys(_ kind: FaultSpec.Kind) -> [String] {
        switch kind {
        case .dmaError: ["transfers", "every", "probability"]
        case .iotlbMissStorm: ["period"]
        case .lostInterrupt: ["every", "probability"]
        case .lateInterrupt: ["delay", "every", "probability"]
        case .linkFlap: ["direction"]
        case .lossBurst: ["direction", "burst", "every", "probability", "gilbert-elliott"]
        case .ringFullStorm: ["calls"]
        case .vdeSwitchKill: ["pid-file", "signal"]
        }
    }

    static func decodeFaults(_ node: ScenarioNode, spec: ScenarioSpec, file: String) throws(ScenarioError)
        -> [FaultSpec]
    {
        let allKeys = commonFaultKeys + FaultSpec.Kind.allCases.flatMap { faultKeys($0) }
        var faults: [FaultSpec] = []
        for item in try node.sequence(count: 0...maximumFaults, of: "faults") {
            let kindNode = try item.mapping(allowed: allKeys).required(
                "kind", "one of " + FaultSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))
            let kind = try kindNode.choice(FaultSpec.Kind.self)
            let f = try item.mapping(allowed: commonFaultKeys + faultKeys(kind))
            var fault = FaultSpec(kind: kind, target: try decodeFaultTarget(f, kind: kind, spec: spec))
            try decodeFaultWindow(f, into: &fault)
            try decodeFaultParameters(f, into: &fault, spec: spec, file: file)
            faults.append(fault)
        }
        return faults
    }

    /// `target`: the server, a receiver's name or `vde`, as the kind allows; each kind has a default but the link
    /// faults, which must name their link.
    static func decodeFaultTarget(_ f: ScenarioMapping, kind: FaultSpec.Kind, spec: ScenarioSpec)
        throws(ScenarioError) -> FaultSpec.Target
    {
        let node = f["target"]
        let name: String
        if let node {
            name = try node.name()
        } else {
            switch kind {
            case .linkFlap, .lossBurst:
                throw f.owner.error(
                    "\(kind.rawValue) needs target: the link's end, the server's name, a receiver's name or vde")
            case .vdeSwitchKill: name = "vde"
            default: name = spec.server.name
            }
        }
        let place = node ?? f.owner
        let target: FaultSpec.Target
        if name == spec.server.name {
            target = .server
        } else if name == "vde" {
            target = .vde
        } else if let i = spec.receivers.firstIndex(where: { $0.name == name }) {
            target = .receiver(i)
        } else {
            throw place.error(
                "unknown target \(ScenarioNode.quoted(name)); expected \(spec.server.name), vde or a receiver's name")
        }
        switch (kind, target) {
        case (.dmaError, .server), (.lostInterrupt, .server), (.lateInterrupt, .server):
            break
        case (.dmaError, .receiver(let i)), (.lostInterrupt, .receiver(let i)), (.lateInterrupt, .receiver(let i)):
            guard spec.receivers[i].kind == .host else {
                throw place.error("\(kind.rawValue) acts on a NIC: the server or a receiver of kind host; "
                                  + "\(ScenarioNode.quoted(name)) has none")
            }
        case (.iotlbMissStorm, .server):
            guard spec.server.nic.iommu != nil else {
                throw place.error("iotlb-miss-storm needs an IOMMU: add server.nic.iommu")
            }
        case (.linkFlap, _), (.lossBurst, _):
            if target == .vde, spec.network.vde == nil {
                throw place.error("the scenario has no VDE port (network.vde)")
            }
        case (.ringFullStorm, .server):
            guard !spec.writes.entries.isEmpty else {
                throw place.error("ring-full-storm repeats the scenario's write calls; it needs a writes section")
            }
        case (.vdeSwitchKill, .vde):
            guard spec.network.vde != nil else { throw place.error("vde-switch-kill needs a VDE port (network.vde)") }
        default:
            let allowed: String
            switch kind {
            case .iotlbMissStorm, .ringFullStorm: allowed = "the server (\(spec.server.name))"
            case .vdeSwitchKill: allowed = "vde"
            default: allowed = "the server or a receiver of kind host"
            }
            throw place.error("\(kind.rawValue) applies to \(allowed), not \(ScenarioNode.quoted(name))")
        }
        return target
    }

    /// `at`/`from` (the start, default 0) and `until`/`for` (the end, default: the end of the run).
    static func decodeFaultWindow(_ f: ScenarioMapping, into fault: inout FaultSpec) throws(ScenarioError) {
        if let at = f["at"], f["from"] != nil { throw at.error("give the start once: at or from, not both") }
        if let until = f["until"], f["for"] != nil { throw until.error("give the end once: until or for, not both") }
        if let start = f["at"] ?? f["from"] {
            fault.start = try start.duration(in: 0...oneDay, bounds: "0 to 1 day")
        }
        if let until = f["until"] {
            let end = try until.duration(in: 0...oneDay, bounds: "0 to 1 day")
            guard end > fault.start else { throw until.error("until must come after the start (at or from)") }
            fault.end = end
        } else if let length = f["for"] {
            fault.end = fault.start + (try length.duration(in: 1...oneDay, bounds: "1ps to 1 day"))
        }
        switch fault.kind {
        case .vdeSwitchKill:
            if let end = f["until"] ?? f["for"] {
                throw end.error("vde-switch-kill happens at one instant: give at only")
            }
        case .ringFullStorm:
            guard fault.end != nil else {
                throw f.owner.error(
                    "ring-full-storm needs the end of its window (until or for) to spread its calls over")
            }
        default: break
        }
    }

    static func decodeFaultParameters(
        _ f: ScenarioMapping, into fault: inout FaultSpec, spec: ScenarioSpec, file: String
    ) throws(ScenarioError) {
        if let every = f["every"], f["probability"] != nil {
            throw every.error("give one of every and probability, not both")
        }
        if let every = f["every"] {
            fault.trigger = .everyNth(Int(try every.integer(in: 1...1_000_000_000)))
        } else if let probability = f["probability"] {
            fault.trigger = .probability(try probability.probability())
        }
        switch fault.kind {
        case .dmaError:
            if let node = f["transfers"] {
                // One kind, or a list of them.
                var items = [node]
                if case .sequence = node.node { items = try node.sequence(count: 1...4, of: "transfer kinds") }
                var transfers: Set<FaultSpec.DMATransfer> = []
                for item in items { transfers.insert(try item.choice(FaultSpec.DMATransfer.self)) }
                fault.transfers = transfers
            }
        case .iotlbMissStorm:
            fault.period = try f["period"]?.duration(in: 1_000...oneSecond, bounds: "1ns to 1s")
            if let period = f["period"], fault.end == nil, spec.duration == nil {
                throw period.error("periodic flushes need an end: give until or for, or the scenario a duration")
            }
        case .lateInterrupt:
            fault.delay = try f.required("delay", "how late each interrupt arrives, like 20us")
                .duration(in: 1...oneSecond, bounds: "1ps to 1s")
        case .lostInterrupt, .vdeSwitchKill, .ringFullStorm, .linkFlap, .lossBurst:
            break
        }
        if fault.kind == .linkFlap || fault.kind == .lossBurst {
            fault.direction = try f["direction"]?.choice(FaultSpec.LinkDirection.self) ?? .both
        }
        if fault.kind == .lossBurst {
            if let ge = f["gilbert-elliott"] {
                for key in ["burst", "every", "probability"] {
                    if let other = f[key] {
                        throw other.error(
                            "\(key) is for fixed bursts; a gilbert-elliott channel has its own probabilities")
                    }
                }
                let g = try ge.mapping(allowed: ["p", "r", "loss-in-good", "loss-in-bad"])
                var model = FaultSpec.GilbertElliott(
                    goodToBad: try g.required("p", "the probability of moving from good to bad, like 1%").probability(),
                    badToGood: try g.required("r", "the probability of moving from bad to good, like 30%").probability()
                )
                model.lossInGood = try g["loss-in-good"]?.probability() ?? model.lossInGood
                model.lossInBad = try g["loss-in-bad"]?.probability() ?? model.lossInBad
                fault.gilbertElliott = model
            } else {
                guard f["every"] != nil || f["probability"] != nil else {
                    throw f.owner.error(
                        "loss-burst needs every: N or probability: P (when a burst starts), or gilbert-elliott")
                }
                fault.burst = Int(try f["burst"]?.integer(in: 1...1_000_000) ?? 1)
            }
        }
        if fault.kind == .ringFullStorm {
            fault.calls = Int(try f.required("calls", "the number of extra write calls, like 200")
                .integer(in: 1...maximumWriteCount))
        }
        if fault.kind == .vdeSwitchKill {
            var path = try f.required("pid-file", "the file vde_switch -p wrote its process id to").name()
            let folder = (file as NSString).deletingLastPathComponent
            if !path.hasPrefix("/") && !folder.isEmpty { path = folder + "/" + path }
            fault.pidFile = path
            fault.signal = try f["signal"]?.choice(FaultSpec.Signal.self) ?? .term
        }
    }
}

extension ScenarioNode {
    /// A probability: a decimal from 0 to 1 (`0.05`) or a percentage (`5%`), to a whole part per million.
    func probability() throws(ScenarioError) -> UInt32 {
        let what = "a probability from 0 to 1 like 0.05, or a percentage like 5%"
        let text = try scalarText(expecting: what)
        guard let value = Self.partsPerMillion(text) else { throw expected(what) }
        guard value <= 1_000_000 else { throw error("\(Self.quoted(text)) is more than 1 (100%): expected \(what)") }
        return UInt32(value)
    }

    /// Parts per million of `0.05`, `1`, `5%`, `0.5 %`; nil when not a plain decimal or finer than one part per
    /// million.
    static func partsPerMillion(_ text: String) -> UInt64? {
        var digits = Substring(text)
        var scale: UInt64 = 1_000_000
        if digits.hasSuffix("%") {
            digits = digits.dropLast()
            while digits.hasSuffix(" ") { digits = digits.dropLast() }
            scale = 10_000
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 7,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            let wholeValue = UInt64(whole)
        else { return nil }
        var value = wholeValue * scale
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 12, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return nil
            }
            var place = scale
            for digit in fraction {
                let d = UInt64(digit.wholeNumberValue ?? 0)
                if place % 10 != 0 {
                    guard d == 0 else { return nil }  // finer than one part per million
                    continue
                }
                place /= 10
                value += d * place
            }
        }
        return value
    }
}
