import HostMemory
import HostOS
import NAPIDriver
import NICModel
import SimCore
import Testing
import WireFormats

@Suite struct TransmitTests {
    /// A zero-copy write to three destinations of unregistered memory: each receiver's payload arrives whole and in
    /// order, the write completes, and the receipts add up to what the device saw.
    @Test func multiDestinationZeroCopyWriteArrivesIntact() throws {
        let rig = try Rig()
        var entries: [WriteVectorEntry] = []
        var expected: [(SocketAddress, [UInt8])] = []
        for i in 0..<3 {
            let (address, bytes) = try rig.buffer(10_000 + 1_000 * i, tag: i + 1)
            let to = rig.receiver(i)
            entries.append(WriteVectorEntry(destination: to, address: address, length: bytes.count))
            expected.append((to, bytes))
        }
        try rig.host.write(socket: rig.socket, entries: entries)
        rig.run()
        for (to, bytes) in expected {
            #expect(rig.wire.payload(to: to.ip, port: to.port) == bytes)
        }
        #expect(rig.host.counters.writesCompleted == 1)
        let work = rig.host.driverWork
        #expect(work.isPlausible)
        #expect(work.descriptorsWritten == rig.nic.counters.descriptorsFetched)
        #expect(work.descriptorsReclaimed == work.descriptorsWritten)
        #expect(work.doorbells == rig.nic.counters.doorbells)
        #expect(work.segments == UInt64(rig.wire.arrivals.count))
        #expect(work.transientPins == work.pageWalks)
        #expect(work.pageWalks > 0)
        #expect(rig.nic.counters.txDMAErrors + rig.nic.counters.txFormatErrors + rig.nic.counters.txLengthErrors == 0)
    }
}

/// One way of sending, for the table of ``PathTests``.
struct Way: CustomTestStringConvertible, Sendable {
    var path: PayloadPath
    var segmentation: SegmentationPlace
    var iommu: Bool
    var registered: Bool
    var order: PacketOrder
    /// Reclaim by head write-back (TDWBAL, datasheet §4.5) instead of `DD`.
    var headWriteBack = false
    var testDescription: String {
        "\(path) \(segmentation) iommu=\(iommu) registered=\(registered) \(order)"
            + (headWriteBack ? " head-write-back" : "")
    }
}

@Suite struct PathTests {
    static let ways: [Way] = [
        Way(path: .zeroCopy, segmentation: .nic, iommu: false, registered: false, order: .roundRobin),
        Way(path: .copy, segmentation: .driver, iommu: false, registered: false, order: .roundRobin),
        Way(path: .copy, segmentation: .nic, iommu: true, registered: false, order: .destinationMajor),
        Way(path: .zeroCopy, segmentation: .driver, iommu: true, registered: true, order: .destinationMajor),
        Way(path: .zeroCopy, segmentation: .nic, iommu: true, registered: true, order: .roundRobin),
        Way(path: .zeroCopy, segmentation: .driver, iommu: true, registered: false, order: .roundRobin),
        Way(path: .zeroCopy, segmentation: .driver, iommu: false, registered: true, order: .roundRobin),
        Way(
            path: .zeroCopy, segmentation: .nic, iommu: false, registered: false, order: .roundRobin,
            headWriteBack: true),
        Way(
            path: .copy, segmentation: .driver, iommu: true, registered: false, order: .destinationMajor,
            headWriteBack: true),
    ]

