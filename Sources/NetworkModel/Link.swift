import SimCore

/// A full-duplex point-to-point Ethernet wire: a propagation delay and optional random loss in each direction.
///
/// Serialization is not the link's job: the transmitter on each side (a NIC MAC or a switch egress port)
/// serializes at ``rateBitsPerSecond`` and hands the frame to its end of the link (``endA`` or ``endB``) at the
/// frame's last bit. The link then delivers the frame to the sink on the other side (named with
/// ``attach(a:b:)``) exactly ``propagationDelay`` later, unless the loss stream drops it. Because the delay is the
/// same for every frame, each direction stays in order.
///
/// Loss draws from the random stream named after the link (``SimCore/Simulator/randomStream(named:)``), one draw
/// per frame offered to either direction, only when ``lossProbability`` is above zero; same seed and name ⇒ the
/// same frames lost.
public final class Link: EventHandler {
    /// The name the link is registered under; also names its random stream.
    public let name: String
    /// The id the link's events are addressed to.
    public private(set) var id = ComponentID(rawValue: .max)
    /// The line rate both transmitters serialize at, in bits per second. The link itself only uses it to count
    /// ``LinkDirectionCounters/overlappingFrames``.
    public let rateBitsPerSecond: Int64
    /// One-way propagation delay, in picoseconds of virtual time.
    public let propagationDelay: SimDuration
    /// Probability in [0, 1] that a frame is lost, independently per frame.
    public let lossProbability: Double

    /// The sink a transmitter on side A hands frames to; they arrive at side B's sink after the delay.
    public var endA: FrameSink { nearA }
    /// The sink a transmitter on side B hands frames to; they arrive at side A's sink after the delay.
    public var endB: FrameSink { nearB }

    /// What travelled from side A to side B.
    public private(set) var aToB = LinkDirectionCounters()
    /// What travelled from side B to side A.
    public private(set) var bToA = LinkDirectionCounters()
    /// Frames lost in both directions.
    public var lostFrames: Int { aToB.lostFrames + bToA.lostFrames }

    private let nearA: LinkEnd
    private let nearB: LinkEnd
    /// The attached sinks, held strongly, and the same as the per-frame path calls them.
    private var sinkOwners: (a: FrameSink?, b: FrameSink?)
    private var sinkA: FrameSinkReference?
    private var sinkB: FrameSinkReference?
    private var random: RandomStream
    /// Serialization at the line rate, remembered for the last frame length of each direction.
    private var memoAToB: SerializationMemo
    private var memoBToA: SerializationMemo
    private var lastHandOverAToB = SimTime(rawValue: .min)
    private var lastHandOverBToA = SimTime(rawValue: .min)
    /// Injected faults (``LinkFault``), and how many of them are active now.
    var faults: [LinkFault] = []
    var activeFaults = 0

    /// Event kinds (``SimCore/Event/kind``); `a` carries the frame handle.
    private enum Kind {
        static let arriveAtB: UInt32 = 0
        static let arriveAtA: UInt32 = 1
    }

    /// Creates a link and registers it with `simulator`.
    ///
    /// - Parameters:
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
        self.memoAToB = SerializationMemo(bitsPerSecond: rateBitsPerSecond)
        self.memoBToA = SerializationMemo(bitsPerSecond: rateBitsPerSecond)
        self.nearA = LinkEnd(fromA: true)
        self.nearB = LinkEnd(fromA: false)
        self.id = simulator.register(self, name: name)
        nearA.link = Unmanaged.passUnretained(self)
        nearB.link = Unmanaged.passUnretained(self)
    }

    /// Names the sinks on each side: `a` receives frames sent into ``endB``, `b` receives frames sent into
    /// ``endA``. May be called again to re-cable; frames in flight go to the sink attached when they arrive.
    public func attach(a: FrameSink, b: FrameSink) {
        sinkOwners = (a, b)
        sinkA = FrameSinkReference(a)
        sinkB = FrameSinkReference(b)
    }

    /// Takes a frame whose last bit a transmitter on side A (`fromA`) or B has just put on the wire.
    fileprivate func carry(_ frame: FrameHandle, fromA: Bool, simulator: Simulator) {
        let length = simulator.frames.length(of: frame)
        let now = simulator.now
        // The frame's first bit left one serialization time ago; it must not overlap the previous frame's last bit.
        let bits = EthernetWireTiming.bitsToLastBit(frameLength: length)
        let serialization = fromA ? memoAToB.duration(bits: bits) : memoBToA.duration(bits: bits)
        let firstBit = SimTime(rawValue: now.rawValue - serialization.rawValue)
        let overlaps = firstBit < (fromA ? lastHandOverAToB : lastHandOverBToA)
        let lost = lossProbability > 0 && random.nextUnit() < lossProbability
        let faulted = !lost && activeFaults > 0 && faultDrops(fromA: fromA)
        if fromA {
            lastHandOverAToB = now
            Self.countOffer(&aToB, length: length, overlaps: overlaps, lost: lost)
            if faulted { aToB.faultDrops += 1 }
        } else {
            lastHandOverBToA = now
            Self.countOffer(&bToA, length: length, overlaps: overlaps, lost: lost)
            if faulted { bToA.faultDrops += 1 }
        }
        if lost || faulted {
            simulator.frames.release(frame)
            return
        }
        simulator.schedule(
            after: propagationDelay, target: id, kind: fromA ? Kind.arriveAtB : Kind.arriveAtA,
            a: UInt64(frame.rawValue))
    }

    private static func countOffer(_ counters: inout LinkDirectionCounters, length: Int, overlaps: Bool, lost: Bool) {
        counters.offeredFrames += 1
        counters.offeredBytes += length
        if overlaps { counters.overlappingFrames += 1 }
        if lost { counters.lostFrames += 1 }
    }

    /// Delivers a frame at the far side.
    public func handle(_ event: Event, simulator: Simulator) {
        precondition(event.kind == Kind.arriveAtA || event.kind == Kind.arriveAtB, "unknown link event")
        let frame = FrameHandle(rawValue: UInt32(truncatingIfNeeded: event.a))
        let length = simulator.frames.length(of: frame)
        let toB = event.kind == Kind.arriveAtB
        guard let sink = toB ? sinkB : sinkA else {
            if toB { aToB.undeliverableFrames += 1 } else { bToA.undeliverableFrames += 1 }
            simulator.frames.release(frame)
            return
        }
        if toB {
            aToB.deliveredFrames += 1
            aToB.deliveredBytes += length
        } else {
            bToA.deliveredFrames += 1
            bToA.deliveredBytes += length
        }
        sink.accept(frame, simulator: simulator)
    }
}

/// One near end of a ``Link``: the sink a transmitter hands frames to.
///
/// The end refers to its link unretained: the link registers itself with its simulator, which keeps it alive
/// for the simulator's lifetime, and an end is only ever called with that simulator running.
private final class LinkEnd: FrameSink {
    var link: Unmanaged<Link>?
    let fromA: Bool

    init(fromA: Bool) { self.fromA = fromA }

    func accept(_ frame: FrameHandle, simulator: Simulator) {
        guard let link else {
            preconditionFailure("link end used before its link finished initializing")
        }
        let fromA = self.fromA
        link._withUnsafeGuaranteedRef { $0.carry(frame, fromA: fromA, simulator: simulator) }
    }
}
