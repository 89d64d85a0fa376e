import SimCore
import Testing

@testable import MediaStreams

@Suite("Stream sources")
struct StreamSourceTests {
    @Test("a generated 2 Mb/s stream is cut into 1316-byte datagrams due every 5.264 ms exactly")
    func generatedTiming() throws {
        let source = try StreamSource(
            generating: .init(bitsPerSecond: 2_000_000), duration: .seconds(2))
        #expect(source.timedByPCR)
        #expect(source.bitsPerSecond == 2_000_000)
        #expect(source.datagramPayloadSize == 1316)
        // 2 s at 2 Mb/s = 2659 packets = 379 datagrams of 7 and one of 6.
        #expect(source.bytes.count == 2659 * 188)
        #expect(source.datagramCount == 380)
        #expect(source.byteRange(ofDatagram: 379) == (379 * 1316)..<(2659 * 188))
        #expect(source.byteRange(ofDatagram: 380) == nil)
        #expect(source.dueTime(ofDatagram: -1) == nil)
        for index in 0..<source.datagramCount {
            // 1316 bytes × 8 / 2,000,000 b/s = 5.264 ms.
            #expect(source.dueTime(ofDatagram: index) == .microseconds(5_264) * Int64(index))
        }
        #expect(source.duration == SimDuration(rawValue: 2659 * 188 * 8 * 500_000))
    }

    @Test("fixture datagrams are due where the mux rate puts them (within 1 µs)", arguments: MediaFixture.allCases)
    func fixtureTiming(fixture: MediaFixture) throws {
        let source = try StreamSource(transportStream: try fixture.bytes())
        #expect(abs(Double(source.bitsPerSecond) - fixture.muxRate) <= fixture.muxRate * 0.001)
        for index in 0..<source.datagramCount {
            let due = try #require(source.dueTime(ofDatagram: index))
            let nominal = Double(index * 1316 * 8) / fixture.muxRate
            #expect(abs(due.seconds - nominal) < 1e-6, "datagram \(index)")
        }
    }

    @Test("MTU-sized datagrams are the largest multiple of 188 that fits")
    func mtuSizes() throws {
        #expect(try DatagramSize.mtu(1500, rtp: false).payloadBytes(transportStream: true) == 1316)
        #expect(try DatagramSize.mtu(1500, rtp: true).payloadBytes(transportStream: true) == 1316)
        #expect(try DatagramSize.mtu(9000, rtp: false).payloadBytes(transportStream: true) == 8836)
        #expect(try DatagramSize.mtu(9000, rtp: true).payloadBytes(transportStream: true) == 8836)
        #expect(try DatagramSize.mtu(1500, rtp: false).payloadBytes(transportStream: false) == 1472)
        #expect(try DatagramSize.mtu(1500, rtp: true).payloadBytes(transportStream: false) == 1460)
        #expect(try DatagramSize.transportPackets(1).payloadBytes(transportStream: true) == 188)
        for bad: DatagramSize in [
            .mtu(200, rtp: true), .transportPackets(0), .transportPackets(400), .bytes(1000),
            .bytes(0), .bytes(70_000),
        ] {
            #expect(throws: MediaError.self) { try bad.payloadBytes(transportStream: true) }
        }
        let jumbo = try StreamSource(
            generating: .init(bitsPerSecond: 15_000_000), duration: .seconds(1), datagramSize: .mtu(9000, rtp: false))
        #expect(jumbo.datagramPayloadSize == 47 * 188)
    }

    @Test("opaque payload is timed by its declared rate")
    func opaque() throws {
        var random = RandomStream(seed: 5, name: "mp3")
        let bytes = (0..<100_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let source = try StreamSource(opaque: bytes, bitsPerSecond: 128_000)
        #expect(source.kind == .opaque)
        #expect(source.datagramPayloadSize == 1472)
        #expect(source.datagramCount == 68)
        // 1472 bytes × 8 / 128,000 b/s = 92 ms.
        #expect(source.dueTime(ofDatagram: 10) == .milliseconds(920))
        #expect(source.duration == .microseconds(6_250_000))
        #expect(source.firstDatagram(dueAtOrAfter: .milliseconds(920)) == 10)
        #expect(source.firstDatagram(dueAtOrAfter: .milliseconds(921)) == 11)
        #expect(source.firstDatagram(dueAtOrAfter: .seconds(100)) == 68)
        #expect(throws: MediaError.self) { try StreamSource(opaque: bytes, bitsPerSecond: 0) }
        #expect(throws: MediaError.self) { try StreamSource(opaque: [], bitsPerSecond: 1_000) }
    }

    @Test("a TS without PCR needs a declared rate")
    func noPCR() throws {
        var bytes = [UInt8](repeating: 0xFF, count: 100 * 188)
        for index in 0..<100 {
            TSPacket(pid: 0x0100, continuityCounter: UInt8(index & 15)).encodeHeader(into: &bytes, at: index * 188)
        }
        do {
            _ = try StreamSource(transportStream: bytes)
            Issue.record("expected missingPCR")
        } catch {
            #expect(error.code == .missingPCR)
        }
        let declared = try StreamSource(transportStream: bytes, declaredBitsPerSecond: 1_504_000)
        #expect(!declared.timedByPCR)
        // 1316 bytes at 1.504 Mb/s = 7 ms.
        #expect(declared.dueTime(ofDatagram: 3) == .milliseconds(21))
        #expect(throws: MediaError.self) { try StreamSource(transportStream: Array("not ts".utf8)) }
    }
}
