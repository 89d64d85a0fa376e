import CommandTestSupport
import Foundation
import Scenarios
import SimCore
import Testing
import WireFormats

/// Report formats, traces, expectations, progress and clean stops, through the `nicsim` command (issue 7 and
/// the signal part of issue 9).
@Suite("Reports, traces and expectations", .serialized)
struct ReportingTests {
    let twoReceivers = packageRoot.appendingPathComponent("Fixtures/scenarios/two-receivers.yaml").path
    let interleaving = packageRoot.appendingPathComponent("Fixtures/scenarios/interleaving.yaml").path
    let withExpectations = packageRoot.appendingPathComponent("Fixtures/scenarios/expect/two-receivers-expect.yaml")
        .path

    // MARK: - Text and JSON

    @Test("the text report matches the golden file byte for byte")
    func goldenText() throws {
        let r = try runProcess(try nicsimExecutable(), ["run", twoReceivers])
        #expect(r.status == 0, "\(r.stderr)")
        let golden = packageRoot.appendingPathComponent("Fixtures/golden/two-receivers.txt")
        if ProcessInfo.processInfo.environment["NICSIM_UPDATE_GOLDEN"] == "1" {
            try Data(r.stdout.utf8).write(to: golden)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let goldenLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, (a, b)) in zip(lines, goldenLines).enumerated() where a != b {
            Issue.record("""
                line \(i + 1) differs:\n  got:    \(a)\n  golden: \(b)\n(NICSIM_UPDATE_GOLDEN=1 rewrites the file \
                after an intended change)
                """)
            break
        }
        #expect(lines.count == goldenLines.count)
        // Piped output carries no colour.
        #expect(!r.stdout.contains("\u{1B}["))
    }

    @Test("JSON round-trips and every key it has is documented in REPORT.md")
    func jsonSchema() throws {
        let docs = try String(
            contentsOf: packageRoot.appendingPathComponent("Fixtures/scenarios/REPORT.md"), encoding: .utf8)
        for file in [twoReceivers, withExpectations,
                     packageRoot.appendingPathComponent("Fixtures/scenarios/media/paced.yaml").path] {
            let spec = try ScenarioParser.parse(contentsOf: file)
            let world = try World(spec: spec)
            let report = world.report(outcome: world.run())
            let json = report.json()
            let decoded = try Report.decode(json: json)
            #expect(decoded == report)
            #expect(decoded.json() == json)
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
            var undocumented: [String] = []
            collectKeys(object, path: "") { path, key in
                if !docs.contains("`\(key)`") && !docs.contains(".\(key)`") && !docs.contains("`\(key)[]") {
                    undocumented.append(path)
                }
            }
            #expect(undocumented.isEmpty, "keys missing from REPORT.md: \(undocumented)")
        }
    }

    /// Calls `visit` with every object key's path and name; the keys of `cycles` are data, not fields.
    func collectKeys(_ value: Any, path: String, _ visit: (String, String) -> Void) {
        if let dict = value as? [String: Any] {
            for (k, v) in dict {
                visit(path + k, k)
                if k != "cycles" { collectKeys(v, path: path + k + ".", visit) }
            }
        } else if let array = value as? [Any] {
            for v in array { collectKeys(v, path: String(path.dropLast()) + "[].", visit) }
        }
    }

    // MARK: - Expectations

    @Test("failed expectations exit 1 and are named; met ones exit 0")
    func expectations() throws {
        let nicsim = try nicsimExecutable()
        let failing = try runProcess(nicsim, ["run", withExpectations])
        #expect(failing.status == 1)
        #expect(failing.stderr.contains("expectation failed: switch-peak.rx1 < 16KiB"))
        #expect(!failing.stderr.contains("interrupts-per-write"), "a met expectation was reported as failed")
        #expect(failing.stdout.contains("Expectations (1 of 5 failed)"))
        // Raise the bound: every expectation holds and the run succeeds.
        let passing = try runProcess(nicsim, ["run", withExpectations, "--set", "expect.switch-peak.rx1=< 64KiB"])
        #expect(passing.status == 0, "\(passing.stderr)")
        #expect(passing.stdout.contains("Expectations (all 5 met)"))
        // Two failures are both named.
        let two = try runProcess(nicsim, ["run", withExpectations, "--set", "expect.switch-drops=> 0"])
        #expect(two.status == 1)
        #expect(two.stderr.contains("switch-peak.rx1 < 16KiB"))
        #expect(two.stderr.contains("switch-drops > 0"))
    }

