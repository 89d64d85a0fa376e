import SimCore

/// When one interrupt vector may send its messages: the moderation registers of the 8254x family plus a
/// frame-count threshold.
///
/// Each setting is off at zero (a negative value counts as zero). With every setting off, each cause sends one
/// message at once, the behaviour of revision 1. The rules are those of ``InterruptModerator``.
public struct ModerationSettings: Hashable, Sendable {
    /// Minimum time between two messages of the vector, in picoseconds of virtual time; mirrors `ITR.INTERVAL`
    /// (256 ns units). An interrupt owed inside the interval is postponed to its end, never dropped.
    public var minimumInterval: SimDuration
    /// Per-packet delay, in picoseconds of virtual time; mirrors `TIDV` / `RDTR` (1.024 µs units). Every delayable
    /// cause re-arms it, so under steady load it may never expire.
    public var packetDelay: SimDuration
    /// Absolute delay, in picoseconds of virtual time; mirrors `TADV` / `RADV` (1.024 µs units). Armed by the first
    /// delayable cause after an interrupt and never re-armed, it bounds how long that cause waits.
    public var absoluteDelay: SimDuration
    /// The number of delayable causes that makes an interrupt owed at once (what Linux calls `tx-frames` /
    /// `rx-frames`); 0 is off, 1 makes every delayable cause owed at once. nicsim-specific: the 8254x has no such
    /// register.
    public var frameThreshold: Int

    /// One ITR unit: 256 ns.
    public static let intervalUnit = SimDuration.nanoseconds(256)
    /// One TIDV / RDTR / TADV / RADV unit: 1.024 µs.
    public static let delayUnit = SimDuration.nanoseconds(1_024)
    /// No moderation: every cause sends a message at once.
    public static let off = ModerationSettings()

    /// Creates settings from durations; every argument defaults to 0 (off).
    public init(
        minimumInterval: SimDuration = .zero, packetDelay: SimDuration = .zero, absoluteDelay: SimDuration = .zero,
        frameThreshold: Int = 0
    ) {
        self.minimumInterval = minimumInterval
        self.packetDelay = packetDelay
        self.absoluteDelay = absoluteDelay
        self.frameThreshold = frameThreshold
    }

    /// Settings from raw register values, as a driver writes them.
    ///
    /// Only bits 15:0 of `itr` (× 256 ns), `packetDelay` and `absoluteDelay` (× 1.024 µs) count; the other bits are
    /// ignored, including `FPD` (bit 31 of TIDV / RDTR), which is an action: the NIC answers it with
    /// ``InterruptModerator/flush(at:)``. `frameThreshold` is a count of causes.
    public static func fromRegisters(
        itr: UInt32, packetDelay: UInt32, absoluteDelay: UInt32, frameThreshold: UInt32
    ) -> ModerationSettings {
        ModerationSettings(
            minimumInterval: intervalUnit * Int64(itr & 0xFFFF),
            packetDelay: delayUnit * Int64(packetDelay & 0xFFFF),
            absoluteDelay: delayUnit * Int64(absoluteDelay & 0xFFFF),
            frameThreshold: Int(frameThreshold))
    }

    /// True when a delayable cause may wait: a delay or a threshold is set.
    public var delaysCauses: Bool {
        packetDelay > .zero || absoluteDelay > .zero || frameThreshold > 0
    }
}

