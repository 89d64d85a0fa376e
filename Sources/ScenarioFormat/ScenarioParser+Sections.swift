import Foundation
import WireFormats

/// The walk over a composed scenario document: one function per section, each checking keys, types, ranges
/// and cross-references and filling in the defaults documented on ``ScenarioParser``.
extension ScenarioParser {
    // MARK: - Limits and defaults

    static let picosecondsPerSecond: Int64 = 1_000_000_000_000
    static let oneDay: Int64 = 86_400 * picosecondsPerSecond
    static let oneHour: Int64 = 3_600 * picosecondsPerSecond
    static let oneSecond: Int64 = picosecondsPerSecond
    static let kibibyte: Int64 = 1 << 10
    static let mebibyte: Int64 = 1 << 20
    static let gibibyte: Int64 = 1 << 30

    static let maximumReceivers = 4096
    static let maximumWriteEntries = 65536
    static let maximumWriteCount: Int64 = 1_000_000
    /// Receivers that get a default address: 192.0.2.11 … 192.0.2.254.
    static let receiversWithDefaultAddress = 244

    static let defaultServerMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    static let defaultServerIP = IPv4Address(192, 0, 2, 1)

    // MARK: - Top level

    static func decodeScenario(_ root: ScenarioNode, defaultName: String) throws(ScenarioError) -> ScenarioSpec {
        let top = try root.mapping(allowed: [
            "name", "seed", "duration", "server", "network", "receivers", "writes", "policies", "streams", "expect",
            "faults", "limits",
        ])
        let name = try top["name"]?.name() ?? defaultName
        let seed = try top["seed"]?.unsignedInteger() ?? 1
        let duration = try top["duration"]?.duration(in: 1...oneDay, bounds: "1ps to 1 day (86400s)")
        let server = try decodeServer(top["server"])
        let network = try decodeNetwork(top["network"])
        let receivers = try decodeReceivers(
            top.required("receivers", "a list of receivers such as [{ name: rx1 }]"), server: server)
        let writes: WritesSpec
        if top["writes"] == nil && top["streams"] != nil {
            writes = WritesSpec(count: 0, interval: 1_000_000_000, entries: [])
        } else {
            writes = try decodeWrites(
                top.required("writes", "a mapping with entries: [{ to: RECEIVER, size: SIZE }] (or a streams section)"),
                receivers: receivers)
        }
        var spec = ScenarioSpec(
            name: name, seed: seed, duration: duration, server: server, network: network, receivers: receivers,
            writes: writes)
        if let policies = top["policies"] {
            spec.policies = try decodePolicies(policies, server: server, receivers: receivers)
        }
        if let streams = top["streams"] {
            spec.streams = try decodeStreams(streams, receivers: receivers, file: root.file)
        }
        if let expect = top["expect"] { spec.expectations = try decodeExpectations(expect, spec: spec) }
        if let faults = top["faults"] { spec.faults = try decodeFaults(faults, spec: spec, file: root.file) }
        return spec
    }

    // MARK: - Server

