import Scenarios
import SimCore
import WireFormats

/// A world described in code, step by step, for a test suite: a server, receivers behind a switch, and what the
/// server writes. ``run()`` builds it, runs it to the end and returns a ``TestRun`` to assert on.
///
/// Every step returns a changed copy, so a description reads top to bottom and can be shared between tests:
///
/// ```swift
/// let run = try TestWorld()
///     .receivers(2)
///     .write(64 * 1024, to: "rx1")
///     .write(20_000, to: "rx2")
///     .run()
/// try run.verify(.segments(45, to: "rx1"), .interrupts(1))
/// ```
///
/// The defaults are a scenario file's defaults: a 10 Gb/s server with one 3 GHz core, a zero-copy driver that
/// sends destination-major with one interrupt per write, 1,500-byte MTU, a 256 KiB buffer per switch port, one
/// write call. Receivers get the file defaults too: `192.0.2.(11 + i)`, port 5000, a 1 Gb/s link.
///
/// Mistakes in the description (a write to a receiver that does not exist, a duplicate name) do not trap: they
/// are collected and thrown by ``build()`` or ``run()`` as one ``Error`` that names each of them.
public struct TestWorld: Sendable {
    /// The scenario built so far. Change anything the steps do not cover with ``modify(_:)``.
    public private(set) var spec: ScenarioSpec
    /// What the run records. Interrupt times are recorded (``TestRun/interruptTimes``); pcap capture is off
    /// unless ``capturingPcap()`` turns it on.
    public private(set) var options: World.Options
    private var problems: [String] = []

