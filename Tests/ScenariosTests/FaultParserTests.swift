import Foundation
import Scenarios
import Testing

/// The `faults` section: every shipped fault scenario parses to what it says; every mistake is a located error.
@Suite("Scenario parser: faults")
struct FaultParserTests {
    static let faultFixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/scenarios/faults")

    /// Parses a shipped fault scenario; `vde-switch-kill.yaml` names its switch's pid file under /tmp, outside its
    /// folder, which its header tells the user to allow (`--allow-outside-paths`).
    static func parse(_ name: String) throws -> ScenarioSpec {
        var limits = ScenarioLimits()
        limits.allowsOutsidePaths = name == "vde-switch-kill.yaml"
        return try ScenarioParser.parse(contentsOf: faultFixtures.appendingPathComponent(name).path, limits: limits)
    }

    static let base = """
        receivers: [{ name: rx1 }, { name: relay, kind: host }]
        writes: { entries: [{ to: rx1, size: 64KiB }] }

        """

    @Test func thereIsOneFixturePerKind() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.faultFixtures.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        let kinds = try names.flatMap { try Self.parse($0).faults.map(\.kind) }
        #expect(Set(kinds) == Set(FaultSpec.Kind.allCases))
    }

    @Test func dmaErrorFixture() throws {
        let fault = try #require(Self.parse("dma-error.yaml").faults.first)
        #expect(fault.kind == .dmaError)
        #expect(fault.target == .server)
        #expect(fault.start == 1_000_000_000)
        #expect(fault.end == 3_000_000_000)
        #expect(fault.trigger == .everyNth(10))
        #expect(fault.transfers == [.payload])
    }

    @Test func windowsTriggersAndParameters() throws {
        let spec = try ScenarioParser.parse(yaml: Self.base + """
            server: { nic: { iommu: {} }, driver: { watchdog: 50us } }
            faults:
              - { kind: dma-error, target: relay, transfers: [descriptor, write-back, receive], probability: 0.25 }
              - { kind: late-interrupt, delay: 20us, from: 1ms, for: 2ms, every: 3 }
              - { kind: lost-interrupt, at: 5ms, until: 6ms, probability: 12.5% }
              - { kind: iotlb-miss-storm, at: 1ms, until: 2ms }
              - { kind: loss-burst, target: rx1, burst: 4, every: 100, direction: from-switch }
              - kind: loss-burst
                target: server
                gilbert-elliott: { p: 0.001, r: 50%, loss-in-good: 0.0001 }
              - { kind: ring-full-storm, calls: 50, from: 0, until: 10us }
            """, file: "f.yaml")
        #expect(spec.server.watchdog == 50_000_000)
        let f = spec.faults
        #expect(f.count == 7)
        #expect(f[0].target == .receiver(1))
        #expect(f[0].transfers == [.descriptor, .writeBack, .receive])
        #expect(f[0].trigger == .probability(250_000))
        #expect(f[0].end == nil)
        #expect(f[1].delay == 20_000_000)
        #expect(f[1].start == 1_000_000_000 && f[1].end == 3_000_000_000)
        #expect(f[1].trigger == .everyNth(3))
        #expect(f[2].trigger == .probability(125_000))
        #expect(f[3].period == nil)
        #expect(f[4].burst == 4 && f[4].direction == .fromSwitch && f[4].trigger == .everyNth(100))
        let ge = try #require(f[5].gilbertElliott)
        #expect(ge.goodToBad == 1_000 && ge.badToGood == 500_000 && ge.lossInGood == 100 && ge.lossInBad == 1_000_000)
        #expect(f[6].calls == 50)
        #expect(spec.totalWriteCalls == 51)
    }

    static let bad: [BadScenario] = [
        BadScenario(
            name: "unknown kind", text: base + "faults: [{ kind: gremlins }]\n", line: 3,
            message: "faults[0].kind: expected one of dma-error, iotlb-miss-storm"),
        BadScenario(
            name: "a key of another kind", text: base + "faults:\n  - { kind: dma-error, delay: 1us }\n",
            line: 4, message: "unknown key \"delay\" in faults[0]; expected one of: kind, target"),
        BadScenario(
            name: "unknown target", text: base + "faults:\n  - { kind: link-flap, target: rx9 }\n", line: 4,
            message: "faults[0].target: unknown target \"rx9\""),
        BadScenario(
            name: "NIC fault on a plain receiver",
            text: base + "faults:\n  - { kind: lost-interrupt, target: rx1 }\n", line: 4,
            message: "lost-interrupt acts on a NIC: the server or a receiver of kind host"),
        BadScenario(
            name: "IOTLB storm without an IOMMU", text: base + "faults:\n  - { kind: iotlb-miss-storm }\n",
            line: 4, message: "iotlb-miss-storm needs an IOMMU: add server.nic.iommu"),
        BadScenario(
            name: "start twice", text: base + "faults:\n  - { kind: lost-interrupt, at: 1ms, from: 2ms }\n",
            line: 4, message: "give the start once: at or from, not both"),
        BadScenario(
            name: "end before start",
            text: base + "faults:\n  - { kind: lost-interrupt, at: 2ms, until: 1ms }\n", line: 4,
            message: "faults[0].until: until must come after the start"),
        BadScenario(
            name: "every and probability",
            text: base + "faults:\n  - { kind: lost-interrupt, every: 2, probability: 1% }\n", line: 4,
            message: "give one of every and probability, not both"),
        BadScenario(
            name: "probability finer than a part per million",
            text: base + "faults:\n  - { kind: lost-interrupt, probability: 0.0000001 }\n", line: 4,
            message: "expected a probability from 0 to 1"),
        BadScenario(
            name: "late interrupt without delay", text: base + "faults:\n  - { kind: late-interrupt }\n",
            line: 4, message: "missing required key \"delay\""),
        BadScenario(
            name: "loss burst without a rule",
            text: base + "faults:\n  - { kind: loss-burst, target: rx1, burst: 3 }\n", line: 4,
            message: "loss-burst needs every: N or probability: P"),
        BadScenario(
            name: "storm without an end", text: base + "faults:\n  - { kind: ring-full-storm, calls: 10 }\n",
            line: 4, message: "ring-full-storm needs the end of its window"),
        BadScenario(
            name: "VDE kill without a VDE port",
            text: base + "faults:\n  - { kind: vde-switch-kill, at: 1ms, pid-file: /tmp/x }\n", line: 4,
            message: "vde-switch-kill needs a VDE port (network.vde)"),
        BadScenario(
            name: "periodic flushes forever",
            text: base + "server: { nic: { iommu: {} } }\nfaults:\n  - { kind: iotlb-miss-storm, period: 1us }\n",
            line: 5, message: "periodic flushes need an end"),
    ]

    @Test(arguments: bad)
    func badFaultIsRejectedAtTheRightPlace(_ bad: BadScenario) {
        let error = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(yaml: bad.text, file: "bad.yaml") }
        #expect(error?.line == bad.line, "\(error?.description ?? "no error")")
        #expect(error?.message.contains(bad.message) == true, "\(error?.description ?? "no error")")
    }
}