    static func decodeServer(_ node: ScenarioNode?) throws(ScenarioError) -> ServerSpec {
        let fields = try node?.mapping(allowed: [
            "name", "mac", "ip", "port", "link", "cpu", "memory", "nic", "driver",
        ])
        let name = try fields?["name"]?.name() ?? "server"
        let mac = try fields?["mac"]?.macAddress() ?? defaultServerMAC
        let ip = try fields?["ip"]?.ipv4Address() ?? defaultServerIP
        let port = try fields?["port"]?.port() ?? 4000
        let link = try decodeLink(fields?["link"], defaultRate: 10_000_000_000, defaultDelay: 500_000)

        let cpu = try fields?["cpu"]?.mapping(allowed: ["cores", "clock"])
        let cores = try cpu?["cores"]?.integer(in: 1...256) ?? 1
        let clock =
            try cpu?["clock"]?.clock(in: 1_000_000...100_000_000_000, bounds: "1MHz to 100GHz")
            ?? 3_000_000_000

        let memory =
            try fields?["memory"]?.size(in: mebibyte...64 * gibibyte, bounds: "1MiB to 64GiB")
            ?? 256 * mebibyte

        let nic = try fields?["nic"]?.mapping(allowed: [
            "tx-ring", "rx-ring", "segmentation", "dma", "packet-buffer", "moderation", "iommu", "clock",
        ])
        var txRing: Int64 = 1024
        if let ring = nic?["tx-ring"] {
            let what = "a power of two from 8 to 65536"
            guard let value = try? ring.integer(in: 8...65536), value & (value - 1) == 0 else {
                throw ring.expected(what)
            }
            txRing = value
        }
        var nicSpec = NICSpec()
        if let ring = nic?["rx-ring"] {
            let what = "0 (no receive ring) or a power of two from 8 to 65536"
            guard let value = try? ring.integer(in: 0...65536), value == 0 || (value >= 8 && value & (value - 1) == 0)
            else {
                throw ring.expected(what)
            }
            nicSpec.rxRingSize = Int(value)
        }
        nicSpec.segmentation = try nic?["segmentation"]?.choice(SegmentationSpec.self) ?? .driver
        if let dma = try nic?["dma"]?.mapping(allowed: ["latency", "bandwidth"]) {
            nicSpec.dmaLatency =
                try dma["latency"]?.duration(in: 0...oneSecond, bounds: "0 to 1s") ?? nicSpec.dmaLatency
            nicSpec.dmaBitsPerSecond =
                try dma["bandwidth"]?.rate(in: 1_000_000...10_000_000_000_000, bounds: "1Mbps to 10000Gbps")
                ?? nicSpec.dmaBitsPerSecond
        }
        if let buffer = nic?["packet-buffer"] {
            nicSpec.packetBufferBytes = Int(try buffer.size(in: 2 * kibibyte...16 * mebibyte, bounds: "2KiB to 16MiB"))
        }
        if let node = nic?["iommu"] {
            let m = try node.mapping(allowed: ["iotlb", "policy", "miss-latency", "invalidation"])
            var iommu = IOMMUSpec()
            iommu.iotlbEntries = Int(try m["iotlb"]?.integer(in: 0...1_048_576) ?? 64)
            if let policy = m["policy"] {
                let text = try policy.name()
                guard text == "lru" || text == "fifo" else { throw policy.expected("lru or fifo") }
                iommu.fifo = text == "fifo"
            }
            iommu.missLatency =
                try m["miss-latency"]?.duration(in: 0...oneSecond, bounds: "0 to 1s") ?? iommu.missLatency
            if let mode = m["invalidation"] {
                let text = try mode.name()
                guard let parsed = IOMMUInvalidation(rawValue: text) else { throw mode.expected("strict or deferred") }
                iommu.invalidation = parsed
            }
            nicSpec.iommu = iommu
        }
        if let node = nic?["clock"] { (nicSpec.clockOffsetNanoseconds, nicSpec.clockDriftPPB) = try node.deviceClock() }
        if let m = try nic?["moderation"]?.mapping(allowed: [
            "interval", "tx-delay", "tx-absolute", "tx-frames", "rx-delay", "rx-absolute", "rx-frames",
        ]) {
            // Register limits: 16-bit counts of 256 ns (interval) or 1.024 µs (delays).
            let intervalMax: Int64 = 65_535 * 256_000
            let delayMax: Int64 = 65_535 * 1_024_000
            nicSpec.interruptInterval = try m["interval"]?.duration(in: 0...intervalMax, bounds: "0 to 16.776ms") ?? 0
            nicSpec.txDelay = try m["tx-delay"]?.duration(in: 0...delayMax, bounds: "0 to 67.107ms") ?? 0
            nicSpec.txAbsoluteDelay = try m["tx-absolute"]?.duration(in: 0...delayMax, bounds: "0 to 67.107ms") ?? 0
            nicSpec.txFrames = Int(try m["tx-frames"]?.integer(in: 0...65_535) ?? 0)
            nicSpec.rxDelay = try m["rx-delay"]?.duration(in: 0...delayMax, bounds: "0 to 67.107ms") ?? 0
            nicSpec.rxAbsoluteDelay = try m["rx-absolute"]?.duration(in: 0...delayMax, bounds: "0 to 67.107ms") ?? 0
            nicSpec.rxFrames = Int(try m["rx-frames"]?.integer(in: 0...65_535) ?? 0)
        }

        let driver = try fields?["driver"]?.mapping(allowed: [
            "kind", "mode", "order", "interrupts", "mtu", "packet-size", "register-buffers", "watchdog",
            "budget", "tx-queues", "bql", "vectors", "report-sent", "head-write-back",
        ])
        let mode = try driver?["mode"]?.choice(DriverMode.self) ?? .zeroCopy
        let order = try driver?["order"]?.choice(TransmitOrder.self) ?? .destinationMajor
        let interrupts = try driver?["interrupts"]?.choice(InterruptMode.self) ?? .perWrite
        let mtu = try driver?["mtu"]?.integer(in: 68...9000) ?? 1500
        var packetSize = mtu
        if let packet = driver?["packet-size"] {
            // 68 bytes is the smallest IPv4 MTU and leaves room for the 28 header bytes plus payload.
            packetSize = try packet.integer(in: 68...9000)
            guard packetSize <= mtu else {
                throw packet.error(
                    "packet size \(packetSize) is larger than the MTU (\(mtu)); expected 68 to \(mtu)")
            }
        }
        let registerBuffers = try driver?["register-buffers"]?.bool() ?? true

        var server = ServerSpec(
            name: name, mac: mac, ip: ip, link: link, cores: Int(cores), clockHz: clock,
            memoryBytes: UInt64(memory), txRingSize: Int(txRing), driverMode: mode, order: order,
            interrupts: interrupts, mtu: Int(mtu), packetSize: Int(packetSize), registerBuffers: registerBuffers,
            sourcePort: port)
        server.nic = nicSpec
        server.watchdog = try driver?["watchdog"]?.duration(in: 0...oneSecond, bounds: "0 (none) to 1s") ?? 0
        server.reportPacketSent = try driver?["report-sent"]?.bool() ?? false
        (server.driverKind, server.napi) = try decodeDriverKind(driver)
        return server
    }

