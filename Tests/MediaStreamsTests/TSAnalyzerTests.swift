import SimCore
import Testing

@testable import MediaStreams

@Suite("TS analyzer")
struct TSAnalyzerTests {
    /// ffmpeg's CBR muxer (`-muxrate`) stamps PCRs from the byte position, so the estimate should be all but
    /// exact; the stated tolerance is ±0.1 %.
    @Test("PCR bit rate of each fixture is the mux rate it was made at, ±0.1 %", arguments: MediaFixture.allCases)
    func fixtureBitRate(fixture: MediaFixture) throws {
        let bytes = try fixture.bytes()
        let summary = try TSAnalyzer.analyze(bytes)
        let rate = try #require(summary.bitsPerSecond)
        #expect(abs(rate - fixture.muxRate) / fixture.muxRate < 0.001, "\(rate) b/s")
        #expect(summary.packetCount * 188 == bytes.count)
        #expect(summary.anomalyCount == 0)
        #expect(summary.continuityErrors == 0)
        let program = try #require(summary.programs.first)
        #expect(program.pmtPID == 0x1000)
        #expect(program.pcrPID == 0x0100)
        #expect(program.streams == [ElementaryStreamInfo(pid: 0x0100, streamType: fixture.streamType)])
        #expect(summary.pcrPID == 0x0100)
        let pcr = try #require(summary.pcr)
        // Made with -pcr_period 20; DVB requires ≤ 40 ms.
        #expect(pcr.maxInterval <= .milliseconds(40))
        #expect(pcr.discontinuities == 0)
        #expect(summary.pid(0x0000)?.packets ?? 0 > 0)
        #expect(summary.pid(0x1FFF) != nil)
    }

    @Test("byte by byte, in chunks and whole give the same summary", arguments: MediaFixture.allCases)
    func chunking(fixture: MediaFixture) throws {
        let bytes = try fixture.bytes()
        let whole = try TSAnalyzer.analyze(bytes, keepPCRTimeline: true)
        var single = TSAnalyzer(keepPCRTimeline: true)
        for index in bytes.indices { single.consume(bytes, from: index, count: 1) }
        #expect(single.finish() == whole)
        for size in [1, 187, 188, 189, 1316, 4096] {
            var chunked = TSAnalyzer(keepPCRTimeline: true)
            var start = 0
            while start < bytes.count {
                chunked.consume(Array(bytes[start..<min(start + size, bytes.count)]))
                start += size
            }
            #expect(chunked.finish() == whole, "chunks of \(size)")
        }
    }

    @Test("inspect prints rate, PCR spacing, duration and PIDs")
    func inspectText() throws {
        let text = try MediaInspector.inspect(bytes: try MediaFixture.video2M.bytes(), name: "h264-testsrc-2mbps.ts")
        #expect(text.hasPrefix("h264-testsrc-2mbps.ts: MPEG transport stream\n"))
        #expect(text.contains("bit rate:      2000000 b/s (2.000 Mb/s) from PCR on PID 0x0100"))
        #expect(text.contains("PCR spacing:   max "))
        #expect(text.contains("duration:      2.965"))
        #expect(text.contains("0x0100   609 packets  H.264 video (stream type 0x1B), 149 PCRs"))
        #expect(text.contains("0x1FFF  3268 packets  null packets"))
        #expect(text.contains("anomalies:     none"))
    }

    // MARK: - Continuity

    @Test("a dropped packet is one continuity error")
    func droppedPacket() throws {
        let bytes = try generatedStream(bitsPerSecond: 2_000_000, seconds: 1)
        let video = payloadPackets(bytes, pid: 0x0100)
        var damaged = bytes
        damaged.removeSubrange((video[50] * 188)..<((video[50] + 1) * 188))
        let summary = try TSAnalyzer.analyze(damaged)
        #expect(summary.continuityErrors == 1)
        #expect(summary.pid(0x0100)?.continuityErrors == 1)
        #expect(summary.pid(0x0100)?.missingPackets == 1)
        #expect(summary.duplicatePackets == 0)
        #expect(summary.anomalies.first?.code == .continuityError)
        #expect(summary.anomalies.first?.offset == video[50] * 188 + 3)
    }