    /// Every way of sending delivers the same payload bytes, with no device error, every write completed, every
    /// descriptor fetched reclaimed, and the IOMMU left with only the driver's own buffers and registered regions.
    @Test(arguments: ways) func everyWayDeliversTheSameBytes(_ way: Way) throws {
        let rig = try Rig(driver: DriverConfiguration(path: way.path, order: way.order, segmentation: way.segmentation,
                                                      receiveRingSize: 0),
                          napi: NAPIConfiguration(headWriteBack: way.headWriteBack), iommu: way.iommu)
        var expected: [(SocketAddress, [UInt8])] = []
        var entries: [WriteVectorEntry] = []
        for i in 0..<3 {
            let (address, bytes) = try rig.buffer(20_000 + 3_333 * i, tag: i + 5)
            if way.registered {
                try rig.host.registerBuffer(process: rig.process, address: address, length: bytes.count)
            }
            let to = rig.receiver(i)
            entries.append(WriteVectorEntry(destination: to, address: address, length: bytes.count))
            expected.append((to, bytes))
        }
        let mappedBefore = rig.iommu?.mappedPages ?? 0
        try rig.host.write(socket: rig.socket, entries: entries)
        try rig.host.write(socket: rig.socket, entries: entries.reversed())
        rig.run()
        for (to, bytes) in expected {
            #expect(rig.wire.payload(to: to.ip, port: to.port) == bytes + bytes)
        }
        let c = rig.nic.counters
        #expect(c.txDMAErrors + c.txFormatErrors + c.txLengthErrors == 0)
        #expect(rig.host.counters.writesCompleted == 2)
        let work = rig.host.driverWork
        #expect(work.isPlausible)
        #expect(work.descriptorsWritten == c.descriptorsFetched)
        #expect(work.descriptorsReclaimed == work.descriptorsWritten)
        #expect(work.segments == c.framesTransmitted)
        // With head write-back the device writes heads, never `DD` (datasheet §4.5): every descriptor reclaimed above
        // was reclaimed from the written head.
        if way.segmentation == .nic {
            #expect(work.sends < work.segments)
        } else {
            #expect(work.sends == work.segments)
        }
        if way.path == .copy {
            #expect(work.bytesCopied == 2 * UInt64(expected.reduce(0) { $0 + $1.1.count }))
            #expect(work.pageWalks == 0)
        } else {
            #expect(work.bytesCopied == 0)
            if way.registered { #expect(work.translationHits == work.sends) } else { #expect(work.transientPins > 0) }
        }
        if let iommu = rig.iommu {
            #expect(work.iommuMaps > 0)
            #expect(iommu.counters.faults == 0)
            // Transient references are all given back: what stays mapped is what was mapped before the writes.
            #expect(iommu.mappedPages == mappedBefore)
            #expect(UInt64(iommu.mappedPages) == work.iommuMaps - work.iommuUnmaps)
            if !way.registered && way.path == .zeroCopy { #expect(work.iommuUnmaps > 0) }
        }
    }

    /// An RTP socket with NIC segmentation: each destination's datagrams carry consecutive RTP sequence numbers
    /// and the write's timestamp, and the payload after the 12-byte RTP header arrives whole.
    @Test func rtpTemplatesNumberEveryDatagram() throws {
        let rig = try Rig(driver: DriverConfiguration(segmentation: .nic, receiveRingSize: 0))
        let socket = rig.host.openSocket(process: rig.process, port: 5006, rtp: HeaderTemplate.RTPFields(ssrc: 0x1234))
        let (address, bytes) = try rig.buffer(30_000, tag: 9)
        let to = rig.receiver(0)
        try rig.host.write(socket: socket, entries: [WriteVectorEntry(destination: to, address: address,
                                                                      length: bytes.count, rtpTimestamp: 90_000)])
        rig.run()
        var payload: [UInt8] = []
        var sequences: [UInt16] = []
        for a in rig.wire.arrivals {
            let b = a.bytes
            sequences.append(UInt16(b[44]) << 8 | UInt16(b[45]))
            #expect(UInt32(b[46]) << 24 | UInt32(b[47]) << 16 | UInt32(b[48]) << 8 | UInt32(b[49]) == 90_000)
            payload += b[54...]
        }
        #expect(payload == bytes)
        #expect(sequences == (0..<UInt16(sequences.count)).map { $0 })
        #expect(sequences.count == (30_000 + 1_459) / 1_460)
    }

    /// Launch times (datasheet §10): an aggregate whose messages the OS posts at once with launch times leaves
    /// each frame's last bit exactly one frame time after its launch time: (8 + 42 + 1,000 + 4) bytes × 0.8 ns at
    /// 10 Gb/s = 843.2 ns.
    @Test func launchTimesHoldFramesUntilTheirTime() throws {
        let rig = try Rig()
        let to = rig.receiver(0)
        let (address, _) = try rig.buffer(3_000, tag: 3)
        let launches: [Int64] = [100_000_000, 150_000_000, 400_000_000]
        let aggregate = AggregateMessage(
            entries: launches.enumerated().map { i, t in
                AggregateEntry(destination: to, address: address.advanced(by: i * 1_000), length: 1_000, stamp: t)
            }, timing: .absolute, delivery: .launchTime)
        try rig.host.sendAggregate(socket: rig.socket, aggregate)
        rig.run()
        #expect(rig.wire.arrivals.map(\.time.rawValue) == launches.map { $0 + 843_200 })
        #expect(rig.nic.counters.launchTimedFrames == 3)
        #expect(rig.nic.counters.lateFrames == 0)
    }
}

@Suite struct DoorbellAndQueueTests {
    /// `xmit_more`: a write of 50 datagrams to one destination rings one doorbell (after the set-up's one tail
    /// write per queue), so 49 are saved; four more writes, each made after the previous one's kick, ring four.
    /// (Writes made at the same instant share the first one's kick: their CPU work is done before it.)
    @Test func oneDoorbellPerWrite() throws {
        let rig = try Rig(napi: NAPIConfiguration(byteQueueLimits: false))
        let to = rig.receiver(0)
        let (address, bytes) = try rig.buffer(50 * 1_472, tag: 1)
        let setup = rig.nic.counters.doorbells
        #expect(setup == 4)
        try rig.host.write(socket: rig.socket, entries: [WriteVectorEntry(destination: to, address: address,
                                                                          length: bytes.count)])
        rig.run()
        #expect(rig.nic.counters.doorbells - setup == 1)
        #expect(rig.figure("doorbells-saved") == 49)
        let probe = Probe(simulator: rig.simulator)
        for k in 1...4 {
            probe.at(rig.simulator.now + .microseconds(Int64(k) * 50), on: rig.simulator) {
                _ = try? rig.host.write(
                    socket: rig.socket,
                    entries: [
                        WriteVectorEntry(
                            destination: to, address: address,
                            length: 10 * 1_472)
                    ])
            }
        }
        rig.run()
        #expect(rig.host.counters.writesCompleted == 5)
        #expect(rig.nic.counters.doorbells - setup == 5)
        #expect(rig.host.driverWork.doorbells == rig.nic.counters.doorbells)
        #expect(rig.wire.payload(to: to.ip, port: to.port).count == 90 * 1_472)
    }

    /// The flow hash is the datasheet's §11.1 FNV-1a: its worked example (10.0.0.1:5004 → 10.0.0.2:5004) gives
    /// 0x4CCF_0C0A_17CB_B312, queue 2 of 4.
    @Test func flowHashIsTheDatasheetExample() {
        let t = HeaderTemplate(sourceMAC: MACAddress(2, 0, 0, 0, 0, 1), destinationMAC: MACAddress(2, 0, 0, 0, 0, 2),
                               sourceIP: IPv4Address(10, 0, 0, 1), destinationIP: IPv4Address(10, 0, 0, 2),
                               sourcePort: 5004, destinationPort: 5004)
        #expect(NAPIDriver.flowHash(t) == 0x4CCF_0C0A_17CB_B312)
        #expect(NAPIDriver.flowHash(t) % 4 == 2)
    }

    /// Sixteen destinations spread over the four queues by flow hash; the device's per-queue frame counts equal
    /// the datagrams of the destinations the driver put on each queue, and more than one queue carries traffic.
    @Test func destinationsSpreadOverQueuesByFlowHash() throws {
        let rig = try Rig()
        let (address, _) = try rig.buffer(3 * 1_472, tag: 2)
        var entries: [WriteVectorEntry] = []
        for i in 0..<16 {
            entries.append(WriteVectorEntry(destination: rig.receiver(i), address: address, length: 3 * 1_472))
        }
        try rig.host.write(socket: rig.socket, entries: entries)
        rig.run()
        var perQueue = [UInt64](repeating: 0, count: 4)
        for e in entries {
            let id = try #require(rig.host.destinationID(forSourcePort: 5004, destination: e.destination))
            let q = try #require(rig.driver.queue(of: id))
            perQueue[q] += rig.driver.destinationCounters(id).packets
        }
        #expect(Array(rig.nic.counters.txFramesPerQueue.prefix(4)) == perQueue)
        #expect(perQueue.filter { $0 > 0 }.count > 1)
        #expect(perQueue.reduce(0, +) == 48)
        #expect(rig.host.counters.writesCompleted == 1)
    }

    /// BQL: with the Linux start (limit 0) one write of 200 datagrams stops the queue again and again while the
    /// limit grows from completions; sampled every 500 ns, the bytes in flight never exceed the limit by more than
    /// one frame (a queue stops after the packet that crossed it), the stalls are counted, and the data arrives.
    @Test func byteQueueLimitBoundsBytesInFlight() throws {
        let rig = try Rig()
        let to = rig.receiver(0)
        let (address, bytes) = try rig.buffer(200 * 1_472, tag: 4)
        let probe = Probe(simulator: rig.simulator)
        var worst = Int.min
        var samples = 0
        for k in 1...2_000 {
            probe.at(.nanoseconds(Int64(k) * 500), on: rig.simulator) {
                for (inFlight, limit) in zip(rig.driver.bytesInFlight, rig.driver.byteLimits) {
                    worst = max(worst, inFlight - limit)
                }
                samples += 1
            }
        }
        try rig.host.write(socket: rig.socket, entries: [WriteVectorEntry(destination: to, address: address,
                                                                          length: bytes.count)])
        rig.run()
        #expect(samples == 2_000)
        #expect(worst <= 1_514)
        #expect(rig.figure("bql-stalls") > 2)
        #expect(rig.figure("bql-limit-max") >= 1_514)
        #expect(rig.host.driverWork.ringFullStalls == rig.figure("bql-stalls") + rig.figure("ring-stalls"))
        #expect(rig.wire.payload(to: to.ip, port: to.port) == bytes)
        #expect(rig.host.counters.writesCompleted == 1)
        #expect(rig.driver.bytesInFlight.allSatisfy { $0 == 0 })
    }
}