    /// The `kind` of a `driver` mapping and the NAPI-style driver's settings (read whatever the kind, so that a
    /// comparison of both drivers can set them once).
    static func decodeDriverKind(_ driver: ScenarioMapping?) throws(ScenarioError) -> (DriverKind, NAPISpec) {
        let kind = try driver?["kind"]?.choice(DriverKind.self) ?? .reference
        var napi = NAPISpec()
        napi.budget = Int(try driver?["budget"]?.integer(in: 1...65_536) ?? 64)
        napi.transmitQueues = Int(try driver?["tx-queues"]?.integer(in: 0...8) ?? 0)
        napi.byteQueueLimit = try driver?["bql"]?.bool() ?? true
        napi.headWriteBack = try driver?["head-write-back"]?.bool() ?? false
        napi.msix = try (driver?["vectors"]?.choice(InterruptVectors.self) ?? .legacy) == .msix
        return (kind, napi)
    }

    static func decodeLink(
        _ node: ScenarioNode?, defaultRate: Int64, defaultDelay: Int64
    ) throws(ScenarioError) -> LinkSpec {
        let fields = try node?.mapping(allowed: ["rate", "delay"])
        let rate = try fields?["rate"]?.rate(in: 1...1_000_000_000_000, bounds: "1bps to 1000Gbps") ?? defaultRate
        let delay = try fields?["delay"]?.duration(in: 0...picosecondsPerSecond, bounds: "0 to 1s") ?? defaultDelay
        return LinkSpec(rate: rate, delay: delay)
    }

    // MARK: - Network

