/// Counts non-negative nanosecond samples in log-linear buckets and answers percentiles, without allocating after
/// init and without a histogram library.
///
/// Values below 16 ns have a bucket each; above, every power of two is split into 8 equal buckets, so a reported
/// percentile is the upper edge of its bucket: at most 12.5 % above the true sample (and never above the
/// maximum, which is kept exactly).
public struct LatenessRecorder: Hashable, Sendable {
    /// Samples recorded.
    public private(set) var count = 0
    /// The largest sample, in nanoseconds (0 before any).
    public private(set) var maximum: Int64 = 0
    /// The sum of all samples, in nanoseconds.
    public private(set) var total: Int64 = 0
    private var buckets = [UInt64](repeating: 0, count: LatenessRecorder.bucketCount)

    static let exactBelow: Int64 = 16
    static let subBucketBits = 3
    static let bucketCount = 16 + (62 - 4 + 1) * 8

    public init() {}

    /// Adds one sample; negative values count as 0.
    public mutating func record(nanoseconds value: Int64) {
        let v = max(0, value)
        buckets[Self.bucket(of: v)] += 1
        count += 1
        total &+= v
        if v > maximum { maximum = v }
    }

    /// The smallest bucket edge at or below which a fraction `p` (0…1) of the samples lie, capped at ``maximum``;
    /// 0 with no samples.
    public func percentile(_ p: Double) -> Int64 {
        precondition(p >= 0 && p <= 1, "percentile must lie in [0, 1]")
        guard count > 0 else { return 0 }
        let rank = max(1, UInt64((p * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for index in 0..<buckets.count {
            seen += buckets[index]
            if seen >= rank { return min(Self.upperEdge(of: index), maximum) }
        }
        return maximum
    }

    /// The mean sample in nanoseconds (0 with no samples).
    public var mean: Double { count > 0 ? Double(total) / Double(count) : 0 }

    static func bucket(of value: Int64) -> Int {
        if value < exactBelow { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount  // 4…62
        let sub = Int((value >> (exponent - subBucketBits)) & 7)
        return Int(exactBelow) + (exponent - 4) * 8 + sub
    }

    static func upperEdge(of index: Int) -> Int64 {
        if index < Int(exactBelow) { return Int64(index) }
        let exponent = (index - Int(exactBelow)) / 8 + 4
        let sub = Int64((index - Int(exactBelow)) % 8)
        let width = Int64(1) << (exponent - subBucketBits)
        return (8 + sub) * width + width - 1
    }
}
