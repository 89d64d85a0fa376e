/// The device clock's registers (datasheet §10.1), at the offsets the Intel I210 gives its IEEE 1588 time-sync
/// registers (I210 datasheet §8.16 [U]; the same offsets as Linux igb's `E1000_SYSTIML` … `E1000_SYSTIMR`).
extension NICRegister {
    /// System time, nanoseconds within the second (0 to 999,999,999). Reading it latches ``systimh`` (unless a
    /// ``systimr`` read latched both just before). Writing it stores the nanoseconds a later ``systimh`` write sets.
    public static let systiml = NICRegister(rawValue: 0xB600)
    /// System time, seconds: the value latched by the last ``systimr`` or ``systiml`` read. Writing it sets the
    /// clock to these seconds and the nanoseconds last written to ``systiml``.
    public static let systimh = NICRegister(rawValue: 0xB604)
    /// Increment attributes: bit 31 `ISGN`, bits 30:0 `INCVALUE`. The clock runs at its oscillator's rate times
    /// (1 ± `INCVALUE` / 2³⁵): `INCVALUE` is added to (ISGN clear) or taken from (ISGN set) each 8 ns tick in units
    /// of 2⁻³² ns, the I210's form (Linux igb `igb_ptp_adjfine_82580` [U]). Reset 0: the nominal rate.
    public static let timinca = NICRegister(rawValue: 0xB608)
    /// Time adjustment, low 32 bits of a nanosecond count (stored; applied by a ``timadjh`` write).
    public static let timadjl = NICRegister(rawValue: 0xB60C)
    /// Time adjustment, high bits: bits 30:0 are bits 62:32 of the nanosecond count; bit 31 `SIGN` subtracts.
    /// Writing it adds (or subtracts) the count to the clock at once. Reads return the stored value.
    public static let timadjh = NICRegister(rawValue: 0xB610)
    /// System time residue: the sub-nanosecond part of the time, in units of 2⁻³² ns. Reading it latches the time,
    /// which the next ``systiml`` and ``systimh`` reads return (I210 [U]).
    public static let systimr = NICRegister(rawValue: 0xB6F8)
    /// Qav / launch-time transmit control (I210 `TQAVCTRL` [U]). Bits 31:16 `FETCHTIME_DELTA`: a packet with a
    /// launch time is fetched no earlier than this many 32 ns units before it (§10.3). Only bits 31:16 are stored.
    /// Reset 0xFFFF_0000: 0xFFFF × 32 ns = 2,097,120 ns, the maximum, which Linux igb programs
    /// (`igb_config_tx_modes` [U]).
    public static let tqavctrl = NICRegister(rawValue: 0x3570)
}

/// Launch-time control bits in ``NICRegister/ltctl`` (datasheet §10).
public struct LaunchTimeControl: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `DROPLATE`: drop packets whose launch time has passed instead of sending them late.
    public static let dropLate = LaunchTimeControl(rawValue: 1 << 0)
    /// `LT32` for transmit queue `queue` (bits 15:8): that queue's launch times are in the I210 encoding, a
    /// 25-bit count of 32 ns within the second (``LaunchTimeEncoding``), instead of 64-bit nanoseconds.
    @inlinable public static func i210Encoding(queue: Int) -> LaunchTimeControl {
        LaunchTimeControl(rawValue: 1 << (8 + UInt32(queue & 7)))
    }
    /// The bits the device stores.
    public static let stored = LaunchTimeControl(rawValue: 0xFF01)
}

/// The two forms of a context descriptor's `LAUNCHTIME` (datasheet §10.2).
public enum LaunchTimeEncoding {
    /// Nanoseconds in one second.
    public static let nanosecondsPerSecond: UInt64 = 1_000_000_000
    /// The I210 form's unit, in nanoseconds.
    public static let unitNanoseconds: UInt64 = 32
    /// The I210 form's field: bits 24:0.
    public static let fieldMask: UInt64 = 0x1FF_FFFF

    /// The I210 form of a launch time given in nanoseconds of device time: the nanoseconds within the second,
    /// in 32 ns units, rounded down (as Linux igb writes `tv_nsec / 32`).
    @inlinable public static func i210Field(deviceNanoseconds t: UInt64) -> UInt64 {
        (t % nanosecondsPerSecond) / unitNanoseconds
    }
}

/// One reading of the device clock, as a driver takes it: ``NICRegister/systimr``, then ``NICRegister/systiml`` and
/// ``NICRegister/systimh`` (the order that latches one instant).
public struct DeviceClockReading: Hashable, Sendable {
    public var residue: UInt32
    public var nanoseconds: UInt32
    public var seconds: UInt32
    public init(residue: UInt32, nanoseconds: UInt32, seconds: UInt32) {
        self.residue = residue
        self.nanoseconds = nanoseconds
        self.seconds = seconds
    }

    /// Reads the clock through `device` (three register reads).
    public init(from device: RegisterSpace) {
        residue = device.readRegister(.systimr)
        nanoseconds = device.readRegister(.systiml)
        seconds = device.readRegister(.systimh)
    }

    /// The time in picoseconds. The residue counts 2⁻³² ns, so its picoseconds are recovered exactly as
    /// ⌈residue × 1,000 / 2³²⌉ (the device wrote ⌊ps × 2³² / 1,000⌋).
    public var picoseconds: Int128 {
        let fraction = (Int128(residue) * 1_000 + (Int128(1) << 32) - 1) >> 32
        return (Int128(seconds) * 1_000_000_000 + Int128(nanoseconds)) * 1_000 + fraction
    }
}

/// A driver's conversion from host time to device time, from readings of the device clock paired with the host
/// time at which each was taken (datasheet §10.4): the offset from the newest reading, the rate from the first
/// and the newest (a nominal rate until there are two). Integer arithmetic throughout.
public struct DeviceClockEstimate: Hashable, Sendable {
    /// Host picoseconds and device picoseconds of the first and the newest reading.
    public private(set) var first: (host: Int64, device: Int128)?
    public private(set) var newest: (host: Int64, device: Int128)?
    public init() {}

    public static func == (a: Self, b: Self) -> Bool {
        a.first?.host == b.first?.host && a.first?.device == b.first?.device
            && a.newest?.host == b.newest?.host && a.newest?.device == b.newest?.device
    }
    public func hash(into h: inout Hasher) {
        h.combine(first?.host)
        h.combine(first?.device)
        h.combine(newest?.host)
        h.combine(newest?.device)
    }

    /// Adds a reading taken at host time `host` (picoseconds).
    public mutating func add(host: Int64, device: Int128) {
        if first == nil { first = (host, device) }
        newest = (host, device)
    }

    /// The host time of the newest reading, or nil before the first.
    public var newestHost: Int64? { newest?.host }

    /// The device time in picoseconds at host time `host`, or nil before the first reading.
    public func devicePicoseconds(atHost host: Int64) -> Int128? {
        guard let n = newest else { return nil }
        let elapsed = Int128(host) - Int128(n.host)
        guard let f = first, n.host > f.host else { return n.device + elapsed }
        return n.device + Self.floorDivide(elapsed * (n.device - f.device), Int128(n.host) - Int128(f.host))
    }

    static func floorDivide(_ a: Int128, _ b: Int128) -> Int128 {
        let q = a / b
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q
    }
}
