import Yams

/// The `limits:` section and the check of a decoded scenario against ``ScenarioLimits``.
extension ScenarioParser {
    /// Physical memory of a `host` receiver, as ``World`` builds one.
    static let hostReceiverMemory: Int64 = 64 << 20
    /// Transmit and receive ring sizes of a `host` receiver, as ``World`` builds one.
    static let hostReceiverTxRing: Int64 = 1024
    static let hostReceiverRxRing: Int64 = 256
    /// How long streams play when neither `streams.duration` nor `duration` says (as ``World`` plays them).
    package static let defaultStreamPlayTime: Int64 = 10 * picosecondsPerSecond

    /// Lowers `configured` by the scenario's own `limits:` section, checks `spec` against the result and stores it
    /// in ``ScenarioSpec/limits``.
    static func applyLimits(_ configured: ScenarioLimits, to spec: inout ScenarioSpec, root: ScenarioNode)
        throws(ScenarioError)
    {
        var check = LimitCheck(configured: configured, effective: configured, root: root)
        if let section = root.child("limits") { try check.readSection(section) }
        try check.run(on: spec)
        spec.limits = check.effective
    }
}

/// One scenario checked against its limits; each check throws at the node that asks for too much.
private struct LimitCheck {
    let configured: ScenarioLimits
    var effective: ScenarioLimits
    let root: ScenarioNode
    /// Limits the scenario's own `limits:` section set.
    var ownNames: Set<String> = []

    init(configured: ScenarioLimits, effective: ScenarioLimits, root: ScenarioNode) {
        self.configured = configured
        self.effective = effective
        self.root = root
    }

    mutating func readSection(_ section: ScenarioNode) throws(ScenarioError) {
        let fields = try section.mapping(allowed: ScenarioLimits.names)
        for entry in ScenarioLimits.entries {
            guard let node = fields[entry.name] else { continue }
            let value =
                entry.isSize
                ? try node.size(in: 1...Int64.max, bounds: "1B up")
                : try node.integer(in: 1...Int64.max)
            let allowed = configured[keyPath: entry.keyPath]
            guard value <= allowed else {
                let text = ScenarioLimits.format(value, isSize: entry.isSize)
                throw node.error(
                    "\(text) is more than this run allows (\(ScenarioLimits.format(allowed, isSize: entry.isSize))); "
                        + "a scenario can only lower its limits: raise it with --limit \(entry.name)=\(text)")
            }
            effective[keyPath: entry.keyPath] = value
            ownNames.insert(entry.name)
        }
    }

