import SimCore

/// A store-and-forward learning Ethernet switch with a byte-limited FIFO per output port.
///
/// **Forwarding.** A frame is taken whole at its last bit on an ingress port (``ingress(_:)``), waits
/// ``forwardingLatency``, and is then forwarded: its source MAC is learned on the ingress port (group addresses
/// are never learned); a broadcast or multicast destination, or a unicast one not in the table, is flooded to
/// every other port that has an egress sink (copies are made in the frame store); a destination learned on the
/// ingress port itself is filtered (dropped, ``SwitchCounters/filteredFrames``); any other frame goes to the one
/// port its destination was learned on. The table has a fixed capacity and entries do not age.
///
/// **Output buffer.** Each port queues frames in arrival order. A frame is dropped at the tail
/// (``SwitchPortCounters/tailDrops``) when the bytes already queued plus its own length would exceed
/// ``bufferBytesPerPort``. Occupancy counts frame bytes as stored (no preamble, FCS or padding) and includes the
/// frame being serialized until its last bit has left.
///
/// **Timing (IEEE 802.3, see ``EthernetWireTiming``).** A port serializes a frame of `L` bytes in
/// `(max(L, 60) + 4 FCS + 8 preamble/SFD) × 8` bit times at its rate and hands it to its egress sink at the last
/// FCS bit; that is also when the frame leaves the buffer. The inter-frame gap (12 byte times) is then modelled as
/// idle time on the wire: the next frame's first bit starts no sooner than 96 bit times after the last bit, but the
/// gap does not count as occupancy. Back-to-back frames thus leave every `(max(L, 60) + 24) × 8` bit times. A
/// frame arriving at an idle port whose gap has ended starts at once, so a lone frame leaves exactly
/// `forwardingLatency + (max(L, 60) + 12) × 8` bit times after its last bit arrived.
///
/// Occupancy over time is not pushed to an observer (that would put an existential call on every packet); the
/// peak and its time are recorded, and ``portCounters(_:)`` can be sampled from a periodic event when a time series
/// is wanted.
public final class EthernetSwitch: EventHandler, PortedElement {
    /// The name the switch is registered under.
    public let name: String
    /// The id the switch's events are addressed to.
    public private(set) var id = ComponentID(rawValue: .max)
    /// Number of ports, numbered from 0.
    public let portCount: Int
    /// Egress line rate of each port, in bits per second.
    public let portRates: [Int64]
    /// Capacity of each port's output buffer, in frame bytes.
    public let bufferBytesPerPort: Int
    /// Most frames one output queue holds, whatever their size (a power of two).
    public let queueFramesPerPort: Int
    /// Time from a frame's last bit arriving to its forwarding decision (lookup and enqueue), in picoseconds.
    public let forwardingLatency: SimDuration
    /// Most addresses the MAC table holds.
    public let macTableCapacity: Int

    /// Switch-wide counters.
    public var counters: SwitchCounters {
        var c = globalCounters
        c.macTableSize = table.count
        return c
    }

    private var globalCounters = SwitchCounters()
    var table: MACTable
    private var ports: [SwitchPort] = []
    /// The same ports, unretained, as the per-frame path uses them (`ports` owns them for the switch's lifetime).
    private var unretainedPorts: [Unretained<SwitchPort>] = []

    /// Creates a switch and registers it with `simulator`.
    ///
    /// - Parameters:
    ///   - simulator: The simulator it runs in.
    ///   - name: Component name (traces and reports).
    ///   - portCount: Number of ports (> 0).
    ///   - portRates: Egress rate of each port in bits per second, `portCount` entries, each > 0.
    ///   - bufferBytesPerPort: Output buffer per port in frame bytes (> 0).
    ///   - forwardingLatency: Delay between a frame's last bit in and its enqueue on the output port (≥ 0).
    ///   - macTableCapacity: Addresses the MAC table can learn; storage is reserved up front.
    ///   - queueFramesPerPort: Most frames per output queue; by default enough for a full buffer of 60-byte frames.
    public init(
        simulator: Simulator, name: String, portCount: Int, portRates: [Int64], bufferBytesPerPort: Int,
        forwardingLatency: SimDuration = .zero, macTableCapacity: Int = 8192, queueFramesPerPort: Int? = nil
    ) {
        precondition(portCount > 0, "a switch needs at least one port")
        precondition(portRates.count == portCount, "one rate per port")
        precondition(portRates.allSatisfy { $0 > 0 }, "port rates must be positive")
        precondition(bufferBytesPerPort > 0, "buffer must be positive")
        precondition(forwardingLatency >= .zero, "forwarding latency must not be negative")
        let queueFrames = queueFramesPerPort ?? (bufferBytesPerPort / EthernetWireTiming.minimumFrameBytes + 1)
        precondition(queueFrames > 0, "queue must hold at least one frame")
        self.name = name
        self.portCount = portCount
        self.portRates = portRates
        self.bufferBytesPerPort = bufferBytesPerPort
        self.forwardingLatency = forwardingLatency
        self.macTableCapacity = macTableCapacity
        self.table = MACTable(capacity: macTableCapacity)
        self.queueFramesPerPort = FrameRing(minimumCapacity: queueFrames).capacity
        self.id = simulator.register(self, name: name)
        ports.reserveCapacity(portCount)
        for i in 0..<portCount {
            ports.append(SwitchPort(owner: self, index: i, rate: portRates[i], bufferBytes: bufferBytesPerPort,
                                    queueFrames: queueFrames))
            unretainedPorts.append(Unretained(ports[i]))
        }
    }

