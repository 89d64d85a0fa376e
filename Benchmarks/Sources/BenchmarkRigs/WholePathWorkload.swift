import Scenarios
import WireFormats

/// The scenarios the whole-path benchmark, the allocation probe and the scaling runs use, built in code (no YAML
/// parsing, and none of the parser's limits on receiver counts).
public enum WholePathWorkload {
    /// Receivers behind the switch in ``spec(mode:writes:)``.
    public static let receiverCount = 8
    /// Bytes each write of ``spec(mode:writes:)`` sends to each receiver.
    public static let bytesPerEntry = 64 * 1024
    /// Picoseconds between write calls (1 ms).
    public static let interval: Int64 = 1_000_000_000

    /// One server on a 10 Gb/s link sends, every `interval`, one multi-destination write of `bytesPerEntry` bytes
    /// to each of `receiverCount` receivers on 1 Gb/s links, interleaved, with one interrupt per write; `writes`
    /// write calls in driver `mode`.
    public static func spec(mode: DriverMode, writes: Int) -> ScenarioSpec {
        let server = ServerSpec(
            name: "server", mac: MACAddress(0x02, 0, 0, 0, 0, 0x01), ip: IPv4Address(192, 0, 2, 1),
            link: LinkSpec(rate: 10_000_000_000, delay: 500_000), cores: 1, clockHz: 3_000_000_000,
            memoryBytes: 256 << 20, txRingSize: 1024, driverMode: mode, order: .interleaved,
            interrupts: .perWrite, mtu: 1500, packetSize: 1500, registerBuffers: true, sourcePort: 4000)
        let receivers = (0..<receiverCount).map { i in
            ReceiverSpec(
                name: "rx\(i + 1)", mac: MACAddress(0x02, 0, 0, 0, 0x01, UInt8(1 + i)),
                ip: IPv4Address(192, 0, 2, UInt8(11 + i)), port: 5000,
                link: LinkSpec(rate: 1_000_000_000, delay: 500_000))
        }
        let entries = (0..<receiverCount).map { WriteEntrySpec(receiver: $0, bytes: bytesPerEntry, pageOffset: 0) }
        return ScenarioSpec(
            name: "whole-path-\(mode.rawValue)", seed: 1, duration: nil, server: server,
            network: NetworkSpec(portBufferBytes: 256 * 1024), receivers: receivers,
            writes: WritesSpec(count: writes, interval: interval, entries: entries))
    }

    /// The server with every NIC and driver detail on: zero-copy from registered buffers (translation buffer),
    /// descriptors in host memory fetched by DMA through an IOMMU (64-entry IOTLB), checksum offload, interrupt
    /// moderation (ITR 50 µs, TIDV 8 µs, TADV 64 µs), interleaved order, one interrupt per write.
    public static func detailedServer() -> ServerSpec {
        var server = ServerSpec(
            name: "server", mac: MACAddress(0x02, 0, 0, 0, 0, 0x01), ip: IPv4Address(192, 0, 2, 1),
            link: LinkSpec(rate: 10_000_000_000, delay: 500_000), cores: 1, clockHz: 3_000_000_000,
            memoryBytes: 1 << 30, txRingSize: 1024, driverMode: .zeroCopy, order: .interleaved,
            interrupts: .perWrite, mtu: 1500, packetSize: 1500, registerBuffers: true, sourcePort: 4000)
        server.nic.iommu = IOMMUSpec()
        server.nic.interruptInterval = 50_000_000
        server.nic.txDelay = 8_000_000
        server.nic.txAbsoluteDelay = 64_000_000
        return server
    }

    /// Receiver `i` of a large scenario: unique MAC and IPv4 address for up to 2^16 receivers (192.0.2.11 … for
    /// the first 243, then 198.18.0.0/15, the benchmarking block of RFC 2544), 1 Gb/s link.
    public static func receiver(_ i: Int) -> ReceiverSpec {
        let ip = i < 243
            ? IPv4Address(192, 0, 2, UInt8(11 + i))
            : IPv4Address(rawValue: 0xC612_0000 + UInt32(i - 243 + 1))
        return ReceiverSpec(
            name: "rx\(i + 1)", mac: MACAddress(rawValue: 0x0200_0001_0000 + UInt64(i)), ip: ip, port: 5000,
            link: LinkSpec(rate: 1_000_000_000, delay: 500_000))
    }

