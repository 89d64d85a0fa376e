import Foundation
import SimCore
import WireFormats

@testable import MediaStreams

/// The committed media fixtures, found from this file's path (STYLE.md, "Layout").
enum MediaFixture: String, CaseIterable, CustomStringConvertible {
    case video2M = "h264-testsrc-2mbps.ts"
    case video4M = "h264-testsrc-4mbps.ts"
    case audio256k = "sine-mp2-256kbps.ts"

    /// The mux rate the fixture was made at (ffmpeg `-muxrate`, Fixtures/media/make.sh).
    var muxRate: Double {
        switch self {
        case .video2M: 2_000_000
        case .video4M: 4_000_000
        case .audio256k: 256_000
        }
    }

    /// The stream_type of the one elementary stream.
    var streamType: UInt8 {
        switch self {
        case .video2M, .video4M: 0x1B
        case .audio256k: 0x03
        }
    }

    var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/media").appendingPathComponent(rawValue)
    }

    func bytes() throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    var description: String { rawValue }
}

/// A generated stream for tests.
func generatedStream(bitsPerSecond: Int64, seconds: Int64, seed: UInt64 = 1) throws -> [UInt8] {
    try TSGenerator.generate(
        TSGenerator.Configuration(bitsPerSecond: bitsPerSecond, seed: seed), duration: .seconds(seconds))
}

/// The bytes of packet `index` of a stream.
func packet(_ bytes: [UInt8], _ index: Int) -> ArraySlice<UInt8> {
    bytes[(index * 188)..<((index + 1) * 188)]
}

/// Indices of packets on `pid` that carry payload.
func payloadPackets(_ bytes: [UInt8], pid: UInt16) -> [Int] {
    (0..<(bytes.count / 188)).filter { index in
        guard let packet = TSPacket.decode(bytes, at: index * 188) else { return false }
        return packet.pid == pid && packet.adaptationFieldControl.hasPayload
    }
}

/// Runs a program and returns its standard output.
func run(_ path: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// Builds Ethernet/IPv4/UDP(/RTP) frames for a set-top box and hands them over at chosen virtual times.
final class FrameFeeder: EventHandler {
    let simulator: Simulator
    let sink: FrameSink
    let template: HeaderTemplate
    private(set) var id = ComponentID(rawValue: 0)
    private var pending: [FrameHandle] = []
    private var identification: UInt16 = 0

    static let serverMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    static let boxMAC = MACAddress(0x02, 0, 0, 0, 0, 0x02)

    init(simulator: Simulator, sink: FrameSink, rtp: HeaderTemplate.RTPFields?, port: UInt16 = 5004) {
        self.simulator = simulator
        self.sink = sink
        self.template = HeaderTemplate(
            sourceMAC: Self.serverMAC, destinationMAC: Self.boxMAC, sourceIP: IPv4Address(192, 0, 2, 1),
            destinationIP: IPv4Address(192, 0, 2, 2), sourcePort: 5000, destinationPort: port, rtp: rtp)
        id = simulator.register(self, name: "feeder")
    }

    /// Schedules a frame carrying `payload` at `time`.
    func send(
        _ payload: ArraySlice<UInt8>, at time: SimTime, sequence: UInt16 = 0, timestamp: UInt32 = 0,
        marker: Bool = false
    ) {
        let frames = simulator.frames
        let frame = frames.allocate()
        let length = template.headerLength + payload.count
        var scratch = [UInt8](repeating: 0, count: length)
        template.render(
            into: &scratch, at: 0, payloadLength: payload.count, identification: identification,
            rtpSequence: sequence, rtpTimestamp: timestamp, rtpMarker: marker, checksum: .none)
        identification &+= 1
        scratch.replaceSubrange(template.headerLength..<length, with: payload)
        precondition(frames.append(scratch, from: 0, count: length, to: frame))
        pending.append(frame)
        simulator.schedule(at: time, target: id, kind: 0, a: UInt64(frame.rawValue))
    }

    func handle(_ event: Event, simulator: Simulator) {
        sink.accept(FrameHandle(rawValue: UInt32(event.a)), simulator: simulator)
    }
}
