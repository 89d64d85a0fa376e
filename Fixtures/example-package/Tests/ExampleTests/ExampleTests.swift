import ExampleWorlds
import NICSimTesting
import Testing

/// Each test builds a world in code, runs it, and asserts in a line or two.
struct ExampleTests {
    @Test func aWriteIsCutIntoDatagramsPerDestination() throws {
        let run = try TestWorld().receivers(2).write(64 * 1024, to: "rx1").write(20_000, to: "rx2").run()
        #expect(run.segmentsPerDestination == ["rx1": 45, "rx2": 14])
        try run.verify(.bytes(65_536, receivedBy: "rx1"), .intact)
    }

    @Test func oneInterruptPerWriteOrOnePerDatagram() throws {
        let world = TestWorld().receivers(1).write(64 * 1024, to: "rx1").repeated(3, every: .milliseconds(1))
        try world.run().verify(.interrupts(3))
        try world.driver(interrupts: .perPacket).run().verify(.interrupts(135))
    }

    @Test func moderationSpacesInterrupts() throws {
        // 64 µs is 250 of ITR's 256 ns units.
        let run = try TestWorld().receivers(1).write(64 * 1024, to: "rx1")
            .driver(interrupts: .perPacket).moderation(interval: .microseconds(64)).run()
        try run.verify(.interrupts(1...5), .interruptsSpaced(atLeast: .microseconds(64)))
        #expect(run.interruptTimes.count == run.interrupts)
    }

    @Test func interleavingKeepsEverySwitchPortToOneFrame() throws {
        try ExampleWorlds.fanOut(receivers: 10, bytes: 58_880).run().verify(.peakOccupancy(atMost: 1_514), .drops(0))
        let burst = try ExampleWorlds.fanOut(receivers: 10, bytes: 58_880, order: .destinationMajor).run()
        #expect(burst.peakOccupancy > 50_000)
    }
}
