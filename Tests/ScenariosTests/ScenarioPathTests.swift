import Foundation
@testable import ScenarioFormat
import Scenarios
import Testing

/// A scenario reads only files in its own folder unless the user allows more (issue 23, item 10).
@Suite("Paths a scenario names stay in its folder")
struct ScenarioPathTests {
    /// A scenario folder of the test's own with one media file in it and one file beside it, outside.
    final class Folder {
        let root: URL
        let scenario: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("nicsim-paths-\(getpid())-\(UUID())")
            let inside = root.appendingPathComponent("bundle/media")
            try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
            try Data(repeating: 0x47, count: 1880).write(to: inside.appendingPathComponent("clip.bin"))
            try Data("secret\n".utf8).write(to: root.appendingPathComponent("secret.txt"))
            scenario = root.appendingPathComponent("bundle/scenario.yaml")
        }
        deinit { try? FileManager.default.removeItem(at: root) }

        /// A scenario whose one stream plays `file` (line 4 holds the path).
        func parse(file: String, limits: ScenarioLimits = ScenarioLimits()) throws -> ScenarioSpec {
            let text = "receivers:\n  - { name: rx1 }\nstreams:\n  list: [{ to: [rx1], format: opaque, rate: 1Mbps,\n"
                + "           file: \"\(file)\" }]\n"
            return try ScenarioParser.parse(yaml: text, file: scenario.path, limits: limits)
        }
    }

    @Test(
        "paths inside the folder are read",
        arguments: ["media/clip.bin", "./media/clip.bin", "media/../media/clip.bin"])
    func inside(_ path: String) throws {
        let folder = try Folder()
        let spec = try folder.parse(file: path)
        guard case .file(let resolved, _) = spec.streams?.list[0].source else {
            Issue.record("no file source")
            return
        }
        #expect(
            FileManager.default.contentsEqual(atPath: resolved, andPath: folder.root.path + "/bundle/media/clip.bin"))
    }

    @Test("an absolute path, .. that climbs out and a symbolic link that leads out are refused at their key and line",
          arguments: [
            ("/etc/passwd", "is an absolute path"),
            ("../../../../etc/passwd", "climbs out of the scenario's folder with .."),
            ("media/../../secret.txt", "climbs out of the scenario's folder with .."),
            ("link-out", "leads out of the scenario's folder through a symbolic link"),
            ("dir-out/secret.txt", "leads out of the scenario's folder through a symbolic link"),
          ])
    func outside(_ path: String, _ reason: String) throws {
        let folder = try Folder()
        let bundle = folder.root.appendingPathComponent("bundle")
        try FileManager.default.createSymbolicLink(
            atPath: bundle.path + "/link-out", withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(
            atPath: bundle.path + "/dir-out", withDestinationPath: folder.root.path)
        let error = #expect(throws: ScenarioError.self) { try folder.parse(file: path) }
        #expect(error?.line == 5)
        #expect(error?.file == folder.scenario.path)
        #expect(
            error?.message.hasPrefix("streams.list[0].file: \"\(path)\" \(reason)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("--allow-outside-paths") == true)
        // The user may allow it for a run.
        var limits = ScenarioLimits()
        limits.allowsOutsidePaths = true
        #expect(throws: Never.self) { try folder.parse(file: path, limits: limits) }
    }

    @Test("a symbolic link that stays inside the folder is read")
    func linkInside() throws {
        let folder = try Folder()
        let bundle = folder.root.appendingPathComponent("bundle")
        try FileManager.default.createSymbolicLink(
            atPath: bundle.path + "/alias.bin", withDestinationPath: "media/clip.bin")
        _ = try folder.parse(file: "alias.bin")
    }

    @Test("a kill fault's pid file obeys the same rule")
    func pidFile() throws {
        let folder = try Folder()
        func parse(_ pidFile: String) throws -> ScenarioSpec {
            let text = "network: { vde: { url: \"vde:///tmp/nowhere\" } }\nreceivers:\n  - { name: rx1 }\n"
                + "writes: { entries: [{ to: rx1, size: 1000 }] }\n"
                + "faults:\n  - { kind: vde-switch-kill, at: 1ms, pid-file: \(pidFile) }\n"
            return try ScenarioParser.parse(yaml: text, file: folder.scenario.path)
        }
        let spec = try parse("switch.pid")
        #expect(spec.faults[0].pidFile.hasSuffix("bundle/switch.pid"))
        let error = #expect(throws: ScenarioError.self) { try parse("/run/switch.pid") }
        #expect(error?.line == 6)
        #expect(error?.message.hasPrefix("faults[0].pid-file: \"/run/switch.pid\" is an absolute path") == true)
    }
}
