import CommandTestSupport
import Foundation
import Scenarios
import Testing

/// Every scenario shipped under Fixtures (the scenarios, their media and fault examples, the labs: the list the
/// fingerprint table holds, all but those that need a real VDE switch) parses, runs, is refused nothing and meets
/// every expectation of its `expect:` section.
@Suite("Shipped scenarios")
struct ShippedScenarioTests {
    static let files: [String] = Fingerprints.shippedScenarios(root: packageRoot.path)

    /// Scenarios that fail expectations on purpose, with the expectations that must fail.
    static let failOnPurpose = ["Fixtures/scenarios/expect/two-receivers-expect.yaml": ["switch-peak.rx1 < 16KiB"]]

    @Test("runs cleanly and meets its expectations", arguments: files)
    func runs(file: String) throws {
        let spec = try ScenarioParser.parse(contentsOf: packageRoot.appendingPathComponent(file).path)
        let world = try World(spec: spec)
        let report = world.report(outcome: world.run())
        #expect(report.expectations.count == spec.expectations.count)
        #expect(report.failedExpectations.map(\.name) == Self.failOnPurpose[file] ?? [],
                "\(report.failedExpectations.map { "\($0.name): measured \($0.actual.map { "\($0)" } ?? "nothing")" })")
        #expect(report.refusedCalls == 0)
        #expect(report.policyErrors.isEmpty)
        #expect(report.outcome != "event-limit")
        #expect(report.hosts.allSatisfy { $0.cycles.values.reduce(0, +) == $0.cyclesTotal })
        // A run that went idle has delivered or dropped every frame; one cut off by its duration may hold some.
        let live = world.simulator.frames.live
        #expect(report.outcome == "duration" || live == 0, "\(live) frames still held after an idle run")
    }

    @Test("there are scenarios to run, and the media and fault examples state their effects as expectations")
    func found() throws {
        #expect(Self.files.count >= 25)
        #expect(Self.files.contains("Fixtures/media/files.yaml"))
        let examples = Self.files.filter {
            $0.hasPrefix("Fixtures/scenarios/media/") || $0.hasPrefix("Fixtures/scenarios/faults/")
                || $0 == "Fixtures/media/files.yaml"
        }
        #expect(examples.count >= 13)
        for file in examples {
            let spec = try ScenarioParser.parse(contentsOf: packageRoot.appendingPathComponent(file).path)
            #expect(spec.expectations.count >= 2, "\(file) states no effect as an expectation")
        }
    }
}

@Suite("Several servers and many set-top boxes on one switch (B47, B48)")
struct SeveralServersTests {
    @Test("both servers stream; every box plays without underflow or continuity error")
    func twoServers() throws {
        let spec = try ScenarioParser.parse(
            contentsOf: packageRoot.appendingPathComponent("Fixtures/scenarios/media/two-servers.yaml").path)
        let world = try World(spec: spec)
        let report = world.report(outcome: world.run())
        #expect(world.streamApplications.count == 2)
        let servers = report.hosts.filter { $0.name == "server" || $0.name == "server2" }
        #expect(servers.count == 2)
        #expect(servers.allSatisfy { $0.framesTransmitted > 1000 && $0.syscalls >= 50 })
        let boxes = report.receivers.compactMap(\.setTopBox)
        #expect(boxes.count == 8)
        #expect(boxes.allSatisfy { $0.underflows == 0 && $0.continuityErrors == 0 && $0.rtpLost == 0 })
        #expect(report.receivers.filter { $0.setTopBox != nil }.allSatisfy { $0.datagrams > 100 })
    }
}
