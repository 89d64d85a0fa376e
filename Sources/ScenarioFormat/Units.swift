/// Parsers for the quantities that scenario files write with units: sizes, bit rates, durations and clock rates.
///
/// Every function takes the text of one value (`"64KiB"`, `"1.5us"`, `"10Gbps"`) and returns the quantity as an
/// integer in the base unit, or `nil` when the text is not such a quantity. They never trap: a value that does not
/// fit in `Int64` (`"99999999999999GiB"`) is `nil` too.
///
/// The accepted form is a decimal number, optionally followed by spaces, then a unit:
/// - the number is ASCII digits, with `_` allowed between digits (`1_000_000`), and an optional fraction
///   (`1.5`); there is no sign, exponent or leading `.`;
/// - a fraction is accepted only when the result is a whole number of base units (`"1.5KiB"` is 1536 bytes,
///   `"1.5B"` is `nil`);
/// - unit names are case-sensitive and are exactly the ones listed on each function.
public enum Units {
    /// A size in bytes, at least 0.
    ///
    /// A plain number is bytes. Units: `B` (1), `KB`/`kB` (1000), `MB` (1000²), `GB` (1000³),
    /// `KiB` (1024), `MiB` (1024²), `GiB` (1024³).
    public static func bytes(_ text: String) -> Int64? {
        scaled(text, units: byteUnits, plainMultiplier: 1)
    }

    /// A bit rate in bits per second, greater than 0.
    ///
    /// A plain number is bits per second. Units: `bps` (1), `Kbps`/`kbps` (10³), `Mbps` (10⁶), `Gbps` (10⁹).
    public static func bitsPerSecond(_ text: String) -> Int64? {
        guard let value = scaled(text, units: rateUnits, plainMultiplier: 1), value > 0 else { return nil }
        return value
    }

    /// A duration in picoseconds, at least 0.
    ///
    /// A unit is required except for a plain `0`. Units: `ps` (1), `ns` (10³), `us`/`µs` (10⁶), `ms` (10⁹),
    /// `s` (10¹²).
    public static func picoseconds(_ text: String) -> Int64? {
        scaled(text, units: durationUnits, plainMultiplier: nil) ?? (text == "0" ? 0 : nil)
    }

    /// A clock rate in hertz, greater than 0.
    ///
    /// A plain number is hertz. Units: `Hz` (1), `KHz`/`kHz` (10³), `MHz` (10⁶), `GHz` (10⁹).
    public static func hertz(_ text: String) -> Int64? {
        guard let value = scaled(text, units: clockUnits, plainMultiplier: 1), value > 0 else { return nil }
        return value
    }

    // MARK: - Tables

    private static let byteUnits: [(name: String, multiplier: Int64)] = [
        ("B", 1), ("KB", 1000), ("kB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000),
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
    ]
    private static let rateUnits: [(name: String, multiplier: Int64)] = [
        ("bps", 1), ("Kbps", 1000), ("kbps", 1000), ("Mbps", 1_000_000), ("Gbps", 1_000_000_000),
    ]
    private static let durationUnits: [(name: String, multiplier: Int64)] = [
        ("ps", 1), ("ns", 1000), ("us", 1_000_000), ("\u{B5}s", 1_000_000), ("\u{3BC}s", 1_000_000),
        ("ms", 1_000_000_000), ("s", 1_000_000_000_000),
    ]
    private static let clockUnits: [(name: String, multiplier: Int64)] = [
        ("Hz", 1), ("KHz", 1000), ("kHz", 1000), ("MHz", 1_000_000), ("GHz", 1_000_000_000),
    ]

    // MARK: - Number scanning

    /// A number split into its significant digits and the power of ten that divides them.
    private struct Decimal {
        /// All digits of the number with the trailing zeros of the fraction removed (`1.50` → 15).
        var mantissa: Int64
        /// Fraction digits left in `mantissa` (`1.50` → 1).
        var fractionDigits: Int
    }

    /// Splits `text` into a number and a unit and scales; `plainMultiplier` is used when there is no unit
    /// (nil: a unit is required).
    private static func scaled(
        _ text: String, units: [(name: String, multiplier: Int64)], plainMultiplier: Int64?
    ) -> Int64? {
        let bytes = Array(text.utf8)
        var end = 0
        while end < bytes.count, isNumberByte(bytes[end]) { end += 1 }
        guard end > 0, let number = decimal(bytes[0..<end]) else { return nil }
        var unitStart = end
        while unitStart < bytes.count, bytes[unitStart] == UInt8(ascii: " ") { unitStart += 1 }
        let multiplier: Int64
        if unitStart == bytes.count {
            guard unitStart == end, let plain = plainMultiplier else { return nil }
            multiplier = plain
        } else {
            guard let unit = String(validating: bytes[unitStart...], as: UTF8.self),
                let entry = units.first(where: { $0.name == unit })
            else { return nil }
            multiplier = entry.multiplier
        }
        return scale(number, by: multiplier)
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ".")
    }

    /// `digits[_digits]…[.digits]` → a ``Decimal``; nil for any other arrangement or when it overflows.
    private static func decimal(_ bytes: ArraySlice<UInt8>) -> Decimal? {
        var mantissa: Int64 = 0
        var fractionDigits = 0
        var inFraction = false
        var previous: UInt8 = 0  // 0 at the start
        var pendingZeros = 0  // fraction zeros not yet multiplied in (they may be trailing)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "_"):
                guard !inFraction, isDigit(previous) else { return nil }
            case UInt8(ascii: "."):
                guard !inFraction, isDigit(previous) else { return nil }
                inFraction = true
            default:
                let digit = Int64(byte - UInt8(ascii: "0"))
                if inFraction, digit == 0 {
                    pendingZeros += 1
                } else {
                    for _ in 0..<pendingZeros {
                        guard let shifted = multiply(mantissa, 10) else { return nil }
                        mantissa = shifted
                    }
                    if inFraction { fractionDigits += pendingZeros + 1 }
                    pendingZeros = 0
                    guard let shifted = multiply(mantissa, 10) else { return nil }
                    let (sum, overflow) = shifted.addingReportingOverflow(digit)
                    guard !overflow else { return nil }
                    mantissa = sum
                }
            }
            previous = byte
        }
        guard isDigit(previous) else { return nil }  // no trailing `_` or `.`
        return Decimal(mantissa: mantissa, fractionDigits: fractionDigits)
    }

    /// `number × multiplier` when it is a whole number that fits in `Int64`.
    private static func scale(_ number: Decimal, by multiplier: Int64) -> Int64? {
        guard let product = multiply(number.mantissa, multiplier) else { return nil }
        var divisor: Int64 = 1
        for _ in 0..<number.fractionDigits {
            guard let next = multiply(divisor, 10) else { return nil }
            divisor = next
        }
        guard product % divisor == 0 else { return nil }
        return product / divisor
    }

    private static func multiply(_ a: Int64, _ b: Int64) -> Int64? {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : product
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// A plain unsigned decimal integer (`_` allowed between digits), or nil.
    static func unsignedInteger(_ text: String) -> UInt64? {
        var value: UInt64 = 0
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "_") {
                guard isDigit(previous) else { return nil }
            } else {
                guard isDigit(byte) else { return nil }
                let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return nil }
                value = sum
            }
            previous = byte
        }
        guard isDigit(previous) else { return nil }
        return value
    }
}
