import HostMemory
import HostOS
import MediaStreams
import ScenarioFormat
import SimCore
import WireFormats

/// A media server application (B2–B4, B11–B14): it plays several streams from one host, gathering the data of
/// all of them that falls due in each send interval into one system call.
///
/// **Streams.** Each ``Stream`` is a `StreamSource` (a transport stream from a file or from
/// `TSGenerator`, timed by its PCRs; or opaque bytes at a declared rate, B14), the destinations it
/// goes to, and whether its datagrams carry an RTP header (RFC 3550/2250).
///
/// **Memory.** ``start(at:)`` copies each stream's bytes once into one buffer of the application's own address
/// space (`AddressSpace.allocate(bytes:startOffset:writable:)`) and, with
/// ``Configuration/registerBuffers`` on a zero-copy driver, registers the buffer with the driver's translation
/// buffer (B5/B6). Every later write points into these buffers: no payload byte is copied by the application, and
/// none by the CPU on a zero-copy driver (B1).
///
/// **Intervals.** An `IntervalPlanner` cuts stream time into intervals `[k × I, (k + 1) × I)` and
/// assigns each datagram to the interval holding its due time; I follows ``Configuration/rule`` — see
/// `IntervalPlanner.Rule` for the rule and why (by default the time the slowest stream takes to
/// fill 4 datagrams, rounded up to a microsecond and clamped to [1 ms, 100 ms]). At the start of each interval,
/// `start + k × I` of virtual time (a simulator event), the application makes one call holding every datagram of
/// every stream due in the interval, one entry per datagram and destination, so that each datagram keeps its
/// transport-packet alignment (7 × 188 = 1,316 bytes by default) and its own RTP timestamp:
/// - ``Method/write``: one multi-destination write (`Host.write(socket:entries:)`, B1–B4); the data
///   leaves as one burst, up to one interval before it is due. Entries are ordered by ``Configuration/order``.
///   With RTP, each entry's timestamp is `RTPPacketizer.timestamp(forDueTime:)` of its datagram.
/// - ``Method/aggregate(_:)``: one aggregate message (`Host.sendAggregate(socket:_:)`, A7–A11) with
///   `AggregateTiming.relative` stamps: each datagram's delay after the call is its due time minus the
///   interval's start (media timing as video-to-message information, A11). The OS's timed queue or the NIC's
///   launch time then releases each datagram at its due time — paced instead of a burst. The OS refuses stamps that
///   do not increase, so datagrams due at the same instant (two streams, or one stream to several destinations)
///   are stamped 1 ps apart, in due-time order.
///
/// A datagram must fit one packet (payload + 28 bytes of IPv4 and UDP headers, + 12 with RTP, at most the
/// driver's packet size); otherwise the driver would cut it and break the alignment, so ``start(at:)`` refuses it.
///
/// **RTP.** Streams with RTP are sent on a socket whose header templates carry an RTP layer (B18): payload type
/// ``Configuration/payloadType``, one SSRC for the application drawn from the simulator's seed, sequence numbers
/// from 0 per destination (kept by the driver). Their ``rtpPacketizers`` have that SSRC and a seeded initial
/// timestamp. When some streams use RTP and others do not, each kind has its own socket (same source port) and an
/// interval makes one call per kind; with all streams alike it makes exactly one.
///
/// **End.** The application schedules intervals until every stream's last datagram has been sent, or until
/// ``Configuration/duration`` after the start, whichever comes first; with a duration, only datagrams due before
/// it are sent.
public final class StreamApplication: EventHandler {
    /// One stream the application serves.
    public struct Stream: Sendable {
        /// A name for reports.
        public var name: String
        /// The media bytes, cut into datagrams with due times.
        public var source: StreamSource
        /// Where the stream goes; each destination gets every datagram (unicast replication from one buffer).
        public var destinations: [SocketAddress]
        /// Whether each datagram carries an RTP header (RFC 3550, RFC 2250).
        public var rtp: Bool

