import Foundation
import Scenarios
import Testing

@Suite("Sweep: run numbering, shards and the summary over seeds")
struct SweepModelTests {
    static let yaml = """
        name: tiny
        seed: 7
        server:
          link: { rate: 10Gbps }
          driver: { mode: zero-copy, interrupts: per-write }
        receivers:
          - { name: rx1, ip: 192.0.2.11, link: { rate: 1Gbps } }
        writes:
          count: 1
          interval: 1ms
          entries:
            - { to: rx1, size: 3000 }

        """

    static func sweep(seeds: Int = 2) -> Sweep {
        Sweep(scenario: "tiny", scenarioDigest: Sweep.digest(Array(yaml.utf8)),
              dimensions: [.init(key: "server.driver.mode", values: ["copy", "zero-copy"]),
                           .init(key: "writes.count", values: ["1", "2", "3"])],
              seeds: seeds, limits: [])
    }

    @Test("runs are numbered variant by variant in compare's order, seed by seed within a variant")
    func numbering() {
        let s = Self.sweep()
        #expect(s.runCount == 12 && s.variantCount == 6)
        let variants = s.variants()
        #expect(
            variants.map(Sweep.label) == ["copy 1", "copy 2", "copy 3", "zero-copy 1", "zero-copy 2", "zero-copy 3"])
        #expect(variants == Comparison.combinations([(["server", "driver", "mode"], ["copy", "zero-copy"]),
                                                     (["writes", "count"], ["1", "2", "3"])]))
        #expect(s.position(of: 7).variant == 3 && s.position(of: 7).seedIndex == 1)
        // A product that overflows has no run count (and is refused by the limit).
        var huge = s
        huge.dimensions = Array(repeating: .init(key: "k", values: Array(repeating: "v", count: 1 << 16)), count: 5)
        #expect(huge.runCount == nil)
    }

    @Test("shards K/N split the runs into N disjoint shares that cover every run", arguments: 1...5)
    func shards(count: Int) throws {
        var covered: [Int] = []
        for k in 1...count {
            var s = Self.sweep()
            s.shard = try #require(Sweep.Shard("\(k)/\(count)"))
            covered += s.runs
            #expect(s.sameProduct(as: Self.sweep()))
        }
        #expect(covered.sorted() == Array(0..<12))
    }

    @Test("a shard is K/N with 1 ≤ K ≤ N", arguments: ["0/3", "4/3", "1/0", "a/b", "1", "1/2/3", "-1/2", ""])
    func badShard(text: String) {
        #expect(Sweep.Shard(text) == nil)
    }

    @Test("the summary gives each figure's mean and sample spread over seeds; failed runs count apart")
    func summary() throws {
        let s = Self.sweep()
        var results: [SweepResult] = []
        for run in 0..<12 {
            let (v, seedIndex) = s.position(of: run)
            if run == 5 {
                results.append(SweepResult(run: run, variant: [:], seed: 8, status: .failed, error: "no"))
                continue
            }
            let spec = try ScenarioParser.parse(yaml: Self.yaml, file: "tiny.yaml", overrides: s.variants()[v])
            let world = try World(spec: spec)
            results.append(SweepResult(run: run, variant: [:], seed: 7 + UInt64(seedIndex), status: .ok,
                                       report: world.report(outcome: world.run())))
        }
        // Variant 0's two seeds made 10 and 20 system calls: mean 15, spread √50.
        for (run, calls) in [(0, 10), (1, 20)] {
            var report = try #require(results[run].report)
            report.hosts[0].syscalls = UInt64(calls)
            results[run] = SweepResult(run: run, variant: [:], seed: results[run].seed, status: .ok, report: report)
        }
        let summary = SweepSummary(sweep: s, results: results.reversed())
        let calls = try #require(summary.names.firstIndex(of: "system calls"))
        #expect(
            summary.cells[calls][0]?.mean == 15 && summary.cells[calls][0]?.min == 10
                && summary.cells[calls][0]?.max == 20)
        #expect(summary.cells[calls][0]?.text == "15 ±7.071")
        #expect(summary.ended == [2, 2, 1, 2, 2, 2] && summary.failed == [0, 0, 1, 0, 0, 0])
        #expect(summary.failures.map(\.run) == [5])
        let frames = try #require(summary.names.firstIndex(of: "frames transmitted"))
        // 3,000 bytes in three datagrams per write: 3, 6 and 9 frames, the same for both seeds.
        #expect(summary.cells[frames].map { $0?.mean } == [3, 6, 9, 3, 6, 9])
        #expect(summary.cells[frames].map { $0?.spread } == [0, 0, 0, 0, 0, 0])
        #expect(summary.cells[frames][0]?.text == "3 ±0" && summary.cells[frames][2]?.text == "9")
        let csv = summary.csv().split(separator: "\n")
        #expect(csv.count == 7)
        #expect(csv[1].hasPrefix("copy,1,2,0,"))
        #expect(csv[0].contains("mean write completion (ps) mean,mean write completion (ps) spread"))
        #expect(summary.text().contains("run 5 (copy 3 seed 8): failed: no"))
        #expect(summary.html().contains("frames transmitted against server.driver.mode, one line per writes.count"))
    }

    @Test("numbers are written with at most three decimals and no trailing zeros")
    func decimals() {
        #expect(SweepSummary.decimal(2) == "2")
        #expect(SweepSummary.decimal(2.0 / 3) == "0.667")
        #expect(SweepSummary.decimal(1.5) == "1.5")
        #expect(SweepSummary.decimal(2.squareRoot()) == "1.414")
    }

    @Test("results.jsonl: a later line for a run replaces an earlier one; a cut line is skipped")
    func readResults() {
        let a = SweepResult(run: 3, variant: ["k": "v"], seed: 1, status: .killed, error: "x").jsonLine()
        let b = SweepResult(run: 3, variant: ["k": "v"], seed: 1, status: .failed, error: "y").jsonLine()
        let read = SweepResult.read(a + b + String(b.prefix(20)))
        #expect(read.count == 1 && read[3]?.status == .failed && read[3]?.error == "y")
        #expect(a.hasSuffix("}\n") && a.hasPrefix("{\"error\":\"x\",\"run\":3,\"seed\":1,\"status\":\"killed\""))
    }
}
