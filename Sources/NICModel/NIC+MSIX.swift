import NICInterface
import SimCore

/// The MSI-X registers and per-vector state (datasheet §6.3), as the I210 and 82576 have them. Fixed-size storage:
/// a NIC allocates nothing for it (the allocation thresholds of Scripts/check-allocations.sh count per run).
struct ExtendedInterruptState {
    /// GPIE as written (only ``GeneralInterruptEnable/stored`` bits).
    var control = GeneralInterruptEnable()
    /// EICR, EIMS, EIAC, EIAM: bits 15:0, one per vector.
    var cause: UInt32 = 0
    var mask: UInt32 = 0
    var autoClear: UInt32 = 0
    var autoMask: UInt32 = 0
    /// IVAR(0) … IVAR(3) and IVAR_MISC, entry bits only.
    var allocation = InlineArray<4, UInt32>(repeating: 0)
    var miscAllocation: UInt32 = 0
    /// EITR(n) as written (bits 14:2) and the vector's moderator: the minimum interval only.
    var throttle = InlineArray<16, UInt32>(repeating: 0)
    var moderators = InlineArray<16, InterruptModerator>(repeating: InterruptModerator())
    /// Causes routed to each vector since its last message, for the per-cause interrupt counters (§9).
    var routed = InlineArray<16, InterruptCause>(repeating: [])

    var enabled: Bool { control.contains(.msixMode) }

    /// The vector an IVAR entry names, or nil when the entry is not valid or names a vector the device lacks.
    static func vector(entry: UInt32) -> Int? {
        guard entry & NICRegister.ivarValid != 0 else { return nil }
        let v = Int(entry & 0x1F)
        return v < NICRegister.msixVectors ? v : nil
    }

    func queueVector(_ queue: Int, transmit: Bool) -> Int? {
        guard queue >= 0, queue < NICRegister.maximumQueues else { return nil }
        let shift = UInt32(queue & 1) * 16 + (transmit ? 8 : 0)
        return Self.vector(entry: (allocation[queue >> 1] >> shift) & 0xFF)
    }

    var otherVector: Int? { Self.vector(entry: (miscAllocation >> 8) & 0xFF) }
}

extension NIC {
    /// Reads of the MSI-X registers; nil for any other offset.
    func readExtendedInterrupt(_ offset: NICRegister) -> UInt32? {
        let raw = offset.rawValue
        if raw >= 0x1680 && raw < 0x1680 + UInt32(NICRegister.msixVectors) * 4 && raw & 3 == 0 {
            return msix.throttle[Int((raw - 0x1680) / 4)]
        }
        if raw >= 0x1700 && raw < 0x1700 + UInt32(msix.allocation.count) * 4 && raw & 3 == 0 {
            return msix.allocation[Int((raw - 0x1700) / 4)]
        }
        switch offset {
        case .gpie: return msix.control.rawValue
        case .eicr: return msix.cause
        case .eims: return msix.mask
        case .eiac: return msix.autoClear
        case .eiam: return msix.autoMask
        case .ivarMisc: return msix.miscAllocation
        case .eics, .eimc: return 0
        default: return nil
        }
    }

    /// Writes of the MSI-X registers; false for any other offset. Bits a register does not store are dropped.
    func writeExtendedInterrupt(_ offset: NICRegister, _ value: UInt32) -> Bool {
        let raw = offset.rawValue
        let vectors = value & NICRegister.msixVectorMask
        if raw >= 0x1680 && raw < 0x1680 + UInt32(NICRegister.msixVectors) * 4 && raw & 3 == 0 {
            let n = Int((raw - 0x1680) / 4)
            msix.throttle[n] = value & 0x7FFC
            msix.moderators[n].settings = ModerationSettings(
                minimumInterval: Self.throttleUnit * Int64(value >> 2 & 0x1FFF))
            scheduleModeration()
            return true
        }
        if raw >= 0x1700 && raw < 0x1700 + UInt32(msix.allocation.count) * 4 && raw & 3 == 0 {
            msix.allocation[Int((raw - 0x1700) / 4)] = value & Self.allocationMask
            return true
        }
        switch offset {
        case .gpie:
            let control = GeneralInterruptEnable(rawValue: value).intersection(.stored)
            let modeChanged = control.contains(.msixMode) != msix.enabled
            msix.control = control
            if modeChanged { restartModeration() }
        case .eics:
            for v in 0..<NICRegister.msixVectors where vectors & (1 << v) != 0 { raiseVector(v, []) }
        case .eims:
            msix.mask |= vectors
            guard msix.enabled else { return true }
            for v in 0..<NICRegister.msixVectors where vectors & msix.cause & (1 << v) != 0 { owe(vector: v) }
            scheduleModeration()
        case .eimc: msix.mask &= ~vectors
        case .eiac: msix.autoClear = vectors
        case .eiam: msix.autoMask = vectors
        case .eicr: msix.cause &= ~vectors
        case .ivarMisc: msix.miscAllocation = value & 0x9F9F
        default: return false
        }
        return true
    }

