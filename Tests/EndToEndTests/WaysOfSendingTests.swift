import NICSimTesting
import Scenarios
import Testing

/// The shapes REFERENCE.md reports must come out of the cost model, not out of special cases.
@Suite("Ways of sending: the measured shapes emerge from the cost model")
struct WaysOfSendingTests {
    static func report(
        entries: [Int], method: SendMethod, mode: DriverMode = .zeroCopy,
        segmentation: SegmentationSpec = .driver, register: Bool = true, writes: Int = 10
    ) throws -> Report {
        var spec = ScenarioSpec.testScenario(entries: entries, writes: writes, mode: mode, registerBuffers: register)
        spec.writes.method = method
        spec.server.nic.segmentation = segmentation
        // Moderated interrupts (ITR 50 µs), so that completions do not dominate, as with a Linux driver.
        spec.server.nic.interruptInterval = 50_000_000
        let world = try World(spec: spec)
        return world.report(outcome: world.run())
    }

    static func cyclesPerDatagram(_ r: Report) -> Double {
        Double(r.hosts[0].cyclesTotal) / Double(r.hosts[0].framesTransmitted)
    }

    @Test("system calls, copies and cycles order as expected across the five ways")
    func orderings() throws {
        let entries = [18_800, 18_800, 18_800, 18_800]
        let perPacket = try Self.report(entries: entries, method: .writePerPacket)
        let mmsg = try Self.report(entries: entries, method: .sendmmsg)
        let aggregate = try Self.report(entries: entries, method: .aggregate)
        let multi = try Self.report(entries: entries, method: .multiWrite)
        let offload = try Self.report(entries: entries, method: .multiWrite, segmentation: .nic)
        let all = [perPacket, mmsg, aggregate, multi, offload]
        #expect(all.allSatisfy { r in r.receivers.allSatisfy { $0.intact == true } })
        let calls = all.map { $0.hosts[0].syscalls }
        #expect(calls[0] > calls[1] && calls[1] >= calls[2])
        #expect(multi.hosts[0].cpuCopiedBytes == 0 && perPacket.hosts[0].cpuCopiedBytes == UInt64(4 * 18_800 * 10))
        let cost = all.map(Self.cyclesPerDatagram)
        #expect(cost[0] > cost[1], "batching helps")
        #expect(cost[1] > cost[3], "zero-copy multi-destination write beats batching with copies")
        #expect(cost[3] > cost[4], "NIC segmentation beats driver segmentation")
        let streams = all.map(\.streamsPerCore)
        #expect(streams[0] < streams[1] && streams[1] < streams[3] && streams[3] < streams[4])
    }

    @Test("batching alone saturates near +20 % for small datagrams (sendmmsg commit: 804k → 965k pps)")
    func batchingSaturates() throws {
        let entries = Array(repeating: 64, count: 64)
        let one = try Self.report(entries: entries, method: .writePerPacket, mode: .copy)
        let batched = try Self.report(entries: entries, method: .sendmmsg, mode: .copy)
        let gain = Self.cyclesPerDatagram(one) / Self.cyclesPerDatagram(batched)
        #expect(gain > 1.1 && gain < 1.4, "gain \(gain)")
    }

    @Test("segmentation offload gains grow with segments per call")
    func segmentationGrows() throws {
        let gains = try [2, 8, 40].map { segments in
            let entries = [segments * 1472]
            let driver = try Self.report(entries: entries, method: .multiWrite)
            let nic = try Self.report(entries: entries, method: .multiWrite, segmentation: .nic)
            return Self.cyclesPerDatagram(driver) / Self.cyclesPerDatagram(nic)
        }
        #expect(gains[0] < gains[1] && gains[1] < gains[2], "\(gains)")
    }

    @Test("zero-copy of unregistered memory has a size crossover near 10 KB per write (MSG_ZEROCOPY)")
    func zeroCopyCrossover() throws {
        func ratio(_ bytes: Int) throws -> Double {
            let copy = try Self.report(entries: [bytes], method: .multiWrite, mode: .copy, register: false)
            let zero = try Self.report(entries: [bytes], method: .multiWrite, mode: .zeroCopy, register: false)
            return Double(zero.hosts[0].cyclesTotal) / Double(copy.hosts[0].cyclesTotal)
        }
        #expect(try ratio(2_000) > 1.0, "small writes: copying is cheaper")
        #expect(try ratio(64_000) < 1.0, "large writes: zero-copy is cheaper")
        #expect(try ratio(6_000) > 1.0)
        #expect(try ratio(16_000) < 1.0)
    }
}

@Suite("CPU saturation emerges from the model")
struct SaturationTests {
    @Test("calls that need more CPU than the interval between them queue on the core: completion grows with load")
    func saturation() throws {
        func meanCompletion(interval: Int64) throws -> Int64 {
            var spec = ScenarioSpec.testScenario(entries: Array(repeating: 1472, count: 16), writes: 20,
                                                 interval: interval)
            spec.writes.method = .writePerPacket
            let world = try World(spec: spec)
            let report = world.report(outcome: world.run())
            #expect(report.receivers.allSatisfy { $0.intact == true })
            return report.hosts[0].meanWriteCompletionPs
        }
        // 16 sendto calls cost ≈ 16 × 4.2k cycles ≈ 22 µs at 3 GHz: a 1 ms interval leaves the core idle between
        // calls, a 5 µs interval does not.
        let idle = try meanCompletion(interval: 1_000_000_000)
        let saturated = try meanCompletion(interval: 5_000_000)
        #expect(saturated > 3 * idle, "idle \(idle) ps, saturated \(saturated) ps")
    }
}
