import HostMemory
import NICModel
import NICSimTesting
import SimCore

/// An adversarial driver: the input is a program of register writes and reads through the NIC's register
/// interface, descriptor and packet writes into host memory (with addresses that are valid, unallocated, beyond
/// memory or overflowing), doorbells, IOMMU mappings, frames from the wire, and simulator steps.
///
/// The first byte picks the device: largest frame, queue counts, descriptor cache size and whether an IOMMU
/// translates the device's addresses (identity-mapped over the driver's region, which the program can unmap).
///
/// Checks, after every step: frames on the wire are 1 … the largest frame long and as many as the MAC counted; a
/// run never reaches the event limit (the device must not spin). At the end a device reset followed by a run goes
/// idle and every frame slot is released.
enum DriverHarness {
    /// The driver's contiguous region: rings and buffers live here.
    static let regionBytes = 256 * 1024
    /// Events a whole program may take.
    static let eventLimit: UInt64 = 2_000_000
    /// Operations one input may run.
    static let maximumOperations = 600

    /// Registers worth writing: every named one, the queue blocks and the match-action table.
    static let registers: [NICRegister] = {
        var list: [NICRegister] = [
            .ctrl, .status, .icr, .ics, .ims, .imc, .tctl, .tdbal, .tdbah, .tdlen, .tdh, .tdt, .gptc, .gotcl, .gotch,
            .tdec, .raec, .itr, .rctl, .rdtr, .radv, .rxft, .tidv, .tadv, .txft, .ltctl, .mrqc, .mpc, .gprc, .gorcl,
            .gorch, .latec, .ral, .rah, .rxcec, .rxddc, .rxodc, .rxdec, .txdmac, .txlenc, .txfmtc, .txqec, .ictxc,
            .icrxc, .icerc, .icc, .ltdc, .hpdc,
        ]
        let offsets = [NICRegister.QueueOffset.baseLow, NICRegister.QueueOffset.baseHigh,
                       NICRegister.QueueOffset.length, NICRegister.QueueOffset.head, NICRegister.QueueOffset.tail,
                       NICRegister.QueueOffset.control]
        for queue in 0..<NICRegister.maximumQueues {
            for offset in offsets {
                list.append(.transmitQueue(queue, offset))
                list.append(.receiveQueue(queue, offset))
            }
            list.append(.tqpc(queue))
            list.append(.rqpc(queue))
        }
        for entry in [0, 1, 15] {
            let fields = [NICRegister.PolicyOffset.matchIP, NICRegister.PolicyOffset.control,
                          NICRegister.PolicyOffset.sourceIP, NICRegister.PolicyOffset.hits,
                          NICRegister.PolicyOffset.target(0), NICRegister.PolicyOffset.target(0) + 4,
                          NICRegister.PolicyOffset.target(7)]
            for field in fields { list.append(.policy(entry, field)) }
        }
        return list
    }()

    /// What the wire saw since frame `start` that no device may send: frames of 0 bytes or longer than the largest
    /// (at most 4 reported).
    static func wireViolations(_ wire: EmbeddedNIC.Wire, from start: Int, maximumBytes: Int) -> [String] {
        var violations: [String] = []
        for arrival in wire.arrivals[start...] where arrival.length < 1 || arrival.length > maximumBytes {
            guard violations.count < 4 else { break }
            violations.append("a frame of \(arrival.length) bytes reached the wire (largest \(maximumBytes))")
        }
        return violations
    }

    static func run(_ bytes: [UInt8], _ outcome: inout FuzzOutcome) {
        outcome.violations = check(bytes, &outcome)
    }

