import HostMemory
import NICModel
import SimCore
import Testing

@Suite("Seeded fuzz: random registers, descriptors and doorbells")
struct RegisterFuzzTests {
    static let known: [NICRegister] = [
        .ctrl, .status, .icr, .ics, .ims, .imc, .tctl, .tdbal, .tdbah, .tdlen, .tdh, .tdt, .gptc, .gotcl, .gotch,
        .tdec, .raec,
    ]

    @Test("2,000 rounds never trap or run away, and every frame is accounted for", arguments: [1, 2, 3, 0xC0FFEE])
    func fuzz(seed: UInt64) throws {
        // A ring of 64 descriptors inside a 4 KiB allocation: TDLEN may grow to 256 descriptors and still be readable.
        let bench = try Bench(ringSize: 64, seed: seed)
        let simulator = bench.simulator
        let limit: UInt64 = 4_000_000
        simulator.eventLimit = limit
        var random = simulator.randomStream(named: "NICModelTests.fuzz")
        func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        func chance(_ percent: Int) -> Bool { below(100) < percent }

        bench.program()
        let base = UInt32(truncatingIfNeeded: bench.ring.rawValue)
        var outcomes: [Simulator.RunOutcome] = []
        var arrivalsChecked = 0
        for _ in 0..<2_000 {
            switch below(10) {
            case 0...3:
                // A register write: mostly known offsets with plausible values, sometimes garbage.
                let register = chance(85)
                    ? Self.known[below(Self.known.count)]
                    : NICRegister(rawValue: UInt32(truncatingIfNeeded: random.next()))
                var value: UInt32
                switch register {
                case .ctrl: value = chance(3) ? 1 << 26 : UInt32(truncatingIfNeeded: random.next()) & ~(1 << 26)
                case .tctl:
                    value = chance(70) ? TransmitControl.enable.rawValue : UInt32(truncatingIfNeeded: random.next())
                case .tdbal: value = chance(80) ? base : UInt32(truncatingIfNeeded: random.next())
                case .tdbah: value = chance(90) ? 0 : UInt32(truncatingIfNeeded: random.next())
                case .tdlen:
                    value = chance(40) ? UInt32(1 + below(8)) * 16
                        : chance(80) ? UInt32(1 + below(256)) * 16 : UInt32(truncatingIfNeeded: random.next())
                case .tdh, .tdt: value = UInt32(below(300))
                default: value = UInt32(truncatingIfNeeded: random.next())
                }
                bench.write(register, value)
            case 4:
                // A register read (several clear on read).
                _ = bench.read(chance(90) ? Self.known[below(Self.known.count)]
                               : NICRegister(rawValue: UInt32(truncatingIfNeeded: random.next())))
            case 5...7:
                // Descriptor bytes somewhere in the ring's 4 KiB: random, or a plausible descriptor.
                let index = below(256)
                if chance(15) {
                    // A driver that clears part of its ring: zero descriptors, none with EOP.
                    let run = 1 + below(min(64, 256 - index))
                    try bench.memory.fill(bench.descriptorAddress(index), count: run * TxDescriptor.size, value: 0)
                } else if chance(30) {
                    let bytes = (0..<TxDescriptor.size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                    try bench.writeRawDescriptor(bytes, at: index)
                } else {
                    let address: UInt64
                    switch below(6) {
                    case 0: address = random.next()
                    case 1: address = UInt64(below(1 << 24))
                    default: address = bench.bufferAddress(below(bench.ringSize)).rawValue + UInt64(below(64))
                    }
                    let length = chance(80) ? UInt16(below(1600)) : UInt16(truncatingIfNeeded: random.next())
                    var command = TxCommand(rawValue: UInt8(truncatingIfNeeded: random.next()))
                    if chance(60) { command.insert(.endOfPacket) }
                    if chance(70) { command.remove(.extended) }
                    try bench.writeDescriptor(
                        TxDescriptor(bufferAddress: address, length: length, command: command,
                                     checksumStart: UInt8(truncatingIfNeeded: random.next()),
                                     checksumOffset: UInt8(truncatingIfNeeded: random.next())),
                        at: index)
                }
            case 8:
                bench.write(.tdt, UInt32(below(bench.ringSize)))
            default:
                outcomes.append(bench.run(until: simulator.now + .nanoseconds(Int64(below(20_000)))))
            }
            // Every frame on the wire is one the MAC counted, no longer than the device allows.
            let arrivals = bench.wire.arrivals
            for a in arrivals[arrivalsChecked...] {
                #expect(a.bytes.count > 0 && a.bytes.count <= bench.nic.configuration.maxFrameBytes)
            }
            arrivalsChecked = arrivals.count
            #expect(UInt64(arrivals.count) == bench.nic.counters.framesTransmitted)
        }
        outcomes.append(bench.run())
        // The fuzz reached every outcome: frames sent, each error kind, refused writes, inserted checksums.
        let c = bench.nic.counters
        #expect(c.framesTransmitted > 0 && c.txDMAErrors > 0 && c.txLengthErrors > 0 && c.txFormatErrors > 0)
        #expect(c.registerErrors > 0 && c.checksumsInserted > 0 && c.interrupts > 0)
        // The device only acts on doorbells: with no driver re-posting, every run ends well inside the limit.
        #expect(!outcomes.contains(.eventLimitReached))
        #expect(simulator.eventsProcessed < limit)
        // A final reset frees what the device still holds.
        bench.write(.ctrl, 1 << 26)
        #expect(bench.run() == .idle)
        #expect(simulator.frames.live == 0)
        #expect(bench.read(.tdlen) == 0)

        // And a clean re-initialisation still sends.
        try bench.memory.fill(bench.ring, count: 4096, value: 0)
        bench.program(start: 5)
        let good = packetBytes(count: 500, tag: 1)
        try bench.post(good)
        bench.doorbell()
        #expect(bench.run() == .idle)
        #expect(bench.wire.frames.last == good)
        #expect(simulator.frames.live == 0)
    }
}