    /// N fixed-rate UDP flows from one server through the switch to N receivers: every `interval` one
    /// multi-destination write sends one `payload`-byte datagram to each receiver (the work of
    /// `Benchmarks/ns3/compare.sh`). The interval grows with N so the 10 Gb/s server link keeps up.
    public static func fanoutSpec(receivers count: Int, writes: Int, payload: Int = 1472,
                                  interval: Int64 = 1_000_000_000) -> ScenarioSpec {
        let receivers = (0..<count).map(receiver)
        let entries = (0..<count).map { WriteEntrySpec(receiver: $0, bytes: payload, pageOffset: 0) }
        // Each write must be sent before the next one, or writes pile up in the driver's queue and the larger worlds
        // run in a different regime (a growing backlog, more memory per packet) from the smaller ones. The wire
        // needs 1538 bytes per datagram at 10 Gb/s ≈ 1.23 µs, but the detailed server is slower than the wire once
        // its buffers outnumber the IOTLB and the driver's translation cache: every packet then misses both, and a
        // 1,000- or 10,000-destination write takes about 3.7–4 µs of virtual time per datagram. 6 µs leaves half
        // again as much spare (idle virtual time costs no wall time).
        let needed = Int64(count) * 6_000_000
        return ScenarioSpec(
            name: "fanout-\(count)", seed: 1, duration: nil, server: detailedServer(),
            network: NetworkSpec(portBufferBytes: 256 * 1024), receivers: receivers,
            writes: WritesSpec(count: writes, interval: max(interval, needed), entries: entries))
    }

    /// `streams` generated MPEG-TS streams of `bitsPerSecond` each, stream k to receiver k, played by the media
    /// application (one zero-copy write per interval with every stream's datagrams due in it) for `duration`
    /// picoseconds, on the detailed server.
    public static func streamsSpec(streams count: Int, bitsPerSecond: Int64, duration: Int64) -> ScenarioSpec {
        let receivers = (0..<count).map(receiver)
        var streams = StreamsSpec()
        streams.duration = duration
        streams.list = (0..<count).map { k in
            StreamSpec(
                name: "s\(k + 1)", destinations: [k], source: .generate(rate: bitsPerSecond, seed: UInt64(k + 1)))
        }
        var spec = ScenarioSpec(
            name: "streams-\(count)", seed: 1, duration: nil, server: detailedServer(),
            network: NetworkSpec(portBufferBytes: 256 * 1024), receivers: receivers,
            writes: WritesSpec(count: 0, interval: 1_000_000_000, entries: []))
        spec.streams = streams
        return spec
    }

    /// One generated MPEG-TS stream played to `count` receivers (IPTV fan-out: every receiver gets every datagram,
    /// from the same buffers), at `bitsPerSecond`, for `duration` picoseconds, on the detailed server.
    public static func fanoutStreamSpec(receivers count: Int, bitsPerSecond: Int64, duration: Int64) -> ScenarioSpec {
        var spec = streamsSpec(streams: 1, bitsPerSecond: bitsPerSecond, duration: duration)
        spec.name = "stream-to-\(count)"
        spec.receivers = (0..<count).map(receiver)
        spec.streams?.list[0].destinations = Array(0..<count)
        return spec
    }

    /// Builds the world (not measured by callers).
    public static func makeWorld(mode: DriverMode, writes: Int) throws(WorldError) -> World {
        try World(spec: spec(mode: mode, writes: writes))
    }

    /// Frames the server's NIC put on the wire so far: the unit "packet" of every figure.
    public static func packets(_ world: World) -> Int { Int(world.nic.counters.framesTransmitted) }

    /// UDP datagrams all receivers accepted so far (equals ``packets(_:)`` when nothing is dropped).
    public static func datagramsReceived(_ world: World) -> Int {
        world.receivers.reduce(0) { $0 + $1.counters.datagrams }
    }
}