    /// A description problem, or a world the simulator cannot build, with every reason on its own line.
    public struct Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        /// One reason per problem, in the order they were found.
        public var problems: [String]
        /// An error with these problems.
        public init(problems: [String]) { self.problems = problems }
        /// A first line, then one line per problem.
        public var description: String {
            "the test world cannot be built:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
        }
    }

    /// A server with the scenario file's defaults, no receivers and nothing to write yet.
    public init(seed: UInt64 = 1) {
        var spec = ScenarioSpec.testScenario(seed: seed, entries: [], receivers: 1)
        spec.receivers = []
        spec.writes.entries = []
        spec.network.portBufferBytes = 256 * 1024
        self.spec = spec
        var options = World.Options()
        options.recordInterruptTimes = true
        self.options = options
    }

    /// Starts from a finished spec, for instance one from `ScenarioSpec.testScenario(…)` or a scenario file.
    public init(spec: ScenarioSpec) {
        self.init(seed: spec.seed)
        self.spec = spec
    }

    /// Starts from a scenario file, with `KEY=VALUE` overrides as `nicsim run --set` takes them.
    ///
    /// - Throws: ``Error`` with the file's located message (`FILE:LINE:COLUMN: …`) when it does not parse.
    public init(contentsOf path: String, overrides: [String] = []) throws(Error) {
        var parsed: [ScenarioOverride] = []
        for text in overrides {
            guard let o = ScenarioOverride(text) else {
                throw Error(problems: ["override \(text): expected KEY=VALUE"])
            }
            parsed.append(o)
        }
        do {
            self.init(spec: try ScenarioParser.parse(contentsOf: path, overrides: parsed))
        } catch {
            throw Error(problems: [error.description])
        }
    }

    // MARK: Receivers

    /// Adds `count` plain listeners named `rx<k>` after the receivers already there, each at `rate` bits per
    /// second. A listener checks every checksum and digests every payload byte.
    public func receivers(_ count: Int, rate: Int64 = 1_000_000_000) -> TestWorld {
        var copy = self
        guard count >= 0 else { return copy.noting("receivers(\(count)): the count cannot be negative") }
        for _ in 0..<count { copy = copy.receiver("rx\(copy.spec.receivers.count + 1)", rate: rate) }
        return copy
    }

    /// Adds one receiver.
    ///
    /// - Parameters:
    ///   - name: Its name in checks and reports; unique, and not `all`.
    ///   - rate: Its link's rate, bits per second.
    ///   - delay: Its link's one-way propagation delay.
    ///   - kind: What sits behind the address (a listener unless said).
    ///   - port: The UDP port it listens on.
    public func receiver(_ name: String, rate: Int64 = 1_000_000_000, delay: SimDuration = .nanoseconds(500),
                         kind: ReceiverKind = .datagram, port: UInt16 = 5000) -> TestWorld {
        var copy = self
        if name == "all" || spec.receivers.contains(where: { $0.name == name }) {
            return copy.noting("receiver \"\(name)\": the name is \(name == "all" ? "reserved" : "taken")")
        }
        let i = spec.receivers.count
        guard i < 244 else { return copy.noting("receiver \"\(name)\": at most 244 receivers get a default address") }
        var r = ReceiverSpec(name: name, mac: MACAddress(rawValue: 0x0200_0000_0101 + UInt64(i)),
                             ip: IPv4Address(192, 0, 2, UInt8(11 + i)), port: port,
                             link: LinkSpec(rate: rate, delay: delay.rawValue))
        r.kind = kind
        copy.spec.receivers.append(r)
        return copy
    }

    /// Adds a set-top box that plays a stream of `rate` bits per second after `startupDelay` (kind
    /// `set-top-box`): it measures underflows, RFC 3550 jitter and the RFC 4445 delay factor.
    public func setTopBox(_ name: String, rate: Int64, startupDelay: SimDuration = .milliseconds(500),
                          rtp: Bool = false) -> TestWorld {
        var copy = receiver(name, kind: .setTopBox)
        guard let i = copy.spec.receivers.firstIndex(where: { $0.name == name }) else { return copy }
        copy.spec.receivers[i].setTopBox.rateBitsPerSecond = rate
        copy.spec.receivers[i].setTopBox.startupDelay = startupDelay.rawValue
        copy.spec.receivers[i].setTopBox.rtp = rtp
        return copy
    }

    // MARK: What the server writes

    /// Adds an entry to every write call: `bytes` for `receiver`, from a buffer that starts `pageOffset` bytes
    /// into its first page. The entries of one call go out in the order the driver chooses
    /// (``driver(kind:mode:order:interrupts:registerBuffers:packetSize:)``).
    public func write(_ bytes: Int, to receiver: String, pageOffset: Int = 0) -> TestWorld {
        var copy = self
        guard let i = spec.receivers.firstIndex(where: { $0.name == receiver }) else {
            return copy.noting("write(\(bytes), to: \"\(receiver)\"): \(unknown(receiver))")
        }
        guard bytes >= 0, (0..<4096).contains(pageOffset) else {
            return copy.noting("write(\(bytes), to: \"\(receiver)\", pageOffset: \(pageOffset)): "
                               + "bytes must be ≥ 0 and the offset 0…4095")
        }
        copy.spec.writes.entries.append(WriteEntrySpec(receiver: i, bytes: bytes, pageOffset: pageOffset))
        return copy
    }

    /// Adds one entry of `bytes` per receiver, in receiver order (a file's `to: all`).
    public func writeToAll(_ bytes: Int) -> TestWorld {
        spec.receivers.reduce(self) { world, r in world.write(bytes, to: r.name) }
    }

    /// Makes `count` write calls, `interval` apart (start to start), instead of one.
    public func repeated(_ count: Int, every interval: SimDuration) -> TestWorld {
        var copy = self
        guard count >= 1, interval.rawValue >= 1 else {
            return copy.noting("repeated(\(count), every: \(interval)): at least one call, a positive interval")
        }
        copy.spec.writes.count = count
        copy.spec.writes.interval = interval.rawValue
        return copy
    }

    /// How each call hands its data to the OS: one multi-destination write (the default), `sendto` per
    /// datagram, `sendmmsg` in batches of `batch`, or one aggregate message.
    public func sending(by method: SendMethod, batch: Int = 64) -> TestWorld {
        var copy = self
        copy.spec.writes.method = method
        copy.spec.writes.batch = batch
        return copy
    }

    // MARK: Server, NIC and switch

    /// Changes the driver's settings; arguments left out keep their value.
    public func driver(kind: DriverKind? = nil, mode: DriverMode? = nil, order: TransmitOrder? = nil,
                       interrupts: InterruptMode? = nil, registerBuffers: Bool? = nil, packetSize: Int? = nil)
        -> TestWorld
    {
        var copy = self
        if let kind { copy.spec.server.driverKind = kind }
        if let mode { copy.spec.server.driverMode = mode }
        if let order { copy.spec.server.order = order }
        if let interrupts { copy.spec.server.interrupts = interrupts }
        if let registerBuffers { copy.spec.server.registerBuffers = registerBuffers }
        if let packetSize {
            guard (68...copy.spec.server.mtu).contains(packetSize) else {
                return copy.noting("driver(packetSize: \(packetSize)): must be 68…\(copy.spec.server.mtu) (the MTU)")
            }
            copy.spec.server.packetSize = packetSize
        }
        return copy
    }

    /// Runs every machine's NIC with a driver of your own: `factory` builds it from the machine's device, memory and
    /// settings (`DriverContext`), as the scenario's `driver.kind` would build one of nicsim's.
    public func driver(_ factory: @escaping DriverFactory) -> TestWorld {
        var copy = self
        copy.options.driverFactory = factory
        return copy
    }

    /// Who cuts datagrams to packet size: the driver (the default) or the NIC (datasheet §7.2).
    public func segmentation(_ segmentation: SegmentationSpec) -> TestWorld {
        var copy = self
        copy.spec.server.nic.segmentation = segmentation
        return copy
    }

    /// Interrupt moderation on the server's NIC (datasheet §6): ITR's minimum interval between interrupts, the
    /// per-packet delay TIDV, the absolute delay TADV and a frame threshold. Times are rounded to the registers'
    /// units (256 ns for the interval, 1.024 µs for the delays) when the driver programs them.
    public func moderation(interval: SimDuration = .zero, txDelay: SimDuration = .zero,
                           txAbsoluteDelay: SimDuration = .zero, txFrames: Int = 0) -> TestWorld {
        var copy = self
        copy.spec.server.nic.interruptInterval = interval.rawValue
        copy.spec.server.nic.txDelay = txDelay.rawValue
        copy.spec.server.nic.txAbsoluteDelay = txAbsoluteDelay.rawValue
        copy.spec.server.nic.txFrames = txFrames
        return copy
    }

    /// The server's link: `rate` bits per second, one-way `delay`.
    public func serverLink(rate: Int64, delay: SimDuration = .nanoseconds(500)) -> TestWorld {
        var copy = self
        copy.spec.server.link = LinkSpec(rate: rate, delay: delay.rawValue)
        return copy
    }

    /// Bytes each switch output port may queue; more is dropped at the tail.
    public func switchBuffer(_ bytes: Int) -> TestWorld {
        var copy = self
        guard bytes >= 1 else { return copy.noting("switchBuffer(\(bytes)): at least one byte") }
        copy.spec.network.portBufferBytes = bytes
        return copy
    }

    // MARK: Policies

    /// A transmit policy on the server: datagrams for `flow` go to `targets` instead (A3).
    public func redirect(_ flow: String, to targets: [String], in placement: PolicyPlacementSpec = .os) -> TestWorld {
        policy(flow, to: targets, redirect: true, placement: placement)
    }

    /// A transmit policy on the server: datagrams for `flow` go there and to each of `targets` as well (A4).
    public func replicate(_ flow: String, to targets: [String], in placement: PolicyPlacementSpec = .os) -> TestWorld {
        policy(flow, to: targets, redirect: false, placement: placement)
    }

    private func policy(_ flow: String, to targets: [String], redirect: Bool, placement: PolicyPlacementSpec)
        -> TestWorld
    {
        var copy = self
        let verb = redirect ? "redirect" : "replicate"
        guard let f = spec.receivers.first(where: { $0.name == flow }) else {
            return copy.noting("\(verb)(\"\(flow)\"): \(unknown(flow))")
        }
        var resolved: [PolicyTargetSpec] = []
        for t in targets {
            guard let r = spec.receivers.first(where: { $0.name == t }) else {
                return copy.noting("\(verb)(\"\(flow)\", to: \"\(t)\"): \(unknown(t))")
            }
            resolved.append(.remote(ip: r.ip, port: r.port))
        }
        let id = (spec.policies.map(\.id).max() ?? 0) + 1
        copy.spec.policies.append(PolicySpec(id: id, host: nil, direction: .transmit, placement: placement,
                                             matchIP: f.ip, matchPort: f.port, matchSource: nil, redirect: redirect,
                                             targets: resolved))
        return copy
    }

    // MARK: Everything else

    /// The seed every random stream (the application's bytes, link loss) derives from.
    public func seed(_ seed: UInt64) -> TestWorld {
        var copy = self
        copy.spec.seed = seed
        return copy
    }

    /// Stops the run at `duration` of virtual time even if events remain.
    public func duration(_ duration: SimDuration) -> TestWorld {
        var copy = self
        copy.spec.duration = duration.rawValue
        return copy
    }

    /// Records the frames the server transmits as pcap (``TestRun/pcapBytes``).
    public func capturingPcap() -> TestWorld {
        var copy = self
        copy.options.capturePcap = true
        return copy
    }

    /// Changes the spec directly, for settings no step covers (an IOMMU, receive policies, media streams …).
    public func modify(_ change: (inout ScenarioSpec) -> Void) -> TestWorld {
        var copy = self
        change(&copy.spec)
        return copy
    }

    // MARK: Building and running

    /// Builds the world without running it, for tests that step the simulator themselves.
    ///
    /// - Throws: ``Error`` naming every problem of the description, or the world builder's own.
    public func build() throws(Error) -> World {
        var problems = self.problems
        if spec.receivers.isEmpty { problems.append("no receivers: add receivers(_:) or receiver(_:)") }
        if spec.writes.entries.isEmpty && spec.streams == nil {
            problems.append("nothing to send: add write(_:to:) or writeToAll(_:)")
        }
        guard problems.isEmpty else { throw Error(problems: problems) }
        do {
            return try World(spec: spec, options: options)
        } catch {
            throw Error(problems: [error.description])
        }
    }

    /// Builds the world, runs it until nothing is left (or the duration passes) and returns what it did.
    public func run() throws(Error) -> TestRun {
        let world = try build()
        let outcome = world.run()
        return TestRun(world: world, outcome: outcome)
    }

    private mutating func noting(_ problem: String) -> TestWorld {
        problems.append(problem)
        return self
    }

    private func unknown(_ name: String) -> String {
        let names = spec.receivers.map(\.name)
        return "no receiver named \"\(name)\" ("
            + (names.isEmpty ? "none yet" : "receivers: " + names.joined(separator: ", ")) + ")"
    }
}
