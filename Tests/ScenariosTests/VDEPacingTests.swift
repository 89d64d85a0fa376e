import Scenarios
import SimCore
import Testing

@Suite("Real-time pacing settings and figures in scenarios")
struct VDEPacingTests {
    static func yaml(_ vde: String) -> String {
        """
        duration: 4ms
        server: { ip: 192.0.2.100 }
        network:
          vde: { url: "null://", arp: false, poll: 1ms\(vde) }
        receivers:
          - { name: far, kind: external, ip: 192.0.2.77, mac: "02:00:00:00:00:77", port: 5000 }
        writes: { count: 20, interval: 100us, entries: [{ to: far, size: 100 }] }

        """
    }

    @Test func theKeysHaveDocumentedDefaults() throws {
        let vde = try #require(try ScenarioParser.parse(yaml: Self.yaml(""), file: "s.yaml").network.vde)
        #expect(vde.realTimePriority == false)
        #expect(vde.spinThreshold == 50_000_000)
        #expect(vde.catchUpLimit == 1_000_000_000)
    }

    @Test func theKeysAreRead() throws {
        let text = Self.yaml(", real-time-priority: true, spin: 30us, catch-up-limit: 5ms")
        let vde = try #require(try ScenarioParser.parse(yaml: text, file: "s.yaml").network.vde)
        #expect(vde.realTimePriority == true)
        #expect(vde.spinThreshold == 30_000_000)
        #expect(vde.catchUpLimit == 5_000_000_000)
        let off = try ScenarioParser.parse(yaml: Self.yaml(", spin: 0us"), file: "s.yaml")
        #expect(off.network.vde?.spinThreshold == 0)
    }

    @Test(arguments: [", spin: 2ms", ", catch-up-limit: 0us", ", catch-up-limit: 11s", ", real-time-priority: yes"])
    func badValuesAreRefusedAtTheirLine(_ setting: String) {
        let error = #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(yaml: Self.yaml(setting), file: "s.yaml")
        }
        #expect(error?.file == "s.yaml")
        #expect(error?.line == 4)
    }

    @Test func aRealTimeRunReportsEveryFramesLatenessAndTheCSVHasItPerInterval() throws {
        let spec = try ScenarioParser.parse(yaml: Self.yaml(""), file: "s.yaml")
        var options = World.Options()
        options.pacingSeriesInterval = .milliseconds(1)
        let recorder = RunRecorder(serverName: spec.server.name)
        options.tracer = recorder
        let world = try World(spec: spec, options: options)
        let outcome = world.run()
        let report = world.report(outcome: outcome)
        let vde = try #require(report.vde)
        #expect(report.schemaVersion >= 3)
        #expect(vde.framesSent == 20)
        #expect(vde.pacedFrames == 20)
        #expect(vde.latenessP50Ns <= vde.latenessP99Ns && vde.latenessP99Ns <= vde.latenessP999Ns)
        #expect(vde.latenessP999Ns <= vde.latenessMaxNs)
        // One write every 100 us of virtual time: the schedule asked for 10,000 frames per second.
        let scheduled = try #require(vde.scheduledFramesPerSecond)
        #expect(abs(scheduled - 10_000) < 10)
        #expect((vde.achievedFramesPerSecond ?? 0) > 0)
        #expect(vde.spinThresholdNs == 50_000 && vde.catchUpLimitNs == 1_000_000)
        #expect(vde.realTimePriority == nil)
        #expect(report.text(colour: false).contains("frame lateness p50 / p99 / p99.9 / max"))

        let csv = CSVReport.perInterval(report, recorder: recorder, interval: .milliseconds(1),
                                        pacing: world.pacer?.series)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = try #require(lines.first)
        let column = try #require(header.firstIndex(of: "vde_frames"))
        #expect(header.suffix(6) == ["vde_frames", "vde_lateness_p50_ns", "vde_lateness_p99_ns", "vde_lateness_p999_ns",
                                     "vde_lateness_max_ns", "vde_frames_per_s"])
        let frames = lines.dropFirst().compactMap { Int($0[column]) }
        #expect(frames.reduce(0, +) == 20)
        #expect(frames.count == lines.count - 1)
    }

    @Test func withoutRealTimeThereIsNoPacing() throws {
        let spec = try ScenarioParser.parse(yaml: Self.yaml(", real-time: false"), file: "s.yaml")
        let world = try World(spec: spec)
        let report = world.report(outcome: world.run())
        #expect(world.pacer == nil)
        #expect(report.vde?.pacedFrames == nil)
        #expect(report.vde?.latenessMaxNs == 0)
    }
}
