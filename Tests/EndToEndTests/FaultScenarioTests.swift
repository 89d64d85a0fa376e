import CommandTestSupport
import Foundation
import Scenarios
import Testing

/// Each fault scenario of `Fixtures/scenarios/faults` does what its documentation (README "Faults", datasheet §8.1,
/// §8.2) says, deterministically.
@Suite("Fault scenarios")
struct FaultScenarioTests {
    static func spec(_ name: String) throws -> ScenarioSpec {
        try ScenarioParser.parse(
            contentsOf: packageRoot.appendingPathComponent("Fixtures/scenarios/faults/\(name).yaml").path)
    }

    static func run(_ spec: ScenarioSpec) throws -> Report {
        let world = try World(spec: spec)
        let outcome = world.run()
        let report = world.report(outcome: outcome)
        #expect(report.outcome != "event-limit")
        #expect(report.refusedCalls == 0)
        #expect(outcome != .idle || world.simulator.frames.live == 0)
        return report
    }

    static func withoutFaults(_ spec: ScenarioSpec) -> ScenarioSpec {
        var spec = spec
        spec.faults = []
        return spec
    }

    @Test("every fault scenario gives the same report twice, and shows its faults in text and JSON",
          arguments: ["dma-error", "iotlb-miss-storm", "lost-interrupt", "late-interrupt", "link-flap", "loss-burst",
                      "ring-full-storm"])
    func deterministicAndReported(name: String) throws {
        let spec = try Self.spec(name)
        let a = try Self.run(spec)
        let b = try Self.run(spec)
        #expect(a.json() == b.json())
        let faults = try #require(a.faults)
        #expect(faults.count == spec.faults.count)
        #expect(faults.allSatisfy { $0.injected > 0 && $0.examined >= $0.injected })
        #expect(a.json().contains("\"faults\" : ["))
        #expect(a.text().contains("\nFaults\n"))
        // A run without faults has no faults key at all.
        let plain = try Self.run(Self.withoutFaults(spec))
        #expect(plain.faults == nil)
        #expect(!plain.json().contains("\"faults\" : ["))
    }

    @Test("DMA errors: each failed payload read loses exactly one datagram, seen by the driver; the queue goes on")
    func dmaErrors() throws {
        let report = try Self.run(Self.spec("dma-error"))
        let fault = try #require(report.faults?.first)
        let host = report.hosts[0]
        let injected = fault.injected
        #expect(injected > 0)
        #expect(host.nic.txDMAErrors == injected)
        #expect(host.faults.dmaFaultsInjected == injected)
        #expect(host.faults.transmitErrorsSeen == injected)
        #expect(host.writesCompleted == host.writes)
        let built = report.destinations[0].segments
        let received = UInt64(report.receivers[0].datagrams)
        #expect(received == built - injected)
        #expect(report.receivers[0].intact == false)
        #expect(report.receivers[0].badChecksums == 0)
    }

    @Test("IOTLB miss storm: more misses, later frames and completions, the same bytes")
    func iotlbStorm() throws {
        let spec = try Self.spec("iotlb-miss-storm")
        let storm = try Self.run(spec)
        let calm = try Self.run(Self.withoutFaults(spec))
        let s = storm.hosts[0]
        let c = calm.hosts[0]
        // Each send maps its buffers at IOVAs not used since the last flush, so even the calm run misses on every
        // send's pages (981 times); the storm's 1,000 flushes add more than 400 misses to that (1,442).
        #expect(s.nic.iotlbMisses > c.nic.iotlbMisses + 400)
        // The IOMMU's invalidation commands are the storm's flushes plus the driver's own deferred flushes, which
        // follow from the count of unmaps and so are as many as in the calm run (3).
        #expect(c.faults.iotlbInvalidations == 3)
        #expect(s.faults.iotlbInvalidations == (storm.faults?.first?.injected ?? 0) + c.faults.iotlbInvalidations)
        #expect(s.meanWriteCompletionPs > c.meanWriteCompletionPs)
        let stormLast = storm.receivers[0].lastArrivalPs ?? 0
        let calmLast = calm.receivers[0].lastArrivalPs ?? 0
        #expect(stormLast > calmLast)
        #expect(storm.receivers[0].intact == true)
        #expect(storm.receivers[0].digest == calm.receivers[0].digest)

        // Without a period every translation in the window misses: at least as many misses as the flushes gave.
        var everyMiss = spec
        everyMiss.faults[0].period = nil
        let all = try Self.run(everyMiss)
        let forced = all.hosts[0].faults.iotlbForcedMisses
        #expect(forced > 0)
        #expect(all.faults?.first?.injected == forced)
        #expect(all.hosts[0].nic.iotlbMisses >= s.nic.iotlbMisses)
        #expect(all.receivers[0].intact == true)
    }

    @Test("lost interrupts: the watchdog recovers every write; without it the ring stalls")
    func lostInterrupts() throws {
        let spec = try Self.spec("lost-interrupt")
        let report = try Self.run(spec)
        let host = report.hosts[0]
        let lost = host.faults.interruptsLost
        #expect(lost > 0)
        #expect(report.faults?.first?.injected == lost)
        #expect(host.faults.interruptsHandled == host.interrupts - lost)
        #expect(host.faults.watchdogRecoveries > 0)
        #expect(host.writesCompleted == host.writes)
        #expect(report.receivers[0].intact == true)

        var noWatchdog = spec
        noWatchdog.server.watchdog = 0
        let stalled = try Self.run(noWatchdog)
        let h = stalled.hosts[0]
        #expect(h.faults.watchdogChecks == 0)
        #expect(h.writesCompleted < h.writes)
        #expect(stalled.receivers[0].payloadBytes < report.receivers[0].payloadBytes)
    }

