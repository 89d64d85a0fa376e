import Testing

@testable import MediaStreams

@Suite("TS packet")
struct TSPacketTests {
    @Test("header fields, adaptation field and PCR decode from known bytes")
    func knownBytes() throws {
        var bytes = [UInt8](repeating: 0xFF, count: 188)
        // sync; TEI 0, PUSI 1, priority 1, PID 0x0ABC; scrambling 10, AFC 11, CC 0xD.
        bytes[0...3] = [0x47, 0x6A, 0xBC, 0xBD]
        // Adaptation field: 7 bytes, discontinuity + random access + PCR flags, PCR base 0x1_2345_6789, ext 0x123.
        bytes[4...11] = [0x07, 0xD0, 0x91, 0xA2, 0xB3, 0xC4, 0xFF, 0x23]
        let packet = try TSPacket(parsing: bytes, at: 0)
        #expect(!packet.transportErrorIndicator)
        #expect(packet.payloadUnitStartIndicator)
        #expect(packet.transportPriority)
        #expect(packet.pid == 0x0ABC)
        #expect(packet.scramblingControl == 2)
        #expect(packet.adaptationFieldControl == .adaptationFieldAndPayload)
        #expect(packet.continuityCounter == 0xD)
        #expect(packet.payloadOffset == 12)
        #expect(packet.payloadLength == 176)
        let field = try #require(packet.adaptationField)
        #expect(field.discontinuityIndicator)
        #expect(field.randomAccessIndicator)
        #expect(!field.elementaryStreamPriorityIndicator)
        let pcr = try #require(packet.pcr)
        #expect(pcr.base == 0x1_2345_6789)
        #expect(pcr.extension == 0x123)
        #expect(pcr.rawValue == 0x1_2345_6789 * 300 + 0x123)

        // Re-encoding the fields gives the same bytes.
        var copy = [UInt8](repeating: 0xFF, count: 188)
        packet.encodeHeader(into: &copy, at: 0)
        field.encode(into: &copy, at: 4)
        #expect(copy == bytes)
    }

    @Test("PCR wraps at 2^33 × 300 and measures ticks across the wrap")
    func pcrWrap() {
        let late = ProgramClockReference(rawValue: ProgramClockReference.modulus - 100)
        let early = late.advanced(byTicks: 250)
        #expect(early.rawValue == 150)
        #expect(early.ticks(since: late) == 250)
        #expect(
            late.advanced(byTicks: -ProgramClockReference.ticksPerSecond).ticks(since: late)
                == Int64(ProgramClockReference.modulus) - ProgramClockReference.ticksPerSecond)
    }

    @Test("damaged packets give typed errors with offsets, and decode gives nil")
    func errors() {
        var bytes = [UInt8](repeating: 0, count: 400)
        func expectError(_ code: MediaError.Code, at offset: Int, _ start: Int = 0) {
            do {
                _ = try TSPacket(parsing: bytes, at: start, streamOffset: 1_000)
                Issue.record("expected \(code)")
            } catch {
                #expect(error.code == code)
                #expect(error.offset == offset + 1_000)
            }
            #expect(TSPacket.decode(bytes, at: start) == nil)
        }
        expectError(.lostSync, at: 0)
        bytes[0] = 0x47
        bytes[3] = 0x00  // AFC 00
        expectError(.reservedAdaptationFieldControl, at: 3)
        bytes[3] = 0x20  // adaptation only, must be 183 bytes
        bytes[4] = 182
        expectError(.badAdaptationField, at: 4)
        bytes[3] = 0x30  // with payload, at most 182
        bytes[4] = 183
        expectError(.badAdaptationField, at: 4)
        bytes[4] = 3  // PCR flag but only 3 bytes
        bytes[5] = 0x10
        expectError(.badAdaptationField, at: 4)
        bytes[300] = 0x47
        expectError(.truncated, at: 300, 300)
        #expect(TSPacket.decode(bytes, at: -1) == nil)
        #expect(TSPacket.decode(bytes, at: 10_000) == nil)
    }
}
