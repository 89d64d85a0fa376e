import Foundation
import NICSimTesting
import Testing

@testable import ScenarioFormat
import Scenarios

@Suite("Scenario limits: asking for too much of the machine is refused")
struct ScenarioLimitsTests {
    /// A scenario that asks for too much of one thing, the place and message of its refusal, and the `--limit`
    /// that lets it through.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var line: Int
        var message: String
        var raise: String
        var testDescription: String { name }
    }

    static let receivers = "receivers:\n  - { name: rx1 }\n  - { name: rx2 }\n"
    static let writes = "writes: { entries: [{ to: all, size: 1500 }] }\n"

    static let cases: [Case] = [
        Case(
            name: "memory", yaml: "server: { memory: 64GiB }\n" + receivers + writes, line: 1,
            message: "server.memory: the machines' memory adds up to 64GiB (server 64GiB, 0 hosts of 64MiB): more "
                + "than the limit of 32GiB on the machines' memory; raise it with --limit memory=64GiB",
            raise: "memory=64GiB"),
        Case(
            name: "buffers", yaml: receivers + "writes: { entries: [{ to: all, size: 600MiB }] }\n", line: 4,
            message: "writes.entries: the application's buffers add up to 1200MiB: more than the limit of 1GiB on "
                + "the application's buffers; raise it with --limit buffers=1200MiB",
            raise: "buffers=2GiB"),
        Case(
            name: "traffic",
            yaml: receivers + "writes: { count: 100000, interval: 1us, entries: [{ to: all, size: 1MiB }] }\n",
            line: 4,
            message: "writes.count: 100000 writes of 2MiB send 200000MiB: more than the limit of 64GiB on the bytes "
                + "the writes send; raise it with --limit traffic=200000MiB",
            raise: "traffic=200000MiB"),
        Case(
            name: "hosts",
            yaml:
                "receivers:\n  - { name: h1, kind: host }\n  - { name: h2, kind: host }\n  - { name: h3, kind: host }\n"
                + writes,
            line: 4,
            message: "receivers[2]: 4 emulated hosts (the server and 3 receivers of kind host): more than the limit "
                + "of 3 on emulated hosts; raise it with --limit hosts=4",
            raise: "hosts=4"),
        Case(
            name: "receivers", yaml: receivers + writes, line: 2,
            message: "receivers: 2 receivers: more than the limit of 1 on receivers; raise it with --limit receivers=2",
            raise: "receivers=2"),
        Case(
            name: "port-buffers", yaml: "network: { switch: { port-buffer: 1GiB } }\n" + receivers + writes, line: 1,
            message: "network.switch.port-buffer: 3 output ports of 1GiB add up to 3GiB: more than the limit of 2GiB "
                + "on switch and router buffers; raise it with --limit port-buffers=3GiB",
            raise: "port-buffers=3GiB"),
        Case(
            name: "ring-descriptors",
            yaml: "server: { nic: { tx-ring: 65536, rx-ring: 65536 } }\n" + receivers + writes,
            line: 1,
            message: "server.nic: the transmit and receive rings hold 131072 descriptors together: more than the "
                + "limit of 100000 on ring descriptors; raise it with --limit ring-descriptors=131072",
            raise: "ring-descriptors=131072"),
        Case(
            name: "streams",
            yaml: receivers
                + "streams:\n  list:\n    - { to: [rx1], generate: { rate: 1Mbps } }\n"
                + "    - { to: [rx2], generate: { rate: 1Mbps } }\n",
            line: 6,
            message: "streams.list: 2 streams: more than the limit of 1 on streams; raise it with --limit streams=2",
            raise: "streams=2"),
        Case(
            name: "stream-bytes",
            yaml: "duration: 3600s\n" + receivers
                + "streams:\n  list:\n    - { to: [rx1], generate: { rate: 10Mbps } }\n",
            line: 7,
            message: "streams.list[0]: generated streams hold 4500MB (stream1: 10000000 b/s for 3600s): more than "
                + "the limit of 1GiB on stream bytes; raise it with --limit stream-bytes=4500MB",
            raise: "stream-bytes=4500MB"),
    ]

    /// The limits the cases are refused under: the defaults, with a few lowered so the cases stay small.
    static var strict: ScenarioLimits {
        var limits = ScenarioLimits()
        limits.memoryBytes = 32 << 30
        limits.hosts = 3
        limits.receivers = 1
        limits.portBufferBytes = 2 << 30
        limits.ringDescriptors = 100_000
        limits.streams = 1
        return limits
    }

    @Test(arguments: cases)
    func refusedWithTheLimitAndHowToRaiseIt(_ c: Case) throws {
        var limits = Self.strict
        if c.name != "receivers" { limits.receivers = 4096 }
        let error = #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(yaml: c.yaml, file: "big.yaml", limits: limits)
        }
        #expect(error?.file == "big.yaml")
        #expect(error?.line == c.line)
        #expect(error?.message == c.message)
        // The suggested --limit lets it through.
        try limits.set(c.raise)
        let spec = try ScenarioParser.parse(yaml: c.yaml, file: "big.yaml", limits: limits)
        #expect(spec.limits == limits)
    }

    @Test func defaultLimitsAcceptEveryShippedScenario() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/scenarios")
        let files = try FileManager.default.subpathsOfDirectory(atPath: root.path)
            .filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("bad/") }
        #expect(files.count >= 9)
        for file in files {
            // The kill fault's pid file lies outside the scenario's folder; its header says to allow that.
            var limits = ScenarioLimits()
            limits.allowsOutsidePaths = file.hasSuffix("vde-switch-kill.yaml")
            let spec = try ScenarioParser.parse(contentsOf: root.appendingPathComponent(file).path, limits: limits)
            #expect(spec.limits == limits, "\(file)")
        }
    }

    @Test func aScenarioCanLowerItsLimitsButNotRaiseThem() throws {
        let lowered = "limits: { events: 10, buffers: 4KiB }\n" + Self.receivers + Self.writes
        let spec = try ScenarioParser.parse(yaml: lowered, file: "low.yaml")
        #expect(spec.limits.events == 10)
        #expect(spec.limits.bufferBytes == 4096)
        #expect(spec.limits.memoryBytes == ScenarioLimits().memoryBytes)

        // Its own limit is named as such.
        let tight = "limits: { buffers: 2000 }\n" + Self.receivers + Self.writes
        let error = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(yaml: tight, file: "t.yaml") }
        #expect(error?.line == 5)
        #expect(
            error?.message == "writes.entries: the application's buffers add up to 3kB: more than the scenario's "
                + "own limit of 2kB (limits.buffers); raise it with --limit buffers=3kB")

        let raised = "limits: { events: 3000000000 }\n" + Self.receivers + Self.writes
        let refused = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(yaml: raised, file: "r.yaml") }
        #expect(refused?.line == 1)
        #expect(refused?.column == 19)
        #expect(
            refused?.message == "limits.events: 3000000000 is more than this run allows (2000000000); a scenario "
                + "can only lower its limits: raise it with --limit events=3000000000")

        let unknown = "limits: { cpu: 1 }\n" + Self.receivers + Self.writes
        let unknownError = #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(yaml: unknown, file: "u.yaml")
        }
        #expect(
            unknownError?.message.hasPrefix("unknown key \"cpu\" in limits; expected one of: memory, buffers") == true)
        let zero = "limits: { hosts: 0 }\n" + Self.receivers + Self.writes
        let zeroError = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(yaml: zero, file: "z.yaml") }
        #expect(zeroError?.message.hasPrefix("limits.hosts: expected an integer from 1") == true)
    }

    @Test func theRunStopsAtTheScenariosEventLimit() throws {
        let text = "limits: { events: 25 }\n" + Self.receivers
            + "writes: { count: 4, entries: [{ to: all, size: 20000 }] }\n"
        let world = try World(spec: try ScenarioParser.parse(yaml: text, file: "events.yaml"))
        let outcome = world.run()
        #expect(outcome == .eventLimitReached)
        let processed = world.simulator.eventsProcessed
        #expect(processed == 25)
    }

    @Test(arguments: [
        ("memory=256GiB", Int64(256) << 30),
        ("events=5_000_000_000", 5_000_000_000),
        ("stream-bytes=1.5GB", 1_500_000_000),
        ("ring-descriptors=8", 8),
    ])
    func limitsAreSetByName(_ assignment: String, _ value: Int64) throws {
        var limits = ScenarioLimits()
        try limits.set(assignment)
        let name = String(assignment.prefix { $0 != "=" })
        let got = limits.value(named: name)
        #expect(got == value)
        let others = ScenarioLimits.names.filter { $0 != name }
        #expect(others.allSatisfy { limits.value(named: $0) == ScenarioLimits().value(named: $0) })
    }

    @Test(arguments: [
        ("memory", "--limit memory: expected NAME=VALUE"),
        ("cpu=4", "--limit cpu=4: unknown limit \"cpu\"; expected one of: memory, buffers, traffic, events, hosts, "
            + "receivers, port-buffers, ring-descriptors, streams, stream-bytes"),
        ("memory=lots", "--limit memory=lots: expected a positive size like 64GiB"),
        ("events=0", "--limit events=0: expected a positive integer"),
        ("hosts=1.5", "--limit hosts=1.5: expected a positive integer"),
    ])
    func badLimitSettingsAreRefused(_ assignment: String, _ message: String) {
        var limits = ScenarioLimits()
        let error = #expect(throws: ScenarioError.self) { try limits.set(assignment) }
        #expect(error?.description == message)
    }

    @Test func aStreamFileIsReadOnlyUpToTheLimit() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nicsim-limit-\(getpid()).bin").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x47, count: 5000)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (device, allowed) in [(path, 4999), (path, 5000), ("/dev/zero", 4096)] {
            let text = "limits: { stream-bytes: \(allowed) }\n" + Self.receivers
                + "streams: { list: [{ to: [rx1], file: \(device), format: opaque, rate: 1Mbps }] }\n"
            var limits = ScenarioLimits()
            limits.allowsOutsidePaths = true
            let spec = try ScenarioParser.parse(yaml: text, file: "file.yaml", limits: limits)
            if allowed == 5000 {
                _ = try World(spec: spec)
            } else {
                let error = #expect(throws: WorldError.self) { try World(spec: spec) }
                #expect(error?.key == "streams.list[0].file" && error?.line == 5)
                #expect(
                    error?.message == "stream stream1: \(device) takes the streams past the limit of "
                        + "\(ScenarioLimits.format(Int64(allowed), isSize: true)) on stream bytes; raise it with "
                        + "--limit stream-bytes=SIZE")
            }
        }
    }

    /// The parser counts a `host` receiver as the world builds it; if the world changes, so must the limits.
    @Test func hostReceiversCostWhatTheLimitsCount() throws {
        let text = "receivers:\n  - { name: h1, kind: host }\n" + Self.writes
        let world = try World(spec: try ScenarioParser.parse(yaml: text, file: "host.yaml"))
        guard case .host(let machine) = world.receiverNodes[0] else {
            Issue.record("receiver 0 is not a host")
            return
        }
        let memory = machine.memory.size
        #expect(Int64(memory) == ScenarioParser.hostReceiverMemory)
        let tx = machine.driver.configuration.ringSize
        let rx = machine.driver.configuration.receiveRingSize
        #expect(Int64(tx) == ScenarioParser.hostReceiverTxRing)
        #expect(Int64(rx) == ScenarioParser.hostReceiverRxRing)
    }
}

