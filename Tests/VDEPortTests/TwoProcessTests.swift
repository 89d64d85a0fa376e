@testable import Labs
import Foundation
import Testing

extension VDEPortTestsRoot {
    /// Two nicsim processes on one vde_switch exchange traffic, as a larger emulation spread over processes does.
    @Suite struct TwoProcessTests {
        static func nicsim() throws -> String {
            let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for candidate in [dir, dir.deletingLastPathComponent()] {
                let path = candidate.appendingPathComponent("nicsim").path
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let fallback = root.appendingPathComponent(".build/debug/nicsim").path
            try #require(FileManager.default.isExecutableFile(atPath: fallback), "build the nicsim executable first")
            return fallback
        }

        static func scenario(me: Int, peer: Int, url: String) -> String {
            """
            name: process-\(me)
            duration: 2s
            server: { ip: 192.0.2.\(me), mac: "02:00:00:00:aa:\(me)", port: 4000, link: { rate: 1Gbps } }
            network: { vde: { url: "\(url)" } }
            receivers:
              - { name: peer, kind: external, ip: 192.0.2.\(peer), port: 4000 }
            writes:
              count: 5
              interval: 100ms
              entries:
                - { to: peer, size: 10000 }
            """
        }

        @Test func twoEmulationsOnOneSwitchExchangeDatagrams() throws {
            try #require(executableExists(VDESwitchProcess.executable), "vde_switch is required")
            let binary = try Self.nicsim()
            let vdeSwitch = try VDESwitchProcess()
            defer { vdeSwitch.stop() }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let a = dir.path + "/a.yaml"
            let b = dir.path + "/b.yaml"
            try Self.scenario(me: 11, peer: 12, url: vdeSwitch.url).write(toFile: a, atomically: true, encoding: .utf8)
            try Self.scenario(me: 12, peer: 11, url: vdeSwitch.url).write(toFile: b, atomically: true, encoding: .utf8)
            let first = try ChildProcess(binary, ["run", a, "--format", "json"], captureOutput: true)
            defer { first.stop() }
            let second = try ChildProcess(binary, ["run", b, "--format", "json"], captureOutput: true)
            defer { second.stop() }
            #expect(first.wait(milliseconds: 20_000))
            #expect(second.wait(milliseconds: 20_000))
            var reports: [[String: Any]] = []
            for child in [first, second] {
                var text = ""
                while let line = child.readLine(milliseconds: 500) { text += line + "\n" }
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                reports.append(try #require(object, "a JSON report"))
            }
            // Each sent 5 writes of 10,000 bytes (7 datagrams each) to the other, whose stack delivered them.
            for report in reports {
                let host = try #require((report["hosts"] as? [[String: Any]])?.first)
                #expect(host["udpDelivered"] as? Int == 35, "\(host["udpDelivered"] ?? "nothing") delivered")
                #expect(host["framesTransmitted"] as? Int ?? 0 >= 35)
                let vde = try #require(report["vde"] as? [String: Any])
                #expect(vde["down"] == nil)
            }
        }
    }
}
