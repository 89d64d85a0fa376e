import MediaStreams
import SimCore
import WireFormats

/// MPEG transport streams from files and from the network: ``TSAnalyzer``, ``MediaInspector``,
/// ``StreamSource/init(transportStream:datagramSize:declaredBitsPerSecond:)`` and a ``SetTopBox`` receiving the
/// stream in UDP datagrams.
///
/// Input: one byte of options (chunking, datagram size, RTP), then the stream.
///
/// Checks: the analysis is the same whether the bytes come whole, byte by byte or in the input's chunks; a stream
/// source's datagrams tile the bytes and their due times never decrease; the set-top box counts every datagram.
enum TransportStreamHarness {
    static let boxMAC = MACAddress(0x02, 0, 0, 0, 0x01, 0x02)

    static func run(_ bytes: [UInt8], _ outcome: inout FuzzOutcome) {
        var input = FuzzInput(bytes)
        let options = input.u8()
        let chunkSeed = input.u8()
        let stream = input.rest()
        var violations: [String] = []

        // 1. Whole, byte by byte and in chunks: one summary.
        var whole = TSAnalyzer(keepPCRTimeline: true)
        whole.consume(stream)
        let summary = whole.finish()
        var chunked = TSAnalyzer(keepPCRTimeline: true)
        var offset = 0
        var step = Int(chunkSeed) + 1
        while offset < stream.count {
            let count = min(step, stream.count - offset)
            chunked.consume(stream, from: offset, count: count)
            offset += count
            step = (step * 7 + 3) % 400 + 1
        }
        if chunked.finish() != summary { violations.append("chunked analysis differs from the whole") }
        if options & 0x01 != 0 {
            var single = TSAnalyzer(keepPCRTimeline: true)
            for i in stream.indices { single.consume(stream, from: i, count: 1) }
            if single.finish() != summary { violations.append("byte-by-byte analysis differs from the whole") }
        }
        let text = MediaInspector.describe(summary, name: "fuzz.ts")
        if !text.hasSuffix("\n") { violations.append("the inspector's text does not end with a newline") }
        if let inspected = try? MediaInspector.inspect(bytes: stream, name: "fuzz.ts"), inspected != text {
            violations.append("inspect(bytes:) and describe(analyze(…)) disagree")
        }

        // 2. Cut into datagrams, timed by PCR (or by a declared rate).
        let sizes: [DatagramSize] = [.standard, .transportPackets(1), .mtu(9000, rtp: true), .bytes(188 * 3)]
        let size = sizes[Int(options >> 1) % sizes.count]
        let declared: Int64? = options & 0x08 != 0 ? Int64(chunkSeed) * 10_000 + 1 : nil
        outcome.counters["packets"] = summary.packetCount
        outcome.counters["pcrTimed"] = summary.pcr == nil ? 0 : 1
        guard let source = try? StreamSource(transportStream: stream, datagramSize: size,
                                             declaredBitsPerSecond: declared)
        else {
            outcome.violations = violations
            return
        }
        outcome.counters["datagrams"] = source.datagramCount
        var previousEnd = 0
        var previousDue = SimDuration.zero
        for index in 0..<source.datagramCount {
            guard let range = source.byteRange(ofDatagram: index), let due = source.dueTime(ofDatagram: index) else {
                violations.append("datagram \(index) of \(source.datagramCount) has no range or due time")
                break
            }
            if range.lowerBound != previousEnd || range.isEmpty {
                violations.append("datagram \(index) covers \(range), expected to start at \(previousEnd)")
                break
            }
            if due < previousDue {
                violations.append("datagram \(index) is due at \(due), before datagram \(index - 1) (\(previousDue))")
                break
            }
            previousEnd = range.upperBound
            previousDue = due
        }
        if violations.isEmpty, previousEnd != stream.count {
            violations.append("the datagrams cover \(previousEnd) of \(stream.count) bytes")
        }
        if source.firstDatagram(dueAtOrAfter: source.duration) > source.datagramCount {
            violations.append("firstDatagram(dueAtOrAfter:) points past the last datagram")
        }

        // 3. Played to a set-top box in UDP (RTP when the options say), at the due times.
        violations += play(source, rtp: options & 0x10 != 0, startup: Int64(options >> 5), &outcome)
        outcome.violations = violations
    }