    @Test("late interrupts: each write in the window completes exactly the delay later; data untouched")
    func lateInterrupts() throws {
        let spec = try Self.spec("late-interrupt")
        let late = try Self.run(spec)
        let onTime = try Self.run(Self.withoutFaults(spec))
        let fault = try #require(late.faults?.first)
        let delay = spec.faults[0].delay
        #expect(fault.injected == 2)
        #expect(fault.addedDelayPs == 2 * delay)
        let writes = Int64(late.hosts[0].writes)
        let growth = late.hosts[0].meanWriteCompletionPs - onTime.hosts[0].meanWriteCompletionPs
        #expect(growth == 2 * delay / writes)
        #expect(late.hosts[0].faults.interruptsDelayed == 2)
        #expect(late.receivers[0].intact == true)
        #expect(late.receivers[0].digest == onTime.receivers[0].digest)
    }

    @Test("link flap: the flapped receiver misses exactly the frames dropped at its link; the other gets all")
    func linkFlap() throws {
        let report = try Self.run(Self.spec("link-flap"))
        let fault = try #require(report.faults?.first)
        #expect(fault.injected > 0)
        #expect(fault.injected == fault.examined)
        let rx1 = report.receivers[0]
        let rx2 = report.receivers[1]
        #expect(UInt64(rx1.datagrams) == report.destinations[0].segments - fault.injected)
        #expect(rx1.intact == false)
        #expect(rx2.intact == true)
        #expect(report.hosts[0].writesCompleted == report.hosts[0].writes)
    }

    @Test("loss bursts: datagrams missing equal frames dropped; the seed decides which")
    func lossBursts() throws {
        let spec = try Self.spec("loss-burst")
        let report = try Self.run(spec)
        let faults = try #require(report.faults)
        for (i, fault) in faults.enumerated() {
            #expect(fault.injected > 0)
            #expect((fault.bursts ?? 0) > 0)
            #expect(UInt64(report.receivers[i].datagrams) == report.destinations[i].segments - fault.injected)
        }
        // Fixed bursts of 3 drop a multiple of 3 frames (here no burst is cut short by the end of the traffic).
        #expect(faults[0].injected == 3 * (faults[0].bursts ?? 0))
        var other = spec
        other.seed += 1
        let reseeded = try Self.run(other)
        #expect(reseeded.receivers.map(\.digest) != report.receivers.map(\.digest))
    }

    @Test("ring-full storm: every call accepted, queued in the driver, sent in order and delivered intact")
    func ringFullStorm() throws {
        let spec = try Self.spec("ring-full-storm")
        let report = try Self.run(spec)
        let host = report.hosts[0]
        let fault = try #require(report.faults?.first)
        let calls = UInt64(spec.totalWriteCalls)
        #expect(fault.injected == UInt64(spec.faults[0].calls))
        #expect(fault.bytesAccepted == UInt64(spec.faults[0].calls * 16 * 1024))
        #expect(host.writes == calls)
        #expect(host.writesCompleted == calls)
        #expect(host.systemCallsRefused == 0)
        #expect(host.ringFullStalls > 0)
        #expect(host.faults.peakQueuedWrites > 100)
        #expect(report.receivers[0].intact == true)
        #expect(report.receivers[0].payloadBytes == Int(calls) * 16 * 1024)
    }
}

/// Lost status write-backs, the failure the driver's watchdog reads `TDH` and `RDH` for (datasheet §8.1, §8.2).
@Suite("Lost write-backs")
struct LostWriteBackTests {
    @Test("TX: without the watchdog the writes never complete; with it every write completes and no byte is lost")
    func transmitWriteBacks() throws {
        var spec = try FaultScenarioTests.spec("dma-error")
        spec.faults[0].transfers = [.writeBack]
        let stalled = try FaultScenarioTests.run(spec)
        #expect(stalled.hosts[0].writesCompleted < stalled.hosts[0].writes)
        #expect(stalled.hosts[0].faults.lostWriteBacks == 0)

        spec.server.watchdog = 100_000_000
        let recovered = try FaultScenarioTests.run(spec)
        let host = recovered.hosts[0]
        let injected = recovered.faults?.first?.injected ?? 0
        #expect(injected > 0)
        #expect(host.faults.lostWriteBacks == injected)
        #expect(host.writesCompleted == host.writes)
        // A lost write-back loses no data: the frames went out.
        #expect(recovered.receivers[0].intact == true)
        #expect(host.nic.txDMAErrors == 0)
    }

    @Test("RX on a host receiver: the watchdog gives back descriptors RDH passed and the frames after them flow")
    func receiveWriteBacks() throws {
        let text = """
            server: { driver: { watchdog: 100us } }
            receivers: [{ name: relay, kind: host }]
            writes: { count: 4, interval: 1ms, entries: [{ to: relay, size: 64KiB }] }
            faults: [{ kind: dma-error, target: relay, transfers: write-back, every: 10 }]
            """
        var spec = try ScenarioParser.parse(yaml: text, file: "rx.yaml")
        let recovered = try FaultScenarioTests.run(spec)
        let relay = recovered.hosts[1]
        let sent = recovered.destinations[0].segments
        let injected = recovered.faults?.first?.injected ?? 0
        #expect(injected > 0)
        #expect(relay.faults.lostReceiveWriteBacks == injected)
        #expect(relay.nic.rxDMAErrors == injected)
        #expect(relay.udpDelivered == sent - injected)

        spec.server.watchdog = 0
        let stalled = try FaultScenarioTests.run(spec)
        // Without a watchdog the driver stops at the first descriptor without DD: nothing after it is delivered.
        #expect(stalled.hosts[1].udpDelivered < 10)
    }
}
