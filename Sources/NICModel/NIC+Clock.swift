import NICInterface
import SimCore

extension NIC {
    /// The device time now, in picoseconds (datasheet §10.1).
    public var deviceTimePicoseconds: Int128 { max(0, clock.device(atVirtual: simulator.now.rawValue)) }

    /// The virtual time at which the device clock first reads `nanoseconds` (nanoseconds of device time), or now
    /// if it already has.
    public func virtualTime(atDeviceNanoseconds nanoseconds: UInt64) -> SimTime {
        let now = simulator.now.rawValue
        let v = clock.virtual(atDevice: Int128(nanoseconds) * 1_000)
        return SimTime(rawValue: max(now, v))
    }

    /// Reads a clock register; nil when `offset` is not one.
    func readClockRegister(_ offset: NICRegister) -> UInt32? {
        switch offset {
        case .systimr:
            let t = deviceTimePicoseconds
            latchClock(t)
            clock.residueLatched = true
            return UInt32(truncatingIfNeeded: (t % 1_000) * (Int128(1) << 32) / 1_000)
        case .systiml:
            if !clock.residueLatched { latchClock(deviceTimePicoseconds) }
            clock.residueLatched = false
            return clock.latchedNanoseconds
        case .systimh: return clock.latchedSeconds
        case .timinca: return clock.timinca
        case .timadjl: return clock.timadjl
        case .timadjh: return clock.timadjh
        case .tqavctrl: return clock.fetchDelta << 16
        default: return nil
        }
    }

    func latchClock(_ t: Int128) {
        let ns = t / 1_000
        clock.latchedNanoseconds = UInt32(truncatingIfNeeded: ns % 1_000_000_000)
        // Seconds beyond 2³² − 1 wrap, as a 32-bit register does.
        clock.latchedSeconds = UInt32(truncatingIfNeeded: ns / 1_000_000_000)
    }

    /// Writes a clock register; false when `offset` is not one.
    func writeClockRegister(_ offset: NICRegister, _ value: UInt32) -> Bool {
        let now = simulator.now.rawValue
        switch offset {
        case .systiml:
            clock.pendingNanoseconds = value
        case .systimh:
            // Nanoseconds beyond a second carry into the seconds, as their sum says.
            clock.anchorVirtual = now
            clock.anchorDevice = (Int128(value) * 1_000_000_000 + Int128(clock.pendingNanoseconds)) * 1_000
            clockChanged()
        case .timinca:
            clock.reanchor(at: now)
            clock.timinca = value
            let magnitude = Int64(value & 0x7FFF_FFFF)
            clock.increment = value & 0x8000_0000 != 0 ? -magnitude : magnitude
            clockChanged()
        case .timadjl:
            clock.timadjl = value
        case .timadjh:
            clock.timadjh = value
            clock.reanchor(at: now)
            let magnitude = (Int128(value & 0x7FFF_FFFF) << 32 | Int128(clock.timadjl)) * 1_000
            clock.anchorDevice = max(0, value & 0x8000_0000 != 0 ? clock.anchorDevice - magnitude
                                                                 : clock.anchorDevice + magnitude)
            clockChanged()
        case .tqavctrl:
            clock.fetchDelta = value >> 16
            pumpTransmit()
        default:
            return false
        }
        return true
    }

    /// After the time or the rate changed: frames already fetched compare their launch times anew, and held
    /// fetches look at their due times again.
    func clockChanged() {
        for q in txQueues.indices { retimeLaunches(queue: q) }
        for q in txQueues.indices { txQueues[q].launchFetchWake = .never }
        pumpTransmit()
    }

    /// The clock's registers after a device reset (CTRL.RST): the rate, the adjustment and the fetch interval
    /// return to their reset values; the time runs on.
    func resetClockRegisters() {
        let now = simulator.now.rawValue
        clock.reanchor(at: now)
        clock.increment = 0
        clock.timinca = 0
        clock.timadjl = 0
        clock.timadjh = 0
        clock.pendingNanoseconds = 0
        clock.residueLatched = false
        clock.fetchDelta = 0xFFFF
    }

    /// The launch time of a packet of queue `q` whose context carries `field`, in nanoseconds of device time
    /// (datasheet §10.2). The I210 form is resolved against the clock now: the time within [now − ½ s, now + ½ s)
    /// whose nanoseconds within the second equal 32 × the field, modulo one second.
    func launchDeviceNanoseconds(queue q: Int, field: UInt64) -> UInt64 {
        guard launchControl & LaunchTimeControl.i210Encoding(queue: q).rawValue != 0 else { return field }
        let second = Int128(LaunchTimeEncoding.nanosecondsPerSecond)
        let half = second / 2
        let within = Int128((field & LaunchTimeEncoding.fieldMask) * LaunchTimeEncoding.unitNanoseconds) % second
        let now = deviceTimePicoseconds / 1_000
        var t = now - now % second + within
        if t < now - half { t += second } else if t >= now + half && t >= second { t -= second }
        return UInt64(clamping: t)
    }

    /// Whether the packet fetch of queue `q`, whose head packet has a launch time `launch` (device nanoseconds),
    /// may happen now: not before `launch` − `FETCHTIME_DELTA` × 32 ns (datasheet §10.3). When not, a wake-up is
    /// scheduled at that instant.
    func launchFetchAllowed(queue q: Int, launch: UInt64) -> Bool {
        let delta = UInt64(clock.fetchDelta) * LaunchTimeEncoding.unitNanoseconds
        guard launch > delta else { return true }
        let due = virtualTime(atDeviceNanoseconds: launch - delta)
        guard due > simulator.now else { return true }
        // A time beyond the run's range is never due: the packet waits (for a clock change or a reset).
        if due.rawValue < Int64.max && txQueues[q].launchFetchWake != due {
            txQueues[q].launchFetchWake = due
            schedule(.launchFetch(queue: q), at: due)
        }
        return false
    }

    /// The virtual picoseconds at which a launch time of `nanoseconds` device time falls (datasheet §10, rule 1),
    /// as ``TxFrameRecord/launchTime`` holds it.
    func launchVirtualPicoseconds(_ nanoseconds: UInt64) -> Int64 {
        clock.virtual(atDevice: Int128(nanoseconds) * 1_000)
    }

    /// Recomputes the virtual launch times of queue `q`'s fetched frames from their device launch times.
    func retimeLaunches(queue q: Int) {
        txQueues[q].forEachRecord { r in
            if r.launchTime != Int64.min { r.launchTime = launchVirtualPicoseconds(r.launchDevice) }
        }
    }

    /// A launch-fetch wake-up (``NICEvent/launchFetch(queue:)``) fired for queue `q`.
    func launchFetchWoke(queue q: Int) {
        if q < txQueues.count && txQueues[q].launchFetchWake == simulator.now { txQueues[q].launchFetchWake = .never }
        pumpTransmit()
    }
}
