import CommandTestSupport
import Foundation
import MediaStreams
import Scenarios
import SimCore
import Testing
import WireFormats

/// ffprobe (FFmpeg's demuxer) judges the transport streams nicsim makes and carries (issue 23, item 4): the
/// streams the generator writes, and the stream a set-top box received, reassembled from the run's pcap. Needs
/// ffprobe (package ffmpeg): a missing one fails the test, in CI and out.
@Suite("ffprobe as judge of the transport streams", .serialized)
struct FFprobeJudgeTests {
    static let ffprobe = "/usr/bin/ffprobe"

    /// What ffprobe's MPEG-TS demuxer says about `bytes`: its continuity-check failures (logged at debug level,
    /// "Continuity check failed for pid P expected E got G"), every line it logs at warning level or above, and the
    /// elementary-stream packets it demuxed. Without `find_stream_info`: the generator's video is a synthetic
    /// elementary stream no decoder reads, and the probing pass would read (and check) the start twice.
    struct Verdict {
        var continuityErrors: [String]
        var warnings: [String]
        var packets: Int
    }

    static func judge(_ bytes: [UInt8], name: String) throws -> Verdict {
        try #require(
            FileManager.default.isExecutableFile(atPath: ffprobe), "ffprobe is missing (apt-get install ffmpeg)")
        let file = temporaryFile(name)
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(bytes).write(to: file)
        let debug = try runProcess(URL(fileURLWithPath: ffprobe),
                                   ["-hide_banner", "-v", "debug", "-nofind_stream_info", "-f", "mpegts",
                                    "-show_entries", "packet=stream_index", "-of", "csv=p=0", file.path])
        try #require(debug.status == 0, "ffprobe: \(debug.stderr.suffix(400))")
        let warning = try runProcess(URL(fileURLWithPath: ffprobe),
                                     ["-hide_banner", "-v", "warning", "-nofind_stream_info", "-f", "mpegts",
                                      "-show_entries", "format=format_name",
                                      "-of", "csv=p=0", file.path])
        let cc = debug.stderr.split(separator: "\n").filter { $0.contains("Continuity check failed") }.map(String.init)
        let packets = debug.stdout.split(separator: "\n").count
        let warnings = warning.stderr.split(separator: "\n").map(String.init)
        return Verdict(continuityErrors: cc, warnings: warnings, packets: packets)
    }

    @Test("generated transport streams: no continuity error, no warning; PCRs every 20 ms without discontinuity",
          arguments: [(Int64(2_000_000), UInt64(1)), (4_000_000, 7), (15_000_000, 42)])
    func generated(_ rate: Int64, _ seed: UInt64) throws {
        let bytes = try TSGenerator.generate(TSGenerator.Configuration(bitsPerSecond: rate, seed: seed),
                                             duration: .milliseconds(800))
        let verdict = try Self.judge(bytes, name: "generated-\(rate).ts")
        #expect(verdict.continuityErrors.isEmpty, "\(verdict.continuityErrors)")
        #expect(verdict.warnings.isEmpty, "\(verdict.warnings)")
        #expect(verdict.packets > 0, "ffprobe found no elementary-stream packets")
        let summary = try TSAnalyzer.analyze(bytes)
        #expect(summary.continuityErrors == 0)
        let pcr = try #require(summary.pcr)
        #expect(pcr.discontinuities == 0 && pcr.count >= 35)
    }

    /// The committed ffmpeg fixture played to one set-top box by aggregate messages with NIC launch times.
    static func run() throws -> (world: World, report: Report, source: StreamSource) {
        let yaml = """
            seed: 3
            server: { link: { rate: 10Gbps } }
            receivers:
              - { name: stb1, kind: set-top-box, set-top-box: { rate: 2Mbps, startup-delay: 300ms } }
            streams:
              method: aggregate
              delivery: launch-time
              list: [{ name: clip, file: h264-testsrc-2mbps.ts, to: [stb1] }]

            """
        // The scenario sits beside the media file, in the media folder.
        let path = packageRoot.appendingPathComponent("Fixtures/media/ffprobe-judge.yaml").path
        let spec = try ScenarioParser.parse(yaml: yaml, file: path)
        var options = World.Options()
        options.capturePcap = true
        let world = try World(spec: spec, options: options)
        let report = world.report(outcome: world.run())
        let app = try #require(world.streamApplication)
        return (world, report, app.streams[0].source)
    }

    /// The UDP payloads of the pcap's datagrams to `ip`, in order, with their wire times in nanoseconds.
    static func datagrams(pcap: [UInt8], to ip: IPv4Address) throws -> [(time: Int64, payload: [UInt8])] {
        try PcapReader.read(pcap).compactMap { record in
            guard let view = UDPDatagramView(parsing: record.data, at: 0, length: record.data.count),
                  view.ip.destination == ip else { return nil }
            return (record.timestampNanoseconds,
                    Array(record.data[view.payloadOffset..<(view.payloadOffset + view.payloadLength)]))
        }
    }

    @Test("the stream a set-top box received, reassembled from the pcap, is the file and ffprobe finds it clean")
    func received() throws {
        let (world, report, source) = try Self.run()
        let pcap = try #require(world.pcapBytes)
        let box = try #require(report.receivers.first?.setTopBox)
        #expect(box.continuityErrors == 0 && box.underflows == 0)
        let sent = try Self.datagrams(pcap: pcap, to: world.spec.receivers[0].ip)
        #expect(sent.count == source.datagramCount)
        let stream = sent.flatMap(\.payload)
        #expect(stream == source.bytes, "the reassembled stream is the file, byte for byte")
        let verdict = try Self.judge(stream, name: "received.ts")
        #expect(verdict.continuityErrors.isEmpty, "\(verdict.continuityErrors)")
        #expect(verdict.warnings.isEmpty, "\(verdict.warnings)")
        #expect(verdict.packets > 0)
    }

    /// Datagrams lost on the way (here taken out of the received stream) break continuity: ffprobe and nicsim's
    /// analyzer (the rule the set-top boxes apply) report the same errors, on the same PIDs.
    @Test("datagrams lost from the received stream: ffprobe reports the continuity errors nicsim's analyzer does",
          arguments: [[10], [10, 11], [3, 40, 41, 42, 200]])
    func injected(_ picks: [Int]) throws {
        let (world, _, _) = try Self.run()
        let sent = try Self.datagrams(pcap: try #require(world.pcapBytes), to: world.spec.receivers[0].ip)
        // The datagrams that carry video (PID 0x0100) are the ones whose loss continuity can show; lose the
        // picked ones among them.
        let video = sent.indices.filter { k in
            stride(from: 0, to: sent[k].payload.count - 187, by: 188).contains { i in
                (Int(sent[k].payload[i + 1] & 0x1F) << 8 | Int(sent[k].payload[i + 2])) == 0x0100
            }
        }
        try #require(video.count > 200)
        let lost = picks.map { video[$0] }
        let stream = sent.enumerated().filter { !lost.contains($0.offset) }.flatMap(\.element.payload)
        let summary = try TSAnalyzer.analyze(stream)
        let verdict = try Self.judge(stream, name: "lossy.ts")
        #expect(summary.continuityErrors > 0, "losing \(lost) breaks continuity")
        #expect(verdict.continuityErrors.count == summary.continuityErrors, "\(verdict.continuityErrors)")
        // The same PIDs: ffprobe names them in decimal.
        let ours = summary.pids.filter { $0.continuityErrors > 0 }.map { Int($0.pid) }.sorted()
        let theirs = Set(verdict.continuityErrors.compactMap { line in
            line.range(of: "pid ").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }
        }).sorted()
        #expect(theirs == ours)
    }

    /// A11: each message of an aggregate carries the time its datagram is due by the stream's PCRs; with NIC
    /// launch times each datagram leaves exactly then (pcap timestamps are nanoseconds; due times datagrams share
    /// go 1 ps apart).
    @Test("an aggregate's message stamps are the PCR due times of the datagrams they carry")
    func stampsAreDueTimes() throws {
        let (world, _, source) = try Self.run()
        let sent = try Self.datagrams(pcap: try #require(world.pcapBytes), to: world.spec.receivers[0].ip)
        try #require(sent.count == source.datagramCount)
        // The stream starts at virtual time 0, so the wire time is the due time; except that the first message of
        // each aggregate is due the instant the call is made and can leave only after the OS, driver, doorbell and
        // DMA have handled it (6.851 us here).
        let interval = try #require(world.streamApplication?.interval).rawValue
        var wrong: [String] = []
        var first = 0
        for (k, datagram) in sent.enumerated() {
            let due = try #require(source.dueTime(ofDatagram: k)).rawValue
            let lateness = datagram.time * 1000 - due
            if due % interval == 0 {
                first += 1
                if lateness < 0 || lateness > 10_000_000 { wrong.append("\(k): \(lateness) ps late") }
            } else if abs(lateness) > 1000 {
                wrong.append("\(k): \(lateness) ps late")
            }
        }
        #expect(
            wrong.isEmpty,
            "\(wrong.count) of \(sent.count) datagrams left away from their PCR due time: \(wrong.prefix(8))")
        #expect(first == (sent.count + 3) / 4, "one datagram in four starts an aggregate (4 per interval)")
        // The due times are PCR times: between two PCRs, the time of a datagram's first byte interpolates them
        // (ISO/IEC 13818-1 §2.4.2.2: bytes arrive at a constant rate between PCRs). Checked independently of the
        // stream source against the PCRs nicsim's analyzer reads: wire time differences equal PCR time differences.
        let summary = try TSAnalyzer.analyze(source.bytes, keepPCRTimeline: true)
        let points = try #require(summary.pcr?.timeline)
        try #require(points.count >= 10)
        let size = source.datagramPayloadSize
        func pcrPicoseconds(atByte b: Int) -> Int64? {
            guard let i = points.lastIndex(where: { $0.offset <= b }), i + 1 < points.count else { return nil }
            let (p, q) = (points[i], points[i + 1])
            let ticks = p.ticks + Int64(b - p.offset) * (q.ticks - p.ticks) / Int64(q.offset - p.offset)
            return ticks * 1_000_000 / 27
        }
        let firstTimed = try #require((0..<sent.count).first { pcrPicoseconds(atByte: $0 * size) != nil })
        let base = try #require(pcrPicoseconds(atByte: firstTimed * size))
        var checked = 0
        let firstDue = try #require(source.dueTime(ofDatagram: firstTimed)).rawValue
        for k in firstTimed..<sent.count {
            guard let t = pcrPicoseconds(atByte: k * size) else { continue }
            let stamped = try #require(source.dueTime(ofDatagram: k)).rawValue - firstDue
            #expect(
                abs(stamped - (t - base)) <= 1_000, "datagram \(k): stamped \(stamped) ps after, PCR says \(t - base)")
            checked += 1
        }
        #expect(checked > 400)
    }
}
