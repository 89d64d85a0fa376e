import SimCore

/// A full-duplex point-to-point Ethernet wire: a propagation delay and optional random loss in each direction.
///
/// Serialization is not the link's job: the transmitter on each side (a NIC MAC or a switch egress port)
/// serializes at ``rateBitsPerSecond`` and hands the frame to its end of the link (``endA`` or ``endB``) at the
/// frame's last bit. The link then delivers the frame to the sink on the other side (named with
/// ``attach(a:b:)``) exactly ``propagationDelay`` later, unless the loss stream drops it. Because the delay is the
/// same for every frame, each direction stays in order.
///
/// Loss draws from the random stream named after the link (`Simulator.randomStream(named:)`), one draw
/// per frame offered to either direction, only when ``lossProbability`` is above zero; same seed and name ⇒ the
/// same frames lost.
public final class Link: EventHandler, MultiPortSink {
    // The stored properties a frame touches come first, each direction's together (Swift lays out a class's stored
    // properties in declaration order), so that with thousands of links out of cache a frame misses few lines.

    /// The id the link's events are addressed to.
    public private(set) var id = ComponentID(rawValue: .max)
    /// One-way propagation delay, in picoseconds of virtual time.
    public let propagationDelay: SimDuration
    /// Probability in [0, 1] that a frame is lost, independently per frame.
    public let lossProbability: Double
    /// What may drop frames the link's own loss kept (a fault injector); none by default.
    public var frameFilter: (any LinkFrameFilter)?
    var ab: Direction
    var ba: Direction

    /// The name the link is registered under; also names its random stream.
    public let name: String
    /// The line rate both transmitters serialize at, in bits per second. The link itself only uses it to count
    /// ``LinkDirectionCounters/overlappingFrames``.
    public let rateBitsPerSecond: Int64

    /// The sink a transmitter on side A hands frames to; they arrive at side B's sink after the delay.
    public var endA: FrameSink { nearA }
    /// The sink a transmitter on side B hands frames to; they arrive at side A's sink after the delay.
    public var endB: FrameSink { nearB }

    /// What travelled from side A to side B.
    public var aToB: LinkDirectionCounters { ab.counters }
    /// What travelled from side B to side A.
    public var bToA: LinkDirectionCounters { ba.counters }
    /// Frames lost in both directions.
    public var lostFrames: Int { aToB.lostFrames + bToA.lostFrames }

    /// Capture taps: see each frame as its last bit arrives at side A or side B, before the sink takes it.
    public var observerAtA: FrameObserver?
    public var observerAtB: FrameObserver?

    private let nearA: LinkEnd
    private let nearB: LinkEnd
    /// The attached sinks, held strongly (each direction calls its far sink through a ``FrameSinkReference``).
    private var sinkOwners: (a: FrameSink?, b: FrameSink?)
    private var random: RandomStream

    /// One direction's per-frame state: where it delivers, serialization remembered for the last frame length,
    /// when the last frame was handed over, and its counters.
    struct Direction {
        var sink: FrameSinkReference?
        var memo: SerializationMemo
        var lastHandOver = SimTime(rawValue: .min)
        var counters = LinkDirectionCounters()

        init(rate: Int64) { memo = SerializationMemo(bitsPerSecond: rate) }
    }

    /// Creates a link and registers it with `simulator`.
    ///
    /// - Parameters:
    ///   - simulator: The simulator it runs in.
    ///   - name: Component and random-stream name.
    ///   - rateBitsPerSecond: Line rate in bits per second (> 0).
    ///   - propagationDelay: One-way delay in picoseconds of virtual time (≥ 0).
    ///   - lossProbability: Per-frame loss probability in [0, 1].
    public init(
        simulator: Simulator, name: String, rateBitsPerSecond: Int64, propagationDelay: SimDuration,
        lossProbability: Double = 0
    ) {
        precondition(rateBitsPerSecond > 0, "link rate must be positive")
        precondition(propagationDelay >= .zero, "propagation delay must not be negative")
        precondition(lossProbability >= 0 && lossProbability <= 1, "loss probability must lie in [0, 1]")
        self.name = name
        self.rateBitsPerSecond = rateBitsPerSecond
        self.propagationDelay = propagationDelay
        self.lossProbability = lossProbability
        self.random = simulator.randomStream(named: name)
        self.ab = Direction(rate: rateBitsPerSecond)
        self.ba = Direction(rate: rateBitsPerSecond)
        self.nearA = LinkEnd(port: Self.sideA)
        self.nearB = LinkEnd(port: Self.sideB)
        self.id = simulator.register(self, name: name)
        nearA.link = Unretained(self)
        nearB.link = Unretained(self)
    }