    @Test("one repetition is an allowed duplicate; a second is an error")
    func duplicates() throws {
        let bytes = try generatedStream(bitsPerSecond: 2_000_000, seconds: 1)
        let video = payloadPackets(bytes, pid: 0x0100)
        let target = packet(bytes, video[20])
        var once = bytes
        once.insert(contentsOf: target, at: (video[20] + 1) * 188)
        let onceSummary = try TSAnalyzer.analyze(once)
        #expect(onceSummary.continuityErrors == 0)
        #expect(onceSummary.duplicatePackets == 1)

        var twice = bytes
        twice.insert(contentsOf: target + target, at: (video[20] + 1) * 188)
        let twiceSummary = try TSAnalyzer.analyze(twice)
        #expect(twiceSummary.continuityErrors == 1)
        #expect(twiceSummary.duplicatePackets == 1)
        #expect(twiceSummary.pid(0x0100)?.missingPackets == 15)
    }

    @Test("several injected faults on two PIDs are counted exactly")
    func injectedFaults() throws {
        let bytes = try generatedStream(bitsPerSecond: 4_000_000, seconds: 2)
        let video = payloadPackets(bytes, pid: 0x0100)
        let pat = payloadPackets(bytes, pid: 0x0000)
        // Drop video packets 10, 11 (one gap of 2) and 100, and PAT 5; from the end so indices stay valid.
        var damaged = bytes
        for index in [video[100], video[11], video[10], pat[5]].sorted(by: >) {
            damaged.removeSubrange((index * 188)..<((index + 1) * 188))
        }
        let summary = try TSAnalyzer.analyze(damaged)
        #expect(summary.pid(0x0100)?.continuityErrors == 2)
        #expect(summary.pid(0x0100)?.missingPackets == 3)
        #expect(summary.pid(0x0000)?.continuityErrors == 1)
        #expect(summary.continuityErrors == 3)
    }

    @Test("discontinuity_indicator resets continuity; adaptation-only packets do not advance it")
    func discontinuityAndAdaptationOnly() throws {
        var bytes = [UInt8](repeating: 0xFF, count: 5 * 188)
        func put(_ index: Int, cc: UInt8, control: AdaptationFieldControl, field: AdaptationField? = nil) {
            TSPacket(pid: 0x42, continuityCounter: cc, adaptationFieldControl: control, adaptationField: field)
                .encodeHeader(into: &bytes, at: index * 188)
            field?.encode(into: &bytes, at: index * 188 + 4)
        }
        put(0, cc: 3, control: .payloadOnly)
        put(1, cc: 3, control: .adaptationFieldOnly, field: AdaptationField(length: 183))
        put(2, cc: 4, control: .payloadOnly)
        put(
            3, cc: 9, control: .adaptationFieldAndPayload,
            field: AdaptationField(length: 1, discontinuityIndicator: true))
        put(4, cc: 10, control: .payloadOnly)
        let summary = try TSAnalyzer.analyze(bytes)
        #expect(summary.continuityErrors == 0)
        #expect(summary.duplicatePackets == 0)
        #expect(summary.pid(0x42)?.packets == 5)
    }

    // MARK: - Damaged input

    @Test("a truncated file is analyzed, its cut-off packet counted")
    func truncated() throws {
        let bytes = try MediaFixture.audio256k.bytes()
        let cut = Array(bytes[0..<(bytes.count - 100)])
        let summary = try TSAnalyzer.analyze(cut)
        #expect(summary.packetCount == bytes.count / 188 - 1)
        #expect(summary.truncatedTailBytes == 88)
        let anomaly = try #require(summary.anomalies.last)
        #expect(anomaly.code == .truncated)
        #expect(anomaly.offset == bytes.count - 188)
        let text = MediaInspector.describe(summary, name: "cut.ts")
        #expect(text.contains("last packet truncated to 88 bytes"))
    }