    static func decodeNetwork(_ node: ScenarioNode?) throws(ScenarioError) -> NetworkSpec {
        let fields = try node?.mapping(allowed: ["switch", "vde"])
        let switchFields = try fields?["switch"]?.mapping(allowed: ["port-buffer"])
        let buffer =
            try switchFields?["port-buffer"]?.size(in: 1...gibibyte, bounds: "1B to 1GiB")
            ?? 256 * kibibyte
        var network = NetworkSpec(portBufferBytes: Int(buffer))
        if let vdeNode = fields?["vde"] {
            let v = try vdeNode.mapping(allowed: [
                "url", "rate", "real-time", "poll", "arp", "real-time-priority", "spin", "catch-up-limit",
            ])
            var vde = VDESpec(url: try v.required("url", "a libvdeplug URL such as vde:///tmp/switch").name())
            vde.rate = try v["rate"]?.rate(in: 1_000_000...100_000_000_000, bounds: "1Mbps to 100Gbps") ?? vde.rate
            vde.realTime = try v["real-time"]?.bool() ?? true
            vde.pollInterval =
                try v["poll"]?.duration(in: 1_000_000...oneSecond, bounds: "1us to 1s") ?? vde.pollInterval
            vde.resolveByARP = try v["arp"]?.bool() ?? true
            vde.realTimePriority = try v["real-time-priority"]?.bool() ?? false
            vde.spinThreshold = try v["spin"]?.duration(in: 0...1_000_000_000, bounds: "0 to 1ms") ?? vde.spinThreshold
            vde.catchUpLimit =
                try v["catch-up-limit"]?.duration(in: 1_000_000...10 * oneSecond, bounds: "1us to 10s")
                ?? vde.catchUpLimit
            network.vde = vde
        }
        return network
    }

    // MARK: - Receivers

