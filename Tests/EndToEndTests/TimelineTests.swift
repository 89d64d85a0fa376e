import CommandTestSupport
import Foundation
import Scenarios
import Testing

/// Tells whether a tool a test needs is here; when it is not, the test fails under CI (where
/// `Scripts/install-deps.sh test` installs it) and is passed over elsewhere.
private func toolAvailable(_ available: Bool, _ what: String) -> Bool {
    if !available && ProcessInfo.processInfo.environment["CI"] != nil {
        Issue.record("\(what) is missing (Scripts/install-deps.sh test installs it)")
    }
    return available
}

/// The `python3` on the PATH (the one `Scripts/install-deps.sh test` installed the perfetto package into).
private let env = URL(fileURLWithPath: "/usr/bin/env")

/// Whether Python can import Perfetto's protobuf definitions (`pip install perfetto`).
private func perfettoProtosAvailable() -> Bool {
    guard let r = try? runProcess(env, ["python3", "-c", "import perfetto.protos.perfetto.trace.perfetto_trace_pb2"])
    else { return false }
    return r.status == 0
}

/// A scenario like interleaving.yaml with `count` receivers, written to a temporary file.
func manyReceiverScenario(_ count: Int) throws -> URL {
    var text = "name: receivers-\(count)\nseed: 7\nserver:\n  link: { rate: 10Gbps, delay: 500ns }\n"
        + "  driver: { order: interleaved, interrupts: per-write }\n"
        + "network:\n  switch: { port-buffer: 256KiB }\nreceivers:\n"
    for i in 1...count { text += "  - { name: rx\(i) }\n" }
    text += "writes:\n  count: 1\n  entries:\n    - { to: all, size: 14720 }\n"
    let file = temporaryFile("receivers-\(count).yaml")
    try Data(text.utf8).write(to: file)
    return file
}

/// The Perfetto trace, the pcapng capture and the HTML page's readability at many receivers (issue 19).
@Suite("Timelines: Perfetto, pcapng and readable charts", .serialized)
struct TimelineTests {
    let interleaving = packageRoot.appendingPathComponent("Fixtures/scenarios/interleaving.yaml").path
    let twoReceivers = packageRoot.appendingPathComponent("Fixtures/scenarios/two-receivers.yaml").path
    let setTopBoxes = packageRoot.appendingPathComponent("Fixtures/labs/set-top-box-buffer.yaml").path
    let summary = packageRoot.appendingPathComponent("Scripts/perfetto-summary.py").path

    struct Summary: Decodable {
        struct Counts: Decodable { var begin: Int, end: Int, instant: Int, counter: Int }
        struct Flows: Decodable { var write: Int, packet: Int, datagram: Int, datagramsDelivered: Int }
        var packets: Int
        var processes: [String]
        var tracks: [String: Counts]
        var counterTracks: [String]
        var flows: Flows
        var unbalanced: [String]
        var descriptorWrites: Int
        var descriptorsFetched: Int
        var firstTimestampNs: Int64?
        var lastTimestampNs: Int64?
    }

    func summarise(_ trace: URL) throws -> Summary {
        let r = try runProcess(env, ["python3", summary, trace.path])
        #expect(r.status == 0, "perfetto-summary.py: \(r.stderr.suffix(600))")
        return try JSONDecoder().decode(Summary.self, from: Data(r.stdout.utf8))
    }

