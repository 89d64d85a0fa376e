import SimCore

/// The moderation registers as the driver wrote them.
struct ModerationRegisters {
    var itr: UInt32 = 0
    var tidv: UInt32 = 0
    var tadv: UInt32 = 0
    var txft: UInt32 = 0
    var rdtr: UInt32 = 0
    var radv: UInt32 = 0
    var rxft: UInt32 = 0
}

/// Which delay settings a cause is moderated by.
enum InterruptPath: Int {
    case transmit = 0
    case receive = 1
    /// Causes that never wait on a delay (errors, queue empty, ICS writes); only the minimum interval applies.
    case other = 2
}

/// The device's moderation state: one delay moderator per path feeding one vector-wide minimum interval.
///
/// A path's moderator (TIDV/TADV/TXFT or RDTR/RADV/RXFT, no interval of its own) decides when its causes are owed;
/// the vector's moderator (ITR only) decides when the message goes (datasheet §6).
struct ModerationState {
    var paths = [InterruptModerator(), InterruptModerator()]
    /// The path's owed interrupt has been handed to the vector moderator.
    var forwarded = [false, false]
    /// Causes raised on a path and not yet owed: invisible in ICR until the path's interrupt is owed (its timer
    /// expired, its threshold was reached, it was flushed or a report could not wait), as QEMU's e1000e holds its
    /// `delayed_causes` and the 8254x sets `RXT0` "when the timer expires" (datasheet §6.1).
    var held = [InterruptCause(), InterruptCause()]
    var vector = InterruptModerator()
    var scheduled = SimTime.never
}

extension NIC {
    func applyModerationRegisters() {
        let r = moderationRegisters
        moderation.paths[0].settings = .fromRegisters(
            itr: 0, packetDelay: r.tidv, absoluteDelay: r.tadv, frameThreshold: r.txft)
        moderation.paths[1].settings = .fromRegisters(
            itr: 0, packetDelay: r.rdtr, absoluteDelay: r.radv, frameThreshold: r.rxft)
        moderation.vector.settings = .fromRegisters(itr: r.itr, packetDelay: 0, absoluteDelay: 0, frameThreshold: 0)
        scheduleModeration()
    }

    /// Raises `cause`: a cause on no path goes to ICR at once; a cause on a path is held until that path's
    /// moderator makes its interrupt owed (datasheet §6.1). IMS decides only whether a message goes: the interrupt is
    /// asserted while ICR & IMS is non-zero. In MSI-X mode the causes go to vectors instead (§6.3); `queue` names
    /// the queue of a transmit or receive report.
    func signal(_ cause: InterruptCause, path: InterruptPath, delayable: Bool, queue: Int = -1) {
        if msix.enabled {
            signalExtended(cause, path: path, queue: queue)
            return
        }
        let now = simulator.now
        if path == .other {
            interruptCause.formUnion(cause)
            if !cause.isDisjoint(with: interruptMask) { forwardToVector(now) }
        } else {
            let p = path.rawValue
            moderation.held[p].formUnion(cause)
            let owedAt = moderation.paths[p].causeRaised(at: now, delayable: delayable)
            if moderation.forwarded[p] {
                // Merges into the interrupt the path already handed over.
                interruptCause.formUnion(moderation.held[p])
                moderation.held[p] = []
            } else if let owedAt, owedAt <= now {
                owe(p, now)
            }
        }
        scheduleModeration()
    }

    /// Path `p`'s interrupt is owed: its held causes appear in ICR and the vector decides when the message goes.
    func owe(_ p: Int, _ now: SimTime) {
        // Transmit write-backs held under WTHRESH go out with the interrupt (datasheet §4.5).
        if p == InterruptPath.transmit.rawValue && flushAllWriteBacks() {
            moderation.held[p].insert(.txDescriptorWritten)
        }
        moderation.forwarded[p] = true
        interruptCause.formUnion(moderation.held[p])
        moderation.held[p] = []
        forwardToVector(now)
    }

