import HostMemory
import NICModel
import SimCore
import Testing
import WireFormats

@Suite("UDP checksum insertion (IC, CSS, CSO)")
struct ChecksumOffloadTests {
    static let template = HeaderTemplate(
        sourceMAC: MACAddress(0x02, 0, 0, 0, 0, 1), destinationMAC: MACAddress(0x02, 0, 0, 0, 0, 2),
        sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, 2),
        sourcePort: 5004, destinationPort: 1234)
    static let rtpTemplate = HeaderTemplate(
        sourceMAC: MACAddress(0x02, 0, 0, 0, 0, 1), destinationMAC: MACAddress(0x02, 0, 0, 0, 0, 3),
        sourceIP: IPv4Address(192, 0, 2, 1), destinationIP: IPv4Address(192, 0, 2, 3),
        sourcePort: 5004, destinationPort: 1235, rtp: HeaderTemplate.RTPFields(ssrc: 0xDEAD_BEEF))

    /// Header rendered with a partial (pseudo-header) checksum, followed by `payload`.
    static func partialFrame(_ template: HeaderTemplate, payload: [UInt8], identification: UInt16) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: template.headerLength)
        template.render(into: &header, at: 0, payloadLength: payload.count, identification: identification,
                        rtpSequence: 77, checksum: .partial)
        return header + payload
    }

    static func fullFrame(_ template: HeaderTemplate, payload: [UInt8], identification: UInt16) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: template.headerLength)
        var sum = InternetChecksum()
        sum.add(payload, from: 0, count: payload.count)
        template.render(into: &header, at: 0, payloadLength: payload.count, identification: identification,
                        rtpSequence: 77, checksum: .full(payloadSum: sum))
        return header + payload
    }

    @Test("the device finishes a partial UDP checksum", arguments: [0, 1, 17, 1000, 1460], [false, true])
    func validChecksum(payloadLength: Int, rtp: Bool) throws {
        let template = rtp ? Self.rtpTemplate : Self.template
        let payload = packetBytes(count: payloadLength, tag: payloadLength)
        let frame = Self.partialFrame(template, payload: payload, identification: 9)
        let bench = try Bench()
        bench.program()
        // Header and payload in separate descriptors (the zero-copy driver's layout), IC on the first.
        try bench.post(frame, pieces: payloadLength == 0 ? 1 : 2, report: .last, first: .insertChecksum,
                       checksumStart: UInt8(template.udpHeaderOffset),
                       checksumOffset: UInt8(template.udpChecksumOffset))
        bench.doorbell()
        #expect(bench.run() == .idle)
        let sent = try #require(bench.wire.frames.first)
        let view = try #require(UDPDatagramView(parsing: sent, at: 0, length: sent.count))
        #expect(view.ipChecksumValid)
        #expect(view.udpChecksumValid)
        #expect(view.udp.checksum != 0)
        #expect(sent == Self.fullFrame(template, payload: payload, identification: 9))
        #expect(bench.nic.counters.checksumsInserted == 1)
    }

    @Test("without IC the bytes go out as written")
    func noInsertion() throws {
        let payload = packetBytes(count: 100, tag: 3)
        let frame = Self.partialFrame(Self.template, payload: payload, identification: 1)
        let bench = try Bench()
        bench.program()
        try bench.post(frame, report: .last, checksumStart: 34, checksumOffset: 40)
        bench.doorbell()
        bench.run()
        #expect(bench.wire.frames == [frame])
        #expect(bench.nic.counters.checksumsInserted == 0)
    }

    /// (CSS, CSO) pairs that do not fit a 100-byte frame.
    static let badOffsets: [(UInt8, UInt8)] = [(34, 200), (34, 99), (34, 100), (100, 40), (255, 255), (200, 40)]

    @Test("CSS or CSO outside the packet: format error, nothing sent, the next packet still goes out",
          arguments: badOffsets)
    func offsetsOutside(css: UInt8, cso: UInt8) throws {
        let bench = try Bench()
        bench.program()
        let bad = try bench.post(packetBytes(count: 100, tag: 1), pieces: 2, report: .none, first: .insertChecksum,
                                 checksumStart: css, checksumOffset: cso)
        let good = packetBytes(count: 100, tag: 2)
        try bench.post(good, report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == [good])
        #expect(try bench.status(bad[1]) == [.descriptorDone, .formatError])
        #expect(try bench.status(bad[0]) == [])
        #expect(bench.nic.counters.txFormatErrors == 1)
        #expect(bench.read(.tdec) == 1)
        #expect(bench.simulator.frames.live == 0)
    }
}