    static func decodeReceivers(_ node: ScenarioNode, server: ServerSpec) throws(ScenarioError) -> [ReceiverSpec] {
        let items = try node.sequence(count: 1...maximumReceivers, of: "receivers")
        var receivers: [ReceiverSpec] = []
        receivers.reserveCapacity(items.count)
        var indexByName: [String: Int] = [:]
        var indexByIP: [IPv4Address: Int] = [:]
        var indexByMAC: [MACAddress: Int] = [:]
        for (index, item) in items.enumerated() {
            let fields = try item.mapping(allowed: [
                "name", "ip", "mac", "port", "link", "kind", "sockets", "set-top-box",
                "driver",
            ])

            let nameNode = fields["name"]
            let name = try nameNode?.name() ?? "rx\(index + 1)"
            guard name != "all" else {
                throw (nameNode ?? item).error("the receiver name \"all\" is reserved (`to: all` means every receiver)")
            }
            if let other = indexByName[name] {
                throw (nameNode ?? item).error(
                    "duplicate receiver name \(ScenarioNode.quoted(name)) (also receivers[\(other)])")
            }
            indexByName[name] = index

            let ipNode = fields["ip"]
            let ip: IPv4Address
            if let ipNode {
                ip = try ipNode.ipv4Address()
            } else {
                guard index < receiversWithDefaultAddress else {
                    throw item.error(
                        "no default address left: receivers 0 to \(receiversWithDefaultAddress - 1) get "
                            + "192.0.2.11 to 192.0.2.254; give this one an ip")
                }
                ip = IPv4Address(192, 0, 2, UInt8(11 + index))
            }
            if ip == server.ip {
                throw (ipNode ?? item).error("address \(ip) is the server's address")
            }
            if let other = indexByIP[ip] {
                throw (ipNode ?? item).error("duplicate receiver address \(ip) (also receivers[\(other)])")
            }
            indexByIP[ip] = index

            let macNode = fields["mac"]
            let defaultMACValue = 0x0101 + index
            let mac =
                try macNode?.macAddress()
                ?? MACAddress(0x02, 0, 0, 0, UInt8(defaultMACValue >> 8), UInt8(defaultMACValue & 0xFF))
            if mac == server.mac {
                throw (macNode ?? item).error("MAC address \(mac) is the server's MAC address")
            }
            if let other = indexByMAC[mac] {
                throw (macNode ?? item).error("duplicate receiver MAC address \(mac) (also receivers[\(other)])")
            }
            indexByMAC[mac] = index

            let port = try fields["port"]?.port() ?? 5000
            let link = try decodeLink(fields["link"], defaultRate: 1_000_000_000, defaultDelay: 500_000)
            var receiver = ReceiverSpec(name: name, mac: mac, ip: ip, port: port, link: link)
            receiver.kind = try fields["kind"]?.choice(ReceiverKind.self) ?? .datagram
            if let driverNode = fields["driver"] {
                guard receiver.kind == .host else {
                    throw driverNode.error("a driver runs receivers of kind host only")
                }
                (receiver.driverKind, receiver.napi) = try decodeDriverKind(
                    try driverNode.mapping(allowed: [
                        "kind", "budget", "tx-queues", "bql", "vectors", "head-write-back",
                    ]))
            }
            if let socketsNode = fields["sockets"] {
                guard receiver.kind == .host else {
                    throw socketsNode.error("sockets are bound on receivers of kind host")
                }
                receiver.sockets = try socketsNode.sequence(count: 0...64, of: "ports").map {
                    node throws(ScenarioError) in
                    try node.port()
                }
            }
            if let boxNode = fields["set-top-box"] {
                guard receiver.kind == .setTopBox else {
                    throw boxNode.error("set-top-box settings need kind: set-top-box")
                }
                let box = try boxNode.mapping(allowed: ["rate", "startup-delay", "buffer", "rtp", "payload"])
                var spec = SetTopBoxSpec()
                spec.rateBitsPerSecond = try box["rate"]?.rate(in: 1_000...100_000_000_000, bounds: "1Kbps to 100Gbps")
                    ?? spec.rateBitsPerSecond
                spec.startupDelay =
                    try box["startup-delay"]?.duration(in: 0...oneHour, bounds: "0 to 1h") ?? spec.startupDelay
                spec.bufferBytes = Int(
                    try box["buffer"]?.size(in: 188...gibibyte, bounds: "188B to 1GiB") ?? Int64(spec.bufferBytes))
                spec.rtp = try box["rtp"]?.bool() ?? false
                if let payload = box["payload"] {
                    let text = try payload.name()
                    guard text == "ts" || text == "opaque" else { throw payload.expected("ts or opaque") }
                    spec.transportStream = text == "ts"
                }
                receiver.setTopBox = spec
            }
            receivers.append(receiver)
        }
        return receivers
    }

    // MARK: - Writes

