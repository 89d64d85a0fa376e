import CommandTestSupport
import Foundation
import Testing
import WireFormats

func temporaryFile(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("nicsim-\(getpid())-\(name)")
}

@Suite("The nicsim command", .serialized)
struct CommandLineTests {
    let scenario = packageRoot.appendingPathComponent("Fixtures/scenarios/two-receivers.yaml").path

    @Test("same scenario and seed give byte-identical reports and pcaps")
    func determinism() throws {
        let nicsim = try nicsimExecutable()
        var outputs: [(String, Data)] = []
        for run in 0..<2 {
            let pcap = temporaryFile("det\(run).pcap")
            defer { try? FileManager.default.removeItem(at: pcap) }
            let r = try runProcess(nicsim, ["run", scenario, "--format", "json", "--pcap", pcap.path])
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append((r.stdout, try Data(contentsOf: pcap)))
        }
        #expect(outputs[0].0 == outputs[1].0)
        #expect(outputs[0].1 == outputs[1].1)
        #expect(outputs[0].1.count > 24)
        // A different seed changes the application's bytes, hence the digests.
        let other = try runProcess(nicsim, ["run", scenario, "--format", "json", "--seed", "43"])
        #expect(other.status == 0)
        #expect(other.stdout != outputs[0].0)
    }

    @Test("the JSON report decodes and states what the text report states")
    func jsonReport() throws {
        let nicsim = try nicsimExecutable()
        let json = try runProcess(nicsim, ["run", scenario, "--format", "json"])
        let text = try runProcess(nicsim, ["run", scenario])
        #expect(json.status == 0 && text.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let receivers = try #require(object?["receivers"] as? [[String: Any]])
        #expect(receivers.count == 2)
        #expect(receivers.allSatisfy { ($0["intact"] as? Bool) == true })
        for r in receivers {
            let digest = try #require(r["digest"] as? String)
            #expect(text.stdout.contains(digest))
        }
    }

    @Test("the pcap opens in tshark with valid IPv4 and UDP checksums and no malformed frame")
    func pcapInTshark() throws {
        let tshark = "/usr/bin/tshark"
        try #require(FileManager.default.isExecutableFile(atPath: tshark), "tshark is installed by Scripts/test.sh")
        let nicsim = try nicsimExecutable()
        let pcap = temporaryFile("tshark.pcap")
        defer { try? FileManager.default.removeItem(at: pcap) }
        let run = try runProcess(nicsim, ["run", scenario, "--pcap", pcap.path])
        #expect(run.status == 0)
        let fields = try runProcess(URL(fileURLWithPath: tshark), [
            "-r", pcap.path, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
            "-T", "fields", "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "_ws.malformed",
        ])
        #expect(fields.status == 0, "\(fields.stderr)")
        let lines = fields.stdout.split(separator: "\n")
        // two-receivers.yaml: two writes of 64 KiB to rx1 (45 segments each) and 20,000 B to rx2 (14 each).
        #expect(lines.count == 2 * (45 + 14))
        // Wireshark's checksum status: 1 = good. No third field means no malformed-packet marker.
        for line in lines {
            #expect(line.split(separator: "\t", omittingEmptySubsequences: false).prefix(3) == ["1", "1", ""])
        }
    }

    @Test("bad scenarios exit 2 with a located message", arguments: [
        ("unknown: key\n", "unknown"),
        ("", "empty"),
    ])
    func badScenario(text: String, expected: String) throws {
        let nicsim = try nicsimExecutable()
        let file = temporaryFile("bad.yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(text.utf8).write(to: file)
        let r = try runProcess(nicsim, ["run", file.path])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(file.path + ":"), "\(r.stderr)")
        #expect(r.stderr.lowercased().contains(expected), "\(r.stderr)")
    }

    @Test("a missing file and a bad option exit 2")
    func badInvocation() throws {
        let nicsim = try nicsimExecutable()
        #expect(try runProcess(nicsim, ["run", "/nonexistent/scenario.yaml"]).status == 2)
        #expect(try runProcess(nicsim, ["run", scenario, "--format", "xml"]).status == 2)
        #expect(try runProcess(nicsim, ["--help"]).status == 0)
    }
}
