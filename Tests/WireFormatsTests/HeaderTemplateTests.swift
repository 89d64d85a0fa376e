import Testing
import WireFormats

@Suite struct HeaderTemplateTests {
    @Test func layoutAndOffsets() {
        let plain = sampleTemplate(rtp: false)
        #expect(plain.headerLength == 42)
        #expect(plain.ipHeaderOffset == 14)
        #expect(plain.udpHeaderOffset == 34)
        #expect(plain.udpChecksumOffset == 40)
        #expect(plain.rtpHeaderOffset == nil)
        #expect(plain.maximumPayloadLength == 65_535 - 28)
        let withRTP = sampleTemplate(rtp: true)
        #expect(withRTP.headerLength == 54)
        #expect(withRTP.rtpHeaderOffset == 42)
        #expect(withRTP.maximumPayloadLength == 65_535 - 40)
    }

    @Test(arguments: [false, true])
    func renderedFieldsDecode(rtp: Bool) throws {
        let template = sampleTemplate(rtp: rtp)
        let payload = [UInt8](repeating: 0x47, count: 1_316)
        let frame = renderFrame(
            template, payload: payload, checksum: .full(payloadSum: payloadSum(payload)), identification: 0xABCD,
            rtpSequence: 65_535, rtpTimestamp: 0x8000_0001, rtpMarker: true)
        let view = try #require(UDPDatagramView(parsing: frame, at: 0, length: frame.count))
        #expect(view.ethernet.source == template.sourceMAC)
        #expect(view.ethernet.destination == template.destinationMAC)
        #expect(view.ip.totalLength == UInt16(frame.count - 14))
        #expect(view.ip.identification == 0xABCD)
        #expect(view.ip.dontFragment && !view.ip.moreFragments)
        #expect(view.ip.ttl == 17 && view.ip.tos == 0xB8)
        #expect(view.ip.source == template.sourceIP && view.ip.destination == template.destinationIP)
        #expect(view.udp.sourcePort == 40_000 && view.udp.destinationPort == 5_000)
        #expect(Int(view.udp.length) == frame.count - 34)
        #expect(view.ipChecksumValid && view.udpChecksumValid)
        #expect(view.payloadOffset == 42)
        if rtp {
            #expect(view.payloadLength == 12 + 1_316)
            let header = try #require(RTPHeader(decoding: frame, at: 42, end: frame.count))
            #expect(header.version == 2 && !header.padding && !header.extension && header.csrcCount == 0)
            #expect(header.marker)
            #expect(header.payloadType == 33)
            #expect(header.sequenceNumber == 65_535)
            #expect(header.timestamp == 0x8000_0001)
            #expect(header.ssrc == 0xDEAD_BEEF)
            #expect(Array(frame[42..<54]) == [0x80, 0xA1, 0xFF, 0xFF, 0x80, 0, 0, 1, 0xDE, 0xAD, 0xBE, 0xEF])
        } else {
            #expect(view.payloadLength == 1_316)
        }
    }

    @Test func markerClearedWhenRenderingOverAnOldFrame() {
        let template = sampleTemplate(rtp: true)
        var frame = [UInt8](repeating: 0xFF, count: 54)
        template.render(into: &frame, at: 0, payloadLength: 0, identification: 1, rtpMarker: true, checksum: .none)
        #expect(frame[43] == 0xA1)
        template.render(into: &frame, at: 0, payloadLength: 0, identification: 1, rtpMarker: false, checksum: .none)
        #expect(frame[43] == 0x21)
        #expect(frame[40] == 0 && frame[41] == 0)
    }

    @Test func renderAtAnOffsetInsideALargerBuffer() throws {
        let template = sampleTemplate(rtp: false)
        let payload: [UInt8] = [9, 8, 7]
        var buffer = [UInt8](repeating: 0x55, count: 100)
        template.render(
            into: &buffer, at: 17, payloadLength: payload.count, identification: 3,
            checksum: .full(payloadSum: payloadSum(payload)))
        buffer.replaceSubrange(59..<62, with: payload)
        #expect(buffer[16] == 0x55 && buffer[62] == 0x55)
        let view = try #require(UDPDatagramView(parsing: buffer, at: 17, length: 45))
        #expect(view.payloadOffset == 59 && view.payloadLength == 3)
        #expect(view.ipChecksumValid && view.udpChecksumValid)
    }

