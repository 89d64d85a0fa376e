import SimCore

/// A port of the emulated network that carries frames to and from a real VDE network through libvdeplug.
///
/// Attach it where any other sink stands: as the far side of a `NetworkModel` link endpoint (a host's NIC or
/// a switch port). Frames the simulation hands to ``accept(_:simulator:)`` are sent out at once; frames from
/// outside are polled every ``pollInterval`` of virtual time, copied into the simulator's frame store and handed
/// to ``inbound`` at the poll's virtual time.
///
/// **Sizes.** Frames shorter than 60 bytes are padded with zeros (IEEE 802.3 minimum without FCS) and counted in
/// ``VDEPortCounters/paddedFrames``. On a `vde://` URL, frames longer than 1,518 bytes are still sent, because
/// other plugins carry them whole, but vde_switch truncates them, so each is counted in
/// ``VDEPortCounters/oversizeFlagged``.
///
/// **Failures** never stop the simulation. A full queue is a counted drop. When the far end goes away the port
/// goes down: ``failure`` keeps the error, ``failureHandler`` is called once with it, polling stops, and later
/// frames from the simulation are released and counted in ``VDEPortCounters/discardedWhileDown``.
///
/// **Timing.** Virtual time is not paced here; a ``RealTimePacer`` makes it follow the wall clock. Set
/// ``pacer`` as well and each frame for outside waits, just before it is sent, until the wall clock reaches the
/// frame's virtual time (``RealTimePacer/waitToSend(at:)``), and its lateness is recorded.
public final class VDEPort: FrameSink, EventHandler {
    /// The name the port is registered under.
    public let name: String
    /// The id the port's poll events are addressed to.
    public private(set) var id = ComponentID(rawValue: .max)
    /// The libvdeplug connection.
    public let connection: VDEConnection
    /// Virtual time between polls for frames from outside, or nil when the port only sends.
    public let pollInterval: SimDuration?
    /// Where frames from outside go (a link end toward the emulated host or switch). Without a sink they are
    /// counted in ``VDEPortCounters/receivedUndeliverable`` and dropped.
    public var inbound: FrameSink?
    /// The pacer each frame for outside waits on before it is sent; nil sends at once.
    public var pacer: RealTimePacer?
    /// Called with the first error the port meets, and once more with the reason it goes down if that is a
    /// different error; never per frame.
    public var failureHandler: ((VDEError) -> Void)?
    /// The first error the port met (a failed send or receive, or the reason it went down).
    public private(set) var failure: VDEError?
    /// Why the port went down, if it did.
    public var downReason: VDEError? { connection.downReason }

    /// The virtual time at which the port noticed its far end was gone (a failed send or a closed control
    /// connection seen by a poll); nil while it is up or after a plain ``close()``.
    public private(set) var wentDownAt: SimTime?

    /// Whether the port can no longer move frames (its far end went away, or it was closed).
    public var isDown: Bool { connection.state != .open }
    /// Whether the port is polling for frames from outside.
    public private(set) var isPolling = false

    /// Counters of both directions.
    public var counters: VDEPortCounters {
        let c = connection.counters
        var total = own
        total.framesSent = c.framesSent
        total.bytesSent = c.bytesSent
        total.sendDrops = c.sendDrops
        total.sendErrors = c.sendErrors
        total.discardedWhileDown = c.discardedWhileDown
        total.framesReceived = c.framesReceived
        total.bytesReceived = c.bytesReceived
        total.shortReads = c.shortReads
        total.receiveErrors = c.receiveErrors
        total.polls = c.polls
        return total
    }

    private var own = VDEPortCounters()
    let receiveBuffer: VDEFrameBuffer
    private var padded = [UInt8](repeating: 0, count: VDEPort.minimumFrameLength)
    private var pollGeneration: UInt64 = 0
    private var reportedDown = false

    /// Ethernet minimum frame length without FCS, in bytes.
    public static let minimumFrameLength = 60

    /// Opens `url` and registers the port with `simulator`.
    ///
    /// - Parameters:
    ///   - simulator: The simulation the port belongs to; its frame store holds injected frames.
    ///   - name: Component name, also shown by the switch for this port.
    ///   - url: Any libvdeplug URL (see ``VDEConnection/init(url:description:port:)``).
    ///   - pollInterval: Virtual time between polls (picoseconds, > 0), or nil for a send-only port. The first
    ///     poll is one interval after `simulator.now`.
    ///   - receiveBatch: Most frames read per poll; the rest wait for the next poll.
    /// - Throws: ``VDEError`` from ``VDEConnection/init(url:description:port:)`` when nothing is there.
    public convenience init(
        simulator: Simulator, name: String, url: String, pollInterval: SimDuration? = .microseconds(100),
        receiveBatch: Int = 64
    ) throws(VDEError) {
        let connection = try VDEConnection(url: url, description: "nicsim \(name)")
        self.init(
            simulator: simulator, name: name, connection: connection, pollInterval: pollInterval,
            receiveBatch: receiveBatch)
    }

