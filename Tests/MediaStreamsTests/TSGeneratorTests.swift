import SimCore
import Testing

@testable import MediaStreams

@Suite("TS generator")
struct TSGeneratorTests {
    /// Rates whose packet time is a whole number of 27 MHz ticks (8 × 27,000,000 × 188 / rate) come back exactly;
    /// the others within the floor of one tick per PCR, far inside 0.1 %.
    @Test(
        "generated rate is recovered from PCR",
        arguments: [
            (Int64(256_000), Int64(3)), (1_000_000, 2), (2_000_000, 2), (3_750_000, 2), (15_000_000, 1),
            (40_000_000, 1), (1_234_567, 2), (187_123, 5), (150_400, 3),
        ])
    func roundTrip(rate: Int64, seconds: Int64) throws {
        let bytes = try generatedStream(bitsPerSecond: rate, seconds: seconds)
        #expect(bytes.count == TSGenerator.packetCount(duration: .seconds(seconds), bitsPerSecond: rate) * 188)
        let summary = try TSAnalyzer.analyze(bytes)
        let measured = try #require(summary.bitsPerSecond)
        #expect(abs(measured - Double(rate)) / Double(rate) < 0.001)
        if (216_000_000 * 188) % rate == 0 { #expect(summary.pcr?.roundedBitsPerSecond == rate) }
        #expect(summary.anomalyCount == 0)
        #expect(summary.continuityErrors == 0)
        let pcr = try #require(summary.pcr)
        #expect(pcr.maxInterval <= .milliseconds(20) + .nanoseconds(40))
        #expect(
            summary.programs == [
                ProgramInfo(
                    programNumber: 1, pmtPID: 0x1000, pcrPID: 0x0100,
                    streams: [ElementaryStreamInfo(pid: 0x0100, streamType: 0x1B)])
            ])
        // PAT and PMT at least every 100 ms.
        let pats = payloadPackets(bytes, pid: 0)
        let tables = pats.count
        #expect(tables >= Int(seconds) * 10)
        let slot = 1504.0 / Double(rate)
        #expect(zip(pats, pats.dropFirst()).allSatisfy { Double($1 - $0) * slot <= 0.1 + 1e-9 })
        #expect(summary.pid(0x1000)?.packets == tables)
    }

    @Test("PCR values match the bit rate exactly, across the 2^33 × 300 wrap")
    func exactPCR() throws {
        let start = ProgramClockReference(rawValue: ProgramClockReference.modulus - 27_000_000 / 2)
        var generator = try TSGenerator(.init(bitsPerSecond: 2_000_000, firstPCR: start))
        let bytes = generator.generate(packetCount: 2_000)
        var seen = 0
        for index in 0..<2_000 {
            let packet = try TSPacket(parsing: bytes, at: index * 188)
            guard let pcr = packet.pcr else { continue }
            // 2 Mb/s: 108 ticks per byte; the PCR describes byte 10 of its packet.
            let expected = start.advanced(byTicks: Int64(index * 188 + 10) * 108)
            #expect(pcr == expected)
            #expect(generator.pcr(ofPacket: index) == expected)
            seen += 1
        }
        // A PCR every 26 slots of 752 µs (19.552 ms; 27 would exceed 20 ms): packets 0, 26, … 1976.
        #expect(seen == 77)
        let summary = try TSAnalyzer.analyze(bytes)
        #expect(summary.pcr?.discontinuities == 0)
        #expect(summary.pcr?.roundedBitsPerSecond == 2_000_000)
    }

    @Test("same seed, same bytes; another seed, other payload")
    func determinism() throws {
        let a = try generatedStream(bitsPerSecond: 1_000_000, seconds: 1, seed: 9)
        let b = try generatedStream(bitsPerSecond: 1_000_000, seconds: 1, seed: 9)
        let c = try generatedStream(bitsPerSecond: 1_000_000, seconds: 1, seed: 10)
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == c.count)
    }

    @Test("video share follows the configured rate; the rest is null packets")
    func videoShare() throws {
        let bytes = try TSGenerator.generate(
            .init(bitsPerSecond: 4_000_000, videoBitsPerSecond: 1_000_000), duration: .seconds(2))
        let summary = try TSAnalyzer.analyze(bytes)
        let video = try #require(summary.pid(0x0100)).packets
        // 1 Mb/s for 2 s is 1329.8 packets of 1504 bits.
        #expect(abs(video - 1_330) <= 2)
        #expect(summary.pid(0x1FFF)?.packets == summary.packetCount - video - 2 * (summary.pid(0)?.packets ?? 0))
    }

    @Test("bad configurations throw instead of trapping")
    func invalid() {
        let bad: [TSGenerator.Configuration] = [
            .init(bitsPerSecond: 0), .init(bitsPerSecond: -5), .init(bitsPerSecond: 200_000_000_000),
            .init(bitsPerSecond: 150_000),  // fewer than 2 packets per 20 ms PCR interval
            .init(bitsPerSecond: 1_000_000, videoBitsPerSecond: 2_000_000),
            .init(bitsPerSecond: 1_000_000, pcrInterval: .milliseconds(150)),
            .init(bitsPerSecond: 1_000_000, pcrInterval: .zero),
            .init(bitsPerSecond: 1_000_000, pmtPID: 0x0100),
            .init(bitsPerSecond: 1_000_000, videoPID: 0x1FFF),
        ]
        for configuration in bad {
            #expect(throws: MediaError.self) { try TSGenerator(configuration) }
        }
    }
}