    @Test("the Perfetto trace parses with Perfetto's protos, and its tracks, counters and flows match the report")
    func perfettoMatchesReport() throws {
        guard toolAvailable(perfettoProtosAvailable(), "python3 with the perfetto package") else { return }
        let trace = temporaryFile("interleaving.pftrace")
        defer { try? FileManager.default.removeItem(at: trace) }
        let r = try runProcess(
            try nicsimExecutable(), ["run", interleaving, "--perfetto", trace.path, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try Report.decode(json: r.stdout)
        let host = try #require(report.hosts.first)
        let s = try summarise(trace)
        #expect(s.processes.starts(with: ["server"]))
        #expect(Set(s.processes).isSuperset(of: ["server", "switch", "links"] + report.receivers.map(\.name)))
        #expect(s.unbalanced.isEmpty, "slices without an end: \(s.unbalanced)")
        #expect(s.tracks["server/queue 0: transmit"]?.begin == Int(host.framesTransmitted))
        #expect(s.tracks["links/link.server → switch"]?.begin == Int(host.framesTransmitted))
        #expect(s.tracks["server/interrupt line"]?.instant == Int(host.interrupts))
        #expect(s.descriptorWrites == Int(host.descriptorsWritten))
        #expect(s.descriptorsFetched == Int(host.nic.descriptorsFetched))
        #expect(s.tracks["server/queue 0: fetch"]?.instant == Int(host.nic.descriptorBatches))
        #expect(s.tracks["server/queue 0: write-back"]?.instant ?? 0 > 0)
        #expect(s.tracks["server/calls"]?.instant ?? 0 >= 1)
        #expect(s.tracks["server/interrupt handler"]?.instant ?? 0 >= 1)
        for port in report.switchPorts where port.port > 0 {
            #expect(s.tracks["links/switch → link.\(port.peer)"]?.begin == port.framesOut, "port \(port.port)")
            #expect(s.tracks["switch/port \(port.port) → \(port.peer)"]?.instant == port.framesOut)
            #expect(s.counterTracks.contains("switch/port \(port.port) → \(port.peer) queued bytes"))
        }
        for receiver in report.receivers {
            #expect(s.tracks["\(receiver.name)/arrivals"]?.instant == receiver.datagrams, "\(receiver.name)")
        }
        #expect(s.counterTracks.contains("server/queue 0 ring occupancy"))
        #expect(s.counterTracks.contains("server/queue 0 descriptor cache"))
        // Every datagram's arrows lead from the server's wire through the switch and a link to its receiver.
        let received = report.receivers.reduce(0) { $0 + $1.datagrams }
        #expect(s.flows.datagramsDelivered == received)
        #expect(s.flows.datagram == Int(host.framesTransmitted))
        #expect(s.flows.write == Int(host.writes))

        // Same scenario and seed: the same bytes.
        let again = temporaryFile("interleaving-again.pftrace")
        defer { try? FileManager.default.removeItem(at: again) }
        let r2 = try runProcess(try nicsimExecutable(), ["run", interleaving, "--perfetto", again.path])
        #expect(r2.status == 0)
        #expect(try Data(contentsOf: trace) == Data(contentsOf: again), "two runs wrote different traces")
    }

    @Test("a window keeps only its events; counter sampling thins counters; a set-top box has its buffer counter")
    func windowAndCounters() throws {
        guard toolAvailable(perfettoProtosAvailable(), "python3 with the perfetto package") else { return }
        let nicsim = try nicsimExecutable()
        let whole = temporaryFile("whole.pftrace"), part = temporaryFile("part.pftrace"),
            thin = temporaryFile("thin.pftrace")
        defer { for f in [whole, part, thin] { try? FileManager.default.removeItem(at: f) } }
        #expect(try runProcess(nicsim, ["run", interleaving, "--perfetto", whole.path]).status == 0)
        let w = try runProcess(
            nicsim, ["run", interleaving, "--perfetto", part.path, "--perfetto-window", "200us..400us"])
        #expect(w.status == 0, "\(w.stderr)")
        let all = try summarise(whole), window = try summarise(part)
        #expect((window.firstTimestampNs ?? 0) >= 200_000 && (window.lastTimestampNs ?? .max) < 400_000)
        #expect(window.packets > 0 && window.packets < all.packets)
        let c = try runProcess(
            nicsim, ["run", interleaving, "--perfetto", thin.path, "--perfetto-counter-interval", "20us"])
        #expect(c.status == 0)
        let thinned = try summarise(thin)
        let ring = "server/queue 0 ring occupancy"
        #expect((thinned.tracks[ring]?.counter ?? 0) < (all.tracks[ring]?.counter ?? 0))
        // At most two points per interval (and one at the start): 745 µs of run in 20 µs intervals.
        let limit: Int = 2 * (745 / 20 + 1) + 1
        let points: Int = thinned.tracks[ring]?.counter ?? Int.max
        #expect(points <= limit)
        let bad = try runProcess(
            nicsim, ["run", interleaving, "--perfetto", thin.path, "--perfetto-window", "2ms..1ms"])
        #expect(bad.status == 2 && bad.stderr.contains("--perfetto-window"))

        let boxes = temporaryFile("boxes.pftrace")
        defer { try? FileManager.default.removeItem(at: boxes) }
        #expect(try runProcess(nicsim, ["run", setTopBoxes, "--perfetto", boxes.path]).status == 0)
        let b = try summarise(boxes)
        for name in ["stb1", "stb2", "stb3", "stb4"] {
            #expect((b.tracks["\(name)/buffer"]?.counter ?? 0) > 0, "\(name) has no buffer counter")
        }
    }

    @Test("a full disk fails the run loudly, naming the file")
    func fullDisk() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let nicsim = try nicsimExecutable()
        for flag in ["--perfetto", "--pcapng"] {
            let r = try runProcess(nicsim, ["run", interleaving, flag, "/dev/full"])
            #expect(r.status == 3, "\(flag): status \(r.status)")
            #expect(r.stderr.contains("/dev/full") && r.stderr.contains("No space left"), "\(flag): \(r.stderr)")
            #expect(r.stdout.contains("nicsim report: interleaving"), "the report is still printed")
        }
        let missing = try runProcess(nicsim, ["run", interleaving, "--perfetto", "/nonexistent-dir/x.pftrace"])
        #expect(missing.status == 3 && missing.stderr.contains("/nonexistent-dir/x.pftrace"))
    }

    @Test("""
        capinfos and tshark read the pcapng: one interface per capture point, counts equal the report's, \
        a comment on every frame
        """)
    func pcapng() throws {
        let capinfos = "/usr/bin/capinfos", tshark = "/usr/bin/tshark"
        guard toolAvailable(FileManager.default.isExecutableFile(atPath: capinfos)
            && FileManager.default.isExecutableFile(atPath: tshark), "tshark and capinfos") else { return }
        let file = temporaryFile("interleaving.pcapng")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try runProcess(try nicsimExecutable(), ["run", interleaving, "--pcapng", file.path, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try Report.decode(json: r.stdout)
        let host = try #require(report.hosts.first)
        let info = try runProcess(URL(fileURLWithPath: capinfos), [file.path])
        #expect(info.status == 0, "\(info.stderr)")
        // The server's NIC, every switch port, every receiver.
        let interfaces = 1 + report.switchPorts.count + report.receivers.count
        #expect(info.stdout.contains("Number of interfaces in file: \(interfaces)"), "\(info.stdout.prefix(2000))")
        #expect(info.stdout.contains("nanoseconds (9)"))
        let fields = try runProcess(URL(fileURLWithPath: tshark), [
            "-r", file.path, "-T", "fields", "-E", "separator=|", "-e", "frame.interface_id", "-e", "frame.comment",
        ])
        #expect(fields.status == 0, "\(fields.stderr)")
        var perInterface = [Int](repeating: 0, count: interfaces)
        var uncommented = 0
        for line in fields.stdout.split(separator: "\n") {
            let parts = line.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            guard let i = Int(parts[0]), i < interfaces else {
                Issue.record("bad line \(line)")
                continue
            }
            perInterface[i] += 1
            if parts.count < 2 || !parts[1].contains("write call") || !parts[1].contains("descriptor")
                || !parts[1].contains("segment")
            {
                uncommented += 1
            }
        }
        #expect(uncommented == 0, "frames without a full comment: \(uncommented)")
        #expect(perInterface[0] == Int(host.framesTransmitted))
        for port in report.switchPorts {
            #expect(perInterface[1 + port.port] == port.framesOut, "switch port \(port.port)")
        }
        for (k, receiver) in report.receivers.enumerated() {
            #expect(perInterface[1 + report.switchPorts.count + k] == receiver.datagrams, "\(receiver.name)")
        }
        // Same scenario and seed: the same bytes.
        let again = temporaryFile("interleaving-again.pcapng")
        defer { try? FileManager.default.removeItem(at: again) }
        #expect(try runProcess(try nicsimExecutable(), ["run", interleaving, "--pcapng", again.path]).status == 0)
        #expect(try Data(contentsOf: file) == Data(contentsOf: again), "two runs wrote different captures")
    }

    @Test("Chromium lays out every chart of a 100-receiver run with no label overlapping another")
    func hundredReceiverPage() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard toolAvailable(chromium != nil, "Chromium"), let browser = chromium else { return }
        let scenario = try manyReceiverScenario(100)
        let page = temporaryFile("receivers-100.html"), trace = temporaryFile("receivers-100.pftrace")
        defer { for f in [scenario, page, trace] { try? FileManager.default.removeItem(at: f) } }
        let r = try runProcess(
            try nicsimExecutable(), ["run", scenario.path, "--html", page.path, "--perfetto", trace.path])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        let dom = try runProcess(
            URL(fileURLWithPath: browser),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=2000", "--dump-dom",
                page.absoluteString,
            ])
        let pattern = try NSRegularExpression(
            pattern: #"data-chart="([a-z-]+)" id="[a-z-]+" data-rendered="(\d+)x(\d+) "#
                + #"marks=(\d+) labels=(\d+) overlaps=(\d+) outside=(\d+)""#)
        var charts: [String: [Int]] = [:]
        for m in pattern.matches(in: dom.stdout, range: NSRange(dom.stdout.startIndex..., in: dom.stdout)) {
            charts[String(dom.stdout[Range(m.range(at: 1), in: dom.stdout)!])] =
                (2...7).map { Int(dom.stdout[Range(m.range(at: $0), in: dom.stdout)!]) ?? -1 }
        }
        #expect(charts.count == 5, "charts laid out: \(charts.keys.sorted()); chromium said: \(dom.stderr.suffix(400))")
        for (chart, v) in charts {
            #expect(v[0] >= 900 && v[1] >= 100, "\(chart) drawn at \(v[0])x\(v[1])")
            #expect(v[4] == 0, "\(chart): \(v[4]) overlapping labels")
            #expect(v[5] == 0, "\(chart): \(v[5]) labels outside the chart")
        }
        // One row (and label) per port and per receiver, worst first.
        #expect((charts["chart-switch"]?[3] ?? 0) >= 100)
        #expect((charts["chart-arrivals"]?[3] ?? 0) >= 100)
        // Each chart links to its window of the trace, and the page says how to open it offline.
        #expect(html.components(separatedBy: "https://ui.perfetto.dev/#!/?url=").count - 1 >= 4)
        #expect(html.contains("Opening the timeline") && html.contains("offline"))
    }
}
