import SimCore
import VDEPort

/// Hands prepared frames to a sink at scheduled virtual times (each event's `a` indexes `pending`).
final class FrameFeeder: EventHandler {
    private var pending: [[UInt8]] = []
    private let sink: FrameSink
    private(set) var id = ComponentID(rawValue: .max)

    init(simulator: Simulator, sink: FrameSink, name: String = "feeder") {
        self.sink = sink
        id = simulator.register(self, name: name)
    }

    func send(_ bytes: [UInt8], at time: SimTime, simulator: Simulator) {
        pending.append(bytes)
        simulator.schedule(at: time, target: id, kind: 0, a: UInt64(pending.count - 1))
    }

    func handle(_ event: Event, simulator: Simulator) {
        let bytes = pending[Int(event.a)]
        let frame = simulator.frames.allocate()
        let appended = simulator.frames.append(bytes, from: 0, count: bytes.count, to: frame)
        precondition(appended, "test frame larger than the frame store's slots")
        sink.accept(frame, simulator: simulator)
    }
}

/// Records what arrives (time and bytes) and releases each frame.
final class FrameCollector: FrameSink {
    struct Arrival: Equatable {
        var time: SimTime
        var bytes: [UInt8]
    }
    private(set) var arrivals: [Arrival] = []

    func accept(_ frame: FrameHandle, simulator: Simulator) {
        arrivals.append(Arrival(time: simulator.now, bytes: simulator.frames.contents(of: frame)))
        simulator.frames.release(frame)
    }
}

/// Runs an arbitrary action at a virtual time (the test's hand inside the simulation).
final class Trigger: EventHandler {
    private var actions: [(Simulator) -> Void] = []
    private(set) var id = ComponentID(rawValue: .max)

    init(simulator: Simulator) { id = simulator.register(self, name: "trigger") }

    func at(_ time: SimTime, simulator: Simulator, _ action: @escaping (Simulator) -> Void) {
        actions.append(action)
        simulator.schedule(at: time, target: id, kind: 0, a: UInt64(actions.count - 1))
    }

    func handle(_ event: Event, simulator: Simulator) { actions[Int(event.a)](simulator) }
}

/// A test Ethernet frame: destination, source, EtherType 0x88B5 (local experimental), then a pattern
/// derived from `tag`, `length` bytes in all.
func testFrame(to destination: [UInt8], from source: [UInt8], length: Int, tag: UInt8) -> [UInt8] {
    precondition(destination.count == 6 && source.count == 6 && length >= 14)
    var bytes = destination + source + [0x88, 0xB5]
    for i in 14..<length { bytes.append(UInt8(truncatingIfNeeded: i &* 7 &+ Int(tag) &* 31)) }
    return bytes
}

let macA: [UInt8] = [0x02, 0, 0, 0, 0, 0x0A]
let macB: [UInt8] = [0x02, 0, 0, 0, 0, 0x0B]

/// Receives from `connection` until a frame arrives or `milliseconds` pass; returns the frames of that batch.
func receiveFrames(
    _ connection: VDEConnection, buffer: VDEFrameBuffer, milliseconds: Int = 2_000
) throws -> [[UInt8]] {
    var waited = 0
    while waited < milliseconds {
        let n = try connection.receive(into: buffer, timeoutMilliseconds: 50)
        if n > 0 { return (0..<n).map { buffer.contents(ofFrame: $0) } }
        waited += 50
    }
    return []
}
