import Testing
import WireFormats

@Suite struct PcapTests {
    @Test func globalHeaderIsNanosecondEthernet() {
        let writer = PcapWriter()
        #expect(
            writer.bytes == [
                0x4D, 0x3C, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x04, 0x00, 1, 0, 0, 0,
            ])
        #expect(writer.recordCount == 0)
    }

    @Test func writerReaderRoundTrip() throws {
        var writer = PcapWriter()
        let template = sampleTemplate(rtp: true)
        var expected: [PcapRecord] = []
        let timestamps: [Int64] = [0, 999_999_999, 1_000_000_000, 1_500_000_001, 86_400_123_456_789]
        for (index, timestamp) in timestamps.enumerated() {
            let payload = [UInt8](repeating: UInt8(index), count: index * 100)
            let frame = renderFrame(template, payload: payload, checksum: .none, identification: UInt16(index))
            var buffer = [UInt8](repeating: 0xEE, count: 5) + frame + [0xEE]
            writer.append(buffer, from: 5, count: frame.count, timestampNanoseconds: timestamp)
            buffer[5] = 0  // The writer copied the bytes.
            expected.append(PcapRecord(timestampNanoseconds: timestamp, originalLength: frame.count, data: frame))
        }
        writer.append([], timestampNanoseconds: 2_000_000_000)
        expected.append(PcapRecord(timestampNanoseconds: 2_000_000_000, originalLength: 0, data: []))
        #expect(writer.recordCount == 6)
        #expect(try PcapReader.read(writer.bytes) == expected)
    }

    @Test func snapLengthCutsDataButKeepsOriginalLength() throws {
        var writer = PcapWriter(snapLength: 10)
        let frame = (0..<30).map { UInt8($0) }
        writer.append(frame, timestampNanoseconds: 5)
        let records = try PcapReader.read(writer.bytes)
        #expect(records == [PcapRecord(timestampNanoseconds: 5, originalLength: 30, data: Array(frame[0..<10]))])
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func readsBothResolutionsAndByteOrders(bigEndian: Bool, nanoseconds: Bool) throws {
        func word(_ value: UInt32) -> [UInt8] {
            let little = [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: value >> UInt32($0)) }
            return bigEndian ? little.reversed() : little
        }
        func half(_ value: UInt16) -> [UInt8] {
            let little = [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
            return bigEndian ? little.reversed() : little
        }
        var file = word(nanoseconds ? 0xA1B2_3C4D : 0xA1B2_C3D4) + half(2) + half(4)
        file += word(0) + word(0) + word(65_535) + word(1)
        file += word(3) + word(nanoseconds ? 250_000_000 : 250_000) + word(2) + word(60) + [0xAB, 0xCD]
        let records = try PcapReader.read(file)
        #expect(records == [PcapRecord(timestampNanoseconds: 3_250_000_000, originalLength: 60, data: [0xAB, 0xCD])])
    }

    @Test func truncatedFilesThrowTypedErrors() {
        var writer = PcapWriter()
        writer.append([1, 2, 3, 4, 5], timestampNanoseconds: 1)
        writer.append([6, 7, 8], timestampNanoseconds: 2)
        let bytes = writer.bytes
        let firstRecordEnd = 24 + 16 + 5
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[0..<cut])
            let expectedCode: PcapError.Code? =
                switch cut {
                case 0..<24: .truncatedHeader
                case 24: nil
                case 25..<firstRecordEnd: .truncatedRecord(index: 0)
                case firstRecordEnd: nil
                default: .truncatedRecord(index: 1)
                }
            do {
                let records = try PcapReader.read(prefix)
                #expect(expectedCode == nil, "cut at \(cut) read \(records.count) records")
            } catch {
                #expect(error.code == expectedCode, "cut at \(cut)")
                #expect(error.description.hasPrefix("pcap: "))
            }
        }
    }

    @Test func badMagicAndBadTimestamps() throws {
        var bytes = PcapWriter().bytes
        bytes[0] = 0
        #expect(throws: PcapError.self) { try PcapReader.read(bytes) }
        do {
            _ = try PcapReader.read(bytes)
        } catch {
            #expect(error.code == .badMagic)
        }

        var writer = PcapWriter()
        writer.append([1], timestampNanoseconds: 1)
        var badFraction = writer.bytes
        badFraction.replaceSubrange(28..<32, with: [0xFF, 0xFF, 0xFF, 0xFF])
        do {
            _ = try PcapReader.read(badFraction)
            Issue.record("a sub-second field of 2^32-1 ns was accepted")
        } catch {
            #expect(error.code == .invalidTimestamp(index: 0))
        }
    }
}