    /// Wraps an open connection and registers the port with `simulator`; the parameters are those of
    /// ``init(simulator:name:url:pollInterval:receiveBatch:)``.
    public init(
        simulator: Simulator, name: String, connection: VDEConnection, pollInterval: SimDuration? = .microseconds(100),
        receiveBatch: Int = 64
    ) {
        precondition(pollInterval.map { $0 > .zero } ?? true, "poll interval must be positive")
        precondition(receiveBatch > 0, "receive batch must hold at least one frame")
        self.name = name
        self.connection = connection
        self.pollInterval = pollInterval
        // One byte more than a frame slot, so that a frame too long for the simulation is seen as such.
        receiveBuffer = VDEFrameBuffer(frames: receiveBatch, bytesPerFrame: simulator.frames.slotCapacity + 1)
        id = simulator.register(self, name: name)
        if pollInterval != nil { startPolling(simulator: simulator) }
    }

    /// Starts polling (again) one ``pollInterval`` from now. Does nothing without an interval or when down.
    public func startPolling(simulator: Simulator) {
        guard let pollInterval, !isDown else { return }
        pollGeneration &+= 1
        isPolling = true
        simulator.schedule(VDEPortEvent.poll(generation: pollGeneration), after: pollInterval, for: id)
    }

    /// Stops polling; the simulation can then run idle. Frames from the simulation are still sent.
    public func stopPolling() {
        isPolling = false
        pollGeneration &+= 1
    }

    /// Stops polling and closes the connection. Later frames are released and counted as discarded.
    public func close() {
        stopPolling()
        connection.close()
    }

    // MARK: - Simulation to outside

    /// Sends `frame` out now and releases it.
    public func accept(_ frame: FrameHandle, simulator: Simulator) {
        let frames = simulator.frames
        let length = frames.length(of: frame)
        let start = frames.offset(of: frame)
        if length > VDEConnection.vdeSwitchMaximumFrameLength, connection.truncatesLongFrames {
            own.oversizeFlagged += 1
        }
        pacer?.waitToSend(at: simulator.now)
        do {
            if length < Self.minimumFrameLength {
                own.paddedFrames += 1
                for i in 0..<Self.minimumFrameLength { padded[i] = i < length ? frames.bytes[start + i] : 0 }
                try connection.send(padded, from: 0, count: Self.minimumFrameLength)
            } else {
                try connection.send(frames.bytes, from: start, count: length)
            }
        } catch {
            note(error, at: simulator.now)
        }
        frames.release(frame)
    }

    // MARK: - Outside to simulation

    /// Handles a poll event: reads what is waiting and schedules the next poll.
    public func handle(_ event: Event, simulator: Simulator) {
        // Stale when polling was stopped or restarted since.
        guard isPolling, case .poll(pollGeneration) = VDEPortEvent(decoding: event) else { return }
        poll(simulator: simulator)
        if isDown {
            stopPolling()
        } else if let pollInterval {
            simulator.schedule(VDEPortEvent.poll(generation: pollGeneration), after: pollInterval, for: id)
        }
    }

    /// Reads every frame waiting now (up to one batch) and hands each to ``inbound`` at `simulator.now`.
    /// Returns the number of frames read.
    @discardableResult
    public func poll(simulator: Simulator) -> Int {
        let read: Int
        do {
            read = try connection.receive(into: receiveBuffer, timeoutMilliseconds: 0)
        } catch {
            note(error, at: simulator.now)
            return 0
        }
        if connection.state == .down, let reason = connection.downReason { note(reason, at: simulator.now) }
        deliverReceived(read, simulator: simulator)
        return read
    }

    /// Hands frames `0 ..< count` of the receive buffer to ``inbound`` at `simulator.now`, dropping (and counting)
    /// those too long for a frame slot or with nowhere to go.
    func deliverReceived(_ count: Int, simulator: Simulator) {
        let frames = simulator.frames
        for index in 0..<count {
            let length = receiveBuffer.length(ofFrame: index)
            guard length <= frames.slotCapacity else {
                own.receivedTooLong += 1
                continue
            }
            guard let sink = inbound else {
                own.receivedUndeliverable += 1
                continue
            }
            let frame = frames.allocate()
            copy(frame: index, length: length, into: frame, of: frames)
            own.framesInjected += 1
            sink.accept(frame, simulator: simulator)
        }
    }

    private func copy(frame index: Int, length: Int, into frame: FrameHandle, of frames: FrameStore) {
        let source = receiveBuffer.offset(ofFrame: index)
        let destination = frames.offset(of: frame)
        frames.bytes.withUnsafeMutableBytes { to in
            receiveBuffer.bytes.withUnsafeBytes { from in
                UnsafeMutableRawBufferPointer(rebasing: to[destination..<(destination + length)]).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: from[source..<(source + length)]))
            }
        }
        frames.setLength(length, of: frame)
    }

    /// Keeps the first error and reports it, and reports going down once.
    private func note(_ error: VDEError, at time: SimTime) {
        if wentDownAt == nil, connection.state == .down { wentDownAt = time }
        if failure == nil {
            failure = error
            failureHandler?(error)
        }
        if !reportedDown, let reason = connection.downReason {
            reportedDown = true
            if reason != failure { failureHandler?(reason) }
        }
    }
}

/// What a ``VDEPort`` schedules for itself.
enum VDEPortEvent {
    /// Poll for frames from outside; scheduled while polling ran with `generation`.
    case poll(generation: UInt64)
}