/// How the interrupts of one vector were decided; the counters only grow.
///
/// Every sent interrupt counts in ``fired`` and in exactly one of ``immediate``, ``firedByThreshold``,
/// ``firedByPacketTimer``, ``firedByAbsoluteTimer`` and ``flushed`` (what made it owed), and also in
/// ``postponedByITR`` when the minimum interval held it back.
public struct ModerationCounters: Hashable, Sendable {
    /// Interrupt messages sent (``InterruptModerator/fired(at:)`` calls).
    public var fired: UInt64 = 0
    /// Sent later than they were owed because the minimum interval (ITR) had not elapsed.
    public var postponedByITR: UInt64 = 0
    /// Owed because the per-packet delay (TIDV / RDTR) expired.
    public var firedByPacketTimer: UInt64 = 0
    /// Owed because the absolute delay (TADV / RADV) expired before the per-packet delay.
    public var firedByAbsoluteTimer: UInt64 = 0
    /// Owed because the frame threshold was reached.
    public var firedByThreshold: UInt64 = 0
    /// Owed at once: a cause that may not wait, or a delayable one with no delay or threshold set.
    public var immediate: UInt64 = 0
    /// Owed because of a flush (`FPD`).
    public var flushed: UInt64 = 0
    /// Owed interrupts the NIC did not send (every pending cause masked): ``InterruptModerator/suppressed(at:)``.
    public var suppressed: UInt64 = 0
    public init() {}
}

/// Decides when the interrupts of one vector are sent, in virtual time; a pure value with no timers of its own.
///
/// The NIC reports causes and asks for decisions; the moderator tells it when to come back (``nextDeadline``),
/// and the NIC schedules an event there. It holds only a few scalars and never allocates.
///
/// ## Rules
/// A *batch* is what one interrupt reports: the causes raised since the previous interrupt was sent.
/// 1. **Owed, then sent.** An interrupt becomes *owed* at an instant (rules 3–7) and is sent at the later of that
///    instant and the end of the minimum interval (rule 2). Causes raised while an interrupt is owed merge into it:
///    they neither count toward the threshold nor arm timers. Sending it (``fired(at:)``) ends the batch: both
///    delay timers stop and the frame count returns to 0.
/// 2. **Minimum interval (ITR).** After an interrupt is sent at `t`, none is sent before `t + minimumInterval`.
///    One owed inside that window is postponed to the window's end, never dropped; every cause in the window merges
///    into it. The first interrupt is never postponed. The window's end is fixed when the interrupt is sent.
/// 3. **Causes that may not wait** (`delayable == false`: errors, link change, ICS writes, transmit descriptors
///    without IDE) make the interrupt owed at once, carrying whatever delayable causes wait. So does a delayable
///    cause when no delay and no threshold is set.
/// 4. **Frame threshold `N`.** Each delayable cause counts; the one that brings the count to `N` makes the interrupt
///    owed at once (`N = 1`: every delayable cause). A threshold has no timer: with no delay set, fewer than `N`
///    causes wait until more causes, a cause that may not wait, or a flush, so a threshold alone can strand the
///    tail of a burst indefinitely. Drivers pair it with a delay.
/// 5. **Per-packet delay (TIDV / RDTR) `d`.** Each delayable cause at `t` re-arms the packet timer to `t + d`; the
///    interrupt becomes owed when it expires. Under load with gaps shorter than `d` it never expires (starvation).
/// 6. **Absolute delay (TADV / RADV) `A`.** The first delayable cause of a batch, at `t`, arms the absolute timer to
///    `t + A`; later causes leave it alone. The interrupt becomes owed when it expires, so no delayable cause waits
///    longer than `A` to be owed, however the packet timer is re-armed. With both delays set the earlier expiry
///    wins; a tie counts as the packet timer's. Unlike the 8254x, where TADV / RADV do nothing while TIDV / RDTR
///    is 0, the absolute delay also works alone (the interrupt is owed `A` after the batch's first cause).
/// 7. **Flush (`FPD`).** If delayable causes wait and no interrupt is owed, one becomes owed now (the minimum
///    interval still applies). With nothing waiting, a flush does nothing.
/// 8. **All settings 0.** Every cause makes an interrupt owed and sent at once: one message per cause.
/// 9. **Equal instants.** A timer expiring at `t` makes the interrupt owed at `t` even if the moderator is next
///    consulted later. A cause raised at the instant an interrupt is sent merges into it when reported before
///    ``fired(at:)`` and starts the next batch when reported after; the simulator's FIFO order decides.
/// 10. **Changing settings** affects later decisions only: armed timers and an open window keep their ends, and
///    waiting causes are not re-examined until the next cause or flush.
///
/// ## Protocol
/// After ``causeRaised(at:delayable:)`` or ``flush(at:)`` returns `now`, the NIC sends the message and calls
/// ``fired(at:)`` (or ``suppressed(at:)`` if every pending cause is masked). Otherwise, whenever ``nextDeadline``
/// changes, it schedules an event there and calls ``deadlineReached(at:)`` from it; on `true` it sends and calls
/// ``fired(at:)``. Events left over from an earlier deadline are harmless: they return `false`.
public struct InterruptModerator: Sendable {
    /// The settings; a change takes effect for later decisions (rule 10).
    public var settings: ModerationSettings
    /// How the interrupts so far were decided.
    public private(set) var counters = ModerationCounters()
    /// Delayable causes counted in the current batch (toward the frame threshold).
    public private(set) var waitingCauses = 0

