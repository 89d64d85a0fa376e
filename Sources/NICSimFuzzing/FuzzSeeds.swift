import MediaStreams
import NICModel
import SimCore

/// The seed corpus of each harness: inputs that reach the interesting paths at once, so the fuzzer mutates from
/// there instead of discovering frame layouts and register sequences byte by byte.
///
/// `FuzzReplayTests` checks that `Fixtures/fuzz/<harness>/seed-*` hold exactly these bytes (set
/// `NICSIM_WRITE_FUZZ_SEEDS=1` to rewrite them) and replays them with every other file there.
public enum FuzzSeeds {
    /// The seeds of `harness`, by name (the file is `seed-<name>`).
    public static func seeds(for harness: FuzzHarness) -> [(name: String, bytes: [UInt8])] {
        switch harness {
        case .vdeFrames: frameSeeds()
        case .transportStream: transportStreamSeeds()
        case .scenario: scenarioSeeds()
        case .driver: driverSeeds()
        }
    }

    // MARK: - Frames

    static let outsideMAC: [UInt8] = [0x02, 0, 0, 0, 0x99, 0x99]
    static let outsideIP: [UInt8] = [192, 0, 2, 99]

    /// MAC and address of receiver `index` of the frame harness's world (0 rx1 … 4 router).
    static func receiverMAC(_ index: Int) -> [UInt8] { [0x02, 0, 0, 0, 0x01, UInt8(1 + index)] }
    static func receiverIP(_ index: Int) -> [UInt8] { [192, 0, 2, UInt8(11 + index)] }

    /// One frame of a frame-harness input in raw mode: a burst of one after `gap` (0 … 31), the bytes as they are.
    static func raw(_ frame: [UInt8], gap: UInt8 = 0) -> [UInt8] {
        let length = UInt16(frame.count)
        return [gap << 3, 0x00, UInt8(length & 0xFF), UInt8(length >> 8)] + frame
    }

    static func ethernet(to destination: [UInt8], type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var frame = destination + outsideMAC + [UInt8(type >> 8), UInt8(type & 0xFF)] + payload
        while frame.count < 60 { frame.append(0) }
        return frame
    }