    static func decodeWrites(_ node: ScenarioNode, receivers: [ReceiverSpec]) throws(ScenarioError) -> WritesSpec {
        let fields = try node.mapping(allowed: ["count", "interval", "entries", "method", "batch", "timing"])
        let count = try fields["count"]?.integer(in: 1...maximumWriteCount) ?? 1
        let intervalNode = fields["interval"]
        let interval = try intervalNode?.duration(in: 1...oneHour, bounds: "1ps to 1h") ?? 1_000_000_000
        let (span, overflow) = (count - 1).multipliedReportingOverflow(by: interval)
        if overflow || span > oneDay {
            throw (intervalNode ?? fields["count"] ?? node).error(
                "\(count) writes every \(intervalNode?.scalarTextOrNil ?? "1ms") span more than 1 day of virtual time")
        }

        let entriesNode = try fields.required("entries", "a list of { to: RECEIVER, size: SIZE }")
        let items = try entriesNode.sequence(count: 1...maximumWriteEntries, of: "write entries")
        var indexByName: [String: Int] = [:]
        for (index, receiver) in receivers.enumerated() { indexByName[receiver.name] = index }

        var entries: [WriteEntrySpec] = []
        for item in items {
            let entry = try item.mapping(allowed: ["to", "size", "offset"])
            let toNode = try entry.required("to", "a receiver name or all")
            let to = try toNode.name()
            let bytes = try entry.required("size", "bytes to send, like 64KiB")
                .size(in: 0...gibibyte, bounds: "0 to 1GiB")
            let offset = try entry["offset"]?.integer(in: 0...4095) ?? 0
            if to == "all" {
                guard entries.count + receivers.count <= maximumWriteEntries else {
                    throw item.error(
                        "`to: all` makes more than \(maximumWriteEntries) write entries in total (one per receiver)")
                }
                for receiver in receivers.indices {
                    entries.append(WriteEntrySpec(receiver: receiver, bytes: Int(bytes), pageOffset: Int(offset)))
                }
            } else {
                guard let receiver = indexByName[to] else {
                    throw toNode.error(
                        "unknown receiver \(ScenarioNode.quoted(to)); expected all or one of: "
                            + receiverList(receivers))
                }
                guard entries.count < maximumWriteEntries else {
                    throw item.error("more than \(maximumWriteEntries) write entries in total")
                }
                entries.append(WriteEntrySpec(receiver: receiver, bytes: Int(bytes), pageOffset: Int(offset)))
            }
        }
        var writes = WritesSpec(count: Int(count), interval: interval, entries: entries)
        writes.method = try fields["method"]?.choice(SendMethod.self) ?? .multiWrite
        writes.batch = Int(try fields["batch"]?.integer(in: 1...1024) ?? 64)
        if let timingNode = fields["timing"] {
            let t = try timingNode.mapping(allowed: ["kind", "over", "start", "spacing", "period", "delivery"])
            var timing = TimingSpec()
            timing.kind = try t["kind"]?.choice(TimingKind.self) ?? .immediate
            timing.over = try t["over"]?.duration(in: 1...oneHour, bounds: "1ps to 1h") ?? 0
            timing.start = try t["start"]?.duration(in: 0...oneHour, bounds: "0 to 1h") ?? 0
            timing.spacing = try (t["spacing"] ?? t["period"])?.duration(in: 1...oneHour, bounds: "1ps to 1h") ?? 0
            if let delivery = t["delivery"] {
                let text = try delivery.name()
                guard text == "os-queue" || text == "launch-time" else {
                    throw delivery.expected("os-queue or launch-time")
                }
                timing.launchTime = text == "launch-time"
            }
            switch timing.kind {
            case .range where timing.over == 0:
                throw timingNode.error("timing kind range needs over: DURATION (the range's length)")
            case .sequence where timing.spacing == 0, .relative where timing.spacing == 0,
                .absolute where timing.spacing == 0:
                throw timingNode.error("timing kind \(timing.kind.rawValue) needs spacing: DURATION (or period:)")
            default: break
            }
            guard writes.method == .aggregate else {
                throw timingNode.error("timing applies to method: aggregate")
            }
            writes.timing = timing
        }
        return writes
    }

    // MARK: - Streams

