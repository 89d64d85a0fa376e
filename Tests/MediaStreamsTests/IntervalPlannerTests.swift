import SimCore
import Testing

@testable import MediaStreams

@Suite("Interval planner")
struct IntervalPlannerTests {
    @Test(
        "the standard rule: 4 datagrams of the slowest stream, rounded up to 1 µs, within [1 ms, 100 ms]",
        arguments: [
            ([Int64(1_000_000), 15_000_000], SimDuration.microseconds(42_112)),  // 4 × 1316 × 8 / 1 Mb/s
            ([15_000_000], .microseconds(2_808)),  // 2,807.47 µs rounded up
            ([256_000, 4_000_000], .milliseconds(100)),  // 164.5 ms, clamped
            ([1_000_000_000], .milliseconds(1)),  // 42 µs, clamped
        ])
    func standardRule(rates: [Int64], expected: SimDuration) throws {
        let interval = try IntervalPlanner.interval(rates: rates.map { ($0, 1316) }, rule: .standard)
        #expect(interval == expected)
    }

    @Test("fixed and custom rules; bad rules throw")
    func otherRules() throws {
        #expect(try IntervalPlanner.interval(rates: [], rule: .fixed(.milliseconds(5))) == .milliseconds(5))
        let custom = IntervalPlanner.Rule.fromBitRates(
            datagramsOfSlowest: 10, minimum: .milliseconds(1), maximum: .seconds(1))
        // 10 × 1316 × 8 / 1.0528 Mb/s = 100 ms.
        #expect(try IntervalPlanner.interval(rates: [(1_052_800, 1316)], rule: custom) == .milliseconds(100))
        let bad: [(IntervalPlanner.Rule, [(Int64, Int)])] = [
            (.fixed(.zero), [(1, 1)]),
            (.fromBitRates(datagramsOfSlowest: 0, minimum: .milliseconds(1), maximum: .seconds(1)), [(1, 1)]),
            (.fromBitRates(datagramsOfSlowest: 4, minimum: .seconds(2), maximum: .seconds(1)), [(1, 1)]),
            (.standard, []),
            (.standard, [(0, 1316)]),
        ]
        for (rule, rates) in bad {
            #expect(throws: MediaError.self) {
                try IntervalPlanner.interval(
                    rates: rates.map { (bitsPerSecond: $0.0, datagramBytes: $0.1) }, rule: rule)
            }
        }
    }

    @Test("every datagram of every stream is planned once, in the interval holding its due time")
    func coverage() throws {
        var random = RandomStream(seed: 11, name: "opaque")
        let streams = [
            try StreamSource(generating: .init(bitsPerSecond: 2_000_000), duration: .seconds(2)),
            try StreamSource(
                opaque: (0..<40_000).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                bitsPerSecond: 128_000),
            try StreamSource(transportStream: try MediaFixture.video4M.bytes()),
        ]
        let planner = try IntervalPlanner(streams: streams)
        // The slowest stream is the 128 kb/s opaque one with 1472-byte datagrams: 4 × 92 ms, clamped to 100 ms.
        #expect(planner.interval == .milliseconds(100))
        var next = [Int](repeating: 0, count: streams.count)
        var planned = [Int](repeating: 0, count: streams.count)
        for index in 0..<planner.intervalCount {
            let plan = planner.plan(interval: index)
            #expect(plan.start == .milliseconds(100) * Int64(index))
            #expect(plan.end == plan.start + .milliseconds(100))
            for slice in plan.slices {
                let source = streams[slice.stream]
                #expect(slice.datagrams.lowerBound == next[slice.stream])
                next[slice.stream] = slice.datagrams.upperBound
                planned[slice.stream] += slice.bytes.count
                for datagram in slice.datagrams {
                    let due = try #require(source.dueTime(ofDatagram: datagram))
                    #expect(due >= plan.start && due < plan.end)
                }
                if let first = slice.datagrams.first, let last = slice.datagrams.last {
                    #expect(slice.bytes.lowerBound == source.byteRange(ofDatagram: first)?.lowerBound)
                    #expect(slice.bytes.upperBound == source.byteRange(ofDatagram: last)?.upperBound)
                }
            }
        }
        #expect(next == streams.map(\.datagramCount))
        #expect(planned == streams.map(\.bytes.count))
        // A 2 Mb/s stream fills 100 ms intervals with 19 or 20 datagrams of 5.264 ms.
        let counts = (0..<19).map { planner.slice(of: 0, inInterval: $0).datagrams.count }
        #expect(counts.allSatisfy { $0 == 19 || $0 == 20 })
        #expect(planner.slice(of: 7, inInterval: 0).datagrams.isEmpty)
        #expect(planner.slice(of: 0, inInterval: 10_000).datagrams.isEmpty)
    }
}