        /// A stream to several destinations.
        public init(name: String, source: StreamSource, destinations: [SocketAddress], rtp: Bool = false) {
            self.name = name
            self.source = source
            self.destinations = destinations
            self.rtp = rtp
        }

        /// A stream to one destination.
        public init(name: String, source: StreamSource, destination: SocketAddress, rtp: Bool = false) {
            self.init(name: name, source: source, destinations: [destination], rtp: rtp)
        }
    }

    /// The order of the entries of one interval's write.
    public enum Order: String, Hashable, Sendable, CaseIterable {
        /// By due time across all streams and destinations (ties: stream, then destination order), so that the
        /// streams interleave on the wire as they would if each were sent on time.
        case dueTime = "due-time"
        /// Every datagram of the first stream's first destination, then of its second destination, …, then the
        /// next stream: destination-major, the bursty order.
        case streamMajor = "stream-major"
    }

    /// How an interval's data is handed to the OS.
    public enum Method: Hashable, Sendable {
        /// One zero-copy multi-destination write per interval (B1–B4): a burst.
        case write
        /// One aggregate message per interval with relative time stamps from the media's due times (A7–A15), held
        /// until then by the OS's timed queue or the NIC's launch time: paced. The OS copies the payload.
        case aggregate(TimedDelivery)
    }

    /// How the application sends.
    public struct Configuration: Hashable, Sendable {
        /// How the interval is chosen (`IntervalPlanner.Rule`).
        public var rule: IntervalPlanner.Rule
        /// The order of a write's entries (``Method/write`` only; aggregates are always in due-time order).
        public var order: Order
        /// Write or aggregate.
        public var method: Method
        /// Virtual time after the start at which the application stops; nil plays the streams to their end.
        public var duration: SimDuration?
        /// The UDP source port of the application's sockets.
        public var sourcePort: UInt16
        /// Register the stream buffers with the driver's translation buffer (B5/B6), on a zero-copy driver and with
        /// ``Method/write``.
        public var registerBuffers: Bool
        /// The RTP payload type of streams with RTP (33, MP2T, by default).
        public var payloadType: UInt8

        /// Creates a configuration; see the properties.
        public init(
            rule: IntervalPlanner.Rule = .standard, order: Order = .dueTime, method: Method = .write,
            duration: SimDuration? = nil, sourcePort: UInt16 = 4000, registerBuffers: Bool = true,
            payloadType: UInt8 = RTPHeader.payloadTypeMP2T
        ) {
            self.rule = rule
            self.order = order
            self.method = method
            self.duration = duration
            self.sourcePort = sourcePort
            self.registerBuffers = registerBuffers
            self.payloadType = payloadType
        }
    }

    /// What the application sent of one stream, summed over its destinations.
    public struct StreamCounters: Hashable, Sendable {
        /// Datagrams handed to the OS (one per destination per datagram of the stream).
        public var datagrams = 0
        /// Media payload bytes handed to the OS (without UDP or RTP headers).
        public var bytes = 0
        /// Creates zeroed counters.
        public init() {}
    }

    /// What the application did.
    public struct Counters: Hashable, Sendable {
        /// Intervals started (events handled), including intervals with nothing due.
        public var intervals = 0
        /// System calls that carried data: multi-destination writes or aggregate messages the OS accepted.
        public var writes = 0
        /// Calls the OS refused (nothing of them was sent); ``StreamApplication/lastError`` says why.
        public var refusedCalls = 0
        /// Datagrams handed to the OS in accepted calls, all streams and destinations.
        public var datagrams = 0
        /// Media payload bytes handed to the OS in accepted calls.
        public var bytes = 0
        /// Per stream, in stream order.
        public var streams: [StreamCounters] = []
        /// Creates zeroed counters.
        public init() {}
    }