    static func decodeStreams(_ node: ScenarioNode, receivers: [ReceiverSpec], file: String) throws(ScenarioError)
        -> StreamsSpec
    {
        let f = try node.mapping(allowed: ["interval", "order", "method", "delivery", "duration", "list"])
        var spec = StreamsSpec()
        if let interval = f["interval"] {
            if (try? interval.name()) != "standard" {
                spec.interval = try interval.duration(in: 1_000...oneHour, bounds: "1ns to 1h, or standard")
            }
        }
        if let order = f["order"] {
            let text = try order.name()
            guard text == "due-time" || text == "stream-major" else { throw order.expected("due-time or stream-major") }
            spec.streamMajor = text == "stream-major"
        }
        if let method = f["method"] {
            let text = try method.name()
            guard text == "multi-write" || text == "aggregate" else {
                throw method.expected("multi-write or aggregate")
            }
            spec.aggregate = text == "aggregate"
        }
        if let delivery = f["delivery"] {
            let text = try delivery.name()
            guard text == "launch-time" || text == "os-queue" else {
                throw delivery.expected("launch-time or os-queue")
            }
            spec.launchTime = text == "launch-time"
        }
        spec.duration = try f["duration"]?.duration(in: 1...oneDay, bounds: "1ps to 1 day")
        var byName: [String: Int] = [:]
        for (i, r) in receivers.enumerated() { byName[r.name] = i }
        let folder = (file as NSString).deletingLastPathComponent
        for (k, item) in try f.required("list", "a list of streams").sequence(count: 1...256, of: "streams")
            .enumerated()
        {
            let s = try item.mapping(allowed: [
                "name", "to", "from", "generate", "file", "format", "rate", "rtp", "datagram",
            ])
            let name = try s["name"]?.name() ?? "stream\(k + 1)"
            var destinations: [Int] = []
            for t in try s.required("to", "a list of receiver names").sequence(count: 1...4096, of: "destinations") {
                let text = try t.name()
                guard let i = byName[text] else { throw t.error("unknown receiver \(ScenarioNode.quoted(text))") }
                destinations.append(i)
            }
            let source: StreamSpec.Source
            switch (s["generate"], s["file"]) {
            case (let g?, nil):
                let m = try g.mapping(allowed: ["rate", "seed"])
                let rate = try m.required("rate", "the mux rate, like 4Mbps").rate(in: 150_400...1_000_000_000,
                                                                                    bounds: "150.4Kbps to 1Gbps")
                source = .generate(rate: rate, seed: try m["seed"]?.unsignedInteger() ?? UInt64(k + 1))
            case (nil, let path?):
                var text = try path.name()
                if !text.hasPrefix("/") && !folder.isEmpty { text = folder + "/" + text }
                var ts = true
                if let format = s["format"] {
                    let fm = try format.name()
                    guard fm == "ts" || fm == "opaque" else { throw format.expected("ts or opaque") }
                    ts = fm == "ts"
                }
                source = .file(path: text, transportStream: ts)
            default:
                throw item.error("a stream needs exactly one of generate: { rate } and file: PATH")
            }
            var stream = StreamSpec(name: name, destinations: destinations, source: source)
            if let from = s["from"] {
                let text = try from.name()
                if let i = byName[text] {
                    guard receivers[i].kind == .host else {
                        throw from.error("streams play from the server or from a receiver of kind host")
                    }
                    stream.from = i
                } else if text != "server" {
                    throw from.error("unknown server \(ScenarioNode.quoted(text))")
                }
            }
            stream.rate = try s["rate"]?.rate(in: 1_000...100_000_000_000, bounds: "1Kbps to 100Gbps")
            if case .file(_, false) = source, stream.rate == nil {
                throw item.error("an opaque file needs rate: its declared bit rate")
            }
            stream.rtp = try s["rtp"]?.bool() ?? false
            if let d = s["datagram"], (try? d.name()) != "standard" {
                stream.datagramBytes = Int(try d.size(in: 1...65_507, bounds: "1B to 65507B, or standard"))
            }
            spec.list.append(stream)
        }
        return spec
    }

    // MARK: - Policies

