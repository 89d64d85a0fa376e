import SimCore
import WireFormats

@testable import NetworkModel

/// A sink that records what arrives (time and bytes) and releases each frame.
final class Collector: FrameSink {
    struct Arrival: Equatable {
        var time: SimTime
        var bytes: [UInt8]
    }
    private(set) var arrivals: [Arrival] = []

    func accept(_ frame: FrameHandle, simulator: Simulator) {
        arrivals.append(Arrival(time: simulator.now, bytes: simulator.frames.contents(of: frame)))
        simulator.frames.release(frame)
    }

    var times: [SimTime] { arrivals.map(\.time) }
}

/// Hands prepared frames to a sink at scheduled times: each event's `a` is an index into `pending`.
final class Feeder: EventHandler {
    private var pending: [[UInt8]] = []
    private let sink: FrameSink
    private(set) var id = ComponentID(rawValue: .max)

    init(simulator: Simulator, sink: FrameSink, name: String = "feeder") {
        self.sink = sink
        id = simulator.register(self, name: name)
    }

    /// Schedules `bytes` to be handed to the sink at `time` (its last bit arrives then).
    func send(_ bytes: [UInt8], at time: SimTime, simulator: Simulator) {
        pending.append(bytes)
        simulator.schedule(at: time, target: id, kind: 0, a: UInt64(pending.count - 1))
    }

    func handle(_ event: Event, simulator: Simulator) {
        let bytes = pending[Int(event.a)]
        let frame = simulator.frames.allocate()
        precondition(simulator.frames.append(bytes, from: 0, count: bytes.count, to: frame))
        sink.accept(frame, simulator: simulator)
    }
}

/// Allocates a frame holding `bytes`.
func makeFrame(_ bytes: [UInt8], in simulator: Simulator) -> FrameHandle {
    let frame = simulator.frames.allocate()
    precondition(simulator.frames.append(bytes, from: 0, count: bytes.count, to: frame))
    return frame
}

func macBytes(_ mac: MACAddress) -> [UInt8] {
    (0..<6).map { UInt8(truncatingIfNeeded: mac.rawValue >> UInt64(40 - 8 * $0)) }
}

/// An Ethernet frame of `length` bytes (≥ 14) with the given addresses, EtherType 0x88B5 (local experimental)
/// and a payload pattern derived from `tag`.
func ethernetFrame(to destination: MACAddress, from source: MACAddress, length: Int, tag: UInt8 = 0) -> [UInt8] {
    precondition(length >= 14)
    var bytes = macBytes(destination) + macBytes(source) + [0x88, 0xB5]
    for i in 0..<(length - 14) { bytes.append(tag &+ UInt8(truncatingIfNeeded: i)) }
    return bytes
}

/// RFC 1071 one's-complement sum of 16-bit big-endian words (odd byte padded with zero), not complemented.
func onesComplementSum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
    var sum = initial
    var i = 0
    while i + 1 < bytes.count {
        sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
        i += 2
    }
    if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
    while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
    return sum
}

/// An Ethernet/IPv4/UDP frame built independently of WireFormats' encoders, with correct checksums unless told
/// otherwise. Frames shorter than 60 bytes are padded with zeros, as a NIC would.
func udpFrame(
    to destination: MACAddress, from source: MACAddress = MACAddress(rawValue: 0x0200_0000_0001),
    sourceIP: [UInt8] = [192, 0, 2, 1], destinationIP: [UInt8] = [192, 0, 2, 2],
    sourcePort: UInt16 = 5000, destinationPort: UInt16 = 6000, identification: UInt16 = 1,
    payload: [UInt8], udpChecksum: Bool = true, corruptIPChecksum: Bool = false, corruptUDPChecksum: Bool = false
) -> [UInt8] {
    let udpLength = 8 + payload.count
    let totalLength = 20 + udpLength
    var ip: [UInt8] = [
        0x45, 0, UInt8(totalLength >> 8), UInt8(totalLength & 0xFF),
        UInt8(identification >> 8), UInt8(identification & 0xFF), 0x40, 0,
        64, 17, 0, 0,
    ]
    ip += sourceIP + destinationIP
    var ipSum = ~UInt16(onesComplementSum(ip))
    if corruptIPChecksum { ipSum ^= 0x0101 }
    ip[10] = UInt8(ipSum >> 8)
    ip[11] = UInt8(ipSum & 0xFF)

    var udp: [UInt8] = [
        UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF), UInt8(destinationPort >> 8), UInt8(destinationPort & 0xFF),
        UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0,
    ]
    udp += payload
    if udpChecksum {
        let pseudo = sourceIP + destinationIP + [0, 17, UInt8(udpLength >> 8), UInt8(udpLength & 0xFF)]
        var sum = ~UInt16(onesComplementSum(udp, initial: onesComplementSum(pseudo)))
        if sum == 0 { sum = 0xFFFF }
        if corruptUDPChecksum { sum ^= 0x0101 }
        udp[6] = UInt8(sum >> 8)
        udp[7] = UInt8(sum & 0xFF)
    }
    var frame = macBytes(destination) + macBytes(source) + [0x08, 0x00] + ip + udp
    while frame.count < 60 { frame.append(0) }
    return frame
}

/// FNV-1a 64 written out plainly, as the oracle for digests.
func referenceFNV1a(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01B3
    }
    return h
}

let macA = MACAddress(rawValue: 0x0200_0000_000A)
let macB = MACAddress(rawValue: 0x0200_0000_000B)
let macC = MACAddress(rawValue: 0x0200_0000_000C)