    static func play(_ source: StreamSource, rtp: Bool, startup: Int64, _ outcome: inout FuzzOutcome) -> [String] {
        let simulator = Simulator(seed: 1, maxFrameBytes: 9_100)
        defer { simulator.tearDown() }
        guard let box = try? SetTopBox(SetTopBox.Configuration(
            name: "box", mac: boxMAC, udpPort: 5000, encapsulation: rtp ? .rtp : .rawUDP,
            drainBitsPerSecond: max(source.bitsPerSecond, 1), startupDelay: .milliseconds(startup),
            bufferCapacityBytes: 256 * 1024))
        else { return ["the set-top box refused a valid configuration"] }
        let frames = simulator.frames
        var sent = 0
        for index in 0..<min(source.datagramCount, 2_000) {
            guard let range = source.byteRange(ofDatagram: index), let due = source.dueTime(ofDatagram: index),
                due <= .seconds(3600)
            else { break }
            simulator.run(until: SimTime.zero + due)
            var payload: [UInt8] = []
            if rtp {
                let timestamp = UInt32(truncatingIfNeeded: due.nanoseconds * 9 / 100_000)
                payload = [0x80, 33, UInt8(truncatingIfNeeded: index >> 8), UInt8(truncatingIfNeeded: index)]
                payload += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: timestamp >> $0) } + [1, 2, 3, 4]
            }
            payload += source.bytes[range]
            let bytes = udpFrame(payload)
            guard bytes.count <= frames.slotCapacity else { continue }
            let frame = frames.allocate()
            guard frames.append(bytes, from: 0, count: bytes.count, to: frame) else {
                frames.release(frame)
                return ["a frame of \(bytes.count) bytes did not fit its slot"]
            }
            box.accept(frame, simulator: simulator)
            sent += 1
        }
        var violations: [String] = []
        let counters = box.counters
        outcome.counters["box.datagrams"] = counters.datagrams
        if counters.datagrams != sent {
            violations.append("the box counted \(counters.datagrams) datagrams of \(sent) sent")
        }
        if frames.live != 0 { violations.append("the box kept \(frames.live) frames") }
        let level = box.bufferLevel(at: simulator.now + .seconds(1))
        if level < 0 || level > 256 * 1024 { violations.append("buffer level \(level) outside 0 … capacity") }
        return violations
    }

    /// An Ethernet/IPv4/UDP frame from the server (192.0.2.1:4001) to the box (192.0.2.12:5000), checksums right.
    static func udpFrame(_ payload: [UInt8]) -> [UInt8] {
        let udpLength = 8 + payload.count
        let total = 20 + udpLength
        var frame: [UInt8] = [0x02, 0, 0, 0, 0x01, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]
        var ip: [UInt8] = [0x45, 0, UInt8(truncatingIfNeeded: total >> 8), UInt8(truncatingIfNeeded: total), 0, 0,
                           0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 12]
        let ipSum = FrameBuilder.checksum(ip[...])
        ip[10] = UInt8(ipSum >> 8)
        ip[11] = UInt8(ipSum & 0xFF)
        var udp: [UInt8] = [0x0F, 0xA1, 0x13, 0x88, UInt8(truncatingIfNeeded: udpLength >> 8),
                            UInt8(truncatingIfNeeded: udpLength), 0, 0] + payload
        let pseudo = [192, 0, 2, 1, 192, 0, 2, 12, 0, 17] + Array(udp[4..<6]) + udp
        var sum = FrameBuilder.checksum(pseudo[...])
        if sum == 0 { sum = 0xFFFF }
        udp[6] = UInt8(sum >> 8)
        udp[7] = UInt8(sum & 0xFF)
        frame += ip
        frame += udp
        return frame
    }
}
