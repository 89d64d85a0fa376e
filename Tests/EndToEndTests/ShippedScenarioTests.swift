import CommandTestSupport
import Foundation
import Scenarios
import Testing

/// Every scenario shipped in Fixtures/scenarios (and its media folder) parses, runs and is refused nothing.
@Suite("Shipped scenarios")
struct ShippedScenarioTests {
    static let files: [String] = {
        let root = packageRoot.appendingPathComponent("Fixtures/scenarios")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).map { "Fixtures/scenarios/" + $0 }
            + ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("media").path)) ?? [])
            .map { "Fixtures/scenarios/media/" + $0 }
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test("runs cleanly", arguments: files)
    func runs(file: String) throws {
        let spec = try ScenarioParser.parse(contentsOf: packageRoot.appendingPathComponent(file).path)
        let world = try World(spec: spec)
        let report = world.report(outcome: world.run())
        #expect(report.refusedCalls == 0)
        #expect(report.policyErrors.isEmpty)
        #expect(report.outcome != "event-limit")
        #expect(report.hosts.allSatisfy { $0.cycles.values.reduce(0, +) == $0.cyclesTotal })
        // A run that went idle has delivered or dropped every frame; one cut off by its duration may hold some.
        let live = world.simulator.frames.live
        #expect(report.outcome == "duration" || live == 0, "\(live) frames still held after an idle run")
    }

    @Test("there are scenarios to run")
    func found() { #expect(Self.files.count >= 8) }
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