    /// The application's name (its process's and its event target's).
    public let name: String
    /// The streams, in the order given.
    public let streams: [Stream]
    /// How it sends.
    public let configuration: Configuration
    /// The interval planner over the streams' sources.
    public let planner: IntervalPlanner
    /// The host it runs on.
    public let host: Host
    /// Its process (own address space).
    public let process: Process
    /// Per stream: the packetizer whose timestamps its datagrams carry; nil for streams without RTP.
    public let rtpPacketizers: [RTPPacketizer?]
    /// The SSRC of every RTP datagram the application sends.
    public let ssrc: UInt32
    /// What it has done so far.
    public private(set) var counters = Counters()
    /// Why the last refused call was refused.
    public private(set) var lastError: HostError?
    /// Each stream's buffer in the process's memory, once started.
    public private(set) var buffers: [VirtualAddress] = []
    /// When the first interval started; nil before ``start(at:)``.
    public private(set) var startTime: SimTime?

    /// The interval length in virtual time.
    public var interval: SimDuration { planner.interval }

    private let simulator: Simulator
    private var id = ComponentID(rawValue: .max)
    private var plainSocket: Socket?
    private var rtpSocket: Socket?
    private var lastInterval = -1
    /// Datagrams of the interval being sent, reused between intervals.
    private var due: [DueDatagram] = []
    private var writeEntries: [WriteVectorEntry] = []
    private var rtpWriteEntries: [WriteVectorEntry] = []

    private struct DueDatagram {
        var time: SimDuration
        var stream: Int
        var destination: Int
        var datagram: Int
    }

    /// Creates the application's process on `host` and plans its streams; nothing is sent before ``start(at:)``.
    ///
    /// - Throws: ``WorldError`` (naming no key: the world builder locates it at `streams`) when there are no streams, a
    ///   stream has no destination,
    ///   the rule is invalid, or the method and the order do not go together (an aggregate's stamps must follow
    ///   due-time order).
    public init(
        simulator: Simulator, host: Host, name: String = "media", streams: [Stream],
        configuration: Configuration = Configuration()
    ) throws(WorldError) {
        func invalid(_ message: String) -> WorldError {
            WorldError(key: "", message: "\(name): \(message)")
        }
        guard !streams.isEmpty else { throw invalid("expected at least one stream") }
        for stream in streams where stream.destinations.isEmpty {
            throw invalid("stream \(stream.name) has no destination")
        }
        if case .aggregate = configuration.method {
            guard configuration.order == .dueTime else {
                throw invalid("aggregate messages need order due-time: their time stamps must increase")
            }
        }
        do throws(MediaError) {
            self.planner = try IntervalPlanner(streams: streams.map(\.source), rule: configuration.rule)
        } catch {
            throw invalid("interval: \(error)")
        }
        self.simulator = simulator
        self.host = host
        self.name = name
        self.streams = streams
        self.configuration = configuration
        self.process = host.createProcess(name: name)
        var random = simulator.randomStream(named: "\(name).rtp")
        let ssrc = UInt32(truncatingIfNeeded: random.next())
        self.ssrc = ssrc
        self.rtpPacketizers = streams.map { stream in
            guard stream.rtp else { return nil }
            return RTPPacketizer(
                ssrc: ssrc, initialSequenceNumber: 0, initialTimestamp: UInt32(truncatingIfNeeded: random.next()),
                payloadType: configuration.payloadType)
        }
        counters.streams = Array(repeating: StreamCounters(), count: streams.count)
        self.id = simulator.register(self, name: name)
    }

