import CommandTestSupport
import Foundation
import Testing

@Suite("nicsim --limit")
struct LimitCommandLineTests {
    let scenario = packageRoot.appendingPathComponent("Fixtures/scenarios/two-receivers.yaml").path

    @Test func aLowLimitRefusesTheScenarioAndTheSuggestedOneRunsIt() throws {
        let nicsim = try nicsimExecutable()
        let refused = try runProcess(nicsim, ["run", scenario, "--limit", "receivers=1"])
        #expect(refused.status == 2)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("two-receivers.yaml:"))
        #expect(refused.stderr.contains("more than the limit of 1 on receivers; raise it with --limit receivers=2\n"))
        let allowed = try runProcess(nicsim, ["run", scenario, "--limit", "receivers=2"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.hasPrefix("nicsim report: two-receivers"))
        let compared = try runProcess(
            nicsim, ["compare", scenario, "--set", "server.driver.mode=copy,zero-copy", "--limit", "receivers=1"])
        #expect(compared.status == 2)
        #expect(compared.stderr.contains("raise it with --limit receivers=2"))
    }

    @Test("a cmd:// VDE URL runs no program unless the user passes --allow-vde-command")
    func vdeCommandNeedsPermission() throws {
        let nicsim = try nicsimExecutable()
        let marker = temporaryFile("cmd-ran")
        try? FileManager.default.removeItem(at: marker)
        defer { try? FileManager.default.removeItem(at: marker) }
        let arguments = ["run", scenario, "--set", "network.vde.url=cmd://touch \(marker.path)",
                         "--set", "network.vde.real-time=false"]
        let refused = try runProcess(nicsim, arguments)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("uses cmd://, which starts a program"))
        #expect(refused.stderr.contains("--allow-vde-command"))
        #expect(!FileManager.default.fileExists(atPath: marker.path), "the program ran without permission")
        let allowed = try runProcess(nicsim, arguments + ["--allow-vde-command"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.hasPrefix("nicsim report: two-receivers"))
        #expect(FileManager.default.fileExists(atPath: marker.path), "the allowed program did not run")
    }

    @Test("a stream file outside the scenario's folder is refused unless the user passes --allow-outside-paths")
    func outsidePathNeedsPermission() throws {
        let nicsim = try nicsimExecutable()
        let folder = temporaryFile("outside-paths")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("stream.yaml")
        try ("receivers:\n  - { name: rx1 }\nstreams:\n  duration: 10ms\n"
            + "  list: [{ to: [rx1], file: ../../../../../../../etc/passwd, format: opaque, rate: 1Mbps }]\n")
            .write(to: file, atomically: true, encoding: .utf8)
        let refused = try runProcess(nicsim, ["run", file.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("\(file.path):5:"), "\(refused.stderr)")
        #expect(refused.stderr.contains("streams.list[0].file: \"../../../../../../../etc/passwd\" climbs out"))
        #expect(refused.stderr.contains("--allow-outside-paths"))
        #expect(refused.stdout.isEmpty)
        let allowed = try runProcess(nicsim, ["run", file.path, "--allow-outside-paths"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    @Test func aMalformedLimitIsRefused() throws {
        let r = try runProcess(try nicsimExecutable(), ["run", scenario, "--limit", "cores=4"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("nicsim: --limit cores=4: unknown limit \"cores\"; expected one of: memory"))
    }
}