    /// Not API: the port numbered `port`, for ``PortedElement``'s cabling and counters.
    public func _outputPort(_ port: Int) -> OutputPort & FrameSink {
        ports[port]
    }

    /// Sets the capture tap that sees each frame as its last bit leaves `port` (nil removes it).
    public func setEgressObserver(_ port: Int, _ observer: FrameObserver?) {
        ports[port].egressObserver = observer
    }

    /// The counters of every port, indexed by port number (allocates; for reports).
    public var allPortCounters: [SwitchPortCounters] { ports.map(\.counters) }

    /// Enters `address` (48 bits) on `port` up front, as `bridge fdb add` does, so that traffic to a station that
    /// has not sent yet is forwarded instead of flooded. Learning may move the entry later like any other.
    /// Returns false when the table is full or the port does not exist.
    @discardableResult
    public func addEntry(_ address: UInt64, port: Int) -> Bool {
        guard port >= 0 && port < portCount else { return false }
        switch table.learn(address & 0xFFFF_FFFF_FFFF, port: port) {
        case .full: return false
        default: return true
        }
    }

    /// The port a unicast MAC address (48 bits) has been learned on, if any.
    public func learnedPort(of address: UInt64) -> Int? {
        table.port(of: address & 0xFFFF_FFFF_FFFF)
    }

    /// Handles the switch's own events (forwarding decisions and ends of serialization).
    public func handle(_ event: Event, simulator: Simulator) {
        switch ForwardingEvent(decoding: event) {
        case .forward(let frame, let ingress):
            forward(frame, from: ingress, simulator: simulator)
        case .lastBit(let frame, let port):
            unretainedPorts[port].withObject { $0.finishTransmission(frame, simulator: simulator) }
        case nil:
            break
        }
    }

    // MARK: - Ingress and forwarding

    /// A frame's last bit has arrived on `port` (the port's ingress sink, ``ingress(_:)``, calls this).
    public func receive(_ frame: FrameHandle, port: Int, simulator: Simulator) {
        let length = simulator.frames.length(of: frame)
        unretainedPorts[port].withObject { p in
            p.counters.framesIn += 1
            p.counters.bytesIn += length
        }
        if forwardingLatency == .zero {
            forward(frame, from: port, simulator: simulator)
        } else {
            simulator.schedule(ForwardingEvent.forward(frame, ingress: port), after: forwardingLatency, for: id)
        }
    }

    static let ethernetHeaderBytes = 14

    private func forward(_ frame: FrameHandle, from ingress: Int, simulator: Simulator) {
        let frames = simulator.frames
        let length = frames.length(of: frame)
        guard length >= Self.ethernetHeaderBytes else {
            globalCounters.malformedFrames += 1
            frames.release(frame)
            return
        }
        let start = frames.offset(of: frame)
        let destination = FrameBytes.getMAC(frames.bytes, start)
        let source = FrameBytes.getMAC(frames.bytes, start + 6)
        if !Self.isGroup(source) {
            switch table.learn(source, port: ingress) {
            case .known, .learned: break
            case .moved: globalCounters.stationMoves += 1
            case .full: globalCounters.learningFailures += 1
            }
        }
        if Self.isGroup(destination) {
            flood(frame, length: length, from: ingress, simulator: simulator)
        } else if let out = table.port(of: destination) {
            if out == ingress {
                globalCounters.filteredFrames += 1
                frames.release(frame)
            } else {
                _ = unretainedPorts[out].withObject {
                    $0.offer(frame, length: length, simulator: simulator)
                }
            }
        } else {
            globalCounters.unknownUnicastFrames += 1
            flood(frame, length: length, from: ingress, simulator: simulator)
        }
    }

    /// Sends `frame` to every other port with an egress sink, copying it for all but the last port with room.
    private func flood(_ frame: FrameHandle, length: Int, from ingress: Int, simulator: Simulator) {
        globalCounters.floodedFrames += 1
        // First pass: the last port that will take the frame gets the original. Enqueueing on one port does not
        // change another's room, so the second pass sees the same answers.
        var last = -1
        for p in ports where p.index != ingress && p.sinkReference != nil && p.hasRoom(length: length) {
            last = p.index
        }
        for p in ports where p.index != ingress && p.sinkReference != nil {
            guard p.hasRoom(length: length) else {
                p.countDrop()
                continue
            }
            if p.index == last {
                p.append(frame, length: length, simulator: simulator)
            } else {
                let copy = simulator.frames.duplicate(frame)
                globalCounters.floodCopies += 1
                p.append(copy, length: length, simulator: simulator)
            }
        }
        if last < 0 { simulator.frames.release(frame) }
    }

    // MARK: - Addresses

    /// True for group (multicast and broadcast) addresses: the I/G bit, least significant bit of the first byte.
    @inline(__always)
    private static func isGroup(_ address: UInt64) -> Bool { (address >> 40) & 1 == 1 }
}
