/// ⌊a × b / c⌋ for a, b ≥ 0 and c > 0 with a 128-bit intermediate product, clamped to `Int64.max`.
///
/// Rates and times in this module multiply byte counts by 8 × 10¹² or 27 × 10⁶ before dividing by a rate, which
/// overflows 64 bits long before the quotient does. Negative inputs are treated as 0 (callers pass counts and
/// non-negative spans; clamping keeps hostile input from trapping).
@inlinable
func mulDiv(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64 {
    guard a > 0, b > 0, c > 0 else { return 0 }
    guard let division = fullWidthQuotient(a, b, c), division.quotient <= UInt64(Int64.max) else { return .max }
    return Int64(division.quotient)
}

/// ⌈a × b / c⌉ with the same domain and clamping as ``mulDiv(_:_:_:)``.
@inlinable
func mulDivUp(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64 {
    guard a > 0, b > 0, c > 0 else { return 0 }
    guard let division = fullWidthQuotient(a, b, c) else { return .max }
    let up = division.remainder == 0 ? division.quotient : division.quotient &+ 1
    return up > UInt64(Int64.max) || up == 0 ? .max : Int64(up)
}

/// Quotient and remainder of a × b / c (all positive) through the 128-bit product; nil when the quotient does not
/// fit 64 bits.
@inlinable
func fullWidthQuotient(_ a: Int64, _ b: Int64, _ c: Int64) -> (quotient: UInt64, remainder: UInt64)? {
    let product = UInt64(a).multipliedFullWidth(by: UInt64(b))
    let divisor = UInt64(c)
    guard product.high < divisor else { return nil }
    return divisor.dividingFullWidth(product)
}

/// Picoseconds in one second.
@usableFromInline let picosecondsPerSecond: Int64 = 1_000_000_000_000

/// `a + b`, clamped to the `Int64` range instead of trapping.
@inlinable
func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b > 0 ? .max : .min) : sum
}

/// `a − b`, clamped to the `Int64` range instead of trapping.
@inlinable
func saturatingSubtract(_ a: Int64, _ b: Int64) -> Int64 {
    let (difference, overflow) = a.subtractingReportingOverflow(b)
    return overflow ? (b < 0 ? .max : .min) : difference
}