    static func ipv4(to destination: [UInt8], protocol number: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let total = 20 + payload.count
        var header: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, 0x40, 0, 64, number, 0, 0]
        header += outsideIP + destination
        let sum = FrameBuilder.checksum(header[...])
        header[10] = UInt8(sum >> 8)
        header[11] = UInt8(sum & 0xFF)
        return header + payload
    }

    static func udp(to destination: [UInt8], port: UInt16, _ payload: [UInt8]) -> [UInt8] {
        let length = 8 + payload.count
        var datagram: [UInt8] = [0x13, 0x89, UInt8(port >> 8), UInt8(port & 0xFF), UInt8(length >> 8),
                                 UInt8(length & 0xFF), 0, 0] + payload
        var sum = FrameBuilder.checksum((outsideIP + destination + [0, 17] + Array(datagram[4..<6]) + datagram)[...])
        if sum == 0 { sum = 0xFFFF }
        datagram[6] = UInt8(sum >> 8)
        datagram[7] = UInt8(sum & 0xFF)
        return ipv4(to: destination, protocol: 17, datagram)
    }

    static func arpRequest(for target: [UInt8]) -> [UInt8] {
        [0, 1, 0x08, 0x00, 6, 4, 0, 1] + outsideMAC + outsideIP + [0, 0, 0, 0, 0, 0] + target
    }

    static func echoRequest(to destination: [UInt8], sequence: UInt8) -> [UInt8] {
        var message: [UInt8] = [8, 0, 0, 0, 0x12, 0x34, 0, sequence] + Array("nicsim fuzz ping".utf8)
        let sum = FrameBuilder.checksum(message[...])
        message[2] = UInt8(sum >> 8)
        message[3] = UInt8(sum & 0xFF)
        return ipv4(to: destination, protocol: 1, message)
    }

    /// `count` transport packets of a generated stream (with PAT, PMT and PCRs).
    static func transportPackets(_ count: Int) -> [UInt8] {
        let configuration = TSGenerator.Configuration(bitsPerSecond: 2_000_000, seed: 5)
        let bytes = (try? TSGenerator.generate(configuration, duration: .milliseconds(60))) ?? []
        return Array(bytes.prefix(count * 188))
    }

    static func frameSeeds() -> [(name: String, bytes: [UInt8])] {
        let relay = 3
        let router = 4
        let ts = transportPackets(7)
        let jumbo = ethernet(to: receiverMAC(relay), type: 0x0800,
                             udp(to: receiverIP(relay), port: 5000, Array(repeating: 0x3C, count: 8000)))
        let seeds: [(name: String, bytes: [UInt8])] = [
            ("arp-and-ping-the-relay",
             raw(ethernet(to: FrameBuilder.broadcastMAC, type: 0x0806, arpRequest(for: receiverIP(relay))))
                + raw(ethernet(to: receiverMAC(relay), type: 0x0800, echoRequest(to: receiverIP(relay), sequence: 1)),
                      gap: 4)),
            ("udp-to-the-relay-policy",
             raw(ethernet(to: receiverMAC(relay), type: 0x0800,
                          udp(to: receiverIP(relay), port: 5000, Array(repeating: 0x5A, count: 700))))
                + raw(ethernet(to: receiverMAC(relay), type: 0x0800,
                               udp(to: receiverIP(relay), port: 6000, Array("local".utf8))), gap: 2)),
            ("ts-through-the-router",
             raw(ethernet(to: receiverMAC(router), type: 0x0800, udp(to: receiverIP(router), port: 5000, ts)))
                + raw(ethernet(to: receiverMAC(1), type: 0x0800, udp(to: receiverIP(1), port: 5000, ts)), gap: 3)),
            ("rtp-to-the-rtp-box",
             raw(ethernet(to: receiverMAC(2), type: 0x0800,
                          udp(to: receiverIP(2), port: 5000, [0x80, 33, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4] + ts)))),
            ("to-the-server-and-unknown",
             raw(ethernet(to: [0x02, 0, 0, 0, 0, 0x01], type: 0x0800, echoRequest(to: [192, 0, 2, 1], sequence: 2)))
                + raw(ethernet(to: [0x02, 0x42, 0, 0, 0, 1], type: 0x86DD, Array(repeating: 0, count: 40)))
                + raw(Array(repeating: 0xFF, count: 20))
                + raw(ethernet(to: receiverMAC(0), type: 0x0800,
                               udp(to: receiverIP(0), port: 5000, Array(repeating: 1, count: 1472))))),
            // A built frame (mode 1): the builder picks the fields from the bytes that follow.
            ("built-frames", [0x09, 0x01, 0x03, 0x05, 0x00, 0x00, 0x02, 0x07, 0x11, 0x22, 0x33, 0x04, 0x05, 0x06]),
        ]
        // The first byte picks the world: 0 for MTU 1500, 1 for the jumbo world.
        return seeds.map { ($0.name, [0x00] + $0.bytes) }
            + [
                (
                    "jumbo-to-the-relay",
                    [0x01, 0x00, 0x10] + [UInt8(jumbo.count & 0xFF), UInt8(jumbo.count >> 8)] + jumbo
                )
            ]
    }

    // MARK: - Transport streams

    static func transportStreamSeeds() -> [(name: String, bytes: [UInt8])] {
        let stream = transportPackets(40)
        var damaged = stream
        if damaged.count > 3 * 188 + 10 {
            damaged[3 * 188] = 0x48  // a lost sync byte
            damaged[5 * 188 + 3] ^= 0x0F  // a continuity error
            damaged.removeLast(50)  // a cut-off last packet
        }
        return [
            ("generated-pcr-timed", [0x00, 0x10] + stream),
            ("generated-byte-by-byte-rtp", [0x11, 0x07] + stream),
            ("damaged-declared-rate", [0x0A, 0x40] + damaged),
            ("junk-before-sync", [0x04, 0x01] + Array(repeating: 0x00, count: 100) + Array(stream.prefix(6 * 188))),
        ]
    }

    // MARK: - Scenarios

    static func scenarioSeeds() -> [(name: String, bytes: [UInt8])] {
        let documents: [(String, String)] = [
            ("minimal", "receivers: [{ name: rx1 }]\nwrites: { entries: [{ to: rx1, size: 3000 }] }\n"),
            ("hosts-and-policies", """
                name: relay
                server: { nic: { segmentation: nic, rx-ring: 64, iommu: { iotlb: 8 } } }
                receivers:
                  - { name: rx1 }
                  - { name: relay, kind: host, sockets: [6000] }
                  - { name: router, kind: router }
                  - { name: box, kind: set-top-box, set-top-box: { rate: 1Mbps } }
                writes:
                  count: 3
                  interval: 50us
                  method: aggregate
                  timing: { kind: range, over: 20us, delivery: launch-time }
                  entries: [{ to: all, size: 4000 }]
                policies:
                  - { id: 1, on: relay, match: { to: relay }, action: replicate, targets: [rx1, local:6000] }
                  - { id: 2, on: router, match: { to: router }, action: redirect, targets: [box], at: 10us }
                  - { id: 3, placement: nic, match: { to: rx1 }, action: replicate, targets: [relay], until: 90us }
                """),
            ("streams", """
                duration: 30ms
                receivers:
                  - { name: box, kind: set-top-box, set-top-box: { rtp: true, rate: 2Mbps, startup-delay: 5ms } }
                  - { name: rx2 }
                streams:
                  interval: 2ms
                  list:
                    - { to: [box], generate: { rate: 2Mbps, seed: 3 }, rtp: true }
                    - { to: [rx2], generate: { rate: 1Mbps }, datagram: 376 }
                """),
            ("aggregate-streams", """
                duration: 100ms
                receivers: [{ name: box, kind: set-top-box }, { name: relay, kind: host }]
                streams:
                  method: aggregate
                  delivery: launch-time
                  list:
                    - { to: [box], generate: { rate: 4Mbps } }
                    - { to: [box], from: relay, generate: { rate: 1Mbps } }
                """),
            ("ways-of-sending", """
                server: { driver: { mode: copy, order: interleaved, interrupts: per-packet, \
                mtu: 9000, packet-size: 4000 } }
                network: { switch: { port-buffer: 16KiB } }
                receivers: [{ name: a, link: { rate: 100Mbps } }, { name: b, port: 7000 }]
                writes: { count: 2, method: sendmmsg, batch: 3, \
                entries: [{ to: a, size: 20000, offset: 4000 }, { to: b, size: 0 }] }
                limits: { events: 50000 }
                """),
            ("overrides", """
                #set server.driver.mode=copy
                #set network.switch.port-buffer=8KiB
                receivers: [{ name: rx1 }, { name: rx2 }]
                writes: { entries: [{ to: all, size: 9000 }] }
                """),
            ("anchors", """
                receivers:
                  - { name: rx1, link: &l { rate: 1Gbps, delay: 2us } }
                  - { name: rx2, link: *l }
                writes: { entries: [{ to: all, size: &s 1500 }, { to: rx2, size: *s }] }
                """),
        ]
        return documents.map { ($0.0, Array($0.1.utf8)) }
    }

    // MARK: - Driver programs

    /// Writes a driver-harness program operation by operation, in the order the harness reads its operands.
    struct Program {
        var bytes: [UInt8]
        init(setup: UInt8) { bytes = [setup] }

        mutating func u16(_ value: Int) { bytes += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
        mutating func u32(_ value: UInt32) {
            for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))) }
        }

        /// An address inside the region, `offset` bytes from its start (choice 4 of 10, then below(region)).
        mutating func regionAddress(_ offset: Int) {
            bytes.append(4)
            u32(UInt32(offset))  // below(262144) reads four bytes
        }

        /// Operation 9: program queue `queue` (transmit or receive) with `descriptors` at ring slot `slot`.
        mutating func programQueue(_ queue: Int, transmit: Bool, slot: Int, descriptors: Int, head: Int = 0) {
            bytes += [9, UInt8(queue), transmit ? 1 : 0]
            u16(slot)
            bytes += [UInt8(descriptors - 1), UInt8(head), 1]  // tail = head
            if !transmit { bytes.append(0) }  // BSIZE 2048
        }

        /// Operation 7 (raw bytes): `payload` at `offset` into the buffer area.
        mutating func packet(_ payload: [UInt8], at offset: Int) {
            bytes += [7]
            u32(UInt32(offset))  // below(196608) reads four bytes
            bytes += [1]
            u16(payload.count)
            bytes += payload
        }

        /// Operation 4: a data descriptor at ring slot `slot` for a buffer at `bufferOffset` in the region.
        mutating func descriptor(slot: Int, bufferOffset: Int, length: Int, command: TxCommand,
                                 checksumStart: UInt8 = 0, checksumOffset: UInt8 = 0) {
            bytes += [4, 1]  // length below 2048
            u16(length)
            bytes += [command.rawValue, 1]  // the command as written, without the extended bit
            regionAddress(bufferOffset)
            bytes += [checksumStart, checksumOffset]
            u16(slot)
        }

        /// Operation 6: a receive descriptor at ring slot `slot` for a buffer at `bufferOffset`.
        mutating func receiveDescriptor(slot: Int, bufferOffset: Int) {
            bytes += [6]
            regionAddress(bufferOffset)
            bytes += [1]  // no status
            u16(slot)
        }

        /// Operation 8: the tail of transmit (or receive) queue `queue`.
        mutating func doorbell(_ queue: Int, tail: Int, transmit: Bool = true) {
            bytes += [8, UInt8(queue)]
            u16(tail)
            bytes += [transmit ? 1 : 0]
        }

        /// Operation 10: run for `nanoseconds` (× 1).
        mutating func run(_ nanoseconds: Int) {
            bytes += [10]
            u16(nanoseconds)
            bytes += [0]
        }
    }

    static func driverSeeds() -> [(name: String, bytes: [UInt8])] {
        let frame = FuzzSeeds.ethernet(
            to: [0x02, 0, 0, 0, 0, 0x02], type: 0x0800,
            FuzzSeeds.udp(to: [192, 0, 2, 2], port: 1234, Array(repeating: 0xA5, count: 200)))
        var send = Program(setup: 0x02)  // 2 transmit queues, 1 receive queue
        send.programQueue(0, transmit: true, slot: 0, descriptors: 16)
        send.packet(frame, at: 0)
        send.descriptor(slot: 0, bufferOffset: 65_536, length: frame.count, command: [.endOfPacket, .reportStatus])
        send.doorbell(0, tail: 1)
        send.run(20_000)

        var pieces = Program(setup: 0x42)  // with an IOMMU
        pieces.programQueue(1, transmit: true, slot: 64, descriptors: 8, head: 2)
        pieces.packet(frame, at: 4096)
        // The checksum fields count on the packet's first descriptor: sum from the UDP header, store at its checksum.
        pieces.descriptor(slot: 66, bufferOffset: 65_536 + 4096, length: 100, command: [.insertChecksum],
                          checksumStart: 34, checksumOffset: 40)
        pieces.descriptor(slot: 67, bufferOffset: 65_536 + 4196, length: frame.count - 100,
                          command: [.endOfPacket, .reportStatus])
        pieces.doorbell(1, tail: 4)
        pieces.run(30_000)

        var receive = Program(setup: 0x00)
        receive.programQueue(0, transmit: false, slot: 128, descriptors: 4)
        for k in 0..<4 { receive.receiveDescriptor(slot: 128 + k, bufferOffset: 65_536 + 8192 + 2048 * k) }
        receive.doorbell(0, tail: 3, transmit: false)
        receive.bytes += [12]  // a frame from the wire, raw mode
        receive.bytes += [0x00]
        receive.u16(frame.count)
        receive.bytes += frame
        receive.run(40_000)

        return [("send-one-packet", send.bytes), ("two-pieces-with-iommu", pieces.bytes),
                ("receive-one-frame", receive.bytes)]
    }
}
