import Foundation
import Testing

@testable import Labs

extension VDEPortTestsRoot {
    /// The receiving side of real-time pacing (issue 21): `Scripts/pacing-measure.sh` stamps every arrival of a
    /// stream nicsim paces, in a Linux UDP socket behind vde_switch and a tap in a namespace of the script's own,
    /// and compares with a C sender that paces with clock_nanosleep alone and with one that spins for the last
    /// stretch (the path's own floor).
    ///
    /// The bound is loose (p99 error ≤ 2 ms) so that it holds on a busy CI machine; the tight figures are in
    /// BENCHMARKS.md. The stream is 1,000 datagrams/s for 2 s: the tests run the debug build of nicsim, which needs
    /// about 100 µs of work per datagram and cannot keep 10,000/s on a loaded machine (the release build can;
    /// BENCHMARKS.md). The script runs with real-time priority (the test needs root anyway) so that the tests
    /// running at the same time in other processes do not decide the figures.
    @Suite struct PacingMeasureTests {
        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        static let script = root.appendingPathComponent("Scripts/pacing-measure.sh").path

        /// What the machine lacks for the measurement, one line each.
        static func missingRequirements() -> [String] {
            var missing: [String] = []
            if geteuid() != 0 { missing.append("root") }
            for tool in ["/usr/bin/vde_switch", "/usr/bin/vde_plug2tap", "/usr/bin/python3", "/usr/bin/cc",
                         "/usr/include/libvdeplug.h"] where !FileManager.default.fileExists(atPath: tool) {
                missing.append(tool)
            }
            if RealLinuxLab.locate("ip") == nil { missing.append("ip (iproute2)") }
            return missing
        }

        /// The `nicsim` executable next to the test bundle, or in `.build/debug`.
        static func nicsim() -> String? {
            let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            return ([dir, dir.deletingLastPathComponent()].map { $0.appendingPathComponent("nicsim").path }
                + [root.appendingPathComponent(".build/debug/nicsim").path])
                .first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        @Test func aStreamPacedAtAThousandPerSecondReachesALinuxSocketWithinTheLooseBound() throws {
            var missing = Self.missingRequirements()
            let executable = Self.nicsim()
            if executable == nil { missing.append("the nicsim executable (swift build --product nicsim)") }
            guard missing.isEmpty, let executable else {
                // Outside CI the measurement is optional; in CI its absence is a failure.
                if ProcessInfo.processInfo.environment["CI"] != nil {
                    Issue.record("the pacing measurement needs \(missing.joined(separator: ", "))")
                }
                return
            }
            // One measurement, and a second when the first misses the bound: a timing figure on a shared machine
            // can meet a burst of load from elsewhere; both are in the failure message.
            var attempts: [String] = []
            var result = try Self.measure(executable)
            attempts.append(result.text)
            if (result.runs["nicsim-1000"]?["errorP99Ns"] as? Int ?? .max) > 2_000_000 {
                result = try Self.measure(executable)
                attempts.append(result.text)
            }
            let text = attempts.joined(separator: "\n--- second attempt ---\n")
            let paced = try #require(result.runs["nicsim-1000"], "\(text)")
            let reference = try #require(result.runs["c-sender-1000"], "\(text)")
            #expect(paced["received"] as? Int == 2_000, "\(text)")
            #expect(paced["lost"] as? Int == 0, "\(text)")
            let p99 = try #require(paced["errorP99Ns"] as? Int, "\(text)")
            #expect(p99 <= 2_000_000, "p99 error \(p99) ns over the 2 ms bound: \(text)")
            #expect((paced["jitterNs"] as? Int).map { $0 >= 0 } == true)
            // nicsim's own report of the same run paced every datagram.
            let report = try #require(paced["nicsim"] as? [String: Any], "\(text)")
            #expect(report["pacedFrames"] as? Int == 2_000, "\(text)")
            // The reference sender ran in the same measurement and its figures are there to compare.
            #expect(reference["received"] as? Int == 2_000, "\(text)")
            #expect(reference["errorP99Ns"] is Int, "\(text)")
            // So did the spinning sender, whose figures are the path's own floor.
            let floor = try #require(result.runs["c-spin-1000"], "\(text)")
            #expect(floor["received"] as? Int == 2_000, "\(text)")
            #expect(floor["errorP99Ns"] is Int, "\(text)")
        }

        /// Runs the script once (at most 90 s) and checks that it left nothing behind; returns its output and figures.
        static func measure(_ executable: String) throws -> (text: String, runs: [String: [String: Any]]) {
            let folder = try TemporaryDirectory(prefix: "nicsim-pacing-test")
            defer { folder.remove() }
            let json = folder.path + "/figures.json"
            let log = folder.path + "/output.txt"
            // Output to a file: the script's own processes never hold a pipe the test reads to its end.
            let script = try ChildProcess(
                "/bin/sh", ["-c", "exec /bin/bash \"$0\" \"$@\" > \"\(log)\" 2>&1", Self.script, "--nicsim", executable,
                            "--seconds", "2", "--rates", "1000", "--real-time-priority", "--json", json])
            // At most 90 s; then SIGTERM, on which the script removes its namespace, tap and switch.
            let finished = script.wait(milliseconds: 90_000)
            script.stop()
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(finished, "the measurement took more than 90 s: \(text)")
            #expect(script.exitCode == 0, "\(text)")

            // Nothing is left: the namespace the script named is gone, and so is its folder and its processes.
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            let namespace = words.first { $0.hasPrefix("nicsim-pace-") }.map { String($0.prefix { $0 != "," }) }
            let name = try #require(namespace, "the script did not name its namespace: \(text)")
            #expect(!FileManager.default.fileExists(atPath: "/run/netns/\(name)"), "namespace \(name) left behind")
            let switchPath = try #require(words.first { $0.hasPrefix("/tmp/nicsim-pacing-") }.map(String.init))
            let switchFolder = URL(fileURLWithPath: switchPath).deletingLastPathComponent().path
            #expect(!FileManager.default.fileExists(atPath: switchFolder), "\(switchFolder) left behind")
            let processes = try runCommand("/usr/bin/pgrep", ["-f", switchFolder])
            #expect(processes.output.isEmpty, "processes left behind: \(processes.output)")

            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
            let runs = try #require((object as? [String: Any])?["runs"] as? [String: [String: Any]], "\(text)")
            return (text, runs)
        }
    }
}
