/// An MPEG-2 system clock value: the 42-bit program_clock_reference of a transport stream adaptation field.
///
/// The value counts ticks of the 27 MHz system clock: base (33 bits, 90 kHz) × 300 + extension (9 bits, 0–299),
/// and wraps at 2³³ × 300 (about 26.5 hours). The same layout carries OPCR.
public struct ProgramClockReference: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// Ticks of the 27 MHz clock, in `0 ..< modulus`.
    public var rawValue: UInt64

    /// Ticks of the system clock per second (27 MHz).
    public static let ticksPerSecond: Int64 = 27_000_000
    /// The value at which the clock wraps to 0: 2³³ × 300 ticks.
    public static let modulus: UInt64 = (1 << 33) * 300
    /// Bytes the field occupies in an adaptation field.
    public static let encodedSize = 6

    /// Wraps `rawValue` (27 MHz ticks) into `0 ..< modulus`.
    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue % Self.modulus }

    /// Builds a value from its fields: `base` (90 kHz ticks, low 33 bits kept) × 300 + `extension` (27 MHz ticks).
    ///
    /// An extension of 300 or more is out of range in MPEG but representable in the 9-bit field; it is kept and
    /// the sum wrapped.
    @inlinable
    public init(base: UInt64, extension: UInt16) {
        self.init(rawValue: (base & 0x1_FFFF_FFFF) * 300 + UInt64(`extension` & 0x1FF))
    }

    /// The 33-bit base in 90 kHz ticks.
    @inlinable public var base: UInt64 { rawValue / 300 }
    /// The 9-bit extension in 27 MHz ticks, 0–299.
    @inlinable public var `extension`: UInt16 { UInt16(rawValue % 300) }

    /// Ticks (27 MHz) from `earlier` to this value, modulo the wrap: always in `0 ..< modulus`.
    @inlinable
    public func ticks(since earlier: ProgramClockReference) -> Int64 {
        let difference =
            rawValue >= earlier.rawValue
            ? rawValue - earlier.rawValue : rawValue + Self.modulus - earlier.rawValue
        return Int64(difference)
    }

    /// This value moved forward by `ticks` (27 MHz, may be negative), wrapping.
    @inlinable
    public func advanced(byTicks ticks: Int64) -> ProgramClockReference {
        let m = Int64(Self.modulus)
        let step = ((ticks % m) + m) % m
        return ProgramClockReference(rawValue: rawValue + UInt64(step))
    }

    /// Reads the 6-byte field at `offset`; nil when the bytes are not all inside `bytes`.
    @inlinable
    public init?(decoding bytes: [UInt8], at offset: Int) {
        guard offset >= 0, offset <= bytes.count - Self.encodedSize else { return nil }
        let base =
            UInt64(bytes[offset]) << 25 | UInt64(bytes[offset + 1]) << 17 | UInt64(bytes[offset + 2]) << 9
            | UInt64(bytes[offset + 3]) << 1 | UInt64(bytes[offset + 4]) >> 7
        let ext = UInt16(bytes[offset + 4] & 0x01) << 8 | UInt16(bytes[offset + 5])
        self.init(base: base, extension: ext)
    }

    /// Writes the 6-byte field at `offset` (the 6 reserved bits set to 1); the bytes must exist.
    @inlinable
    public func encode(into bytes: inout [UInt8], at offset: Int) {
        precondition(offset >= 0 && offset <= bytes.count - Self.encodedSize, "PCR encode out of range")
        let base = self.base
        let ext = self.extension
        bytes[offset] = UInt8(truncatingIfNeeded: base >> 25)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: base >> 17)
        bytes[offset + 2] = UInt8(truncatingIfNeeded: base >> 9)
        bytes[offset + 3] = UInt8(truncatingIfNeeded: base >> 1)
        bytes[offset + 4] = UInt8(truncatingIfNeeded: (base & 1) << 7) | 0x7E | UInt8(truncatingIfNeeded: ext >> 8)
        bytes[offset + 5] = UInt8(truncatingIfNeeded: ext)
    }

    /// `base×300+ext` form, e.g. `PCR 2700000 (base 9000 + 0)`.
    public var description: String { "PCR \(rawValue) (base \(base) + \(self.extension))" }
}
