import Foundation
@testable import ScenarioFormat
@testable import ScenarioWorld
import Scenarios
import Testing

/// Errors found while building the world name the scenario key and its line, and what the spec alone shows is
/// refused before anything is built (issue 23, item 7).
@Suite("World errors are located")
struct WorldErrorTests {
    /// 4,096 receivers, each sent 64 KiB: 256 MiB of buffers for a 64 MiB server (the parser's limits allow it).
    static func manyReceivers(memory: Bool) -> String {
        var text = memory ? "server:\n  cpu: { cores: 1 }\n  memory: 64MiB\n" : ""
        text += "receivers:\n"
        // Addresses from 198.18.0.0/15 (RFC 2544, for benchmarks): the default range has room for 244.
        for i in 0..<4096 { text += "  - { name: r\(i), ip: 198.18.\(i / 250).\(i % 250 + 1) }\n" }
        text += "writes: { entries: [{ to: all, size: 64KiB }] }\n"
        return text
    }

    @Test("buffers larger than the server's memory: refused at server.memory before anything is built")
    func buffersPastMemory() throws {
        let spec = try ScenarioParser.parse(yaml: Self.manyReceivers(memory: true), file: "many.yaml")
        // The pre-flight builds nothing; World refuses with the same error, from it.
        let early = #expect(throws: WorldError.self) { try World.preflight(spec) }
        let error = #expect(throws: WorldError.self) { _ = try World(spec: spec) }
        #expect(error == early)
        #expect(error?.file == "many.yaml")
        #expect(error?.key == "server.memory")
        #expect(error?.line == 3)
        #expect(
            error?.description.hasPrefix(
                "many.yaml:3:11: server.memory: server memory (67108864 bytes, 16384 pages) "
                    + "cannot hold the application's buffers") == true, "\(error?.description ?? "")")
    }

    @Test("without server.memory in the file the writes are named")
    func buffersPastDefaultMemory() throws {
        var text = Self.manyReceivers(memory: false)
        text = text.replacingOccurrences(of: "size: 64KiB", with: "size: 1MiB")
        var limits = ScenarioLimits()
        limits.bufferBytes = 8 << 30
        limits.trafficBytes = 8 << 30
        let spec = try ScenarioParser.parse(yaml: text, file: "many.yaml", limits: limits)
        let error = #expect(throws: WorldError.self) { try World.preflight(spec) }
        #expect(error?.key == "writes.entries")
        #expect(error?.line == 4098)
    }

    @Test("a VDE switch that is not there is refused at network.vde.url")
    func vdeURL() throws {
        let text = "receivers:\n  - { name: rx1 }\nwrites: { entries: [{ to: rx1, size: 1000 }] }\n"
            + "network:\n  vde: { url: \"vde:///nonexistent-nicsim/switch\", real-time: false }\n"
        let spec = try ScenarioParser.parse(yaml: text, file: "vde.yaml")
        let error = #expect(throws: WorldError.self) { _ = try World(spec: spec) }
        #expect(error?.key == "network.vde.url")
        #expect(error?.line == 5)
        #expect(error?.description.hasPrefix("vde.yaml:5:") == true)
    }

    @Test("a stream file that is not a transport stream is refused at its file key")
    func streamFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nicsim-world-error-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(repeating: 0x00, count: 1880).write(to: folder.appendingPathComponent("junk.ts"))
        let text = "receivers:\n  - { name: rx1 }\nstreams:\n  list:\n    - { to: [rx1], generate: { rate: 2Mbps } }\n"
            + "    - { to: [rx1],\n        file: junk.ts }\n"
        let spec = try ScenarioParser.parse(yaml: text, file: folder.appendingPathComponent("s.yaml").path)
        let error = #expect(throws: WorldError.self) { _ = try World(spec: spec) }
        #expect(error?.key == "streams.list[1].file")
        #expect(error?.line == 7)
    }

    @Test("a stream file past the stream-bytes limit: the reader's error is located at the stream's file key")
    func streamFilePastLimit() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nicsim-world-limit-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(repeating: 0x47, count: 4096).write(to: folder.appendingPathComponent("big.ts"))
        let text = "receivers:\n  - { name: rx1 }\nstreams:\n  list:\n    - { to: [rx1],\n        file: big.ts }\n"
        var spec = try ScenarioParser.parse(yaml: text, file: folder.appendingPathComponent("s.yaml").path)
        spec.limits.streamBytes = 1000
        let error = #expect(throws: WorldError.self) { _ = try World(spec: spec) }
        #expect(error?.key == "streams.list[0].file")
        #expect(error?.line == 6)
        #expect(error?.file.hasSuffix("s.yaml") == true)
        #expect(error?.message.contains("past the limit") == true, "\(error?.message ?? "")")
    }

    @Test("what a part throws without knowing the scenario is placed by located(_:_:), message kept")
    func locatedKeepsTheMessage() throws {
        let spec = try ScenarioParser.parse(yaml: Self.manyReceivers(memory: true), file: "many.yaml")
        let bare = WorldError(key: "", message: "media: expected at least one stream")
        let placed = bare.located(spec, "streams", "server.memory")
        // The file has no `streams` key: the first key it has is named.
        #expect(placed.key == "server.memory" && placed.line == 3 && placed.file == "many.yaml")
        #expect(placed.message == bare.message)
    }

    @Test("a spec built in code has no file: the error names the key alone; locations never affect equality")
    func inCode() throws {
        var spec = try ScenarioParser.parse(yaml: Self.manyReceivers(memory: true), file: "many.yaml")
        let located = spec
        spec.locations = ScenarioSpec.SourceLocations()
        #expect(spec == located)
        let error = #expect(throws: WorldError.self) { try World.preflight(spec) }
        #expect(error?.line == 0)
        #expect(error?.description.hasPrefix("server.memory: server memory") == true)
    }
}
