import HostMemory
import HostOS
import NAPIDriver
import NICInterface
import NICModel
import SimCore
import Testing
import WireFormats

/// The NAPI driver with per-queue vectors (NAPIConfiguration.msix; datasheet §6.3), set up as Linux's igb does.
@Suite struct VectorTests {
    /// One destination, so one transmit queue and one vector. The same load as `interruptsFollowTheITRWindow`:
    /// 90 frames of 1,514 bytes, packet j completing at t0 + j × 1.2304 µs, ITR = 78 (19.968 µs), which the driver
    /// programs as EITR = 20 µs (78 × 256 ns rounded to whole µs, << 2 = 80).
    ///
    /// Each message clears (EIAC) and masks (EIAM) its vector; the handler touches no register (interrupt entry
    /// 2,000 cycles at 3 GHz: 0.667 µs), its poll cleans that queue and unmasks the vector with EIMS. A completion
    /// while masked sets EICR again, and the EIMS write makes it owed, held by EITR to the window's end.
    ///
    /// | k | message at t0 + | packets its poll (+0.667 µs) finds done |
    /// |---|---|---|
    /// | 0 | 0 | j = 0 |
    /// | 1 | 20 µs | j ≤ 16.8 → 16 |
    /// | 2 | 40 µs | j ≤ 33.1 → 33 |
    /// | 3 | 60 µs | j ≤ 49.3 → 49 |
    /// | 4 | 80 µs | j ≤ 65.6 → 65 |
    /// | 5 | 100 µs | j ≤ 81.8 → 81 |
    /// | 6 | 120 µs | all 90 (the last at 109.5 µs) |
    ///
    /// Seven messages, all on the queue's vector (queue + 1, vector 0 being the other causes), seven polls.
    @Test func oneQueueVectorFollowsItsEITR() throws {
        let rig = try Rig(driver: DriverConfiguration(report: .everyPacket,
                                                      moderation: ModerationRegisterValues(itr: 78),
                                                      receiveRingSize: 0),
                          napi: NAPIConfiguration(byteQueueLimits: false, msix: true))
        rig.host.recordInterruptTimes = true
        #expect(rig.nic.readRegister(.gpie) & GeneralInterruptEnable.msixMode.rawValue != 0)
        #expect(rig.nic.readRegister(.eitr(1)) == 80)
        let to = rig.receiver(0)
        let (address, bytes) = try rig.buffer(90 * 1_472, tag: 1)
        try rig.host.write(socket: rig.socket, entries: [WriteVectorEntry(destination: to, address: address,
                                                                          length: bytes.count)])
        rig.run()
        let times = rig.wire.arrivals.map(\.time)
        #expect(times.count == 90)
        let t0 = try #require(times.first)
        // Packets are done in the packet buffer (datasheet §4.5): the first as its first bit starts, tc = t0 − 1.2208
        // µs,
        // the last about 99.3 µs later (InterruptTests, ITR window), so six EITR windows of 20 µs cover them.
        let tc = SimTime(rawValue: t0.rawValue - 1_220_800)
        #expect(rig.host.interruptTimes == (0..<6).map { tc + .picoseconds(Int64($0) * 20_000_000) })
        let byVector = rig.host.counters.interruptsByVector
        #expect(byVector.count >= 2 && byVector.count <= 5)
        #expect(byVector.filter { $0 != 0 } == [6])
        #expect(byVector.first == 0)
        #expect(rig.host.counters.polls == 6)
        #expect(rig.host.counters.writesCompleted == 1)
        #expect(rig.wire.payload(to: to.ip, port: to.port) == bytes)
        // Every vector ends unmasked: each poll gave its vector back.
        #expect(rig.nic.readRegister(.eims) == 0b11111)
    }

    /// Eight destinations spread over the four transmit queues: messages come on several queue vectors, every
    /// vector's interrupt is handled and polled, every write completes and every byte arrives.
    @Test func queuesInterruptOnTheirOwnVectors() throws {
        let rig = try Rig(driver: DriverConfiguration(report: .everyPacket, receiveRingSize: 0),
                          napi: NAPIConfiguration(msix: true))
        var expected: [(SocketAddress, [UInt8])] = []
        for i in 0..<8 {
            let to = rig.receiver(i)
            let (address, bytes) = try rig.buffer(20 * 1_472, tag: i + 1)
            try rig.host.write(socket: rig.socket, entries: [WriteVectorEntry(destination: to, address: address,
                                                                              length: bytes.count)])
            expected.append((to, bytes))
        }
        rig.run()
        let byVector = rig.host.counters.interruptsByVector
        #expect(byVector.dropFirst().filter { $0 > 0 }.count >= 2)
        #expect(byVector.reduce(0, +) == rig.nic.counters.interrupts)
        #expect(rig.host.counters.writesCompleted == 8)
        for (to, bytes) in expected { #expect(rig.wire.payload(to: to.ip, port: to.port) == bytes) }
        #expect(rig.host.driverWork.descriptorsReclaimed == rig.host.driverWork.descriptorsWritten)
        #expect(rig.nic.readRegister(.eims) == 0b11111)
    }
}