    /// EITR's unit: 1 µs (I210 `EITR.INTERVAL`, bits 14:2).
    static let throttleUnit = SimDuration.nanoseconds(1_000)
    /// The entry bits of an IVAR register (four entries of ``NICRegister/ivarEntryMask``).
    static let allocationMask: UInt32 = 0x9F9F_9F9F

    /// MSI-X mode was switched on or off: causes held on the legacy paths and every pending moderation decision
    /// (timers, owed interrupts, ITR and EITR windows) are discarded; registers, ICR and EICR keep their values.
    func restartModeration() {
        moderation = ModerationState()
        for v in msix.moderators.indices { msix.moderators[v].reset() }
        applyModerationRegisters()
    }

    /// A cause in MSI-X mode (datasheet §6.3): `TXDW` of a transmit report and `RXT0` of a receive report go to the
    /// vector IVAR gives their queue (nowhere when the entry is not valid); every other cause goes to ICR and, when
    /// enabled in IMS, to IVAR_MISC's vector. The legacy delays do not apply.
    func signalExtended(_ cause: InterruptCause, path: InterruptPath, queue: Int) {
        var other = cause
        let queueCause: InterruptCause = path == .transmit ? .txDescriptorWritten : .rxTimer
        if path != .other && cause.contains(queueCause) {
            other.remove(queueCause)
            if let v = msix.queueVector(queue, transmit: path == .transmit) {
                // Companions such as TXDE count with the queue's message too.
                raiseVector(v, cause)
            }
        }
        guard !other.isEmpty else { return }
        interruptCause.formUnion(other)
        if !other.isDisjoint(with: interruptMask) { raiseOther() }
    }

    /// An ICR cause enabled in IMS is pending: IVAR_MISC's vector, if valid, is raised.
    func raiseOther() {
        guard let v = msix.otherVector else { return }
        raiseVector(v, interruptCause.intersection(interruptMask))
    }

    /// Sets vector `v`'s EICR bit and makes its interrupt owed now (in MSI-X mode; otherwise only the bit is set).
    func raiseVector(_ v: Int, _ cause: InterruptCause) {
        msix.cause |= 1 << v
        msix.routed[v].formUnion(cause)
        guard msix.enabled else { return }
        owe(vector: v)
        scheduleModeration()
    }

    /// Vector `v`'s interrupt is owed now; it goes at once or at the end of its EITR window.
    func owe(vector v: Int) {
        let now = simulator.now
        if let t = msix.moderators[v].causeRaised(at: now, delayable: false), t <= now { send(vector: v, now) }
    }

    /// Sends vector `v`'s message if its EICR bit is set and enabled in EIMS, then applies EIAC and EIAM.
    func send(vector v: Int, _ now: SimTime) {
        let bit: UInt32 = 1 << v
        // The transmit write-backs its queues hold under WTHRESH go with the vector's message (datasheet §4.5; the
        // I210 writes them back when the queue's EITR expires).
        if flushWriteBacks(vector: v) {
            msix.cause |= bit
            msix.routed[v].insert(.txDescriptorWritten)
        }
        guard msix.cause & msix.mask & bit != 0 else {
            msix.moderators[v].suppressed(at: now)
            return
        }
        msix.moderators[v].fired(at: now)
        _counters.interrupts += 1
        let causes = msix.routed[v]
        msix.routed[v] = []
        if !causes.isDisjoint(with: [.txDescriptorWritten, .txQueueEmpty]) {
            _counters.interruptsWithTransmitCause += 1
        }
        if !causes.isDisjoint(with: [.rxTimer, .rxOverrun, .rxDescriptorsExhausted]) {
            _counters.interruptsWithReceiveCause += 1
        }
        if causes.contains(.txDescriptorError) { _counters.interruptsWithErrorCause += 1 }
        if msix.autoClear & bit != 0 { msix.cause &= ~bit }
        if msix.control.contains(.extendedAutoMask) && msix.autoMask & bit != 0 { msix.mask &= ~bit }
        if simulator.tracer != nil {
            simulator.trace(
                name, "interrupt", [("vector", .int(Int64(v))), ("causes", .address(UInt64(causes.rawValue)))])
        }
        deliverInterrupt(vector: v)
    }

    /// The vectors' EITR deadlines that passed send their owed messages.
    func extendedModerationDeadline(_ now: SimTime) {
        for v in msix.moderators.indices where msix.moderators[v].deadlineReached(at: now) { send(vector: v, now) }
    }

    /// The earliest EITR deadline of any vector.
    var extendedNextDeadline: SimTime {
        var next = SimTime.never
        for v in msix.moderators.indices {
            if let t = msix.moderators[v].nextDeadline { next = min(next, t) }
        }
        return next
    }
}
