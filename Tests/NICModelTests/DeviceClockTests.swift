import HostMemory
import NICModel
import SimCore
import Testing
import WireFormats

/// Records the times of the NIC's packet fetches (`dma-read` trace records).
final class FetchRecorder: Tracer {
    private(set) var fetches: [SimTime] = []
    func record(_ record: TraceRecord) {
        if record.event == "dma-read" { fetches.append(record.time) }
    }
}

/// Datasheet §10: the device clock, launch times against it, and the fetch before launch.
@Suite("Device clock (SYSTIM, TIMINCA, TIMADJ) and launch time against it")
struct DeviceClockTests {
    static let length = 100

    static func bench(offset: UInt64 = 0, driftPPB: Int64 = 0) throws -> Bench {
        try Bench(configuration: NICConfiguration(clockOffsetNanoseconds: offset, clockDriftPartsPerBillion: driftPPB))
    }

    @Test("SYSTIM reads offset + virtual time × (1 + drift); SYSTIML latches SYSTIMH; SYSTIMR gives the picoseconds")
    func systimWithOffsetAndDrift() throws {
        // Offset 5 s, drift +100 ppm (100,000 ppb). At virtual 1 ms = 10⁹ ps the oscillator has run
        // 10⁹ + ⌊10⁹ × 100,000 / 10⁹⌋ = 1,000,100,000 ps = 1,000,100 ns: device time 5 s + 1,000,100 ns.
        let bench = try Self.bench(offset: 5_000_000_000, driftPPB: 100_000)
        bench.run(until: .milliseconds(1))
        #expect(bench.read(.systimr) == 0)
        #expect(bench.read(.systiml) == 1_000_100)
        #expect(bench.read(.systimh) == 5)
        // At 1 ms + 1,234 ps: 1,000,001,234 ps + ⌊1,000,001,234 / 10,000⌋ = 1,000,101,234 ps (the ⌊⌋ drops
        // 0.0234 ps): 1,000,101 ns and 234 ps, a residue of ⌊234 × 2³² / 1,000⌋ = 1,005,022,347.
        bench.run(until: .milliseconds(1) + .picoseconds(1_234))
        #expect(bench.read(.systimr) == 1_005_022_347)
        #expect(bench.read(.systiml) == 1_000_101)
        #expect(bench.read(.systimh) == 5)

        // Latching: offset 999,999,000 ns. SYSTIML read at 0 gives 999,999,000 and latches SYSTIMH = 0; 2 µs
        // later SYSTIMH still reads that latched 0 although the clock passed 1 s (1,000,001,000 ns).
        let latch = try Self.bench(offset: 999_999_000)
        #expect(latch.read(.systiml) == 999_999_000)
        latch.run(until: .microseconds(2))
        #expect(latch.read(.systimh) == 0)
        #expect(latch.read(.systiml) == 1_000)
        #expect(latch.read(.systimh) == 1)
        // Registers the clock adds are not refusals.
        #expect(latch.read(.raec) == 0)
    }

    @Test("TIMINCA changes the rate from the write on; TIMADJ adds or subtracts at once")
    func timincaAndTimadj() throws {
        let bench = try Self.bench()
        // INCVALUE 2²⁵: rate 1 + 2²⁵/2³⁵ = 1 + 1/1,024. After 1,024,000 ps: 1,024,000 + 1,000 = 1,025,000 ps.
        bench.write(.timinca, 1 << 25)
        #expect(bench.read(.timinca) == 1 << 25)
        bench.run(until: .nanoseconds(1_024))
        #expect(bench.read(.systiml) == 1_025)
        // TIMADJ: subtract 25 ns (SIGN, bit 31 of TIMADJH): 1,000 ns.
        bench.write(.timadjl, 25)
        bench.write(.timadjh, 0x8000_0000)
        #expect(bench.read(.systiml) == 1_000)
        // ISGN: rate 1 − 1/1,024 from 1,024 ns on. At 2,048 ns: 1,000 ns + 1,024,000 − 1,000 ps = 2,023 ns.
        bench.write(.timinca, 0x8000_0000 | 1 << 25)
        bench.run(until: .nanoseconds(2_048))
        #expect(bench.read(.systiml) == 2_023)
        // A SYSTIM write (SYSTIML, then SYSTIMH) sets the time: 7 s + 500 ns, then at rate 1 − 1/1,024.
        bench.write(.systiml, 500)
        bench.write(.systimh, 7)
        bench.run(until: .nanoseconds(2_048 + 1_024))
        #expect(bench.read(.systiml) == 500 + 1_023)
        #expect(bench.read(.systimh) == 7)
        // CTRL.RST restores TIMINCA to 0 (nominal rate); the time runs on: 7 s + 1,523 ns + 1,024 ns.
        bench.write(.ctrl, 1 << 26)
        #expect(bench.read(.timinca) == 0)
        bench.run(until: .nanoseconds(2_048 + 2_048))
        #expect(bench.read(.systiml) == 1_523 + 1_024)
    }

