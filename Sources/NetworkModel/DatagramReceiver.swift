import SimCore
import WireFormats

/// A receiving host that records every UDP datagram addressed to its MAC address or to broadcast.
///
/// Each frame is classified (see ``ReceiverCounters``), accepted datagrams extend ``digest`` with their payload
/// bytes in arrival order, and the frame is released. Datagrams with a bad IPv4 or UDP checksum are dropped, as a
/// host stack would drop them. Multicast destinations other than broadcast count as frames for other hosts.
public final class DatagramReceiver: FrameSink {
    // Stored properties in the order a datagram reads them (Swift lays a class out in declaration order): the
    // address, the flags, the counters and the digester fit two cache lines.

    /// The receiver's MAC address.
    public let mac: MACAddress
    /// When true, the payload bytes of accepted datagrams are appended to ``payload`` (for tests; allocates).
    public let keepPayload: Bool
    /// When true (the default), accepted payloads extend ``digest`` (``StripeHash64``, several bytes a cycle); a
    /// run that only counts can leave it out.
    public let digestsPayload: Bool
    /// What the receiver has seen.
    public private(set) var counters = ReceiverCounters()
    /// The digester this receiver shares with others, and its stream there; nil digests on its own.
    private let digester: PayloadDigester?
    private let stream: Int
    private var hasher = StripeHash64()
    /// The receiver's name, for reports.
    public let name: String
    /// The payload bytes of accepted datagrams in arrival order, when ``keepPayload`` is true; empty otherwise.
    public private(set) var payload: [UInt8] = []

    /// The 64-bit ``StripeHash64`` digest of the concatenated payload bytes of accepted datagrams, in arrival order
    /// (``StripeHash64/empty`` before any arrive, and always when ``digestsPayload`` is false).
    public var digest: UInt64 {
        if let digester { return digester.digest(of: stream) }
        return hasher.value
    }

    /// Creates a receiver. It schedules no events, so it is not registered with `simulator`.
    ///
    /// With a `digester` shared by several receivers, their digest states are kept side by side there (same
    /// values; see ``PayloadDigester``).
    public init(simulator: Simulator, name: String, mac: MACAddress, keepPayload: Bool = false,
                digestsPayload: Bool = true, digester: PayloadDigester? = nil) {
        self.name = name
        self.mac = mac
        self.keepPayload = keepPayload
        self.digestsPayload = digestsPayload
        self.digester = digestsPayload ? digester : nil
        self.stream = digestsPayload ? (digester?.addStream() ?? 0) : 0
    }

    private static let ipv4EtherType: UInt16 = 0x0800
    private static let etherTypeOffset = 12
    private static let ethernetHeaderBytes = 14
    private static let ipProtocolOffset = 14 + 9

    /// Records the frame and releases it.
    public func accept(_ frame: FrameHandle, simulator: Simulator) {
        let frames = simulator.frames
        if simulator.tracer != nil { simulator.trace(name, "arrival", frames.traceFields(of: frame)) }
        record(frames.bytes, at: frames.offset(of: frame), length: frames.length(of: frame), now: simulator.now)
        frames.release(frame)
    }

    private func record(_ bytes: [UInt8], at start: Int, length: Int, now: SimTime) {
        guard length >= Self.ethernetHeaderBytes, let destination = NetworkBytes.getMAC(bytes, start) else {
            counters.malformedFrames += 1
            return
        }
        guard destination == mac || destination == .broadcast else {
            counters.framesForOtherHosts += 1
            return
        }
        let etherType = NetworkBytes.getUInt16(bytes, start + Self.etherTypeOffset)
        let isUDP =
            length > Self.ipProtocolOffset
            && NetworkBytes.getUInt8(bytes, start + Self.ipProtocolOffset) == IPv4Header.udpProtocolNumber
        guard etherType == Self.ipv4EtherType, isUDP else {
            counters.nonUDPFrames += 1
            return
        }
        guard let view = UDPDatagramView(parsing: bytes, at: start, length: length) else {
            counters.malformedFrames += 1
            return
        }
        guard view.ipChecksumValid else {
            counters.badIPChecksums += 1
            return
        }
        guard view.udpChecksumValid else {
            counters.badUDPChecksums += 1
            return
        }
        counters.datagrams += 1
        counters.payloadBytes += view.payloadLength
        if counters.firstArrival == nil { counters.firstArrival = now }
        counters.lastArrival = now
        if let digester {
            digester.add(stream, bytes: bytes, from: view.payloadOffset, count: view.payloadLength)
        } else if digestsPayload {
            hasher.add(bytes, from: view.payloadOffset, count: view.payloadLength)
        }
        if keepPayload {
            payload.append(contentsOf: bytes[view.payloadOffset..<(view.payloadOffset + view.payloadLength)])
        }
    }
}