    static func decodePolicies(_ node: ScenarioNode, server: ServerSpec, receivers: [ReceiverSpec])
        throws(ScenarioError) -> [PolicySpec]
    {
        var byName: [String: Int] = [:]
        for (i, r) in receivers.enumerated() { byName[r.name] = i }
        var result: [PolicySpec] = []
        for item in try node.sequence(count: 0...256, of: "policies") {
            let f = try item.mapping(allowed: [
                "id", "on", "direction", "placement", "match", "action", "targets", "at", "until", "via",
            ])
            let id = Int(try f.required("id", "a policy id (an integer)").integer(in: 0...1_000_000))
            var host: Int?
            if let on = f["on"] {
                let name = try on.name()
                if name != server.name {
                    guard let i = byName[name], receivers[i].kind == .host || receivers[i].kind == .router else {
                        throw on.error("policies go on the server or on a receiver of kind host or router; "
                                       + "\(ScenarioNode.quoted(name)) is neither")
                    }
                    host = i
                }
            }
            let direction = try f["direction"]?.choice(PolicyDirectionSpec.self) ?? (host == nil ? .transmit : .receive)
            let placement = try f["placement"]?.choice(PolicyPlacementSpec.self) ?? .os
            let match = try f.required("match", "{ to: RECEIVER } or { ip: ADDRESS, port: PORT }")
                .mapping(allowed: ["to", "ip", "port", "from"])
            var ip: IPv4Address
            var port: UInt16
            if let to = match["to"] {
                let name = try to.name()
                guard let i = byName[name] else { throw to.error("unknown receiver \(ScenarioNode.quoted(name))") }
                ip = receivers[i].ip
                port = receivers[i].port
            } else {
                ip = try match.required("ip", "the destination address to match").ipv4Address()
                port = try match.required("port", "the destination port to match").port()
            }
            if let p = match["port"], match["to"] != nil { port = try p.port() }
            let source = try match["from"]?.ipv4Address()
            let actionNode = try f.required("action", "redirect or replicate")
            let action = try actionNode.name()
            guard action == "redirect" || action == "replicate" else {
                throw actionNode.expected("redirect or replicate")
            }
            var targets: [PolicyTargetSpec] = []
            for t in try f.required("targets", "a list of receiver names, IP:PORT or local:PORT").sequence(
                count: 1...8, of: "targets")
            {
                let text = try t.name()
                if text.hasPrefix("local:") {
                    guard let p = UInt16(text.dropFirst(6)), p > 0 else { throw t.expected("local:PORT") }
                    targets.append(.local(port: p))
                } else if let i = byName[text] {
                    targets.append(.remote(ip: receivers[i].ip, port: receivers[i].port))
                } else if let colon = text.lastIndex(of: ":"), let a = IPv4Address(String(text[..<colon])),
                          let p = UInt16(text[text.index(after: colon)...]), p > 0 {
                    targets.append(.remote(ip: a, port: p))
                } else {
                    throw t.error(
                        "unknown target \(ScenarioNode.quoted(text)); expected a receiver name, IP:PORT or local:PORT")
                }
            }
            if let h = host, receivers[h].kind == .router {
                guard direction == .receive, placement == .os,
                      !targets.contains(where: { if case .local = $0 { return true } else { return false } }) else {
                    throw item.error(
                        "a router's policies act on what it receives, to remote targets (direction: receive)")
                }
            }
            if placement == .nic
                && targets.contains(where: { if case .local = $0 { return true } else { return false } })
            {
                throw item.error("a policy in the NIC cannot deliver to local sockets; use placement: os")
            }
            var spec = PolicySpec(
                id: id, host: host, direction: direction, placement: placement, matchIP: ip,
                matchPort: port, matchSource: source, redirect: action == "redirect", targets: targets)
            if let via = f["via"] {
                let text = try via.name()
                guard text == "network" || text == "direct" else { throw via.expected("network or direct") }
                guard text == "direct" || host.map({ receivers[$0].kind == .router }) == true else {
                    throw via.error("via: network hands a policy to a router; put it on a receiver of kind router")
                }
                spec.viaNetwork = text == "network"
            }
            spec.installAt = try f["at"]?.duration(in: 0...oneDay, bounds: "0 to 1 day") ?? 0
            // The same id on the same element replaces an earlier policy, at a later time.
            if result.contains(where: { $0.id == id && $0.host == host && $0.installAt == spec.installAt }) {
                throw item.error("duplicate policy id \(id)")
            }
            if let until = f["until"] {
                let end = try until.duration(in: 0...oneDay, bounds: "0 to 1 day")
                guard end > spec.installAt else { throw until.error("until must come after at") }
                spec.removeAt = end
            }
            result.append(spec)
        }
        return result
    }

    /// The receivers' names for an error message, at most ten of them.
    private static func receiverList(_ receivers: [ReceiverSpec]) -> String {
        let names = receivers.prefix(10).map(\.name).joined(separator: ", ")
        return receivers.count > 10 ? names + ", … (\(receivers.count) receivers)" : names
    }
}
