import Scenarios
import WireFormats

/// The scenario the whole-path benchmark and the allocation probe both run, built in code (no YAML parsing).
///
/// One server on a 10 Gb/s link sends, every `interval`, one multi-destination write of `bytesPerEntry` bytes to
/// each of `receiverCount` receivers on 1 Gb/s links, interleaved, with one interrupt per write.
public enum WholePathWorkload {
    /// Receivers behind the switch.
    public static let receiverCount = 8
    /// Bytes each write sends to each receiver.
    public static let bytesPerEntry = 64 * 1024
    /// Picoseconds between write calls (1 ms).
    public static let interval: Int64 = 1_000_000_000

    /// The scenario with `writes` write calls in driver `mode`.
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

    /// Builds the world (not measured by callers).
    public static func makeWorld(mode: DriverMode, writes: Int) throws(ScenarioError) -> World {
        try World(spec: spec(mode: mode, writes: writes))
    }

    /// Frames the server's NIC put on the wire so far: the unit "packet" of every figure.
    public static func packets(_ world: World) -> Int { Int(world.nic.counters.framesTransmitted) }

    /// UDP datagrams all receivers accepted so far (equals ``packets(_:)`` when nothing is dropped).
    public static func datagramsReceived(_ world: World) -> Int {
        world.receivers.reduce(0) { $0 + $1.counters.datagrams }
    }
}