    /// Copies every stream into the process's memory, opens the sockets and schedules the first interval at
    /// `time` (now when nil). Call once.
    ///
    /// - Throws: ``WorldError`` (naming no key) when a datagram does not fit one packet, the memory cannot hold the
    ///   streams, or
    ///   a buffer cannot be registered.
    public func start(at time: SimTime? = nil) throws(WorldError) {
        func failure(_ message: String) -> WorldError {
            WorldError(key: "", message: "\(name): \(message)")
        }
        precondition(startTime == nil, "a stream application starts once")
        let packetSize = host.driver.configuration.packetSize
        for stream in streams {
            let headers = IPv4Header.minimumSize + UDPHeader.size + (stream.rtp ? RTPHeader.size : 0)
            guard stream.source.datagramPayloadSize + headers <= packetSize else {
                throw failure(
                    "stream \(stream.name): datagrams of \(stream.source.datagramPayloadSize) payload bytes and "
                        + "\(headers) header bytes exceed the \(packetSize)-byte packet size")
            }
        }
        let zeroCopyWrites = host.driver.configuration.path == .zeroCopy && configuration.method == .write
        var addresses: [VirtualAddress] = []
        for stream in streams {
            let bytes = stream.source.bytes
            let address: VirtualAddress
            do throws(MemoryFault) {
                address = try process.addressSpace.allocate(bytes: bytes.count)
                try process.addressSpace.write(address, from: bytes, at: 0, count: bytes.count)
            } catch {
                throw failure("memory cannot hold stream \(stream.name) (\(bytes.count) bytes): \(error)")
            }
            if configuration.registerBuffers && zeroCopyWrites {
                do throws(HostError) {
                    try host.registerBuffer(process: process, address: address, length: bytes.count)
                } catch {
                    throw failure("registering stream \(stream.name)'s buffer: \(error)")
                }
            }
            addresses.append(address)
        }
        buffers = addresses
        if streams.contains(where: { !$0.rtp }) {
            plainSocket = host.openSocket(process: process, port: configuration.sourcePort)
        }
        if streams.contains(where: \.rtp) {
            rtpSocket = host.openSocket(
                process: process, port: configuration.sourcePort,
                rtp: HeaderTemplate.RTPFields(payloadType: configuration.payloadType, ssrc: ssrc))
        }
        lastInterval = lastIntervalToSend()
        let begin = time ?? simulator.now
        startTime = begin
        if lastInterval >= 0 { simulator.schedule(StreamEvent.interval(0), at: begin, for: id) }
    }

    /// The last interval that holds a datagram to send (−1 when none).
    private func lastIntervalToSend() -> Int {
        var latest: SimDuration?
        for stream in streams {
            let source = stream.source
            var last = source.datagramCount - 1
            if let limit = configuration.duration { last = min(last, source.firstDatagram(dueAtOrAfter: limit) - 1) }
            guard last >= 0, let time = source.dueTime(ofDatagram: last) else { continue }
            latest = max(latest ?? time, time)
        }
        guard let latest else { return -1 }
        return Int(latest.rawValue / planner.interval.rawValue)
    }

    /// The start time of interval `index` in virtual time.
    public func time(ofInterval index: Int) -> SimTime? {
        startTime.map { $0 + planner.start(ofInterval: index) }
    }

    // MARK: - Events

    /// Handles the start of an interval.
    public func handle(_ event: Event, simulator: Simulator) {
        guard case .interval(let index) = StreamEvent(decoding: event) else { return }
        counters.intervals += 1
        send(interval: index)
        if index < lastInterval, let next = time(ofInterval: index + 1) {
            simulator.schedule(StreamEvent.interval(index + 1), at: next, for: id)
        }
    }

    private func send(interval index: Int) {
        gather(interval: index)
        guard !due.isEmpty else { return }
        switch configuration.method {
        case .write:
            sendWrites()
        case .aggregate(let delivery):
            sendAggregate(interval: index, delivery: delivery)
        }
    }

    /// Fills ``due`` with the interval's datagrams per destination, in the configured order.
    private func gather(interval index: Int) {
        due.removeAll(keepingCapacity: true)
        let limit = configuration.duration
        for (s, stream) in streams.enumerated() {
            let slice = planner.slice(of: s, inInterval: index)
            for d in stream.destinations.indices {
                for i in slice.datagrams {
                    guard let time = stream.source.dueTime(ofDatagram: i) else { continue }
                    if let limit, time >= limit { break }
                    due.append(DueDatagram(time: time, stream: s, destination: d, datagram: i))
                }
            }
        }
        if configuration.order == .dueTime {
            due.sort { a, b in
                if a.time != b.time { return a.time < b.time }
                if a.stream != b.stream { return a.stream < b.stream }
                if a.destination != b.destination { return a.destination < b.destination }
                return a.datagram < b.datagram
            }
        }
    }