    /// The driver wrote IMS: enabling a cause that is already pending raises the interrupt now (ITR still applies),
    /// as the 82574 and QEMU's e1000e do, so a driver that unmasks after polling loses no wake-up.
    func maskSet(_ enabled: InterruptCause) {
        interruptMask.formUnion(enabled)
        guard !enabled.isDisjoint(with: interruptCause) else { return }
        if msix.enabled {
            raiseOther()
            return
        }
        forwardToVector(simulator.now)
        scheduleModeration()
    }

    /// ICR read: the pending causes with `INT_ASSERTED` when one is enabled; with `CTRL_EXT.IAME`, an asserted read
    /// also clears IAM's bits in IMS (82574 auto-mask). Causes still held on a path stay held.
    func readInterruptCause() -> UInt32 {
        var value = interruptCause
        if !interruptCause.isDisjoint(with: interruptMask) {
            value.insert(.interruptAsserted)
            if extendedControl.contains(.autoMaskEnable) { interruptMask.subtract(autoMask) }
        }
        interruptCause = []
        return value.rawValue
    }

    func flushModeration(_ path: InterruptPath) {
        guard path != .other, !msix.enabled else { return }
        let now = simulator.now
        let p = path.rawValue
        if let t = moderation.paths[p].flush(at: now), t <= now, !moderation.forwarded[p] { owe(p, now) }
        scheduleModeration()
    }

    /// A path's interrupt is owed now: the vector decides whether it goes now or at the end of the interval.
    func forwardToVector(_ now: SimTime) {
        if let t = moderation.vector.causeRaised(at: now, delayable: false), t <= now { send(now) }
    }

    /// Sends the message (if some pending cause is still enabled) and ends every owed batch.
    func send(_ now: SimTime) {
        // Every message carries the transmit write-backs still held under WTHRESH (datasheet §4.5).
        if flushAllWriteBacks() { interruptCause.insert(.txDescriptorWritten) }
        if interruptCause.isDisjoint(with: interruptMask) {
            moderation.vector.suppressed(at: now)
        } else {
            moderation.vector.fired(at: now)
            _counters.interrupts += 1
            if !interruptCause.isDisjoint(with: [.txDescriptorWritten, .txQueueEmpty]) {
                _counters.interruptsWithTransmitCause += 1
            }
            if !interruptCause.isDisjoint(with: [.rxTimer, .rxOverrun, .rxDescriptorsExhausted]) {
                _counters.interruptsWithReceiveCause += 1
            }
            if interruptCause.contains(.txDescriptorError) { _counters.interruptsWithErrorCause += 1 }
            if simulator.tracer != nil {
                simulator.trace(name, "interrupt", [("causes", .address(UInt64(interruptCause.rawValue)))])
            }
            deliverInterrupt(vector: 0)
        }
        for p in 0..<2 where moderation.forwarded[p] {
            moderation.forwarded[p] = false
            moderation.paths[p].fired(at: now)
        }
    }

    /// A moderation deadline passed: expired path delays become owed; the vector may send.
    func moderationDeadline() {
        let now = simulator.now
        moderation.scheduled = .never
        for p in 0..<2 where !moderation.forwarded[p] && moderation.paths[p].deadlineReached(at: now) { owe(p, now) }
        if moderation.vector.deadlineReached(at: now) { send(now) }
        if msix.enabled { extendedModerationDeadline(now) }
        scheduleModeration()
    }

    /// Keeps one event at the earliest instant any moderator wants to be consulted.
    func scheduleModeration() {
        var next = moderation.vector.nextDeadline ?? .never
        for p in 0..<2 where !moderation.forwarded[p] {
            if let t = moderation.paths[p].nextDeadline { next = min(next, t) }
        }
        if msix.enabled { next = min(next, extendedNextDeadline) }
        guard next < moderation.scheduled else { return }
        moderation.scheduled = next
        schedule(.moderationDeadline, at: max(next, simulator.now))
    }
}