@Suite("A scenario cannot start programs through its VDE URL")
struct VDECommandURLTests {
    static func yaml(_ url: String) -> String {
        "receivers:\n  - { name: rx1 }\nnetwork:\n  vde: { url: \"\(url)\", real-time: false }\n"
            + "writes: { entries: [{ to: rx1, size: 1500 }] }\n"
    }

    @Test("cmd:// (also nested, any case) is refused at its line unless the user allows it",
          arguments: ["cmd://touch /tmp/owned", "CMD://id", "hub://{vde:///tmp/sw}{cmd://sh -c id}"])
    func refused(_ url: String) throws {
        let error = #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(yaml: Self.yaml(url), file: "untrusted.yaml")
        }
        #expect(error?.file == "untrusted.yaml")
        #expect(error?.line == 4)
        #expect(error?.message.contains("cmd://") == true)
        #expect(error?.message.contains("--allow-vde-command") == true)
        // A scenario's own limits section cannot grant it.
        #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(yaml: Self.yaml(url) + "limits: { receivers: 10 }\n", file: "untrusted.yaml")
        }
        var limits = ScenarioLimits()
        limits.allowsVDECommands = true
        let spec = try ScenarioParser.parse(yaml: Self.yaml(url), file: "trusted.yaml", limits: limits)
        #expect(spec.network.vde?.url == url)
    }

    @Test("other transports pass", arguments: ["vde:///tmp/sw", "ptp:///tmp/p", "tap://tap0", "null://"])
    func allowed(_ url: String) throws {
        #expect(try ScenarioParser.parse(yaml: Self.yaml(url), file: "s.yaml").network.vde?.url == url)
    }
}