    private func sendWrites() {
        writeEntries.removeAll(keepingCapacity: true)
        rtpWriteEntries.removeAll(keepingCapacity: true)
        for item in due {
            let stream = streams[item.stream]
            guard let range = stream.source.byteRange(ofDatagram: item.datagram) else { continue }
            let address = buffers[item.stream].advanced(by: range.lowerBound)
            let destination = stream.destinations[item.destination]
            if let packetizer = rtpPacketizers[item.stream] {
                rtpWriteEntries.append(
                    WriteVectorEntry(
                        destination: destination, address: address, length: range.count,
                        rtpTimestamp: packetizer.timestamp(forDueTime: item.time)))
            } else {
                writeEntries.append(WriteVectorEntry(destination: destination, address: address, length: range.count))
            }
        }
        if let socket = plainSocket, !writeEntries.isEmpty { call(socket: socket, writeEntries, rtp: false) }
        if let socket = rtpSocket, !rtpWriteEntries.isEmpty { call(socket: socket, rtpWriteEntries, rtp: true) }
    }

    private func call(socket: Socket, _ entries: [WriteVectorEntry], rtp: Bool) {
        do throws(HostError) {
            try host.write(socket: socket, entries: entries)
        } catch {
            refused(error)
            return
        }
        counters.writes += 1
        countDue(rtp: rtp)
    }

    /// One aggregate per socket kind: the plain streams' datagrams, then (when there are RTP streams) the RTP
    /// streams' datagrams, each with its RTP timestamp from its due time (A11).
    private func sendAggregate(interval index: Int, delivery: TimedDelivery) {
        if let socket = plainSocket { sendAggregate(interval: index, delivery: delivery, socket: socket, rtp: false) }
        if let socket = rtpSocket { sendAggregate(interval: index, delivery: delivery, socket: socket, rtp: true) }
    }

    private func sendAggregate(interval index: Int, delivery: TimedDelivery, socket: Socket, rtp: Bool) {
        let intervalStart = planner.start(ofInterval: index)
        var entries: [AggregateEntry] = []
        entries.reserveCapacity(due.count)
        var previous: Int64 = -1
        for item in due where (rtpPacketizers[item.stream] != nil) == rtp {
            let stream = streams[item.stream]
            guard let range = stream.source.byteRange(ofDatagram: item.datagram) else { continue }
            // Stamps must increase: datagrams due at the same instant go 1 ps apart.
            let stamp = max(item.time.rawValue - intervalStart.rawValue, previous + 1)
            previous = stamp
            entries.append(
                AggregateEntry(
                    destination: stream.destinations[item.destination],
                    address: buffers[item.stream].advanced(by: range.lowerBound), length: range.count, stamp: stamp,
                    rtpTimestamp: rtpPacketizers[item.stream]?.timestamp(forDueTime: item.time)))
        }
        guard !entries.isEmpty else { return }
        do throws(HostError) {
            try host.sendAggregate(
                socket: socket, AggregateMessage(entries: entries, timing: .relative, delivery: delivery))
        } catch {
            refused(error)
            return
        }
        counters.writes += 1
        countDue(rtp: rtp)
    }

    private func refused(_ error: HostError) {
        counters.refusedCalls += 1
        lastError = error
    }

    /// Adds the interval's datagrams of streams with (or without) RTP to the counters.
    private func countDue(rtp: Bool) {
        for item in due where streams[item.stream].rtp == rtp {
            guard let length = streams[item.stream].source.byteRange(ofDatagram: item.datagram)?.count else { continue }
            counters.datagrams += 1
            counters.bytes += length
            counters.streams[item.stream].datagrams += 1
            counters.streams[item.stream].bytes += length
        }
    }
}

/// What a ``StreamApplication`` schedules for itself.
enum StreamEvent {
    /// Interval `index` starts: its datagrams are sent.
    case interval(Int)
}