    @Test(arguments: [false, true])
    func fullChecksumVerifiesForManyPayloadLengths(rtp: Bool) {
        let template = sampleTemplate(rtp: rtp)
        var generator = SeededGenerator(seed: 768)
        for length in Array(0...80) + [187, 188, 1_315, 1_316, 1_472, template.maximumPayloadLength] {
            let payload = randomBytes(length, using: &generator)
            let identification = UInt16.random(in: 0...65535, using: &generator)
            let frame = renderFrame(
                template, payload: payload, checksum: .full(payloadSum: payloadSum(payload)),
                identification: identification, rtpSequence: .random(in: 0...65535, using: &generator),
                rtpTimestamp: .random(in: 0...UInt32.max, using: &generator), rtpMarker: .random(using: &generator))
            let udpLength = UInt16(frame.count - template.udpHeaderOffset)
            var sum = InternetChecksum.pseudoHeader(
                source: template.sourceIP, destination: template.destinationIP, protocolNumber: 17, length: udpLength)
            sum.add(frame, from: template.udpHeaderOffset, count: Int(udpLength))
            #expect(sum.partialSum == 0xFFFF, "payload length \(length)")
            #expect(NetworkBytes.getUInt16(frame, template.udpChecksumOffset) != 0)
            #expect(IPv4Header.verifyChecksum(frame, at: template.ipHeaderOffset), "payload length \(length)")
            #expect(
                IPv4Header.computeChecksum(frame, at: 14, length: 20) == NetworkBytes.getUInt16(frame, 24),
                "incremental IPv4 checksum equals a full recomputation")
        }
    }

    @Test(arguments: [false, true])
    func partialChecksumCompletedByTheNICEqualsFull(rtp: Bool) {
        let template = sampleTemplate(rtp: rtp)
        var generator = SeededGenerator(seed: 0x5A17)
        for length in Array(0...40) + [1_316, 8_000] {
            let payload = randomBytes(length, using: &generator)
            let sequence = UInt16.random(in: 0...65535, using: &generator)
            let timestamp = UInt32.random(in: 0...UInt32.max, using: &generator)
            let marker = Bool.random(using: &generator)
            let full = renderFrame(
                template, payload: payload, checksum: .full(payloadSum: payloadSum(payload)), rtpSequence: sequence,
                rtpTimestamp: timestamp, rtpMarker: marker)
            var partial = renderFrame(
                template, payload: payload, checksum: .partial, rtpSequence: sequence, rtpTimestamp: timestamp,
                rtpMarker: marker)
            let pseudo = InternetChecksum.pseudoHeader(
                source: template.sourceIP, destination: template.destinationIP, protocolNumber: 17,
                length: UInt16(partial.count - 34))
            #expect(NetworkBytes.getUInt16(partial, 40) == pseudo.partialSum)
            InternetChecksum.insertChecksum(
                into: &partial, start: template.udpHeaderOffset, end: partial.count,
                checksumOffset: template.udpChecksumOffset)
            #expect(partial == full, "payload length \(length)")
        }
    }

    @Test func zeroChecksumIsSentAsAllOnes() throws {
        let template = sampleTemplate(rtp: false)
        // Find a 2-byte payload whose sum cancels everything else: then the computed checksum is 0.
        let zeroPayload: [UInt8] = [0, 0]
        let probe = renderFrame(template, payload: zeroPayload, checksum: .full(payloadSum: payloadSum(zeroPayload)))
        let c = try #require(NetworkBytes.getUInt16(probe, 40))
        let payload = [UInt8(c >> 8), UInt8(c & 0xFF)]
        let frame = renderFrame(template, payload: payload, checksum: .full(payloadSum: payloadSum(payload)))
        #expect(NetworkBytes.getUInt16(frame, 40) == 0xFFFF)
        let view = try #require(UDPDatagramView(parsing: frame, at: 0, length: frame.count))
        #expect(view.udpChecksumValid)

        var partial = renderFrame(template, payload: payload, checksum: .partial)
        InternetChecksum.insertChecksum(into: &partial, start: 34, end: partial.count, checksumOffset: 40)
        #expect(partial == frame)
    }

    @Test func noChecksumWritesZero() throws {
        let frame = renderFrame(sampleTemplate(rtp: true), payload: [1, 2, 3], checksum: .none)
        #expect(NetworkBytes.getUInt16(frame, 40) == 0)
        let view = try #require(UDPDatagramView(parsing: frame, at: 0, length: frame.count))
        #expect(view.udpChecksumValid && view.ipChecksumValid)
    }

    @Test func dontFragmentCanBeCleared() throws {
        let frame = renderFrame(sampleTemplate(rtp: false, dontFragment: false), payload: [], checksum: .none)
        let view = try #require(UDPDatagramView(parsing: frame, at: 0, length: frame.count))
        #expect(!view.ip.dontFragment)
        #expect(view.ipChecksumValid)
    }
}
