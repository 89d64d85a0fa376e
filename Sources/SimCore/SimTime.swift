/// A point in virtual time, counted in integer picoseconds since the start of a run.
///
/// Virtual time never reads a wall clock. Picoseconds make one bit at 100 Gb/s (10 ps) exact and still leave
/// about 106 days of range in an `Int64`.
public struct SimTime: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Picoseconds since the start of the run.
    public var rawValue: Int64

    @inlinable public init(rawValue: Int64) { self.rawValue = rawValue }

    /// The start of every run.
    public static let zero = SimTime(rawValue: 0)
    /// A time later than any a run reaches.
    public static let never = SimTime(rawValue: .max)

    @inlinable public static func picoseconds(_ value: Int64) -> SimTime { SimTime(rawValue: value) }
    @inlinable public static func nanoseconds(_ value: Int64) -> SimTime { SimTime(rawValue: value * 1_000) }
    @inlinable public static func microseconds(_ value: Int64) -> SimTime { SimTime(rawValue: value * 1_000_000) }
    @inlinable public static func milliseconds(_ value: Int64) -> SimTime { SimTime(rawValue: value * 1_000_000_000) }
    @inlinable public static func seconds(_ value: Int64) -> SimTime { SimTime(rawValue: value * 1_000_000_000_000) }

    /// Whole nanoseconds since the start (truncated), as pcap's nanosecond timestamps want them.
    @inlinable public var nanoseconds: Int64 { rawValue / 1_000 }
    /// Seconds as a floating-point number, for reports only.
    @inlinable public var seconds: Double { Double(rawValue) / 1e12 }

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.rawValue < b.rawValue }
    @inlinable public static func + (a: SimTime, b: SimDuration) -> SimTime {
        SimTime(rawValue: a.rawValue &+ b.rawValue)
    }
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimDuration {
        SimDuration(rawValue: a.rawValue - b.rawValue)
    }
    @inlinable public static func += (a: inout SimTime, b: SimDuration) { a = a + b }

    public var description: String { SimDuration(rawValue: rawValue).description }
}

/// A span of virtual time in integer picoseconds.
public struct SimDuration: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Picoseconds.
    public var rawValue: Int64

    @inlinable public init(rawValue: Int64) { self.rawValue = rawValue }

    public static let zero = SimDuration(rawValue: 0)

    @inlinable public static func picoseconds(_ value: Int64) -> SimDuration { SimDuration(rawValue: value) }
    @inlinable public static func nanoseconds(_ value: Int64) -> SimDuration { SimDuration(rawValue: value * 1_000) }
    @inlinable public static func microseconds(_ value: Int64) -> SimDuration {
        SimDuration(rawValue: value * 1_000_000)
    }
    @inlinable public static func milliseconds(_ value: Int64) -> SimDuration {
        SimDuration(rawValue: value * 1_000_000_000)
    }
    @inlinable public static func seconds(_ value: Int64) -> SimDuration {
        SimDuration(rawValue: value * 1_000_000_000_000)
    }

    /// The time `bits` take to serialize at `bitsPerSecond`, rounded up to a whole picosecond.
    ///
    /// Rounding up keeps back-to-back frames from overlapping by a fraction of a picosecond.
    @inlinable public static func serialization(bits: Int64, bitsPerSecond: Int64) -> SimDuration {
        precondition(bitsPerSecond > 0 && bits >= 0)
        let (whole, rest) = (bits * 1_000_000).quotientAndRemainder(dividingBy: bitsPerSecond)
        // bits * 1e12 / rate, computed as (bits * 1e6 / rate) * 1e6 to stay inside Int64 for any frame.
        let picos = whole * 1_000_000 + (rest * 1_000_000 + bitsPerSecond - 1) / bitsPerSecond
        return SimDuration(rawValue: picos)
    }

    /// The time `cycles` take on a core clocked at `hertz`, rounded up to a whole picosecond.
    @inlinable public static func cycles(_ cycles: Int64, hertz: Int64) -> SimDuration {
        serialization(bits: cycles, bitsPerSecond: hertz)
    }

    @inlinable public var seconds: Double { Double(rawValue) / 1e12 }
    @inlinable public var nanoseconds: Int64 { rawValue / 1_000 }

    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.rawValue < b.rawValue }
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration {
        SimDuration(rawValue: a.rawValue + b.rawValue)
    }
    @inlinable public static func * (a: SimDuration, b: Int64) -> SimDuration { SimDuration(rawValue: a.rawValue * b) }

    /// A short human form: "1.500 us", "12 ns", "2.000000 s".
    public var description: String {
        let v = rawValue
        let sign = v < 0 ? "-" : ""
        let a = v.magnitude
        func fixed(_ unit: UInt64, _ digits: Int, _ suffix: String) -> String {
            let whole = a / unit
            let frac = a % unit
            var f = String(frac * pow10(digits) / unit)
            while f.count < digits { f = "0" + f }
            return "\(sign)\(whole).\(f) \(suffix)"
        }
        if a >= 1_000_000_000_000 { return fixed(1_000_000_000_000, 6, "s") }
        if a >= 1_000_000_000 { return fixed(1_000_000_000, 3, "ms") }
        if a >= 1_000_000 { return fixed(1_000_000, 3, "us") }
        if a >= 1_000 { return fixed(1_000, 3, "ns") }
        return "\(sign)\(a) ps"
    }
}

@usableFromInline func pow10(_ n: Int) -> UInt64 {
    var r: UInt64 = 1
    for _ in 0..<n { r *= 10 }
    return r
}
