import Testing
import WireFormats

/// Calls every decoder at every interesting position of `bytes`; returns how many succeeded so the calls are used.
private func decodeEverything(_ bytes: [UInt8], at offset: Int, end: Int) -> Int {
    var successes = 0
    if EthernetHeader(decoding: bytes, at: offset, end: end) != nil { successes += 1 }
    if ARPPacket(decoding: bytes, at: offset, end: end) != nil { successes += 1 }
    if IPv4Header(decoding: bytes, at: offset, end: end) != nil { successes += 1 }
    if UDPHeader(decoding: bytes, at: offset, end: end) != nil { successes += 1 }
    if RTPHeader(decoding: bytes, at: offset, end: end) != nil { successes += 1 }
    if IPv4Header.verifyChecksum(bytes, at: offset) { successes += 1 }
    if UDPDatagramView(parsing: bytes, at: offset, length: end - offset) != nil { successes += 1 }
    return successes
}

@Suite struct DecoderRobustnessTests {
    @Test(arguments: [false, true])
    func everyTruncationOfAValidFrameIsRejected(rtp: Bool) throws {
        let template = sampleTemplate(rtp: rtp)
        let payload = (0..<40).map { UInt8($0) }
        let frame = renderFrame(template, payload: payload, checksum: .full(payloadSum: payloadSum(payload)))
        let full = try #require(UDPDatagramView(parsing: frame, at: 0, length: frame.count))
        #expect(full.payloadLength == 40 + (rtp ? 12 : 0))

        for cut in 0..<frame.count {
            // Truncated by `end` inside a larger buffer, and truncated by the array itself.
            let prefix = Array(frame[0..<cut])
            for (bytes, end) in [(frame, cut), (prefix, cut)] {
                #expect(UDPDatagramView(parsing: bytes, at: 0, length: end) == nil)
                #expect((EthernetHeader(decoding: bytes, at: 0, end: end) == nil) == (cut < 14))
                #expect((IPv4Header(decoding: bytes, at: 14, end: end) == nil) == (cut < 34))
                #expect((UDPHeader(decoding: bytes, at: 34, end: end) == nil) == (cut < 42))
                if rtp {
                    #expect((RTPHeader(decoding: bytes, at: 42, end: end) == nil) == (cut < 54))
                }
            }
        }
    }

    @Test func inconsistentRangesAreRejected() {
        let frame = renderFrame(sampleTemplate(rtp: false), payload: [1, 2, 3], checksum: .none)
        #expect(EthernetHeader(decoding: frame, at: 0, end: frame.count + 1) == nil)
        #expect(EthernetHeader(decoding: frame, at: -1, end: frame.count) == nil)
        #expect(EthernetHeader(decoding: frame, at: 20, end: 10) == nil)
        #expect(IPv4Header(decoding: frame, at: Int.max, end: frame.count) == nil)
        #expect(UDPHeader(decoding: frame, at: Int.min, end: 0) == nil)
        #expect(RTPHeader(decoding: frame, at: 0, end: Int.max) == nil)
        #expect(UDPDatagramView(parsing: frame, at: 0, length: Int.max) == nil)
        #expect(UDPDatagramView(parsing: frame, at: Int.max, length: 1) == nil)
        #expect(UDPDatagramView(parsing: frame, at: 1, length: -1) == nil)
        #expect(!IPv4Header.verifyChecksum(frame, at: Int.max))
        #expect(!IPv4Header.verifyChecksum(frame, at: -5))
    }

    @Test func randomBytesNeverTrap() {
        var generator = SeededGenerator(seed: 0xF00D)
        var successes = 0
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...120, using: &generator)
            var bytes = randomBytes(count, using: &generator)
            // Bias some inputs toward plausible headers so the deeper checks get exercised too.
            if count > 34, Bool.random(using: &generator) {
                bytes[12] = 0x08
                bytes[13] = 0x00
                bytes[14] = 0x40 | UInt8.random(in: 0...15, using: &generator)
                bytes[23] = 17
            }
            let offset = Int.random(in: -2...(count + 2), using: &generator)
            let end = Int.random(in: -2...(count + 2), using: &generator)
            successes += decodeEverything(bytes, at: offset, end: end)
            successes += decodeEverything(bytes, at: 0, end: count)
        }
        #expect(successes > 0)
    }

    @Test func randomBytesNeverTrapThePcapReader() {
        var generator = SeededGenerator(seed: 0xCAB)
        var thrown = 0
        for iteration in 0..<5_000 {
            let count = Int.random(in: 0...200, using: &generator)
            var bytes = randomBytes(count, using: &generator)
            if count >= 24, iteration % 2 == 0 {
                // A valid magic so the record loop sees garbage lengths.
                bytes[0] = 0x4D
                bytes[1] = 0x3C
                bytes[2] = 0xB2
                bytes[3] = 0xA1
            }
            do {
                _ = try PcapReader.read(bytes)
            } catch {
                thrown += 1
            }
        }
        #expect(thrown > 0)
    }
}
