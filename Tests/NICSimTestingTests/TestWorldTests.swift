import NICSimTesting
import Testing

@Suite("NICSimTesting: a world in code, its numbers, and checks that explain themselves")
struct TestWorldTests {
    @Test("segments and bytes per destination follow the write's sizes and the 1,472-byte payload")
    func perDestination() throws {
        let run = try TestWorld().receivers(2).write(64 * 1024, to: "rx1", pageOffset: 100).write(20_000, to: "rx2")
            .run()
        #expect(run.segmentsPerDestination == ["rx1": 45, "rx2": 14])
        #expect(run.bytesPerDestination == ["rx1": 65_536, "rx2": 20_000])
        #expect(run.datagramsPerReceiver == ["rx1": 45, "rx2": 14])
        #expect(run.bytesPerReceiver == ["rx1": 65_536, "rx2": 20_000])
        #expect(run.damagedReceivers.isEmpty)
        #expect(run.failures(of: .segments(45, to: "rx1"), .segments(14, to: "rx2"), .intact) == [])
        #expect(run.cpuCopiedBytes == 0)
        let frames = run.framesTransmitted
        #expect(frames == 59)
    }

    @Test("the README's example holds")
    func readmeExample() throws {
        let run = try TestWorld().receivers(2).write(64 * 1024, to: "rx1").write(20_000, to: "rx2").run()
        #expect(run.segmentsPerDestination == ["rx1": 45, "rx2": 14])
        try run.verify(.interrupts(1), .peakOccupancy(atMost: 65_536), .intact)
    }

    @Test("one interrupt per write, one per datagram, and moderation's spacing, with the handler's times")
    func interrupts() throws {
        let world = TestWorld().receivers(1).write(64 * 1024, to: "rx1").repeated(3, every: .milliseconds(1))
        let perWrite = try world.run()
        try perWrite.verify(.interrupts(3), .systemCalls(4))  // three writes and one buffer registration
        #expect(perWrite.interruptTimes.count == 3)
        let gaps = perWrite.interruptGaps
        #expect(gaps.count == 2)
        // The writes start 1 ms apart; the second and third take the same time, so their completions are exactly
        // 1 ms apart, while the first pays for cold caches and completes relatively later.
        #expect(gaps.count == 2 && gaps[1] == .milliseconds(1) && gaps[0] < .milliseconds(1), "\(gaps)")

        let perPacket = try world.driver(interrupts: .perPacket).run()
        try perPacket.verify(.interrupts(135))
        // ITR counts 256 ns units: 50 µs is programmed as 195 units, 49.92 µs.
        let moderated = try world.driver(interrupts: .perPacket).moderation(interval: .microseconds(50)).run()
        try moderated.verify(.interrupts(3...15), .interruptsSpaced(atLeast: .nanoseconds(49_920)))
        #expect(moderated.interrupts < perPacket.interrupts)
        // Without moderation per-packet interrupts come closer than 50 µs, and the check says which.
        let failures = perPacket.failures(of: .interruptsSpaced(atLeast: .microseconds(50)))
        #expect(failures.count == 1)
        #expect(failures.first?.contains("came") == true, "\(failures)")
    }

    @Test("switch peaks: destination-major bursts fill a port, interleaving keeps one frame")
    func switchPeaks() throws {
        let world = TestWorld().receivers(10).writeToAll(58_880)
        let burst = try world.driver(order: .destinationMajor).run()
        let interleaved = try world.driver(order: .interleaved).run()
        #expect(burst.peakOccupancy == 56_018)
        #expect(interleaved.peakOccupancyPerPort["rx7"] == 1_514)
        try interleaved.verify(.peakOccupancy(atMost: 1_514), .peakOccupancy(1_514, toward: "rx1"), .drops(0), .intact)
        let small = try world.driver(order: .destinationMajor).switchBuffer(32 * 1024).run()
        try small.verify(.drops(160), .drops(16, toward: "rx3"))
        #expect(small.damagedReceivers.count == 10)
    }