    static func check(_ bytes: [UInt8], _ outcome: inout FuzzOutcome) -> [String] {
        var input = FuzzInput(bytes)
        let setup = input.u8()
        let maxFrame = setup & 0x01 == 0 ? 1514 : 9014
        let configuration = NICConfiguration(
            maxFrameBytes: maxFrame, transmitQueues: 1 + Int(setup >> 1) % 4, receiveQueues: 1 + Int(setup >> 3) % 4,
            descriptorCacheSize: setup & 0x20 == 0 ? 64 : 4)
        // The device on the embedded rig (NICSimTesting): the program is its driver.
        let rig = EmbeddedNIC(configuration: configuration, memoryBytes: 16 << 20,
                              iommu: setup & 0x40 != 0 ? IOMMU.Configuration(iotlbEntries: 8) : nil, seed: 1)
        let simulator = rig.simulator
        defer { simulator.tearDown() }
        simulator.eventLimit = eventLimit
        let nic = rig.device
        let wire = rig.wire
        wire.keepsBytes = false
        let region: PhysicalAddress
        do {
            // Identity-mapped for the device when there is an IOMMU.
            region = try rig.allocate(bytes: regionBytes)
            _ = try rig.memory.allocateFrame()  // one scattered page as well, somewhere below
        } catch {
            return ["the harness could not set up memory: \(error)"]
        }
        var driver = Program(input: input, nic: nic, memory: rig.memory, iommu: rig.iommu, region: region,
                             maxFrame: maxFrame)
        var violations: [String] = []
        var operations = 0
        var checked = 0
        while !driver.input.isAtEnd, operations < maximumOperations, violations.isEmpty {
            operations += 1
            if let outcome = driver.step(simulator: simulator), outcome == .eventLimitReached {
                violations.append("the device ran \(eventLimit) events without settling (it spins)")
            }
            violations += wireViolations(wire, from: checked, maximumBytes: maxFrame)
            checked = wire.arrivals.count
            let transmitted = nic.counters.framesTransmitted
            if UInt64(wire.arrivals.count) != transmitted {
                violations.append("\(wire.arrivals.count) frames on the wire, the MAC counted \(transmitted)")
            }
        }
        let c = nic.counters
        outcome.counters["framesTransmitted"] = Int(c.framesTransmitted)
        outcome.counters["framesReceived"] = Int(c.framesReceived)
        outcome.counters["dmaErrors"] = Int(c.txDMAErrors + c.rxDMAErrors)
        outcome.counters["checksumsInserted"] = Int(c.checksumsInserted)
        outcome.counters["interrupts"] = rig.interrupts.count
        outcome.counters["operations"] = operations
        guard violations.isEmpty else { return violations }
        // A reset stops everything; the device then releases what it holds and goes quiet.
        nic.writeRegister(.ctrl, 1 << 26)
        let end = simulator.run()
        if end != .idle { violations.append("after a reset the run ended \(end), not idle") }
        let live = simulator.frames.live
        if live != 0 { violations.append("\(live) frame slots still held after a reset") }
        return violations + wireViolations(wire, from: checked, maximumBytes: maxFrame)
    }

    /// The program's state: where things are and how to pick operands.
    struct Program {
        var input: FuzzInput
        let nic: NIC
        let memory: PhysicalMemory
        let iommu: IOMMU?
        let region: PhysicalAddress
        let maxFrame: Int
        let frames = FrameBuilder(
            macs: [[0x02, 0, 0, 0, 0, 0x01], [0x02, 0, 0, 0, 0, 0x02]], addresses: [[192, 0, 2, 1], [192, 0, 2, 2]],
            ports: [5000, 5004, 1234])

        /// An address for the device: mostly inside the region, sometimes anything.
        mutating func address() -> UInt64 {
            switch input.below(10) {
            case 0: return input.u64()
            case 1: return UInt64(input.u32())
            case 2: return memory.size &- UInt64(input.u16())
            case 3: return UInt64.max &- UInt64(input.u16())
            default: return region.rawValue + UInt64(input.below(regionBytes))
            }
        }

        /// A 16-byte aligned place in the first 64 KiB of the region (where rings go).
        mutating func ringSlot() -> UInt64 { region.rawValue + UInt64(input.below(4096)) * 16 }

        mutating func write(_ bytes: [UInt8], at address: UInt64) {
            // The driver's own writes go straight to memory; faults just mean a bad address.
            try? memory.write(PhysicalAddress(rawValue: address), from: bytes, at: 0, count: bytes.count)
        }

        mutating func value(for register: NICRegister) -> UInt32 {
            switch input.below(6) {
            case 0: return input.u32()
            case 1: return UInt32(input.below(300))
            case 2: return UInt32(truncatingIfNeeded: address())
            case 3: return UInt32(input.below(257)) * 16
            case 4: return 1 << UInt32(input.below(32))
            default: return UInt32(input.u16())
            }
        }