    /// When the per-packet delay expires; nil while disarmed.
    var packetDeadline: SimTime?
    /// When the absolute delay expires; nil while disarmed.
    var absoluteDeadline: SimTime?
    /// The interrupt owed, if any: since when and why.
    var owed: Owed?
    /// End of the minimum interval after the last interrupt sent; nil when no window was opened.
    var windowEnd: SimTime?

    struct Owed: Sendable {
        var since: SimTime
        var reason: Reason
    }

    enum Reason: Sendable {
        case immediate, threshold, packetTimer, absoluteTimer, flush
    }

    /// Creates a moderator with no cause pending and no window open.
    public init(settings: ModerationSettings = .off) {
        self.settings = settings
    }

    /// True while an interrupt is owed or delayable causes wait for one.
    public var pending: Bool { owed != nil || waitingCauses > 0 }

    /// When to call ``deadlineReached(at:)`` next: the instant the interrupt will be sent if nothing else happens,
    /// or nil when nothing is owed and no timer runs (nothing pending, or causes stranded below the threshold).
    ///
    /// It is the owed interrupt's send time, or the earlier delay expiry moved to the end of the minimum interval.
    /// A per-packet re-arm moves it later; it moves earlier only by a call that returns a time.
    public var nextDeadline: SimTime? {
        if let t = sendTime { return t }
        guard let expiry = timerExpiry else { return nil }
        if let end = windowEnd, end > expiry { return end }
        return expiry
    }

    /// A cause was raised at `now`.
    ///
    /// `delayable` is true when the completion may wait (a transmit descriptor with IDE, any received frame) and
    /// false for causes that must not (errors, link change, ICS writes, descriptors without IDE).
    ///
    /// - Returns: When the interrupt will be sent, if that is settled: `now` to send at once, or the end of the
    ///   minimum interval (also ``nextDeadline``). Nil when the cause waits on a delay or the threshold.
    public mutating func causeRaised(at now: SimTime, delayable: Bool) -> SimTime? {
        settle(now)
        if owed == nil {
            if !delayable || !settings.delaysCauses {
                owe(since: now, .immediate)
            } else {
                waitingCauses += 1
                if settings.frameThreshold > 0 && waitingCauses >= settings.frameThreshold {
                    owe(since: now, .threshold)
                } else {
                    if settings.packetDelay > .zero {
                        packetDeadline = Self.adding(settings.packetDelay, to: now)
                    }
                    if settings.absoluteDelay > .zero && absoluteDeadline == nil {
                        absoluteDeadline = Self.adding(settings.absoluteDelay, to: now)
                    }
                }
            }
        }
        return settledSendTime(now)
    }

    /// The NIC's moderation event ran at `now`; true means send the interrupt now and call ``fired(at:)``.
    ///
    /// Safe at any time: it answers whether an interrupt is owed and its minimum interval has elapsed.
    public mutating func deadlineReached(at now: SimTime) -> Bool {
        settle(now)
        guard let t = sendTime else { return false }
        return t <= now
    }

