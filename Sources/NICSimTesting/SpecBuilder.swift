import Scenarios
import WireFormats

/// Builds scenario specs in code with the same defaults a scenario file has, for test suites.
///
/// ```swift
/// let spec = ScenarioSpec.testScenario(entries: [64 * 1024, 20_000], order: .interleaved)
/// let world = try World(spec: spec)
/// world.run()
/// ```
extension ScenarioSpec {
    /// A server at `serverRate` with one receiver per entry (or `receivers`, if more), each at `receiverRate`.
    ///
    /// - Parameters:
    ///   - name: The scenario's name.
    ///   - seed: The run's seed.
    ///   - entries: Bytes of each write entry; entry `i` goes to receiver `i % receivers`.
    ///   - pageOffsets: Where each entry's buffer starts in its first page (default 0).
    ///   - receivers: How many receivers, if more than entries.
    ///   - writes: How many writes the server makes.
    ///   - interval: Time between writes, in virtual-time picoseconds.
    ///   - mode: The driver's payload path.
    ///   - order: The driver's transmit order.
    ///   - interrupts: When the driver asks for a transmit interrupt.
    ///   - registerBuffers: Whether the application registers its buffers (translation buffer).
    ///   - serverRate: The server's link rate, bits per second.
    ///   - receiverRate: Each receiver's link rate, bits per second.
    ///   - mtu: The IP MTU in bytes.
    ///   - packetSize: Datagram payload bytes, or nil for the largest the MTU allows.
    ///   - txRing: Transmit ring size in descriptors.
    ///   - portBuffer: The switch's output buffer per port, bytes.
    ///   - memory: The server's physical memory, bytes.
    public static func testScenario(
        name: String = "test", seed: UInt64 = 1, entries: [Int], pageOffsets: [Int] = [],
        receivers: Int? = nil, writes: Int = 1, interval: Int64 = 1_000_000_000,
        mode: DriverMode = .zeroCopy, order: TransmitOrder = .destinationMajor,
        interrupts: InterruptMode = .perWrite, registerBuffers: Bool = true,
        serverRate: Int64 = 10_000_000_000, receiverRate: Int64 = 1_000_000_000,
        mtu: Int = 1500, packetSize: Int? = nil, txRing: Int = 1024, portBuffer: Int = 1 << 20,
        memory: UInt64 = 256 << 20
    ) -> ScenarioSpec {
        let count = max(receivers ?? entries.count, 1)
        let receiverSpecs = (0..<count).map { i in
            ReceiverSpec(name: "rx\(i + 1)", mac: MACAddress(rawValue: 0x0200_0000_0100 + UInt64(i + 1)),
                         ip: IPv4Address(rawValue: IPv4Address(192, 0, 2, 0).rawValue + UInt32(11 + i)),
                         port: 5000, link: LinkSpec(rate: receiverRate, delay: 500_000))
        }
        let server = ServerSpec(
            name: "server", mac: MACAddress(rawValue: 0x0200_0000_0001), ip: IPv4Address(192, 0, 2, 1),
            link: LinkSpec(rate: serverRate, delay: 500_000), cores: 1, clockHz: 3_000_000_000,
            memoryBytes: memory, txRingSize: txRing, driverMode: mode, order: order, interrupts: interrupts,
            mtu: mtu, packetSize: packetSize ?? mtu, registerBuffers: registerBuffers, sourcePort: 4000)
        let writeEntries = entries.enumerated().map { i, bytes in
            WriteEntrySpec(receiver: i % count, bytes: bytes, pageOffset: i < pageOffsets.count ? pageOffsets[i] : 0)
        }
        return ScenarioSpec(name: name, seed: seed, duration: nil, server: server,
                            network: NetworkSpec(portBufferBytes: portBuffer), receivers: receiverSpecs,
                            writes: WritesSpec(count: writes, interval: interval, entries: writeEntries))
    }
}
