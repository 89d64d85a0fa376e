import Testing
import WireFormats

@Suite struct InternetChecksumTests {
    /// The example of RFC 1071 §3.
    let rfc1071: [UInt8] = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]

    @Test func rfc1071Example() {
        var sum = InternetChecksum()
        sum.add(rfc1071, from: 0, count: rfc1071.count)
        #expect(sum.partialSum == 0xDDF2)
        #expect(sum.checksum == 0x220D)
    }

    @Test func emptyAndOddLengths() {
        #expect(InternetChecksum().partialSum == 0)
        #expect(InternetChecksum().checksum == 0xFFFF)
        var single = InternetChecksum()
        single.add([0xAB], from: 0, count: 1)
        #expect(single.partialSum == 0xAB00)
        var three = InternetChecksum()
        three.add([0x01, 0x02, 0x03], from: 0, count: 3)
        #expect(three.partialSum == 0x0102 + 0x0300)
    }

    @Test func wordsMatchBytes() {
        var bytes = InternetChecksum()
        bytes.add(rfc1071, from: 0, count: rfc1071.count)
        var words = InternetChecksum()
        words.add(UInt16(0x0001))
        words.add(UInt32(0xF203_F4F5))
        words.add(UInt16(0xF6F7))
        #expect(words.partialSum == bytes.partialSum)
    }

    @Test func everySplitIntoChunksEqualsTheWhole() {
        var generator = SeededGenerator(seed: 1071)
        for _ in 0..<300 {
            let data = randomBytes(Int.random(in: 0...64, using: &generator), using: &generator)
            let lead = Int.random(in: 0...3, using: &generator)
            let buffer = randomBytes(lead, using: &generator) + data
            var whole = InternetChecksum()
            whole.add(buffer, from: lead, count: data.count)

            var chunked = InternetChecksum()
            var position = lead
            while position < buffer.count {
                let size = Int.random(in: 0...min(7, buffer.count - position), using: &generator)
                chunked.add(buffer, from: position, count: size)
                position += size
            }
            #expect(chunked.partialSum == whole.partialSum)
        }
    }

    /// RFC 1071 written out plainly: 16-bit big-endian words, end-around carry after each addition.
    func referenceSum(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let high = UInt32(bytes[i])
            let low = i + 1 < bytes.endIndex ? UInt32(bytes[i + 1]) : 0
            sum += high << 8 | low
            sum = (sum & 0xFFFF) + (sum >> 16)
            i += 2
        }
        return UInt16(sum)
    }

    @Test func wideSummationMatchesWordByWordSums() {
        var generator = SeededGenerator(seed: 1624)
        var cases: [[UInt8]] = [
            [UInt8](repeating: 0, count: 1500), [UInt8](repeating: 0xFF, count: 1500),
            [UInt8](repeating: 0xFF, count: 9000), [UInt8](repeating: 0x80, count: 33),
        ]
        for _ in 0..<200 { cases.append(randomBytes(Int.random(in: 0...3000, using: &generator), using: &generator)) }
        for data in cases {
            for lead in 0...2 where lead <= data.count {
                var sum = InternetChecksum()
                sum.add(data, from: lead, count: data.count - lead)
                #expect(sum.partialSum == referenceSum(data[lead...]), "\(data.count) bytes from \(lead)")
                // Started on an odd byte: the first byte is the low half of a word.
                if data.count - lead >= 1 {
                    var split = InternetChecksum()
                    split.add(data, from: lead, count: 1)
                    split.add(data, from: lead + 1, count: data.count - lead - 1)
                    #expect(split.partialSum == referenceSum(data[lead...]))
                }
            }
        }
    }

    @Test func everySingleCutPointEqualsTheWhole() {
        let data = rfc1071 + [0x13, 0x57, 0x9B]
        var whole = InternetChecksum()
        whole.add(data, from: 0, count: data.count)
        for cut in 0...data.count {
            var split = InternetChecksum()
            split.add(data, from: 0, count: cut)
            split.add(data, from: cut, count: data.count - cut)
            #expect(split.partialSum == whole.partialSum, "cut at \(cut)")

            // Words appended after an odd-length chunk land in the stream at their byte positions.
            var withWords = InternetChecksum()
            withWords.add(data, from: 0, count: cut)
            var combined = withWords
            var expected = InternetChecksum()
            expected.add(data + [0xA1, 0xB2], from: 0, count: cut)
            withWords.add(UInt16(0xA1B2))
            expected.add([0xA1, 0xB2], from: 0, count: 2)
            #expect(withWords.partialSum == expected.partialSum)

            // Appending another accumulator equals adding its bytes.
            var tail = InternetChecksum()
            tail.add(data, from: cut, count: data.count - cut)
            combined.add(tail)
            #expect(combined.partialSum == whole.partialSum)
        }
    }

    @Test func incrementalUpdateMatchesRecomputation() {
        var generator = SeededGenerator(seed: 1624)
        for _ in 0..<2_000 {
            let header = IPv4Header(
                tos: .random(in: 0...255, using: &generator), totalLength: .random(in: 20...65535, using: &generator),
                identification: .random(in: 0...65535, using: &generator), dontFragment: .random(using: &generator),
                ttl: .random(in: 0...255, using: &generator), protocolNumber: 17,
                source: IPv4Address(rawValue: .random(in: 0...UInt32.max, using: &generator)),
                destination: IPv4Address(rawValue: .random(in: 0...UInt32.max, using: &generator)))
            var bytes = [UInt8](repeating: 0, count: 20)
            header.encode(into: &bytes, at: 0)
            let checksum = IPv4Header.computeChecksum(bytes, at: 0, length: 20)
            NetworkBytes.setUInt16(&bytes, 10, checksum)

            let wordOffset = 2 * [0, 1, 2, 3, 4, 6, 7, 8, 9].randomElement(using: &generator, default: 1)
            let oldWord = NetworkBytes.getUInt16(bytes, wordOffset) ?? 0
            let newWord = UInt16.random(in: 0...65535, using: &generator)
            NetworkBytes.setUInt16(&bytes, wordOffset, newWord)
            let updated = InternetChecksum.updated(checksum, oldWord: oldWord, newWord: newWord)
            #expect(updated == IPv4Header.computeChecksum(bytes, at: 0, length: 20))
            NetworkBytes.setUInt16(&bytes, 10, updated)
            var verify = InternetChecksum()
            verify.add(bytes, from: 0, count: 20)
            #expect(verify.partialSum == 0xFFFF)
        }
    }

    @Test func pseudoHeaderSum() {
        let pseudo = InternetChecksum.pseudoHeader(
            source: IPv4Address(192, 168, 0, 1), destination: IPv4Address(192, 168, 0, 199), protocolNumber: 17,
            length: 0x1234)
        var manual = InternetChecksum()
        let bytes: [UInt8] = [192, 168, 0, 1, 192, 168, 0, 199, 0, 17, 0x12, 0x34]
        manual.add(bytes, from: 0, count: bytes.count)
        #expect(pseudo.partialSum == manual.partialSum)
    }
}

extension Array {
    /// A random element, or `fallback` for an empty array (keeps tests free of force unwraps).
    fileprivate func randomElement(using generator: inout SeededGenerator, default fallback: Element) -> Element {
        randomElement(using: &generator) ?? fallback
    }
}
