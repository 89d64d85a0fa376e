import WireFormats

/// SplitMix64: a tiny seeded generator so every run of a randomized test sees the same inputs.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomBytes(_ count: Int, using generator: inout SeededGenerator) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

/// The template most tests use: host 10.0.0.1 → 239.1.1.1:5000, optionally with RTP carrying MPEG-TS.
func sampleTemplate(rtp: Bool, dontFragment: Bool = true) -> HeaderTemplate {
    HeaderTemplate(
        sourceMAC: MACAddress(rawValue: 0x0200_0000_0001), destinationMAC: MACAddress(rawValue: 0x0100_5E01_0101),
        sourceIP: IPv4Address(10, 0, 0, 1), destinationIP: IPv4Address(239, 1, 1, 1), sourcePort: 40_000,
        destinationPort: 5_000, ttl: 17, tos: 0xB8, dontFragment: dontFragment,
        rtp: rtp ? HeaderTemplate.RTPFields(ssrc: 0xDEAD_BEEF) : nil)
}

/// Payload sum of `payload`, as a sender computes it before rendering a header with `.full`.
func payloadSum(_ payload: [UInt8]) -> InternetChecksum {
    var sum = InternetChecksum()
    sum.add(payload, from: 0, count: payload.count)
    return sum
}

/// A complete frame: the rendered header followed by `payload`, optionally padded with zeros to `minimumLength`.
func renderFrame(
    _ template: HeaderTemplate, payload: [UInt8], checksum: HeaderTemplate.UDPChecksum, identification: UInt16 = 7,
    rtpSequence: UInt16 = 0, rtpTimestamp: UInt32 = 0, rtpMarker: Bool = false, minimumLength: Int = 0
) -> [UInt8] {
    var frame = [UInt8](repeating: 0, count: template.headerLength)
    template.render(
        into: &frame, at: 0, payloadLength: payload.count, identification: identification, rtpSequence: rtpSequence,
        rtpTimestamp: rtpTimestamp, rtpMarker: rtpMarker, checksum: checksum)
    frame += payload
    if frame.count < minimumLength {
        frame += [UInt8](repeating: 0, count: minimumLength - frame.count)
    }
    return frame
}
