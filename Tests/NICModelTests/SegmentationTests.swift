import HostMemory
import NICModel
import SimCore
import Testing
import WireFormats

@Suite("Segmentation offload (context descriptor TSE)")
struct SegmentationTests {
    static let identification: UInt16 = 0xFFFE  // wraps inside a packet
    static let sequence: UInt16 = 0xFFFD
    static let timestamp: UInt32 = 0x1234_5678

    /// The large packet as a driver hands it to the NIC: headers rendered for the whole payload, no UDP checksum.
    static func largePacket(_ template: HeaderTemplate, payload: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: template.headerLength)
        template.render(into: &header, at: 0, payloadLength: payload.count, identification: identification,
                        rtpSequence: sequence, rtpTimestamp: timestamp, checksum: .none)
        return header + payload
    }

    static func context(_ template: HeaderTemplate, mss: Int, rtp: Bool) -> TxContextDescriptor {
        var flags: TxContextFlags = [.segment, .ipChecksum, .udpChecksum]
        if rtp { flags.insert(.rtp) }
        return TxContextDescriptor(headerLength: UInt8(template.headerLength), ipOffset: 14, udpOffset: 34,
                                   flags: flags, mss: UInt16(mss))
    }

    /// Posts the packet split over enough descriptors for the 2 KiB slots (or `pieces`), behind its context.
    @discardableResult
    static func post(_ bench: Bench, context: TxContextDescriptor, packet: [UInt8], pieces: Int? = nil,
                     report: Bench.Report = .last) throws -> [Int] {
        try bench.appendContext(context)
        let n = pieces ?? max(1, (packet.count + 1999) / 2000)
        return try bench.post(packet, pieces: n, report: report)
    }

    static let sizes: [(payload: Int, mss: Int)] = [
        (0, 1000), (1, 1000), (999, 1000), (1000, 1000), (1001, 1000), (2000, 1000), (4321, 1000),
        (1460, 1460), (7000, 1316), (3000, 188),
    ]

    @Test("ceil(P/MSS) complete datagrams, byte-identical to driver segmentation", arguments: sizes, [false, true])
    func segments(size: (payload: Int, mss: Int), rtp: Bool) throws {
        let (payloadLength, mss) = size
        let template = rtp ? Templates.rtp : Templates.udp
        let payload = packetBytes(count: payloadLength, tag: payloadLength)
        let bench = try Bench(ringSize: 16, configuration: NICConfiguration(maxSegments: 128))
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        let indices = try Self.post(bench, context: Self.context(template, mss: mss, rtp: rtp),
                                    packet: Self.largePacket(template, payload: payload))
        bench.doorbell()
        #expect(bench.run() == .idle)

        let count = payloadLength <= mss ? 1 : (payloadLength + mss - 1) / mss
        let frames = bench.wire.frames
        #expect(frames.count == count)
        for (s, frame) in frames.enumerated() {
            let slice = payload[(s * mss)..<min(payloadLength, (s + 1) * mss)]
            // What a driver segmenting in software sends (HeaderTemplate, full checksum).
            let expected = Templates.frame(template, payload: slice, identification: Self.identification &+ UInt16(s),
                                           rtpSequence: Self.sequence &+ UInt16(s), rtpTimestamp: Self.timestamp)
            #expect(frame == expected, "segment \(s)")
            let view = try #require(UDPDatagramView(parsing: frame, at: 0, length: frame.count))
            #expect(Int(view.ip.totalLength) == template.headerLength - 14 + slice.count)
            #expect(view.ip.identification == Self.identification &+ UInt16(s))
            #expect(view.ipChecksumValid)
            #expect(Int(view.udp.length) == template.headerLength - 34 + slice.count)
            #expect(view.udp.checksum != 0)
            #expect(view.udpChecksumValid)
            if rtp {
                let header = try #require(RTPHeader(decoding: frame, at: view.payloadOffset, end: frame.count))
                #expect(header.sequenceNumber == Self.sequence &+ UInt16(s))
                #expect(header.timestamp == Self.timestamp)
                #expect(header.ssrc == 0xDEAD_BEEF)
                #expect(Array(frame[(view.payloadOffset + RTPHeader.size)...]) == Array(slice))
            } else {
                #expect(Array(frame[view.payloadOffset...]) == Array(slice))
            }
        }
        #expect(bench.nic.counters.segmentedPackets == 1)
        #expect(bench.nic.counters.segmentsProduced == UInt64(count))
        // One packet, one completion: DD on its last descriptor, one interrupt when the whole packet is in the
        // packet buffer (datasheet §4.5), which on an idle NIC is when its first segment's first bit leaves.
        #expect(try bench.status(indices.last!) == .descriptorDone)
        #expect(bench.interrupts.times == [firstBits.times.first!])
        #expect(bench.read(.gptc) == UInt32(count))
        #expect(bench.head == bench.next)
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("headers and payload scattered over many small descriptors (the header itself split)",
          arguments: [2, 7, 60])
    func scatter(pieces: Int) throws {
        let template = Templates.rtp
        let payload = packetBytes(count: 3000 - template.headerLength, tag: 5)
        let bench = try Bench(ringSize: 128)
        bench.program()
        try Self.post(bench, context: Self.context(template, mss: 1000, rtp: true),
                      packet: Self.largePacket(template, payload: payload), pieces: pieces)
        bench.doorbell()
        #expect(bench.run() == .idle)
        var expected: [[UInt8]] = []
        for s in 0..<3 {
            let slice = payload[(s * 1000)..<min(payload.count, (s + 1) * 1000)]
            let id: UInt16 = Self.identification &+ UInt16(s)
            let sequence: UInt16 = Self.sequence &+ UInt16(s)
            expected.append(Templates.frame(template, payload: slice, identification: id, rtpSequence: sequence,
                                            rtpTimestamp: Self.timestamp))
        }
        #expect(bench.wire.frames == expected)
    }

    @Test("exactly maxSegments segments is allowed")
    func segmentLimit() throws {
        let bench = try Bench()
        bench.program()
        let payload = packetBytes(count: 128, tag: 1)
        try Self.post(bench, context: Self.context(Templates.udp, mss: 1, rtp: false),
                      packet: Self.largePacket(Templates.udp, payload: payload))
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.count == 128)
        #expect(bench.nic.counters.txFormatErrors == 0)
    }

    /// Contexts the device must refuse, with the packet each goes with.
    enum Impossible: CaseIterable, Sendable, CustomTestStringConvertible {
        case headerLongerThanPacket
        case udpInsideIPHeader
        case ipInsideEthernetHeader
        case headerShorterThanRTP
        case zeroMSS
        case headerPlusMSSOverMaxFrame
        case tooManySegments

        var testDescription: String { "\(self)" }

        func make() -> (TxContextDescriptor, [UInt8]) {
            let t = Templates.rtp
            var c = SegmentationTests.context(t, mss: 500, rtp: true)
            var payloadLength = 2000
            switch self {
            case .headerLongerThanPacket:
                return (c, Array(SegmentationTests.largePacket(t, payload: []).prefix(50)))
            case .udpInsideIPHeader: c.udpOffset = 30
            case .ipInsideEthernetHeader: c.ipOffset = 12
            case .headerShorterThanRTP: c.headerLength = 42
            case .zeroMSS: c.mss = 0
            case .headerPlusMSSOverMaxFrame: c.mss = UInt16(1514 - t.headerLength + 1)
            case .tooManySegments:
                c.mss = 1
                payloadLength = 129
            }
            return (c, SegmentationTests.largePacket(t, payload: packetBytes(count: payloadLength, tag: 3)))
        }
    }

    @Test("an impossible context: FMTE on the packet, nothing sent, the next packet still goes",
          arguments: Impossible.allCases)
    func impossible(_ bad: Impossible) throws {
        let bench = try Bench()
        bench.program()
        let (context, packet) = bad.make()
        let indices = try Self.post(bench, context: context, packet: packet, report: .none)
        let good = packetBytes(count: 200, tag: 7)
        let next = try bench.post(good, report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == [good])
        #expect(try bench.status(indices.last!) == [.descriptorDone, .formatError])
        #expect(try bench.status(next[0]) == .descriptorDone)
        #expect(bench.nic.counters.txFormatErrors == 1)
        #expect(bench.nic.counters.segmentsProduced == 0)
        #expect(bench.read(.tdec) == 1)
        #expect(InterruptCause(rawValue: bench.read(.icr)).contains(.txDescriptorError))
        #expect(bench.head == bench.next)
        #expect(bench.simulator.frames.live == 0)
    }

    @Test("checksum offload through a context without TSE: IXSM and TXSM fill both checksums")
    func contextChecksums() throws {
        let payload = packetBytes(count: 300, tag: 4)
        var packet = Self.largePacket(Templates.udp, payload: payload)
        packet[24] = 0xAA  // a stale IPv4 checksum the device must replace
        packet[25] = 0x55
        let bench = try Bench()
        bench.program()
        try bench.appendContext(TxContextDescriptor(headerLength: 42, ipOffset: 14, udpOffset: 34,
                                                    flags: [.ipChecksum, .udpChecksum]))
        try bench.post(packet, report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames == [Templates.frame(Templates.udp, payload: payload[...],
                                                      identification: Self.identification)])
        #expect(bench.nic.counters.segmentedPackets == 0)
    }
}
