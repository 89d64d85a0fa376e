import NetworkModel
import SimCore
import WireFormats

/// A learning switch on its own: frames enter port 0 as if from a server, are looked up, queued on the output
/// port of their destination, serialized at 1 Gb/s and handed to a sink that counts and frees them.
///
/// ``burst()`` hands the switch one frame for each of the other ports at the same instant, and runs until every
/// frame has left its output port.
public final class SwitchRig: FrameSink {
    public let simulator: Simulator
    public let ethernetSwitch: EthernetSwitch
    let frames: [[UInt8]]
    let entry: FrameSink
    /// Frames that left the switch.
    public private(set) var framesOut = 0

    /// - Parameters:
    ///   - destinations: Output ports besides port 0 (one station each, entered in the MAC table).
    ///   - frameBytes: Frame length (1514: a 1500-byte IPv4 packet).
    public init(destinations: Int = 16, frameBytes: Int = 1514) {
        simulator = Simulator(seed: 1)
        let rates = [10_000_000_000] + Array(repeating: Int64(1_000_000_000), count: destinations)
        ethernetSwitch = EthernetSwitch(simulator: simulator, name: "switch", portCount: destinations + 1,
                                        portRates: rates, bufferBytesPerPort: 256 * 1024,
                                        macTableCapacity: max(8192, 2 * destinations + 2))
        entry = ethernetSwitch.ingress(0)
        let source = MACAddress(0x02, 0, 0, 0, 0, 0x01)
        var frames: [[UInt8]] = []
        for d in 0..<destinations {
            let mac = MACAddress(rawValue: 0x0200_0001_0000 + UInt64(d))
            ethernetSwitch.addEntry(mac.rawValue, port: d + 1)
            var bytes = [UInt8](repeating: 0, count: frameBytes)
            EthernetHeader(destination: mac, source: source, etherType: .ipv4).encode(into: &bytes, at: 0)
            frames.append(bytes)
        }
        self.frames = frames
        ethernetSwitch.addEntry(source.rawValue, port: 0)
        for p in 1...destinations { ethernetSwitch.connectEgress(p, to: self) }
    }

    /// One frame to every destination, then run until they have all left.
    public func burst() {
        let store = simulator.frames
        for bytes in frames {
            let frame = store.allocate()
            _ = store.append(bytes, from: 0, count: bytes.count, to: frame)
            entry.accept(frame, simulator: simulator)
        }
        simulator.run()
    }

    public func accept(_ frame: FrameHandle, simulator: Simulator) {
        framesOut += 1
        simulator.frames.release(frame)
    }
}
