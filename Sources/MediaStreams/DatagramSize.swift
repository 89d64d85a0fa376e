/// How many payload bytes each datagram of a stream carries.
public enum DatagramSize: Hashable, Sendable {
    /// `count` whole transport packets (count × 188 bytes); 7 × 188 = 1316 bytes is the universal choice
    /// (TSDuck, DVBlast, FFmpeg `pkt_size=1316`). For opaque payload, the same number of bytes.
    case transportPackets(Int)
    /// As much as fits a link MTU in bytes after the IPv4 (20), UDP (8) and, with `rtp`, RTP (12) headers,
    /// rounded down to whole transport packets for a transport stream. At MTU 1500 that is 1,472 bytes of opaque
    /// payload or 7 packets (1,316 bytes) of TS; at 9,000, 47 packets (8,836 bytes).
    case mtu(Int, rtp: Bool)
    /// Exactly this many bytes (a transport stream requires a multiple of 188).
    case bytes(Int)

    /// The default: 7 transport packets, 1,316 bytes.
    public static let standard = DatagramSize.transportPackets(7)

    /// The largest UDP payload in bytes an IPv4 datagram can carry (65,535 − 20 − 8).
    public static let maximumPayload = 65_507

    /// Payload bytes per datagram for a transport stream (`transportStream` true) or opaque bytes.
    ///
    /// - Throws: `MediaError.Code.invalidConfiguration` when the size is below one byte (one packet for a
    ///   transport stream), above ``maximumPayload``, or not a multiple of 188 for a transport stream.
    public func payloadBytes(transportStream: Bool) throws(MediaError) -> Int {
        let size: Int
        switch self {
        case .transportPackets(let count):
            size = count > 0 && count <= Self.maximumPayload / TSPacket.size ? count * TSPacket.size : 0
        case .mtu(let mtu, let rtp):
            let room = min(mtu, 65_535) - 28 - (rtp ? 12 : 0)
            size = transportStream ? room / TSPacket.size * TSPacket.size : room
        case .bytes(let count):
            size = count
        }
        guard size > 0, size <= Self.maximumPayload, !transportStream || size % TSPacket.size == 0 else {
            throw MediaError(
                code: .invalidConfiguration, offset: nil,
                message: "datagram size \(self) gives \(size) payload bytes; expected 1 … \(Self.maximumPayload)"
                    + (transportStream ? " in whole 188-byte packets" : ""))
        }
        return size
    }
}