    /// Names the sinks on each side: `a` receives frames sent into ``endB``, `b` receives frames sent into
    /// ``endA``. May be called again to re-cable; frames in flight go to the sink attached when they arrive.
    public func attach(a: FrameSink, b: FrameSink) {
        sinkOwners = (a, b)
        ba.sink = FrameSinkReference(a)
        ab.sink = FrameSinkReference(b)
    }

    /// The port frames sent into side A (``endA``) enter on, when the link is called as a `MultiPortSink` (SimCore).
    public static let sideA = 0
    /// The port frames sent into side B (``endB``) enter on.
    public static let sideB = 1

    /// Takes a frame whose last bit a transmitter on side A (``sideA``) or B (``sideB``) has just put on the wire.
    public func receive(_ frame: FrameHandle, port: Int, simulator: Simulator) {
        if port == Self.sideA {
            carry(frame, on: &ab, fromA: true, simulator: simulator)
        } else {
            carry(frame, on: &ba, fromA: false, simulator: simulator)
        }
    }

    private func carry(_ frame: FrameHandle, on direction: inout Direction, fromA: Bool, simulator: Simulator) {
        let length = simulator.frames.length(of: frame)
        let now = simulator.now
        // The frame's first bit left one serialization time ago; it must not overlap the previous frame's last bit.
        let bits = EthernetWireTiming.bitsToLastBit(frameLength: length)
        let firstBit = SimTime(rawValue: now.rawValue - direction.memo.duration(bits: bits).rawValue)
        let overlaps = firstBit < direction.lastHandOver
        let lost = lossProbability > 0 && random.nextUnit() < lossProbability
        let faulted = !lost && frameFilter?.drops(fromA: fromA) == true
        direction.lastHandOver = now
        Self.countOffer(&direction.counters, length: length, overlaps: overlaps, lost: lost)
        if faulted { direction.counters.faultDrops += 1 }
        if lost || faulted {
            simulator.frames.release(frame)
            return
        }
        simulator.schedule(fromA ? LinkEvent.arriveAtB(frame) : .arriveAtA(frame), after: propagationDelay, for: id)
        hintArrival(of: frame, at: direction.sink, simulator: simulator)
    }

    private static func countOffer(_ counters: inout LinkDirectionCounters, length: Int, overlaps: Bool, lost: Bool) {
        counters.offeredFrames += 1
        counters.offeredBytes += length
        if overlaps { counters.overlappingFrames += 1 }
        if lost { counters.lostFrames += 1 }
    }

    /// Delivers a frame at the far side.
    public func handle(_ event: Event, simulator: Simulator) {
        switch LinkEvent(decoding: event) {
        case .arriveAtB(let frame): arrive(frame, atB: true, simulator: simulator)
        case .arriveAtA(let frame): arrive(frame, atB: false, simulator: simulator)
        case nil: break
        }
    }

    private func arrive(_ frame: FrameHandle, atB: Bool, simulator: Simulator) {
        let length = simulator.frames.length(of: frame)
        // Count first, then hand over outside the access to the direction's state (the sink may call back into
        // this link).
        let sink = atB ? Self.count(length, on: &ab) : Self.count(length, on: &ba)
        if let sink {
            if let o = atB ? observerAtB : observerAtA {
                o.observe(frame, at: simulator.now, simulator: simulator)
            }
            sink.accept(frame, simulator: simulator)
        } else {
            simulator.frames.release(frame)
        }
    }

    /// Counts a frame of `length` bytes arriving at the far side of `direction`; returns the sink it goes to.
    private static func count(_ length: Int, on direction: inout Direction) -> FrameSinkReference? {
        guard let sink = direction.sink else {
            direction.counters.undeliverableFrames += 1
            return nil
        }
        direction.counters.deliveredFrames += 1
        direction.counters.deliveredBytes += length
        return sink
    }
}

/// One near end of a ``Link``: the sink a transmitter hands frames to.
///
/// The end refers to its link unretained: the link registers itself with its simulator, which keeps it alive
/// for the simulator's lifetime, and an end is only ever called with that simulator running.
private final class LinkEnd: FrameSink {
    var link: Unretained<Link>?
    let port: Int

    init(port: Int) { self.port = port }

    func accept(_ frame: FrameHandle, simulator: Simulator) {
        guard let link else {
            preconditionFailure("link end used before its link finished initializing")
        }
        let port = self.port
        link.withObject { $0.receive(frame, port: port, simulator: simulator) }
    }

    /// Straight to the link: a transmitter holding this end calls the link without touching the end.
    var directReference: FrameSinkReference? {
        link?.withObject { FrameSinkReference($0, port: port) }
    }
}
