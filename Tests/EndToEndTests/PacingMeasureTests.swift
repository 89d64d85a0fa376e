import CommandTestSupport
import Foundation
import Testing

/// The receiving side of real-time pacing (issue 21): `Scripts/pacing-measure.sh` stamps every arrival of a stream
/// nicsim paces, in a Linux UDP socket behind vde_switch and a tap in a namespace of the script's own, and compares
/// with a C sender that paces with clock_nanosleep alone.
///
/// The bound is loose (p99 error ≤ 2 ms) so that it holds on a busy CI machine; the tight figures are in
/// BENCHMARKS.md. The stream is 1,000 datagrams/s for 2 s: the tests run the debug build of nicsim, which needs
/// about 100 µs of work per datagram and so cannot keep 10,000/s (the release build can; BENCHMARKS.md). The
/// script runs with real-time priority (the test needs root anyway) so that the other tests running at the same
/// time do not decide the figures.
@Suite("Real-time pacing as a Linux receiver sees it")
struct PacingMeasureTests {
    static let script = packageRoot.appendingPathComponent("Scripts/pacing-measure.sh").path

    /// What the machine lacks for the measurement, one line each.
    static func missingRequirements() -> [String] {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("root") }
        for tool in ["/usr/bin/vde_switch", "/usr/bin/vde_plug2tap", "/usr/bin/python3", "/usr/bin/cc",
                     "/usr/include/libvdeplug.h"] where !FileManager.default.fileExists(atPath: tool) {
            missing.append(tool)
        }
        if !["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip", "/bin/ip"].contains(where: FileManager.default.fileExists) {
            missing.append("ip (iproute2)")
        }
        return missing
    }

    @Test("a stream nicsim paces at 1,000/s reaches a Linux socket with p99 error within 2 ms, and nothing is left behind")
    func receiverSeesThePacedStream() throws {
        let missing = Self.missingRequirements()
        guard missing.isEmpty else {
            // Outside CI the measurement is optional; in CI its absence is a failure.
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("the pacing measurement needs \(missing.joined(separator: ", "))")
            }
            return
        }
        let nicsim = try nicsimExecutable()
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("nicsim-pacing-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: json) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.script, "--nicsim", nicsim.path, "--seconds", "2", "--rates", "1000",
                             "--real-time-priority", "--json", json.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // At most 90 s; then SIGTERM, on which the script removes its namespace, tap and switch.
        let deadline = Date().addingTimeInterval(90)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(!timedOut, "the measurement took more than 90 s")
        #expect(process.terminationStatus == 0, "\(text)")

        // Nothing is left: the namespace the script named is gone, and so is its switch folder.
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let namespace = words.first { $0.hasPrefix("nicsim-pace-") }.map { String($0.prefix { $0 != "," }) }
        let name = try #require(namespace, "the script did not name its namespace: \(text)")
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/\(name)"), "namespace \(name) left behind")
        if let folder = words.first(where: { $0.hasPrefix("/tmp/nicsim-pacing-") }) {
            let path = String(folder).replacingOccurrences(of: "/switch", with: "")
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) left behind")
        }

        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
        let runs = try #require(object?["runs"] as? [String: [String: Any]], "\(text)")
        let paced = try #require(runs["nicsim-1000"], "\(text)")
        let reference = try #require(runs["c-sender-1000"], "\(text)")
        #expect(paced["received"] as? Int == 2_000, "\(text)")
        #expect(paced["lost"] as? Int == 0, "\(text)")
        let p99 = try #require(paced["errorP99Ns"] as? Int, "\(text)")
        #expect(p99 <= 2_000_000, "p99 error \(p99) ns over the 2 ms bound: \(text)")
        #expect((paced["jitterNs"] as? Int).map { $0 >= 0 } == true)
        // nicsim's own report of the same run: every datagram paced, none over the catch-up limit's worth behind.
        let report = try #require(paced["nicsim"] as? [String: Any], "\(text)")
        #expect(report["pacedFrames"] as? Int == 2_000, "\(text)")
        // The reference sender ran in the same measurement and its figures are there to compare.
        #expect(reference["received"] as? Int == 2_000, "\(text)")
        #expect(reference["errorP99Ns"] is Int, "\(text)")
    }
}
