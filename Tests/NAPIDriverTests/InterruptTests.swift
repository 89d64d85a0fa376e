import HostMemory
import HostOS
import NAPIDriver
import NICInterface
import NICModel
import SimCore
import Testing
import WireFormats

@Suite struct InterruptTests {
    /// Under load the NAPI driver takes one interrupt per ITR window, not one per packet.
    ///
    /// One write of 90 datagrams of 1,472 payload bytes (1,514-byte frames) to one destination, report status on
    /// every packet, no delays (so `IDE` stays clear), ITR = 78 (78 × 256 ns = 19.968 µs), BQL off. Frames leave
    /// back to back: (8 + 1,514 + 4) × 8 bits at 10 Gb/s = 1,220.8 ns plus a 9.6 ns gap = 1,230.4 ns apart; t0 is
    /// the first frame's last bit.
    ///
    /// A packet completes when it is in the 16 KiB transmit packet buffer (datasheet §4.5), not at its last bit.
    /// Packet 0 completes as its first bit starts, tc = t0 − 1.2208 µs; packets 1–9 follow at the bus rate (1,514 B
    /// / 3,938 MB/s = 384.46 ns apart, ten frames fill the buffer); packet j ≥ 10 is admitted when frame j − 10 has
    /// left and completes D + f / B = 884.46 ns later: at about tc + 2.105 µs + (j − 10) × 1.2304 µs, the last
    /// (j = 89) at about tc + 99.31 µs. (Descriptor batches share the bus and shift these by a few ns.)
    ///
    /// Each interrupt's handler (at the message instant, the core being idle) reads ICR and masks; its poll runs
    /// 3,800 cycles later (interrupt entry 2,000 + ICR read 1,500 + IMC write 300, at 3 GHz: 1.267 µs), cleans every
    /// completed packet and unmasks. The next completion makes an interrupt owed, which ITR holds to the end of
    /// the window (datasheet §6.2 rule 3); completions while masked raise nothing (§6.1).
    ///
    /// | k | interrupt at tc + | packets completed by its poll (≈ +1.267 µs) |
    /// |---|---|---|
    /// | 0 | 0 | 4 (j ≤ 3.3) |
    /// | 1 | 19.968 µs | 26 (j ≤ 25.5) |
    /// | 2 | 39.936 µs | 42 (j ≤ 41.8) |
    /// | 3 | 59.904 µs | ≈ 59 (j ≤ 58.0) |
    /// | 4 | 79.872 µs | 75 (j ≤ 74.2) |
    /// | 5 | 99.840 µs | 90 (all: the last completed at ≈ 99.31 µs) |
    ///
    /// Six interrupts and six polls for 90 packets (seven when packets completed at their last bit), at exactly
    /// tc + k × 19.968 µs.
    @Test func interruptsFollowTheITRWindow() throws {
        let rig = try Rig(driver: DriverConfiguration(report: .everyPacket,
                                                      moderation: ModerationRegisterValues(itr: 78),
                                                      receiveRingSize: 0),
                          napi: NAPIConfiguration(byteQueueLimits: false))
        rig.host.recordInterruptTimes = true
        let to = rig.receiver(0)
        let (address, bytes) = try rig.buffer(90 * 1_472, tag: 1)
        try rig.host.write(socket: rig.socket, entries: [WriteVectorEntry(destination: to, address: address,
                                                                          length: bytes.count)])
        rig.run()
        let times = rig.wire.arrivals.map(\.time)
        #expect(times.count == 90)
        let t0 = try #require(times.first)
        for j in 1..<times.count { #expect(times[j] - times[j - 1] == .picoseconds(1_230_400)) }
        let tc = SimTime(rawValue: t0.rawValue - 1_220_800)
        #expect(rig.host.interruptTimes == (0..<6).map { tc + .picoseconds(Int64($0) * 19_968_000) })
        #expect(rig.host.counters.interruptsHandled == 6)
        #expect(rig.host.counters.polls == 6)
        #expect(rig.figure("masked-intervals") == 6)
        #expect(rig.figure("budget-exhaustions") == 0)
        #expect(rig.host.counters.writesCompleted == 1)
        #expect(rig.wire.payload(to: to.ip, port: to.port) == bytes)
        #expect(rig.host.driverWork.descriptorsReclaimed == rig.host.driverWork.descriptorsWritten)
    }

    /// Without moderation and with BQL off, a NAPI poll still gathers the completions of its masked interval, so
    /// even with report status on every packet there are fewer interrupts than packets.
    @Test func maskingAloneMergesCompletions() throws {
        let rig = try Rig(driver: DriverConfiguration(report: .everyPacket, receiveRingSize: 0),
                          napi: NAPIConfiguration(byteQueueLimits: false))
        let to = rig.receiver(0)
        let (address, bytes) = try rig.buffer(90 * 1_472, tag: 1)
        try rig.host.write(socket: rig.socket, entries: [WriteVectorEntry(destination: to, address: address,
                                                                          length: bytes.count)])
        rig.run()
        #expect(rig.host.counters.interruptsHandled < 90)
        #expect(rig.host.counters.interruptsHandled == rig.host.counters.polls)
        #expect(rig.host.counters.interruptsHandled == UInt64(rig.nic.counters.interrupts))
        #expect(rig.wire.payload(to: to.ip, port: to.port) == bytes)
    }
}

/// A delegate that records what the driver hands up.
final class RecordingDelegate: DriverDelegate {
    var frames: [[UInt8]] = []
    var completed: [WriteID] = []
    func frameReceived(_ bytes: [UInt8], length: Int, checksumError: Bool) { frames.append(Array(bytes[..<length])) }
    func writeCompleted(_ id: WriteID) { completed.append(id) }
}

/// Counts interrupt messages without handling them (the test calls the driver itself).
final class InterruptCounter: InterruptSink {
    var count = 0
    func interruptRaised(vector: Int) { count += 1 }
}

@Suite struct ReceiveTests {
    /// 150 frames wait on the receive ring (the test plays the OS and calls the driver itself); with the default
    /// budget of 64 the first interrupt's polls take 64, 64 and 22 frames: two budget exhaustions (the device stays
    /// masked, the poll asks to be run again), then
    /// the third poll unmasks. Every frame comes up intact and in order, and every buffer is given back.
    @Test func receiveWithinBudgetAndRepoll() throws {
        let simulator = Simulator(seed: 1, maxFrameBytes: 1536)
        let memory = PhysicalMemory(size: 64 << 20, seed: 1)
        let nic = NIC(simulator: simulator, name: "nic", configuration: NICConfiguration(),
                      dma: DMAEngine(memory: memory))
        let interrupts = InterruptCounter()
        nic.interruptSink = interrupts
        let driver = try NAPIDriver(device: nic, memory: memory,
                                    configuration: DriverConfiguration(receiveRingSize: 256), maxFrameBytes: 1514)
        let delegate = RecordingDelegate()
        _ = driver.attach(to: delegate, mac: MACAddress(2, 0, 0, 0, 0, 1))
        var sent: [[UInt8]] = []
        for i in 0..<150 {
            var bytes = [UInt8](repeating: 0, count: 100 + i)
            for k in 0..<bytes.count { bytes[k] = UInt8(truncatingIfNeeded: k &* 3 &+ i) }
            // To the station address the driver programmed (RAL0/RAH0), so that the address filter passes it.
            bytes.replaceSubrange(0..<6, with: [2, 0, 0, 0, 0, 1])
            bytes[12] = 0x88
            bytes[13] = 0xB5
            let frame = simulator.frames.allocate()
            #expect(simulator.frames.append(bytes, from: 0, count: bytes.count, to: frame))
            nic.accept(frame, simulator: simulator)
            sent.append(bytes)
        }
        simulator.run()
        // Nobody masked yet: each written-back frame sent its message (no moderation), and RXDMT0 one more when the
        // 127th frame left 255 − 127 = 128 = 256 / 2 free descriptors (RDMTS 00).
        #expect(interrupts.count == 151)
        let irq = driver.interrupt(vector: 0)
        #expect(irq.pollNeeded)
        #expect(irq.registerReads == 1 && irq.registerWrites == 1)
        let polls = (0..<3).map { _ in driver.poll(budget: 64) }
        #expect(polls.map(\.framesDelivered) == [64, 64, 22])
        #expect(polls.map(\.pollNeeded) == [true, true, false])
        #expect(polls.map(\.registerWrites) == [0, 0, 1])
        #expect(polls.map(\.doorbells) == [1, 1, 1])
        #expect(polls.map(\.receiveBuffersRefilled) == [64, 64, 22])
        #expect(delegate.frames == sent)
        #expect(driver.statistics.extra.first { $0.name == "budget-exhaustions" }?.value == 2)
        // Unmasked again: a new frame interrupts.
        let frame = simulator.frames.allocate()
        #expect(simulator.frames.append(sent[0], from: 0, count: sent[0].count, to: frame))
        nic.accept(frame, simulator: simulator)
        simulator.run()
        #expect(interrupts.count == 152)
        #expect(driver.poll(budget: 64).framesDelivered == 1)
        #expect(nic.counters.rxDroppedNoBuffer == 0)
    }
}