        /// Runs one operation; returns the outcome when it ran the simulator.
        mutating func step(simulator: Simulator) -> Simulator.RunOutcome? {
            switch input.below(16) {
            case 0, 1:
                let register = input.below(8) == 0 ? NICRegister(rawValue: input.u32() & 0x7FFC)
                    : input.pick(DriverHarness.registers)
                nic.writeRegister(register, value(for: register))
            case 2:
                _ = nic.readRegister(input.pick(DriverHarness.registers))
            case 3:
                write(input.take(16), at: ringSlot())
            case 4:
                var bytes = [UInt8](repeating: 0, count: TxDescriptor.size)
                let length = input.below(4) == 0 ? input.u16() : UInt16(input.below(2048))
                var command = TxCommand(rawValue: input.u8())
                if input.below(4) != 0 { command.remove(.extended) }
                TxDescriptor(bufferAddress: address(), length: length, command: command, checksumStart: input.u8(),
                             checksumOffset: input.u8()).encode(into: &bytes, at: 0)
                write(bytes, at: ringSlot())
            case 5:
                // A context descriptor: launch time, header layout, flags and MSS.
                var bytes = [UInt8](repeating: 0, count: TxDescriptor.size)
                let launch = input.bool() ? UInt64(input.u32()) : input.u64()
                for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: launch >> (8 * UInt64(i))) }
                bytes[8] = input.pick([42, 54, 42, input.u8()])
                bytes[9] = input.pick([14, 14, input.u8()])
                bytes[10] = input.pick([34, 34, input.u8()])
                bytes[11] = TxCommand.extended.rawValue | (input.u8() & 0b1100_1011)
                bytes[13] = input.u8()
                let mss = input.pick([1472, 1316, 100, 8, input.u16()])
                bytes[14] = UInt8(truncatingIfNeeded: mss)
                bytes[15] = UInt8(truncatingIfNeeded: mss >> 8)
                write(bytes, at: ringSlot())
            case 6:
                var bytes = [UInt8](repeating: 0, count: RxDescriptor.size)
                RxDescriptor(bufferAddress: address()).encode(into: &bytes, at: 0)
                if input.below(4) == 0 { bytes[12] = input.u8() }  // a status the device did not write
                write(bytes, at: ringSlot())
            case 7:
                // Packet bytes in the buffer area (the upper 192 KiB): raw, or a well-formed frame.
                let at = region.rawValue + 65_536 + UInt64(input.below(regionBytes - 65_536))
                let bytes = input.bool() ? input.take(input.below(2049)) : frames.frame(&input)
                write(bytes, at: at)
            case 8:
                // A doorbell on any queue.
                let queue = input.below(NICRegister.maximumQueues)
                let tail = UInt32(input.below(300))
                nic.writeRegister(input.bool() ? .transmitQueue(queue, NICRegister.QueueOffset.tail)
                                  : .receiveQueue(queue, NICRegister.QueueOffset.tail), tail)
            case 9:
                programQueue()
            case 10, 11:
                let nanoseconds = Int64(input.u16()) * Int64(1 + input.below(64))
                return simulator.run(until: simulator.now + .nanoseconds(nanoseconds))
            case 12:
                // A frame from the wire.
                let bytes = frames.frame(&input)
                guard !bytes.isEmpty, bytes.count <= simulator.frames.slotCapacity else { break }
                let frame = simulator.frames.allocate()
                _ = simulator.frames.append(bytes, from: 0, count: bytes.count, to: frame)
                nic.accept(frame, simulator: simulator)
            case 13:
                nic.writeRegister(.ctrl, input.below(8) == 0 ? input.u32() : 1 << 26)
            case 14:
                changeMapping()
            default:
                // Interrupt registers with any bits.
                nic.writeRegister(input.pick([.ics, .ims, .imc, .icr, .itr]), input.u32())
                if input.bool() { _ = nic.readRegister(.icr) }
            }
            return nil
        }

        /// Programs a whole transmit or receive ring the way a driver does, with the input's sizes and positions.
        mutating func programQueue() {
            let queue = input.below(NICRegister.maximumQueues)
            let transmit = input.bool()
            let register: (UInt32) -> NICRegister = {
                transmit ? .transmitQueue(queue, $0) : .receiveQueue(queue, $0)
            }
            let base = ringSlot()
            let descriptors = UInt32(1 + input.below(256))
            nic.writeRegister(register(NICRegister.QueueOffset.baseLow), UInt32(truncatingIfNeeded: base))
            nic.writeRegister(register(NICRegister.QueueOffset.baseHigh), UInt32(truncatingIfNeeded: base >> 32))
            nic.writeRegister(register(NICRegister.QueueOffset.length), descriptors * 16)
            let head = UInt32(input.below(Int(descriptors)))
            nic.writeRegister(register(NICRegister.QueueOffset.head), head)
            nic.writeRegister(register(NICRegister.QueueOffset.tail), input.bool() ? head : UInt32(input.below(300)))
            nic.writeRegister(register(NICRegister.QueueOffset.control), NICRegister.QueueOffset.enableBit)
            if transmit {
                nic.writeRegister(.tctl, TransmitControl.enable.rawValue)
            } else {
                // Promiscuous, so that every frame the input injects reaches the packet buffer and the rings.
                nic.writeRegister(.rctl, ReceiveControl([.enable, .unicastPromiscuous, .multicastPromiscuous]).rawValue
                                  | UInt32(input.below(4)) << 16)
            }
        }

        /// Maps, unmaps or invalidates part of the device's view (only with an IOMMU).
        mutating func changeMapping() {
            guard let iommu else { return }
            let page = UInt64(input.below(regionBytes / 4096)) * 4096
            let pages = 1 + input.below(8)
            let iova = IOVirtualAddress(rawValue: input.below(8) == 0 ? input.u64() : region.rawValue + page)
            switch input.below(4) {
            case 0:
                _ = try? iommu.unmap(iova: iova, length: pages * 4096)
            case 1:
                _ = try? iommu.invalidate(iova: iova, length: input.below(8) == 0 ? Int(input.u32()) : pages * 4096)
            case 2:
                _ = iommu.invalidateAll()
            default:
                _ = try? iommu.map(iova: iova, physical: PhysicalAddress(rawValue: region.rawValue + page),
                                   length: pages * 4096, writable: input.bool())
            }
        }
    }
}