    @Test("failed checks name what they expected and what happened, all at once")
    func mismatchMessages() throws {
        let run = try TestWorld().receivers(1).write(3_000, to: "rx1").run()
        do {
            try run.verify(.segments(2, to: "rx1"), .segments(3, to: "rx1"), .interrupts(7), .segments(1, to: "rx9"))
            Issue.record("verify accepted wrong numbers")
        } catch {
            #expect(error.checked == 4)
            #expect(error.failures == [
                "segments to rx1 = 2: expected 2, got 3",
                "interrupts = 7: expected 7, got 1",
                "segments to rx9 = 1: no receiver or port named \"rx9\" (there are: rx1, server)",
            ])
            #expect(error.description.hasPrefix("3 of 4 checks failed (scenario test, seed 1):"))
        }
    }

    @Test("mistakes in the description are reported together when the world is built")
    func descriptionErrors() throws {
        let world = TestWorld().receivers(1).receiver("rx1").write(100, to: "rx2").write(-1, to: "rx1")
        #expect(throws: TestWorld.Error.self) { try world.run() }
        do {
            _ = try world.build()
        } catch {
            // The two bad writes leave nothing to send, which is a problem of its own.
            #expect(error.problems.count == 4, "\(error.problems)")
            #expect(error.problems[0].contains("\"rx1\": the name is taken"))
            #expect(error.problems[1].contains("no receiver named \"rx2\" (receivers: rx1)"))
            #expect(error.problems[2].contains("bytes must be ≥ 0"))
        }
        do {
            _ = try TestWorld().run()
            Issue.record("an empty world ran")
        } catch {
            #expect(error.problems == ["no receivers: add receivers(_:) or receiver(_:)",
                                       "nothing to send: add write(_:to:) or writeToAll(_:)"])
        }
    }

    @Test("policies, sending methods and segmentation are one step each")
    func steps() throws {
        let replicated = try TestWorld().receivers(3).write(30_000, to: "rx1").replicate("rx1", to: ["rx2", "rx3"])
            .run()
        #expect(replicated.datagramsPerReceiver == ["rx1": 21, "rx2": 21, "rx3": 21])
        let redirected = try TestWorld().receivers(3).write(30_000, to: "rx1").redirect("rx1", to: ["rx3"], in: .nic)
            .run()
        #expect(redirected.datagramsPerReceiver == ["rx1": 0, "rx2": 0, "rx3": 21])

        let base = TestWorld().receivers(4).writeToAll(18_800).repeated(20, every: .milliseconds(10))
            .moderation(interval: .microseconds(50))
        let perPacket = try base.sending(by: .writePerPacket).run()
        let multi = try base.run()
        let offload = try base.segmentation(.nic).run()
        try perPacket.verify(.systemCalls(1_040), .cpuCopiedBytes(1_504_000), .cyclesPerDatagram(4_915...4_915))
        try multi.verify(.cyclesPerDatagram(1_612...1_612), .cpuCopiedBytes(0))
        try offload.verify(.cyclesPerDatagram(504...504), .framesTransmitted(1_040))
        #expect(multi.cyclesPerCategory["copy"] == 0 && perPacket.cyclesPerCategory["copy"] == 752_000)
    }

    @Test("a scenario file with overrides, and the same seed twice, give the same run")
    func fromFile() throws {
        let path = packageRoot + "/Fixtures/scenarios/two-receivers.yaml"
        let a = try TestWorld(contentsOf: path, overrides: ["server.driver.interrupts=per-packet"]).run()
        let b = try TestWorld(contentsOf: path, overrides: ["server.driver.interrupts=per-packet"]).run()
        #expect(a.report == b.report)
        try a.verify(.segments(90, to: "rx1"), .segments(28, to: "rx2"), .interrupts(118), .intact)
        #expect(throws: TestWorld.Error.self) { try TestWorld(contentsOf: path, overrides: ["no-equals-sign"]) }
        #expect(throws: TestWorld.Error.self) {
            try TestWorld(contentsOf: packageRoot + "/Fixtures/scenarios/bad/bad-rate.yaml")
        }
    }
}

/// The package root, found from this file's path.
let packageRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()
