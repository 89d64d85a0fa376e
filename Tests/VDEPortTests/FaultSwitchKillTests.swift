@testable import Labs
import Foundation
import Scenarios
import Testing

extension VDEPortTestsRoot {
    /// The `vde-switch-kill` fault of `Fixtures/scenarios/faults/vde-switch-kill.yaml` against a real vde_switch in a
    /// temporary directory: the scenario kills its switch mid-run, the port notices, the run still ends and reports.
    @Suite struct FaultSwitchKillTests {
        static let fixture = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/scenarios/faults/vde-switch-kill.yaml")

        /// The fixture with its switch directory moved to `directory` (and, if given, another pid file).
        static func spec(directory: String, pidFile: String? = nil) throws -> ScenarioSpec {
            var text = try String(contentsOf: fixture, encoding: .utf8)
                .replacingOccurrences(of: "/tmp/nicsim-vde-kill", with: directory)
            if let pidFile { text = text.replacingOccurrences(of: directory + "/switch.pid", with: pidFile) }
            // The pid file is in the switch's own folder, outside the scenario's: the user allows that.
            var limits = ScenarioLimits()
            limits.allowsOutsidePaths = true
            return try ScenarioParser.parse(yaml: text, file: fixture.path, limits: limits)
        }

        @Test func aScenarioKillsItsSwitchMidRunAndStillFinishesWithReportAndPcap() throws {
            try #require(executableExists(VDESwitchProcess.executable), "vde_switch (package vde2) is required")
            let vdeSwitch = try VDESwitchProcess(writesPidFile: true)
            defer { vdeSwitch.stop() }
            let spec = try Self.spec(directory: vdeSwitch.directory.path)
            let killAt = spec.faults[0].start
            var options = World.Options()
            options.capturePcap = true
            let world = try World(spec: spec, options: options)
            let started = ContinuousClock.now
            let outcome = world.run()
            let wall = ContinuousClock.now - started
            let report = world.report(outcome: outcome)

            // The scenario signalled the switch, and the switch is gone.
            let fault = try #require(report.faults?.first)
            #expect(fault.injected == 1)
            #expect(fault.note?.contains("sent SIGTERM to vde_switch \(vdeSwitch.child.pid)") == true)
            var exited = false
            for _ in 0..<100 where !exited {
                exited = !vdeSwitch.child.isRunning
                if !exited { pause(milliseconds: 10) }
            }
            #expect(exited)

            // The port noticed at its next poll and said why and when.
            let vde = try #require(report.vde)
            #expect(vde.down?.contains("closed") == true)
            let downAt = try #require(vde.downAtPs)
            let poll = spec.network.vde?.pollInterval ?? 0
            #expect(downAt >= killAt && downAt <= killAt + 5 * poll)

            // The run went on to its end: the emulated receiver got every write, the report and pcap are whole.
            #expect(report.outcome == "duration")
            #expect(report.endTimePs == spec.duration)
            #expect(report.hosts[0].writesCompleted == UInt64(spec.writes.count))
            #expect(report.receivers[0].intact == true)
            #expect(
                report.expectations.count == 2 && report.failedExpectations.isEmpty, "the scenario's expect: section")
            let pcap = try #require(world.pcapBytes)
            #expect(pcap.count > 24 + spec.writes.count * 16)
            #expect(report.json().contains("\"downAtPs\""))
            #expect(report.text().contains("vde-switch-kill"))
            // Real time, but bounded: 300 ms of virtual time take well under 10 s of wall time.
            #expect(wall < .seconds(10))
        }

        @Test func aPidFileNamingAnotherProgramSignalsNothing() throws {
            try #require(executableExists(VDESwitchProcess.executable), "vde_switch (package vde2) is required")
            let vdeSwitch = try VDESwitchProcess(writesPidFile: true)
            defer { vdeSwitch.stop() }
            // The test runner's own pid: not a vde_switch, so it must be left alone.
            let decoy = vdeSwitch.directory.path + "/decoy.pid"
            try "\(getpid())\n".write(toFile: decoy, atomically: true, encoding: .utf8)
            var spec = try Self.spec(directory: vdeSwitch.directory.path, pidFile: decoy)
            spec.duration = 150_000_000_000
            let world = try World(spec: spec)
            let report = world.report(outcome: world.run())
            let fault = try #require(report.faults?.first)
            #expect(fault.injected == 0)
            #expect(fault.note?.contains("not vde_switch; not signalled") == true)
            #expect(vdeSwitch.child.isRunning)
            #expect(report.vde?.down == nil)
            #expect(report.vde?.downAtPs == nil)
        }
    }
}
