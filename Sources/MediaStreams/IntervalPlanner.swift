import SimCore

/// Groups the data of several streams by send interval (B2–B4): for each interval, the whole datagrams of each
/// stream that fall due in it — what a server turns into one multi-destination write (or one aggregate message)
/// per interval.
///
/// Intervals are `[k × I, (k + 1) × I)` of stream time for k = 0, 1, …; datagram `i` of a stream belongs to the
/// interval holding its due time (``StreamSource/dueTime(ofDatagram:)``). A server writes interval k's data at
/// the start of the interval, so a datagram leaves up to one interval early: receivers need a start-up delay of
/// at least one interval.
///
/// The interval I follows a ``Rule``; ``Rule/fromBitRates(datagramsOfSlowest:minimum:maximum:)`` is the default.
public struct IntervalPlanner: Sendable {
    /// How the interval is chosen.
    public enum Rule: Hashable, Sendable {
        /// A given interval, in virtual time.
        case fixed(SimDuration)
        /// From the streams' bit rates: the time the slowest stream (lowest bits per second) takes to fill
        /// `datagramsOfSlowest` of its datagrams, `n × size × 8 / rate`, rounded up to a whole microsecond and
        /// clamped to `[minimum, maximum]`.
        ///
        /// Why: every write then carries about n datagrams of even the slowest stream — fewer, larger writes
        /// (fewer system calls and interrupts) — while the maximum bounds how early data leaves and how bursty
        /// it is, and the minimum keeps a set of fast streams from degenerating to one write per packet.
        case fromBitRates(datagramsOfSlowest: Int, minimum: SimDuration, maximum: SimDuration)

        /// n = 4, clamped to [1 ms, 100 ms]: at 1,316-byte datagrams, 42.112 ms for a 1 Mb/s stream, 2.808 ms
        /// for 15 Mb/s, 100 ms for 256 kb/s audio.
        public static let standard = Rule.fromBitRates(
            datagramsOfSlowest: 4, minimum: .milliseconds(1), maximum: .milliseconds(100))
    }

    /// The whole datagrams of one stream due in one interval.
    public struct Slice: Hashable, Sendable {
        /// Index of the stream in the planner's list.
        public var stream: Int
        /// Datagram indices (possibly empty).
        public var datagrams: Range<Int>
        /// The bytes of those datagrams within the stream's ``StreamSource/bytes`` (empty when none).
        public var bytes: Range<Int>
    }

    /// One interval's data for every stream.
    public struct Plan: Hashable, Sendable {
        /// The interval's number k.
        public var index: Int
        /// Start of the interval, relative to the streams' start.
        public var start: SimDuration
        /// End of the interval (exclusive).
        public var end: SimDuration
        /// One slice per stream, in stream order.
        public var slices: [Slice]
        /// Total payload bytes due in the interval.
        public var byteCount: Int { slices.reduce(0) { $0 + $1.bytes.count } }
    }

    /// The streams, in the order given.
    public let streams: [StreamSource]
    /// The interval length in virtual time.
    public let interval: SimDuration

    /// Plans `streams` with an interval chosen by `rule`.
    ///
    /// - Throws: `MediaError.Code.invalidConfiguration` when there are no streams, the fixed interval or a
    ///   bound is not positive, `minimum` exceeds `maximum`, or n is below 1.
    public init(streams: [StreamSource], rule: Rule = .standard) throws(MediaError) {
        self.streams = streams
        self.interval = try Self.interval(
            rates: streams.map { ($0.bitsPerSecond, $0.datagramPayloadSize) }, rule: rule)
    }

    /// The interval `rule` gives for streams of `(bits per second, datagram payload bytes)`.
    ///
    /// - Throws: as ``init(streams:rule:)``.
    public static func interval(rates: [(bitsPerSecond: Int64, datagramBytes: Int)], rule: Rule) throws(MediaError)
        -> SimDuration
    {
        func invalid(_ message: String) -> MediaError {
            MediaError(code: .invalidConfiguration, offset: nil, message: message)
        }
        switch rule {
        case .fixed(let interval):
            guard interval > .zero else { throw invalid("interval \(interval): expected more than zero") }
            return interval
        case .fromBitRates(let count, let minimum, let maximum):
            guard count >= 1 else { throw invalid("datagrams of the slowest stream \(count): expected at least 1") }
            guard minimum > .zero, minimum <= maximum else {
                throw invalid("interval bounds [\(minimum), \(maximum)]: expected 0 < minimum ≤ maximum")
            }
            guard let slowest = rates.min(by: { $0.bitsPerSecond < $1.bitsPerSecond }) else {
                throw invalid("no streams to choose an interval for")
            }
            guard slowest.bitsPerSecond > 0, slowest.datagramBytes > 0 else {
                throw invalid(
                    "stream rate \(slowest.bitsPerSecond) b/s or datagram size \(slowest.datagramBytes): "
                        + "expected more than zero")
            }
            let bits = Int64(count) * Int64(slowest.datagramBytes) * 8
            let exact = mulDivUp(bits, picosecondsPerSecond, slowest.bitsPerSecond)
            let microsecond: Int64 = 1_000_000
            let rounded =
                exact >= Int64.max - microsecond ? Int64.max : (exact + microsecond - 1) / microsecond * microsecond
            return min(max(SimDuration(rawValue: rounded), minimum), maximum)
        }
    }

    /// Intervals until every stream's last datagram has been planned.
    public var intervalCount: Int {
        var latest: SimDuration = .zero
        for stream in streams {
            if let due = stream.dueTime(ofDatagram: stream.datagramCount - 1), due > latest { latest = due }
        }
        return streams.isEmpty ? 0 : Int(latest.rawValue / interval.rawValue) + 1
    }

    /// Start of interval `index` relative to the streams' start (clamped at the end of representable time).
    public func start(ofInterval index: Int) -> SimDuration {
        let product = Int64(max(index, 0)).multipliedReportingOverflow(by: interval.rawValue)
        return SimDuration(rawValue: product.overflow ? .max : product.partialValue)
    }

    /// The datagrams of stream `stream` due in interval `index`; empty ranges outside the plan.
    public func slice(of stream: Int, inInterval index: Int) -> Slice {
        guard stream >= 0, stream < streams.count, index >= 0 else {
            return Slice(stream: stream, datagrams: 0..<0, bytes: 0..<0)
        }
        let source = streams[stream]
        let first = source.firstDatagram(dueAtOrAfter: start(ofInterval: index))
        let last = source.firstDatagram(dueAtOrAfter: start(ofInterval: index + 1))
        guard first < last, let head = source.byteRange(ofDatagram: first),
            let tail = source.byteRange(ofDatagram: last - 1)
        else {
            return Slice(stream: stream, datagrams: first..<first, bytes: 0..<0)
        }
        return Slice(stream: stream, datagrams: first..<last, bytes: head.lowerBound..<tail.upperBound)
    }

    /// Every stream's slice for interval `index`.
    public func plan(interval index: Int) -> Plan {
        Plan(
            index: index, start: start(ofInterval: index), end: start(ofInterval: index + 1),
            slices: streams.indices.map { slice(of: $0, inInterval: index) })
    }
}