    func run(on spec: ScenarioSpec) throws(ScenarioError) {
        if let vde = spec.network.vde, vde.startsProgram, !configured.allowsVDECommands {
            let node = root.child("network")?.child("vde")?.child("url") ?? root
            throw node.error(
                "the VDE URL \"\(vde.url)\" uses cmd://, which starts a program; a scenario may not do that unless the "
                    + "user allows it (nicsim run --allow-vde-command), or connect through a vde_switch (vde://)")
        }
        let receivers = spec.receivers
        try require(
            "receivers", Int64(receivers.count), at: root.child("receivers"), what: "\(receivers.count) receivers")

        // Hosts: the server, then every `host` receiver in order; the first one past the limit is the culprit.
        let hostIndices = receivers.indices.filter { receivers[$0].kind == .host }
        let hosts = Int64(1 + hostIndices.count)
        if hosts > effective.hosts {
            let culprit = hostIndices[Int(max(effective.hosts - 1, 0))]
            try require("hosts", hosts, at: root.child("receivers")?.item(culprit),
                        what: "\(hosts) emulated hosts (the server and \(hostIndices.count) receivers of kind host)")
        }

        let hostMemory = Int64(hostIndices.count) * ScenarioParser.hostReceiverMemory
        let memory = Int64(clamping: spec.server.memoryBytes).addingReportingOverflow(hostMemory)
        try require(
            "memory", memory.overflow ? .max : memory.partialValue,
            at: root.child("server")?.child("memory")
                ?? hostIndices.first.flatMap { root.child("receivers")?.item($0) },
            what: "the machines' memory adds up to \(size(memory.overflow ? .max : memory.partialValue)) (server "
                + "\(size(Int64(clamping: spec.server.memoryBytes))), \(hostIndices.count) hosts of "
                + "\(size(ScenarioParser.hostReceiverMemory)))")

        let rings = Int64(spec.server.txRingSize + spec.server.nic.rxRingSize)
            + Int64(hostIndices.count) * (ScenarioParser.hostReceiverTxRing + ScenarioParser.hostReceiverRxRing)
        try require(
            "ring-descriptors", rings,
            at: root.child("server")?.child("nic") ?? hostIndices.first.flatMap { root.child("receivers")?.item($0) },
            what: "the transmit and receive rings hold \(rings) descriptors together")

        // One switch port per machine and receiver (and the VDE port), one more output port per router.
        let routers = receivers.filter { $0.kind == .router }.count
        let ports = Int64(1 + receivers.count + (spec.network.vde == nil ? 0 : 1) + routers)
        let (portBuffers, overflow) = Int64(spec.network.portBufferBytes).multipliedReportingOverflow(by: ports)
        try require(
            "port-buffers", overflow ? .max : portBuffers,
            at: root.child("network")?.child("switch")?.child("port-buffer") ?? root.child("receivers"),
            what: "\(ports) output ports of \(size(Int64(spec.network.portBufferBytes))) add up to "
                + size(overflow ? .max : portBuffers))

        let buffers = spec.writes.entries.reduce(Int64(0)) { $0 + Int64($1.bytes) }
        try require(
            "buffers", buffers, at: root.child("writes")?.child("entries"),
            what: "the application's buffers add up to \(size(buffers))")
        let (traffic, trafficOverflow) = buffers.multipliedReportingOverflow(by: Int64(spec.writes.count))
        try require(
            "traffic", trafficOverflow ? .max : traffic,
            at: root.child("writes")?.child("count") ?? root.child("writes"),
            what: "\(spec.writes.count) writes of \(size(buffers)) send \(size(trafficOverflow ? .max : traffic))")

        if let streams = spec.streams {
            let list = root.child("streams")?.child("list")
            try require("streams", Int64(streams.list.count), at: list, what: "\(streams.list.count) streams")
            let playTime = streams.duration ?? spec.duration ?? ScenarioParser.defaultStreamPlayTime
            var total: Double = 0
            for (k, stream) in streams.list.enumerated() {
                guard case .generate(let rate, _) = stream.source else { continue }
                // Bits per second × picoseconds / 8e12; in floating point, as the product overflows 64 bits.
                total += Double(rate) * Double(playTime) / 8e12
                let bytes = total >= 9.2e18 ? Int64.max : Int64(total.rounded(.up))
                try require(
                    "stream-bytes", bytes, at: list?.item(k),
                    what: "generated streams hold \(size(bytes)) (\(stream.name): "
                        + "\(rate) b/s for \(duration(playTime)))")
            }
        }
    }

    /// Throws at `node` when `amount` exceeds the limit `name`.
    func require(_ name: String, _ amount: Int64, at node: ScenarioNode?, what: String) throws(ScenarioError) {
        guard let entry = ScenarioLimits.entry(named: name) else { return }
        let limit = effective[keyPath: entry.keyPath]
        guard amount > limit else { return }
        let limitText = ScenarioLimits.format(limit, isSize: entry.isSize)
        let amountText = ScenarioLimits.format(amount, isSize: entry.isSize)
        let whose =
            ownNames.contains(name)
            ? "the scenario's own limit of \(limitText) (limits.\(name))"
            : "the limit of \(limitText) on \(entry.meaning)"
        let message = "\(what): more than \(whose); raise it with --limit \(name)=\(amountText)"
        throw (node ?? root).error(message)
    }

    func size(_ bytes: Int64) -> String { ScenarioLimits.format(bytes, isSize: true) }

    /// Picoseconds in the largest unit that divides them (`10s`, `1500ms`).
    func duration(_ picoseconds: Int64) -> String {
        for (scale, unit) in [(Int64(1_000_000_000_000), "s"), (1_000_000_000, "ms"), (1_000_000, "us"), (1000, "ns")]
        where picoseconds % scale == 0 {
            return "\(picoseconds / scale)\(unit)"
        }
        return "\(picoseconds)ps"
    }
}

extension ScenarioNode {
    /// The value of `key` in this mapping node, with its key path; nil when absent or not a mapping.
    func child(_ key: String) -> ScenarioNode? {
        guard case .mapping(let mapping) = node else { return nil }
        for (keyNode, value) in mapping where keyNode.scalar?.string == key {
            return ScenarioNode(file: file, path: childPath(key), node: value, keyMark: keyNode.mark)
        }
        return nil
    }

    /// Item `index` of this sequence node, with its key path; nil when absent or not a sequence.
    func item(_ index: Int) -> ScenarioNode? {
        guard case .sequence(let sequence) = node, index >= 0, index < sequence.count else { return nil }
        let value = sequence[sequence.index(sequence.startIndex, offsetBy: index)]
        return ScenarioNode(file: file, path: "\(path)[\(index)]", node: value, keyMark: value.mark ?? node.mark)
    }
}
