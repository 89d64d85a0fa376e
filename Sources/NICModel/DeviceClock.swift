/// The device's own clock (datasheet §10.1): device time as a function of virtual time, exact and deterministic.
///
/// The oscillator runs at (1 + `drift`) times the virtual clock (`drift` in parts per billion, a property of the
/// crystal the scenario sets, not a register); the clock counts its ticks at (1 ± `INCVALUE` / 2³⁵) of the
/// oscillator (``NICInterface/NICRegister/timinca``). Both factors are applied with integer floors to the virtual
/// time elapsed since the clock's *anchor*, the last instant the driver changed it (a `TIMINCA`, `TIMADJH` or
/// `SYSTIMH` write, or a reset): the time read at an instant depends on that instant and the anchor only, never on
/// how many events came between.
struct DeviceClock {
    /// Virtual picoseconds and device picoseconds at the anchor.
    var anchorVirtual: Int64 = 0
    var anchorDevice: Int128
    /// Oscillator error, parts per billion.
    let driftPPB: Int64
    /// Signed `INCVALUE` (`ISGN` applied), in 2⁻³⁵ of the rate.
    var increment: Int64 = 0

    /// Writes the registers keep until they act.
    var timinca: UInt32 = 0
    var timadjl: UInt32 = 0
    var timadjh: UInt32 = 0
    var pendingNanoseconds: UInt32 = 0
    /// The instant the last `SYSTIMR` or `SYSTIML` read latched.
    var latchedSeconds: UInt32 = 0
    var latchedNanoseconds: UInt32 = 0
    var residueLatched = false
    /// `TQAVCTRL` bits 31:16.
    var fetchDelta: UInt32 = 0xFFFF

    init(offsetNanoseconds: UInt64, driftPPB: Int64) {
        anchorDevice = Int128(offsetNanoseconds) * 1_000
        self.driftPPB = driftPPB
    }

    static let scale = Int128(1) << 35

    /// Device picoseconds after `elapsed` virtual picoseconds since the anchor (`elapsed` ≥ 0).
    func advance(_ elapsed: Int128) -> Int128 {
        let oscillator = elapsed + floorDivide(elapsed * Int128(driftPPB), 1_000_000_000)
        return oscillator + floorDivide(oscillator * Int128(increment), Self.scale)
    }

    /// Device picoseconds at virtual time `v` (not before the anchor).
    func device(atVirtual v: Int64) -> Int128 {
        anchorDevice + advance(Int128(v) - Int128(anchorVirtual))
    }

    /// The first virtual picosecond, not before the anchor, at which the clock reads `d` or more (Int64.max if
    /// beyond the run's range). The rate lies within 15/16 … 17/16 × (1 ± 0.001), so the estimate below is off by
    /// a few picoseconds at most, which the steps correct.
    func virtual(atDevice d: Int128) -> Int64 {
        let target = d - anchorDevice
        // A time the clock passed before its anchor: some instant before it (late for any frame after it).
        if target < 0 { return anchorVirtual - 1 }
        if target == 0 { return anchorVirtual }
        // Rate ≈ (1e9 + drift) / 1e9 × (2³⁵ + increment) / 2³⁵.
        let numerator = target * 1_000_000_000 / (1_000_000_000 + Int128(driftPPB))
        var e = numerator * Self.scale / (Self.scale + Int128(increment))
        if e > Int128(Int64.max) - Int128(anchorVirtual) { return Int64.max }
        while e > 0 && advance(e - 1) >= target { e -= 1 }
        while advance(e) < target { e += 1 }
        return e > Int128(Int64.max) - Int128(anchorVirtual) ? Int64.max : anchorVirtual + Int64(e)
    }

    /// Moves the anchor to `v` without changing the time (before the rate or the time changes).
    mutating func reanchor(at v: Int64) {
        anchorDevice = device(atVirtual: v)
        anchorVirtual = v
    }

    func floorDivide(_ a: Int128, _ b: Int128) -> Int128 {
        let q = a / b
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q
    }
}
