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
        #expect(world.simulator.frames.live >= 0)
    }

    @Test("there are scenarios to run")
    func found() { #expect(Self.files.count >= 8) }
}