    @Test("empty, short and non-TS inputs throw with an offset and what was expected")
    func rejected() throws {
        #expect(throws: MediaError.self) { try TSAnalyzer.analyze([]) }
        do {
            _ = try TSAnalyzer.analyze([0x47] + [UInt8](repeating: 0, count: 99))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .truncated)
            #expect(error.description.contains("found only 100 bytes"))
        }
        let text = Array("ID3 this is an MP3 file, not a transport stream. ".utf8)
        let notTS = [UInt8]((0..<40).flatMap { _ in text })
        do {
            _ = try MediaInspector.inspect(bytes: notTS, name: "song.mp3")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .notTransportStream)
            #expect(error.offset == 0)
            #expect(
                error.description == "offset 0: not an MPEG transport stream: expected sync byte 0x47 every 188 "
                    + "bytes, found 0x49; only 0 packets in \(notTS.count) bytes")
        }
    }

    @Test("junk in the middle costs one sync loss and is skipped")
    func resync() throws {
        let bytes = try generatedStream(bitsPerSecond: 1_000_000, seconds: 1)
        var damaged = bytes
        let junk = [UInt8](repeating: 0x00, count: 77)
        damaged.insert(contentsOf: junk, at: 100 * 188)
        let summary = try TSAnalyzer.analyze(damaged)
        #expect(summary.syncLosses == 1)
        #expect(summary.skippedBytes == 77)
        #expect(summary.packetCount == bytes.count / 188)
        #expect(summary.continuityErrors == 0)
        #expect(
            summary.anomalies.first
                == MediaError(
                    code: .lostSync, offset: 100 * 188, message: "expected sync byte 0x47, found 0x00"))
    }

    @Test("bad adaptation fields, reserved control and TEI are counted, not trusted")
    func damagedPackets() throws {
        var bytes = try generatedStream(bitsPerSecond: 1_000_000, seconds: 1)
        bytes[10 * 188 + 3] = (bytes[10 * 188 + 3] & 0xCF) | 0x20  // adaptation only …
        bytes[10 * 188 + 4] = 100  // … but not 183 bytes long
        bytes[20 * 188 + 3] &= 0xCF  // reserved adaptation_field_control 00
        bytes[30 * 188 + 1] |= 0x80  // transport_error_indicator
        let summary = try TSAnalyzer.analyze(bytes)
        #expect(summary.badAdaptationFieldPackets == 1)
        #expect(summary.reservedAdaptationFieldControlPackets == 1)
        #expect(summary.transportErrorPackets == 1)
        #expect(summary.anomalies.map(\.code).starts(with: [.badAdaptationField, .reservedAdaptationFieldControl]))
    }

    @Test("a corrupted PAT fails its CRC")
    func badCRC() throws {
        var bytes = try generatedStream(bitsPerSecond: 1_000_000, seconds: 1)
        let pat = payloadPackets(bytes, pid: 0)[2]
        bytes[pat * 188 + 14] ^= 0x01
        let summary = try TSAnalyzer.analyze(bytes)
        #expect(summary.sectionCRCErrors == 1)
        #expect(summary.patSections == payloadPackets(bytes, pid: 0).count - 1)
    }

    @Test("seeded fuzz: random bytes, flipped bits, truncation and random chunking never crash and agree")
    func fuzz() throws {
        var random = RandomStream(seed: 7, name: "ts-fuzz")
        let base = try generatedStream(bitsPerSecond: 500_000, seconds: 1, seed: 3)
        let fixture = try MediaFixture.audio256k.bytes()
        for round in 0..<3_000 {
            var bytes: [UInt8]
            switch round % 4 {
            case 0:
                bytes = (0..<Int(random.next() % 3_000)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            case 1:
                bytes = base
                for _ in 0..<(1 + random.next() % 40) {
                    let index = Int(random.next() % UInt64(bytes.count))
                    bytes[index] ^= UInt8(1) << (random.next() % 8)
                }
            case 2:
                bytes = Array(fixture[0..<Int(random.next() % UInt64(fixture.count))])
            default:
                // Packets that all start with 0x47 but are otherwise random: every header path is exercised.
                bytes = (0..<Int(random.next() % 4_000)).map { index in
                    index % 188 == 0 ? 0x47 : UInt8(truncatingIfNeeded: random.next())
                }
            }
            var whole = TSAnalyzer(keepPCRTimeline: true)
            whole.consume(bytes)
            let expected = whole.finish()
            var chunked = TSAnalyzer(keepPCRTimeline: true)
            var start = 0
            while start < bytes.count {
                let size = 1 + Int(random.next() % 400)
                chunked.consume(bytes, from: start, count: size)
                start += size
            }
            #expect(chunked.finish() == expected, "round \(round)")
            #expect(expected.byteCount == bytes.count)
            #expect(expected.packetCount * 188 + expected.skippedBytes + expected.truncatedTailBytes == bytes.count)
            // Whatever the analyzer says, inspect either throws a MediaError or prints.
            if let text = try? MediaInspector.inspect(bytes: bytes, name: "fuzz") { #expect(!text.isEmpty) }
        }
    }
}