    /// The driver wrote `FPD` at `now`: waiting delayable causes become owed at once (rule 7).
    ///
    /// - Returns: As ``causeRaised(at:delayable:)``; nil when nothing was waiting.
    public mutating func flush(at now: SimTime) -> SimTime? {
        settle(now)
        if owed == nil && waitingCauses > 0 {
            owe(since: now, .flush)
        }
        return settledSendTime(now)
    }

    /// The NIC sent the owed interrupt at `now`: ends the batch and opens the minimum interval.
    ///
    /// Calling it with no interrupt owed, or before its send time, is a bug in the caller.
    public mutating func fired(at now: SimTime) {
        settle(now)
        guard let owed, let t = sendTime else { preconditionFailure("fired(at:) with no interrupt owed") }
        precondition(t <= now, "fired(at:) before the minimum interval elapsed")
        counters.fired += 1
        if t > owed.since { counters.postponedByITR += 1 }
        switch owed.reason {
        case .immediate: counters.immediate += 1
        case .threshold: counters.firedByThreshold += 1
        case .packetTimer: counters.firedByPacketTimer += 1
        case .absoluteTimer: counters.firedByAbsoluteTimer += 1
        case .flush: counters.flushed += 1
        }
        windowEnd = settings.minimumInterval > .zero ? Self.adding(settings.minimumInterval, to: now) : nil
        endBatch()
    }

    /// The NIC dropped the owed interrupt at `now` because every pending cause is masked: ends the batch without
    /// opening a minimum interval. Calling it with no interrupt owed is a bug in the caller.
    public mutating func suppressed(at now: SimTime) {
        settle(now)
        precondition(owed != nil, "suppressed(at:) with no interrupt owed")
        counters.suppressed += 1
        endBatch()
    }

    /// Forgets every pending cause, timer and window (device reset); keeps the settings and counters.
    public mutating func reset() {
        endBatch()
        windowEnd = nil
    }

    // MARK: Internals

    /// The earlier of the two delay expiries.
    var timerExpiry: SimTime? {
        switch (packetDeadline, absoluteDeadline) {
        case (let p?, let a?): return min(p, a)
        case (let p?, nil): return p
        case (nil, let a?): return a
        case (nil, nil): return nil
        }
    }

    /// When the owed interrupt is sent: when it became owed or at the end of the window, whichever is later.
    var sendTime: SimTime? {
        guard let owed else { return nil }
        if let end = windowEnd, end > owed.since { return end }
        return owed.since
    }

    func settledSendTime(_ now: SimTime) -> SimTime? {
        guard let t = sendTime else { return nil }
        return max(t, now)
    }

    /// Makes an expired delay owed at its expiry (rule 9); a tie between the timers counts as the packet timer's.
    mutating func settle(_ now: SimTime) {
        guard owed == nil, let expiry = timerExpiry, expiry <= now else { return }
        owe(since: expiry, packetDeadline == expiry ? .packetTimer : .absoluteTimer)
    }

    /// An interrupt is owed from `since`; the delay timers stop, since nothing they could decide is left.
    mutating func owe(since: SimTime, _ reason: Reason) {
        owed = Owed(since: since, reason: reason)
        packetDeadline = nil
        absoluteDeadline = nil
    }

    mutating func endBatch() {
        owed = nil
        packetDeadline = nil
        absoluteDeadline = nil
        waitingCauses = 0
    }

    /// `time + delay`, saturating at ``SimTime/never`` instead of wrapping.
    static func adding(_ delay: SimDuration, to time: SimTime) -> SimTime {
        let (sum, overflow) = time.rawValue.addingReportingOverflow(delay.rawValue)
        return overflow ? .never : SimTime(rawValue: sum)
    }
}
