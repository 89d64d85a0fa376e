import SimCore

/// The output half of a switch or router port: a byte-limited FIFO in front of a transmitter that serializes at
/// the port's rate (IEEE 802.3 framing, ``EthernetWireTiming``), with tail drop and peak-occupancy counters.
///
/// ``EthernetSwitch`` and ``PolicyRouter`` ports inherit it, so both elements queue, drop and time frames by the
/// same rules. Occupancy counts frame bytes as stored and includes the frame being serialized until its last bit.
/// Public only as an opaque type (``PortedElement``): nothing outside this module creates one or reads its state.
public class OutputPort {
    // Stored properties a frame touches come first (Swift lays a class out in declaration order), so a port of a
    // switch with thousands of them misses few cache lines per frame.

    /// The element whose events (``ForwardingEvent/lastBit(_:port:)``) end serializations, and this port's number.
    let element: ComponentID
    let index: Int
    /// Output buffer capacity in frame bytes.
    let bufferBytes: Int
    /// Where transmitted frames go, as the per-frame path calls it (``sink`` holds it).
    var sinkReference: FrameSinkReference?
    /// Frames in the output buffer, oldest first; the head is the one being serialized while `busy`.
    var queue: FrameRing
    /// True from the first bit of the head frame until its last bit.
    var busy = false
    /// When the inter-frame gap after the last transmitted frame ends; the next first bit may not come sooner.
    var freeAt = SimTime.zero
    var counters = SwitchPortCounters()
    /// Serialization at `rate`, remembered for the last frame length.
    var lastBitMemo: SerializationMemo
    /// The inter-frame gap at `rate`.
    let gap: SimDuration
    /// Egress line rate, bits per second.
    let rate: Int64
    /// Sees each frame as its last bit leaves the port (a capture tap); nil when nobody listens.
    var egressObserver: FrameObserver?
    /// Where transmitted frames go; nil while the port is not cabled.
    var sink: FrameSink? {
        didSet { sinkReference = sink.map(FrameSinkReference.init) }
    }

    init(element: ComponentID, index: Int, rate: Int64, bufferBytes: Int, queueFrames: Int) {
        self.element = element
        self.index = index
        self.rate = rate
        self.gap = EthernetWireTiming.interFrameGap(bitsPerSecond: rate)
        self.lastBitMemo = SerializationMemo(bitsPerSecond: rate)
        self.bufferBytes = bufferBytes
        self.queue = FrameRing(minimumCapacity: queueFrames)
    }

    /// Whether a frame of `length` bytes fits the queue and the buffer now.
    func hasRoom(length: Int) -> Bool { !queue.isFull && counters.occupancyBytes + length <= bufferBytes }

    /// Counts a frame that did not fit: the frame-count limit or the byte limit (tail drop).
    func countDrop() {
        if queue.isFull { counters.queueFullDrops += 1 } else { counters.tailDrops += 1 }
    }

    /// Queues `frame`, or drops it (released, counted) when the port is uncabled or full. True when queued.
    @discardableResult
    func offer(_ frame: FrameHandle, length: Int, simulator: Simulator) -> Bool {
        guard sinkReference != nil else {
            counters.unconnectedDrops += 1
            simulator.frames.release(frame)
            return false
        }
        guard hasRoom(length: length) else {
            countDrop()
            if simulator.tracer != nil { trace("drop", frame, simulator) }
            simulator.frames.release(frame)
            return false
        }
        append(frame, length: length, simulator: simulator)
        return true
    }

    /// Appends a frame the caller checked there is room for, and starts the transmitter if it is idle.
    func append(_ frame: FrameHandle, length: Int, simulator: Simulator) {
        queue.append(frame)
        counters.occupancyFrames += 1
        counters.occupancyBytes += length
        if counters.occupancyBytes > counters.peakOccupancyBytes {
            counters.peakOccupancyBytes = counters.occupancyBytes
            counters.peakOccupancyTime = simulator.now
        }
        if simulator.tracer != nil { trace("enqueue", frame, simulator) }
        if !busy { startTransmission(simulator: simulator) }
    }

    /// Traces a queue change with the port's occupancy after it and the frame's identity.
    func trace(_ event: String, _ frame: FrameHandle, _ simulator: Simulator) {
        simulator.trace("\(simulator.name(of: element)).port\(index)", event, [
            ("port", .int(Int64(index))), ("queue-bytes", .int(Int64(counters.occupancyBytes))),
        ] + simulator.frames.traceFields(of: frame))
    }

    /// Starts serializing the head frame, at once or when the inter-frame gap ends.
    func startTransmission(simulator: Simulator) {
        guard let head = queue.first else { return }
        let length = simulator.frames.length(of: head)
        let firstBit = max(simulator.now, freeAt)
        let lastBit = firstBit + lastBitMemo.duration(bits: EthernetWireTiming.bitsToLastBit(frameLength: length))
        busy = true
        simulator.schedule(ForwardingEvent.lastBit(head, port: index), at: lastBit, for: element)
        hintEgress(of: head, simulator: simulator)
    }

    /// The head frame's last bit has left: it leaves the buffer and goes to the egress sink.
    func finishTransmission(_ frame: FrameHandle, simulator: Simulator) {
        let head = queue.removeFirst()
        precondition(head == frame, "an output port transmitted a frame that was not at the head of its queue")
        let length = simulator.frames.length(of: frame)
        counters.occupancyFrames -= 1
        counters.occupancyBytes -= length
        counters.framesOut += 1
        counters.bytesOut += length
        busy = false
        freeAt = simulator.now + gap
        if simulator.tracer != nil { trace("dequeue", frame, simulator) }
        egressObserver?.observe(frame, at: simulator.now, simulator: simulator)
        // Start the next frame before handing this one over, so that a sink that feeds straight back into this
        // element finds the port's state consistent.
        if !queue.isEmpty { startTransmission(simulator: simulator) }
        if let sinkReference {
            sinkReference.accept(frame, simulator: simulator)
        } else {
            simulator.frames.release(frame)
        }
    }
}