    @Test(
        "a launch time in device time, with a clock offset and drift, leaves at the virtual time the clock reaches it")
    func launchAgainstDeviceClock() throws {
        // Offset 1 ms, drift +200 ppm: device time = 1,000,000 ns + v × 1.0002. Launch 1,050,010 ns of device
        // time: v × 1.0002 = 50,010,000 ps, v = 50,000,000 ps = 50 µs (50,000,000 × 1.0002 = 50,010,000 exactly).
        let bench = try Self.bench(offset: 1_000_000, driftPPB: 200_000)
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        // One nanosecond earlier, 1,050,009 ns, is reached at the smallest v with v + ⌊v / 5,000⌋ ≥ 50,009,000 ps:
        // v = 49,999,001 ps (49,999,001 + 9,999 = 50,009,000; one ps less gives 50,008,999).
        #expect(bench.nic.virtualTime(atDeviceNanoseconds: 1_050_009) == .picoseconds(49_999_001))
        try bench.appendContext(Bench.launchContext(nanoseconds: 1_050_010))
        let data = try bench.post(packetBytes(count: Self.length, tag: 1), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(firstBits.times == [.microseconds(50)])
        #expect(bench.nic.counters.lateFrames == 0)
        #expect(try bench.status(data[0]) == .descriptorDone)
    }

    @Test("the I210 encoding (LTCTL LT32 for the queue) resolves 32 ns units within the second across its boundary")
    func i210EncodingWraps() throws {
        // Device time 999,990,000 ns at virtual 0 (10 µs before a second boundary). Field 312 = 9,984 ns within a
        // second; the time within [now − ½ s, now + ½ s) with those nanoseconds is 1,000,009,984 ns, after the
        // boundary: 19,984 ns of virtual time from now.
        let bench = try Self.bench(offset: 999_990_000)
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        bench.write(.ltctl, LaunchTimeControl.i210Encoding(queue: 0).rawValue)
        #expect(bench.read(.ltctl) == 1 << 8)
        #expect(LaunchTimeEncoding.i210Field(deviceNanoseconds: 1_000_009_984) == 312)
        try bench.appendContext(Bench.launchContext(nanoseconds: 312))
        try bench.post(packetBytes(count: Self.length, tag: 1), report: .last)
        // Field 31,249,687 = 999,989,984 ns within the second: 16 ns before now, already past: late.
        try bench.appendContext(Bench.launchContext(nanoseconds: 31_249_687))
        try bench.post(packetBytes(count: Self.length, tag: 2), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(firstBits.times.first == .nanoseconds(19_984))
        #expect(bench.nic.counters.lateFrames == 1)
        #expect(bench.nic.counters.launchTimedFrames == 2)
        #expect(bench.wire.frames == [packetBytes(count: Self.length, tag: 1), packetBytes(count: Self.length, tag: 2)])
    }

    @Test("the packet fetch happens exactly FETCHTIME_DELTA before the launch time, not at the doorbell")
    func fetchBeforeLaunch() throws {
        // TQAVCTRL.FETCHTIME_DELTA = 100 units of 32 ns = 3,200 ns. Launch 50,000 ns: the buffer read starts at
        // 46,800 ns (the descriptors were cached at 500 ns + 32 B / B), and the first bit leaves at 50,000 ns.
        let bench = try Self.bench()
        let fetches = FetchRecorder()
        bench.simulator.tracer = fetches
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        #expect(bench.read(.tqavctrl) == 0xFFFF_0000)
        bench.write(.tqavctrl, 100 << 16)
        try bench.appendContext(Bench.launchContext(nanoseconds: 50_000))
        try bench.post(packetBytes(count: Self.length, tag: 1), report: .last)
        // A plain packet behind it waits for it too (the queue's fetch is held).
        try bench.post(packetBytes(count: Self.length, tag: 2), report: .last)
        bench.doorbell()
        #expect(bench.run(until: .nanoseconds(46_799)) == .reachedTime)
        #expect(fetches.fetches.isEmpty)
        #expect(bench.nic.counters.descriptorsFetched == 3)
        #expect(bench.run() == .idle)
        #expect(fetches.fetches.first == .nanoseconds(46_800))
        #expect(firstBits.times.first == .nanoseconds(50_000))
        #expect(bench.nic.counters.lateFrames == 0)
    }

    @Test("a FETCHTIME_DELTA shorter than the fetch makes the frame late by the difference")
    func lateFetchMakesALateFrame() throws {
        // Delta 10 × 32 = 320 ns < the 500 ns round trip: fetch at 49,680 ns, frame ready 500 ns + (100 + 20) B / B
        // later (one completion TLP of 20 overhead bytes, datasheet §5), sent at once then (the MAC is idle): late,
        // LATEC 1.
        let bench = try Self.bench()
        let firstBits = FirstBitRecorder()
        bench.nic.transmitObserver = firstBits
        bench.program()
        bench.write(.tqavctrl, 10 << 16)
        try bench.appendContext(Bench.launchContext(nanoseconds: 50_000))
        try bench.post(packetBytes(count: Self.length, tag: 1), report: .last)
        bench.doorbell()
        #expect(bench.run() == .idle)
        let c = bench.nic.configuration
        let ready =
            SimTime.nanoseconds(49_680) + c.dmaReadLatency
            + picoseconds(Self.length + 20, atPerSecond: c.dmaBytesPerSecond)
        #expect(firstBits.times == [ready])
        #expect(bench.read(.latec) == 1)
    }

    @Test("a far-future launch time no longer holds its bytes in the shared packet buffer")
    func farFutureLeavesThePacketBufferFree() throws {
        // Queue 1 holds a 1,500-byte packet due at 1 s, far beyond the default fetch delta (0xFFFF × 32 ns =
        // 2,097,120 ns): it is not fetched, so the 16 KiB packet buffer is all queue 0's. By 1 ms queue 0's eleven
        // packets are fetched and sent (11 fetches; revision 2 fetched the held one too, 12, and kept its 1,500
        // bytes in the buffer until 1 s).
        let bench = try Self.bench()
        let fetches = FetchRecorder()
        bench.simulator.tracer = fetches
        bench.program()
        let q1 = try bench.addTransmitQueue(1)
        try q1.append(Bench.launchContext(nanoseconds: 1_000_000_000).asDescriptor)
        try q1.post(packetBytes(count: 1_500, tag: 100))
        q1.doorbell()
        for i in 0..<11 { try bench.post(packetBytes(count: 1_500, tag: i), report: .last) }
        bench.doorbell()
        #expect(bench.run(until: .milliseconds(1)) == .reachedTime)
        #expect(bench.wire.frames.count == 11)
        #expect(fetches.fetches.count == 11)
        // Its fetch comes at 1 s − 2,097,120 ns.
        #expect(bench.run() == .idle)
        #expect(fetches.fetches.last == .nanoseconds(1_000_000_000 - 2_097_120))
        #expect(bench.wire.frames.count == 12)
        #expect(bench.nic.counters.lateFrames == 0)
    }
}