    @Test("expectations are checked against the report's own numbers")
    func expectationValues() throws {
        var spec = try ScenarioParser.parse(contentsOf: withExpectations)
        let world = try World(spec: spec)
        let report = world.report(outcome: world.run())
        let peak = report.switchPorts[1].peakOccupancyBytes
        let results = report.expectations
        #expect(results.count == 5)
        let failedNames = results.filter { !$0.passed }.map(\.name)
        #expect(failedNames == ["switch-peak.rx1 < 16KiB"])
        let measured = results.first { $0.name.hasPrefix("switch-peak") }?.actual
        #expect(measured == Double(peak))
        spec.expectations = [ExpectationSpec(metric: "underflows", comparison: .equal, bound: 0, boundText: "0")]
        let world2 = try World(spec: spec)
        let report2 = world2.report(outcome: world2.run())
        // No set-top box: the figure does not exist, which is a failure, not a pass.
        let missing = report2.expectations.first
        #expect(missing?.passed == false)
        #expect(missing?.message?.contains("no such figure") == true)
    }

    @Test("bad expectations are refused with their line")
    func badExpectations() throws {
        let base = try String(contentsOfFile: twoReceivers, encoding: .utf8)
        let cases: [(String, String)] = [
            ("expect:\n  interupts: 1\n", "unknown figure \"interupts\""),
            ("expect:\n  switch-peak: \"< lots\"\n", "expected a size"),
            ("expect:\n  datagrams.rx9: 1\n", "no such name"),
            ("expect:\n  events.rx1: 1\n", "takes no"),
            ("expect: [1, 2]\n", "expected a mapping"),
        ]
        let lines = base.split(separator: "\n", omittingEmptySubsequences: false).count
        for (text, message) in cases {
            do {
                _ = try ScenarioParser.parse(yaml: base + text, file: "x.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.message.contains(message), "\(error.description)")
                #expect(error.line >= lines - 1, "\(error.description)")
            }
        }
    }

    // MARK: - Trace

    @Test("--trace prints the path with descriptor indices and addresses; jsonl carries the same records")
    func trace() throws {
        let nicsim = try nicsimExecutable()
        let text = try runProcess(nicsim, ["run", twoReceivers, "--trace"])
        #expect(text.status == 0)
        let traceText = text.stdout.components(separatedBy: "nicsim report:").first ?? ""
        let traceLines = traceText.split(separator: "\n").filter { $0.contains(" us  ") }
        for event in ["syscall", "descriptor-write", "doorbell", "descriptor-fetch", "dma-read", "wire", "writeback",
                      "interrupt", "interrupt-handler", "enqueue", "dequeue", "arrival", "tx-ring"] {
            #expect(traceLines.contains { $0.contains(" \(event) ") }, "no \(event) in the trace")
        }
        #expect(traceLines.contains { $0.contains("descriptor-write") && $0.contains("index=0 buffer=0x") })
        #expect(text.stdout.contains("nicsim report: two-receivers"))

        let file = temporaryFile("trace.jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let jsonl = try runProcess(nicsim, ["run", twoReceivers, "--trace-format", "jsonl", "--trace-file", file.path])
        #expect(jsonl.status == 0)
        let records = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(records.count == traceLines.count)
        var times: [Int64] = []
        for line in records {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let t = object?["t_ps"] as? Int64 ?? (object?["t_ps"] as? Int).map(Int64.init)
            #expect(t != nil && object?["component"] is String && object?["event"] is String, "\(line)")
            times.append(t ?? -1)
        }
        #expect(times == times.sorted(), "records are not in time order")
        // The trace on standard output in JSON lines leaves standard output to the trace alone.
        let piped = try runProcess(nicsim, ["run", twoReceivers, "--trace", "--trace-format", "jsonl"])
        #expect(piped.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("{") })
        #expect(piped.stderr.contains("nicsim report: two-receivers"))
    }

    @Test("tracing does not change the run")
    func traceIsPassive() throws {
        let spec = try ScenarioParser.parse(contentsOf: interleaving)
        let plain = try World(spec: spec)
        let a = plain.report(outcome: plain.run())
        var options = World.Options()
        options.tracer = RunRecorder(serverName: spec.server.name)
        let traced = try World(spec: spec, options: options)
        let b = traced.report(outcome: traced.run())
        #expect(a == b)
        #expect(a.fingerprint == b.fingerprint)
    }

    // MARK: - HTML and CSV

    @Test("the HTML page is self-contained and Chromium renders its five charts")
    func html() throws {
        let page = temporaryFile("report.html")
        defer { try? FileManager.default.removeItem(at: page) }
        let r = try runProcess(try nicsimExecutable(), ["run", interleaving, "--html", page.path, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try Report.decode(json: r.stdout)
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(!html.contains("src="), "the page loads something")
        #expect(!html.contains("<link"), "the page links a stylesheet")
        #expect(!html.contains("url("), "the page refers to a resource")
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let browser = try #require(chromium, "Chromium is not installed (Scripts/install-deps.sh test installs it)")
        let dom = try runProcess(
            URL(fileURLWithPath: browser),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=2000", "--dump-dom",
                page.absoluteString,
            ])
        // What the page's own script measured after layout: each chart's drawn size and how many marks it holds.
        var rendered: [String: (width: Int, height: Int, marks: Int)] = [:]
        var unreadable: [String] = []
        let pattern = try NSRegularExpression(
            pattern: #"data-chart="([a-z-]+)" id="[a-z-]+" data-rendered="(\d+)x(\d+) "#
                + #"marks=(\d+) labels=\d+ overlaps=(\d+) outside=(\d+)""#)
        for m in pattern.matches(in: dom.stdout, range: NSRange(dom.stdout.startIndex..., in: dom.stdout)) {
            let s = (1...6).map { String(dom.stdout[Range(m.range(at: $0), in: dom.stdout)!]) }
            rendered[s[0]] = (Int(s[1]) ?? 0, Int(s[2]) ?? 0, Int(s[3]) ?? 0)
            if s[4] != "0" || s[5] != "0" { unreadable.append("\(s[0]): \(s[4]) overlapping labels, \(s[5]) outside") }
        }
        #expect(
            rendered.count == 5, "charts rendered: \(rendered.keys.sorted()); chromium said: \(dom.stderr.suffix(400))")
        // The page's script counts labels that overlap another or leave their chart: none may.
        #expect(unreadable.isEmpty, "\(unreadable)")
        for (chart, minimumMarks) in [("chart-tx-ring", 3), ("chart-switch", 10), ("chart-arrivals", 20),
                                      ("chart-journey", 15), ("chart-cycles", 5)] {
            let r = rendered[chart]
            #expect((r?.width ?? 0) >= 900 && (r?.height ?? 0) >= 100, "\(chart) drawn at \(String(describing: r))")
            #expect((r?.marks ?? 0) >= minimumMarks, "\(chart) has \(r?.marks ?? 0) marks")
        }
        // The captions state the run's numbers.
        let host = try #require(report.hosts.first)
        #expect(html.contains("\(host.cyclesTotal) CPU cycles"))
        #expect(html.contains("\(host.interrupts) interrupt messages"))
        for lane in ["write call", "descriptor 0 written", "doorbell", "fetched by DMA", "payload read by DMA",
                     "first bit on the wire", "queued at port 1", "arrived at rx1"] {
            #expect(html.contains(lane), "the packet's journey lacks \"\(lane)\"")
        }
    }

    @Test("CSV per datagram and per interval agree with the report")
    func csv() throws {
        let nicsim = try nicsimExecutable()
        let file = temporaryFile("series.csv")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try runProcess(nicsim, ["run", twoReceivers, "--csv", file.path, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try Report.decode(json: r.stdout)
        let rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "time_ps,receiver,frame_bytes,ip_id,gap_ps")
        let received = report.receivers.reduce(0) { $0 + $1.datagrams }
        #expect(rows.count - 1 == received)
        let r2 = try runProcess(nicsim, ["run", twoReceivers, "--csv", file.path, "--csv-interval", "100us"])
        #expect(r2.status == 0)
        let table = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let header = table[0].map(String.init)
        let column = try #require(header.firstIndex(of: "rx1_datagrams"))
        let sum = table.dropFirst().reduce(0) { $0 + (Int($1[column]) ?? 0) }
        #expect(sum == report.receivers[0].datagrams)
        #expect(table.count - 1 == Int((report.endTimePs + 99_999_999) / 100_000_000))
        let bad = try runProcess(nicsim, ["run", twoReceivers, "--csv", file.path, "--csv-interval", "soon"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--csv-interval soon"))
    }

    // MARK: - Progress, colour and signals

    /// Runs `arguments` under a pseudo-terminal (util-linux `script`), so that nicsim sees a terminal.
    func runOnTerminal(_ arguments: [String]) throws -> ProcessResult {
        let command = ([try nicsimExecutable().path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["-u", "NO_COLOR", "NICSIM_PROGRESS_AFTER=0", "/usr/bin/script", "-qec", command, "/dev/null"])
    }

    @Test("progress and colour on a terminal; neither when piped")
    func progressAndColour() throws {
        let long = [twoReceivers, "--set", "writes.count=400"]
        let piped = try runProcess(try nicsimExecutable(), ["run"] + long)
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("events/s"))
        #expect(!piped.stdout.contains("\u{1B}["))
        let terminal = try runOnTerminal(["run"] + long)
        #expect(terminal.status == 0, "\(terminal.stdout.suffix(300))")
        #expect(terminal.stdout.contains("events/s"), "no progress line on a terminal")
        #expect(terminal.stdout.contains("\u{1B}[1mnicsim report"), "no bold title on a terminal")
    }

    @Test("SIGINT and SIGTERM stop a run with its report and pcap written", arguments: [SIGINT, SIGTERM])
    func signals(signal: Int32) throws {
        let pcap = temporaryFile("stopped-\(signal).pcap")
        defer { try? FileManager.default.removeItem(at: pcap) }
        let process = Process()
        process.executableURL = try nicsimExecutable()
        process.arguments = [
            "run", twoReceivers, "--set", "writes.count=20000", "--pcap", pcap.path, "--format", "json",
        ]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Wait until the run is under way: its capture has reached the file (it streams in 1 MiB pieces).
        let started = Date()
        while Date().timeIntervalSince(started) < 120 && process.isRunning {
            let size = (try? FileManager.default.attributesOfItem(atPath: pcap.path)[.size] as? Int) ?? 0
            if size > 0 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        kill(process.processIdentifier, signal)
        // A run that ignores the signal is killed after a minute, and the test fails below.
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        defer { watchdog.cancel() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "killed instead of stopping")
        #expect(process.terminationStatus == 128 + signal)
        let report = try Report.decode(json: String(decoding: outData, as: UTF8.self))
        #expect(report.outcome == "interrupted")
        #expect(report.events > 0)
        #expect(String(decoding: errData, as: UTF8.self).contains("stopped by signal \(signal)"))
        let bytes = try [UInt8](Data(contentsOf: pcap))
        let frames = try PcapReader.read(bytes).count
        // The pcap holds every frame whose first bit left; the report counts those whose last bit did too, so the
        // one on the wire when the run stopped may be in the pcap only.
        let transmitted = Int(report.hosts[0].framesTransmitted)
        #expect(frames == transmitted || frames == transmitted + 1, "pcap \(frames) frames, report \(transmitted)")
        #expect(frames > 0)
    }

    // MARK: - Fingerprints

    @Test("every shipped scenario's trajectory fingerprint matches Fixtures/fingerprints.tsv")
    func fingerprints() throws {
        let root = packageRoot.path
        let text = try String(contentsOfFile: root + "/Fixtures/fingerprints.tsv", encoding: .utf8)
        let table = try Fingerprints.parse(table: text, file: "Fixtures/fingerprints.tsv")
        let shipped = Fingerprints.shippedScenarios(root: root)
        let listed = Set(table.map(\.path))
        let missing = shipped.filter { !listed.contains($0) }
        #expect(missing.isEmpty, """
            scenarios without a fingerprint: \(missing); \
            run: swift run nicsim fingerprint --update Fixtures/fingerprints.tsv
            """)
        for entry in table {
            let now = try Fingerprints.measure(path: entry.path, root: root)
            #expect(now == entry, """
                \(entry.path): the trajectory changed (\(entry.fingerprint), \(entry.events) events -> \
                \(now.fingerprint), \(now.events) events). If the change is intended, run: \
                swift run nicsim fingerprint --update Fixtures/fingerprints.tsv
                """)
        }
    }

    @Test("host-cache hints change nothing: every shipped scenario keeps its fingerprint with hints on")
    func cacheHintsKeepFingerprints() throws {
        let root = packageRoot.path
        let text = try String(contentsOfFile: root + "/Fixtures/fingerprints.tsv", encoding: .utf8)
        var options = World.Options()
        options.cacheHints = true
        for entry in try Fingerprints.parse(table: text, file: "Fixtures/fingerprints.tsv") {
            #expect(try Fingerprints.measure(path: entry.path, root: root, options: options) == entry, "\(entry.path)")
        }
    }

    @Test("host-cache hints change nothing: same report and pcap bytes with hints on and off; on from 256 receivers")
    func cacheHintsKeepReports() throws {
        let spec = try ScenarioParser.parse(contentsOf: twoReceivers)
        var outputs: [(json: String, pcap: [UInt8]?)] = []
        for hints in [false, true] {
            var options = World.Options()
            options.capturePcap = true
            options.cacheHints = hints
            let world = try World(spec: spec, options: options)
            #expect(world.simulator.cacheHints == hints)
            let report = world.report(outcome: world.run())
            outputs.append((report.json(), world.pcapBytes))
        }
        #expect(outputs[0].json == outputs[1].json)
        #expect(outputs[0].pcap == outputs[1].pcap && (outputs[0].pcap?.count ?? 0) > 24)
        #expect(try World(spec: spec).simulator.cacheHints == false)  // two receivers: off by default

        // 300 receivers, each its own buffer: hints on by default, and the run is the same with them off.
        let names = (0..<300).map { "r\($0)" }
        var yaml = """
            name: many-receivers
            seed: 7
            server:
              link: { rate: 10Gbps, delay: 500ns }
              driver: { mode: zero-copy, order: destination-major, interrupts: per-write }
            receivers:

            """
        for (i, name) in names.enumerated() {
            let ip = i < 150 ? "198.51.100.\(i + 1)" : "203.0.113.\(i - 149)"
            yaml += "  - { name: \(name), ip: \(ip), link: { rate: 1Gbps, delay: 1us } }\n"
        }
        yaml += "writes:\n  count: 3\n  interval: 5ms\n  entries:\n"
        for name in names { yaml += "    - { to: \(name), size: 1472 }\n" }
        let many = try ScenarioParser.parse(bytes: Array(yaml.utf8), file: "many-receivers.yaml")
        var results: [(json: String, pcap: [UInt8]?, fingerprint: UInt64)] = []
        for hints in [nil, false] as [Bool?] {
            var options = World.Options()
            options.capturePcap = true
            options.cacheHints = hints
            let world = try World(spec: many, options: options)
            #expect(world.simulator.cacheHints == (hints ?? true))
            let report = world.report(outcome: world.run())
            #expect(report.hosts[0].framesTransmitted == 900)
            results.append((report.json(), world.pcapBytes, world.simulator.fingerprint))
        }
        #expect(results[0].json == results[1].json)
        #expect(results[0].pcap == results[1].pcap)
        #expect(results[0].fingerprint == results[1].fingerprint)
    }

    @Test("the fingerprint follows every event: one more write changes it, the same run repeats it")
    func fingerprintSensitivity() throws {
        let spec = try ScenarioParser.parse(contentsOf: twoReceivers)
        let a = try World(spec: spec)
        a.run()
        let b = try World(spec: spec)
        b.run()
        #expect(a.simulator.fingerprint == b.simulator.fingerprint)
        var other = spec
        other.writes.entries[1].bytes += 1
        let c = try World(spec: other)
        c.run()
        #expect(a.simulator.fingerprint != c.simulator.fingerprint)
    }
}
