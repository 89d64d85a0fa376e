import Foundation
import NICSimFuzzing
import Testing

/// `Fixtures/fuzz/<harness>/`: the seed corpus and every input a fuzzer found that crashed or broke a check.
let fuzzFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")

/// The files of one harness's folder, sorted by name.
func fixtureFiles(_ harness: FuzzHarness) throws -> [URL] {
    let folder = fuzzFixtures.appendingPathComponent(harness.name)
    return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        .filter { !$0.lastPathComponent.hasPrefix(".") && $0.pathExtension != "md" }
        .sorted { $0.lastPathComponent < $1.lastPathComponent }
}

@Suite("Fuzz regressions: every seed and every input a fuzzer found runs clean")
struct FuzzReplayTests {
    @Test(arguments: FuzzHarness.allCases)
    func replayEveryFixture(_ harness: FuzzHarness) throws {
        let files = try fixtureFiles(harness)
        #expect(files.count >= FuzzSeeds.seeds(for: harness).count)
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: file))
            let violations = harness.run(bytes).violations
            #expect(violations.isEmpty, "\(harness.name)/\(file.lastPathComponent): \(violations)")
        }
    }

    /// The committed seeds are the ones `FuzzSeeds` builds (NICSIM_WRITE_FUZZ_SEEDS=1 rewrites them).
    @Test(arguments: FuzzHarness.allCases)
    func seedsAreCommitted(_ harness: FuzzHarness) throws {
        let folder = fuzzFixtures.appendingPathComponent(harness.name)
        let rewrite = ProcessInfo.processInfo.environment["NICSIM_WRITE_FUZZ_SEEDS"] == "1"
        for (name, bytes) in FuzzSeeds.seeds(for: harness) {
            let file = folder.appendingPathComponent("seed-\(name)")
            if rewrite {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(bytes).write(to: file)
            }
            let committed = try? Data(contentsOf: file)
            #expect(committed == Data(bytes), "\(harness.name)/seed-\(name) differs from FuzzSeeds")
        }
    }

    /// Each seed reaches what it was written for (so the fuzzer starts from there).
    @Test(arguments: [
        (FuzzHarness.vdeFrames, "arp-and-ping-the-relay", ["relay.arpAnswered": 1, "relay.echoAnswered": 1]),
        // rx1 gets 8 datagrams of the server's own writes; the relay's policy copies one more to it.
        (.vdeFrames, "udp-to-the-relay-policy", ["relay.udpDelivered": 1, "rx1.datagrams": 9]),
        (.vdeFrames, "ts-through-the-router", ["router.policyCopies": 2, "box.datagrams": 2]),
        (.vdeFrames, "rtp-to-the-rtp-box", ["rtpbox.datagrams": 1]),
        (.vdeFrames, "jumbo-to-the-relay", ["relay.framesReceived": 3]),  // two of the server's writes and the jumbo
        (.transportStream, "generated-pcr-timed", ["pcrTimed": 1, "packets": 40, "box.datagrams": 6]),
        (.transportStream, "generated-byte-by-byte-rtp", ["packets": 40, "box.datagrams": 6]),
        (.scenario, "hosts-and-policies", ["parsed": 1, "built": 1]),
        (.scenario, "streams", ["parsed": 1, "built": 1]),
        (.scenario, "aggregate-streams", ["parsed": 1, "built": 1]),
        (.scenario, "overrides", ["parsed": 1, "built": 1, "overrides": 2]),
        (.driver, "send-one-packet", ["framesTransmitted": 1]),
        (.driver, "two-pieces-with-iommu", ["framesTransmitted": 1, "checksumsInserted": 1]),
        (.driver, "receive-one-frame", ["framesReceived": 1]),
    ])
    func seedsReachTheirTargets(_ harness: FuzzHarness, _ seed: String, _ expected: [String: Int]) throws {
        guard let bytes = FuzzSeeds.seeds(for: harness).first(where: { $0.name == seed })?.bytes else {
            Issue.record("no seed \(seed)")
            return
        }
        let outcome = harness.run(bytes)
        #expect(outcome.violations.isEmpty)
        for (name, value) in expected {
            let got = outcome.counters[name] ?? -1
            #expect(got >= value, "\(harness.name)/\(seed): \(name) = \(got), expected at least \(value)")
        }
    }
}
