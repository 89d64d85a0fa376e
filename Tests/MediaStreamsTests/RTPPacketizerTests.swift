import Foundation
import SimCore
import Testing
import WireFormats

@testable import MediaStreams

@Suite("RTP packetizer")
struct RTPPacketizerTests {
    @Test("header fields: V 2, PT 33, sequence +1 wrapping, 90 kHz timestamps, fixed SSRC, marker rule")
    func fields() {
        var packetizer = RTPPacketizer(
            ssrc: 0xDEAD_BEEF, initialSequenceNumber: 65_534, initialTimestamp: 0xFFFF_FF00)
        let first = packetizer.nextHeader(dueTime: .zero)
        let second = packetizer.nextHeader(dueTime: .microseconds(5_264))
        let third = packetizer.nextHeader(dueTime: .milliseconds(1_000), discontinuity: true)
        let fourth = packetizer.nextHeader(dueTime: .milliseconds(1_010))
        #expect(first.version == 2)
        #expect(first.payloadType == 33)
        #expect([first, second, third, fourth].map(\.sequenceNumber) == [65_534, 65_535, 0, 1])
        // 5.264 ms × 90 kHz = 473.76 → 473 ticks; 1 s = 90,000 ticks, wrapping past 2^32.
        #expect(first.timestamp == 0xFFFF_FF00)
        #expect(second.timestamp == 0xFFFF_FF00 &+ 473)
        #expect(third.timestamp == 0xFFFF_FF00 &+ 90_000)
        #expect(fourth.timestamp == 0xFFFF_FF00 &+ 90_900)
        #expect([first, second, third, fourth].map(\.marker) == [false, false, true, false])
        #expect(Set([first, second, third, fourth].map(\.ssrc)) == [0xDEAD_BEEF])
        #expect(packetizer.packetCount == 4)
        #expect(
            packetizer.timestamp(forPCR: ProgramClockReference(base: 1_000, extension: 299)) == 0xFFFF_FF00 &+ 1_000)
    }

    @Test("SSRC and starting values come from the seeded stream")
    func seeded() {
        var a = RandomStream(seed: 42, name: "rtp")
        var b = RandomStream(seed: 42, name: "rtp")
        var c = RandomStream(seed: 43, name: "rtp")
        let first = RTPPacketizer(random: &a)
        #expect(first == RTPPacketizer(random: &b))
        #expect(first.ssrc != RTPPacketizer(random: &c).ssrc)
    }

    @Test("write puts header and datagram payload in a buffer")
    func write() throws {
        let source = try StreamSource(generating: .init(bitsPerSecond: 2_000_000), duration: .seconds(1))
        var packetizer = RTPPacketizer(ssrc: 7, initialSequenceNumber: 100, initialTimestamp: 1_000)
        var buffer = [UInt8](repeating: 0, count: 1_400)
        let length = try #require(packetizer.write(datagram: 3, of: source, into: &buffer, at: 10))
        #expect(length == 12 + 1316)
        let header = try #require(RTPHeader(decoding: buffer, at: 10, end: 10 + length))
        #expect(header.sequenceNumber == 100)
        #expect(header.timestamp == 1_000 + 1_421)  // 3 × 5.264 ms × 90 kHz = 1421.28
        #expect(Array(buffer[22..<(22 + 1316)]) == Array(source.bytes[(3 * 1316)..<(4 * 1316)]))
        #expect(packetizer.write(datagram: 999, of: source, into: &buffer, at: 0) == nil)
        #expect(packetizer.write(datagram: 0, of: source, into: &buffer, at: 200) == nil)
        #expect(packetizer.nextSequenceNumber == 101)
    }

    /// Builds frames with WireFormats' header template and PcapWriter, and asks tshark's RTP dissector (forced on
    /// UDP port 5004) what it sees.
    @Test("tshark's RTP dissector agrees on sequence, timestamp, payload type, SSRC and marker")
    func tshark() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"), "tshark is not installed")
        let source = try StreamSource(generating: .init(bitsPerSecond: 2_000_000), duration: .milliseconds(200))
        var packetizer = RTPPacketizer(
            ssrc: 0x1234_5678, initialSequenceNumber: 65_530, initialTimestamp: 4_000_000_000)
        let template = HeaderTemplate(
            sourceMAC: MACAddress(0x02, 0, 0, 0, 0, 1), destinationMAC: MACAddress(0x02, 0, 0, 0, 0, 2),
            sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, 2), sourcePort: 5000,
            destinationPort: 5004, rtp: packetizer.templateFields)
        var pcap = PcapWriter()
        var expected: [String] = []
        for index in 0..<source.datagramCount {
            let range = try #require(source.byteRange(ofDatagram: index))
            let due = try #require(source.dueTime(ofDatagram: index))
            let header = packetizer.nextHeader(dueTime: due, discontinuity: index == 10)
            var frame = [UInt8](repeating: 0, count: template.headerLength + range.count)
            frame.replaceSubrange(template.headerLength..., with: source.bytes[range])
            var payloadSum = InternetChecksum()
            payloadSum.add(frame, from: template.headerLength, count: range.count)
            template.render(
                into: &frame, at: 0, payloadLength: range.count, identification: UInt16(index),
                rtpSequence: header.sequenceNumber, rtpTimestamp: header.timestamp, rtpMarker: header.marker,
                checksum: .full(payloadSum: payloadSum))
            pcap.append(frame, timestampNanoseconds: due.nanoseconds)
            expected.append("\(header.sequenceNumber)\t\(header.timestamp)\t33\t0x12345678\t\(header.marker ? 1 : 0)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nicsim-media-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rtp.pcap")
        try Data(pcap.bytes).write(to: file)
        let output = try run(
            "/usr/bin/tshark",
            [
                "-r", file.path, "-d", "udp.port==5004,rtp", "-T", "fields", "-e", "rtp.seq", "-e", "rtp.timestamp",
                "-e", "rtp.p_type", "-e", "rtp.ssrc", "-e", "rtp.marker",
            ])
        let lines = output.split(separator: "\n").map { line in
            // tshark prints the marker as 0/1 or False/True depending on the version.
            String(line).replacingOccurrences(of: "False", with: "0").replacingOccurrences(of: "True", with: "1")
        }
        #expect(lines.count == 38)  // 200 ms at 2 Mb/s: 265 packets in 38 datagrams
        #expect(lines == expected)
        #expect(expected[5].hasPrefix("65535\t"))
        #expect(expected[6].hasPrefix("0\t"))
    }
}
