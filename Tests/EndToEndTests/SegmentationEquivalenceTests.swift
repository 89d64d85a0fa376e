import NICSimTesting
import Scenarios
import Testing
import WireFormats

@Suite("NIC segmentation and driver segmentation put the same bytes on the wire")
struct SegmentationEquivalenceTests {
    static func frames(_ spec: ScenarioSpec) throws -> (frames: [[UInt8]], report: Report) {
        var options = World.Options()
        options.capturePcap = true
        let world = try World(spec: spec, options: options)
        let report = world.report(outcome: world.run())
        let pcap = try #require(world.pcapBytes)
        return (try PcapReader.read(pcap).map(\.data), report)
    }

    /// Frames grouped by destination MAC, in wire order within each group.
    static func byDestination(_ frames: [[UInt8]]) -> [UInt64: [[UInt8]]] {
        Dictionary(grouping: frames) { f in f.prefix(6).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
    }

    @Test(
        "byte-identical frames", arguments: [DriverMode.zeroCopy, .copy],
        [TransmitOrder.destinationMajor, .interleaved])
    func sameFrames(mode: DriverMode, order: TransmitOrder) throws {
        // Sizes that are and are not multiples of the segment payload, larger than one send (64 × 1,472), and tiny.
        let entries = [0, 1, 1472, 1473, 20_000, 100_000, 200_000]
        var spec = ScenarioSpec.testScenario(entries: entries, pageOffsets: [0, 7, 100, 4095, 1, 2048, 3],
                                             writes: 2, mode: mode, order: order)
        let driver = try Self.frames(spec)
        spec.server.nic.segmentation = .nic
        let nic = try Self.frames(spec)
        #expect(driver.frames.count == nic.frames.count)
        if order == .destinationMajor {
            #expect(driver.frames == nic.frames)
        } else {
            // Interleaving works per send: the driver alternates datagrams, NIC segmentation alternates sends of up
            // to 64 datagrams. Each destination's own sequence of frames is still byte-identical.
            #expect(driver.frames != nic.frames, "the wire order differs")
            #expect(Self.byDestination(driver.frames) == Self.byDestination(nic.frames))
        }
        #expect(nic.report.hosts[0].nic.segmentedPackets > 0)
        #expect(driver.report.hosts[0].nic.segmentedPackets == 0)
        // The NIC's sends are far fewer than its segments: the host's per-packet work shrinks.
        #expect(nic.report.hosts[0].sends < driver.report.hosts[0].sends / 10)
        #expect(nic.report.hosts[0].cycles["driver"]! < driver.report.hosts[0].cycles["driver"]!)
        #expect(nic.report.receivers.allSatisfy { $0.intact == true })
        for (d, n) in zip(driver.report.destinations, nic.report.destinations) { #expect(d.segments == n.segments) }
    }
}

@Suite("An IOMMU between the NIC and memory")
struct IOMMUPathTests {
    @Test("the same bytes arrive; the IOMMU delays the first fetch; a small IOTLB misses more")
    func iommuInThePath() throws {
        let entries = [100_000, 100_000, 50_000]
        var spec = ScenarioSpec.testScenario(entries: entries, registerBuffers: true)
        let plain = try SegmentationEquivalenceTests.frames(spec)
        var iommu = IOMMUSpec()
        iommu.iotlbEntries = 64
        spec.server.nic.iommu = iommu
        let big = try SegmentationEquivalenceTests.frames(spec)
        iommu.iotlbEntries = 2
        spec.server.nic.iommu = iommu
        let small = try SegmentationEquivalenceTests.frames(spec)
        #expect(big.frames == plain.frames)
        #expect(small.frames == plain.frames)
        let (p, b, s) = (plain.report.hosts[0], big.report.hosts[0], small.report.hosts[0])
        #expect(p.nic.iotlbHits == 0 && p.nic.iotlbMisses == 0)
        #expect(b.nic.iotlbMisses > 0 && b.nic.iotlbHits > b.nic.iotlbMisses)
        #expect(s.nic.iotlbMisses > b.nic.iotlbMisses)
        #expect(b.nic.iommuFaults == 0 && s.nic.iommuFaults == 0)
        // The first fetch pays its misses in full; later ones overlap with frames on the wire (fetches are
        // pipelined and the 10 Gb/s wire is the bottleneck here), so more misses need not lengthen the write.
        #expect(b.meanWriteCompletionPs > p.meanWriteCompletionPs)
        #expect(s.meanWriteCompletionPs >= b.meanWriteCompletionPs)
    }

    @Test("unregistered zero-copy buffers are mapped per send; registered ones once")
    func mappings() throws {
        var spec = ScenarioSpec.testScenario(entries: [100_000], registerBuffers: false)
        spec.server.nic.iommu = IOMMUSpec()
        let unregistered = try SegmentationEquivalenceTests.frames(spec).report.hosts[0]
        spec = ScenarioSpec.testScenario(entries: [100_000], registerBuffers: true)
        spec.server.nic.iommu = IOMMUSpec()
        let registered = try SegmentationEquivalenceTests.frames(spec).report.hosts[0]
        #expect(unregistered.nic.iommuMappings > registered.nic.iommuMappings)
        #expect(unregistered.framesTransmitted == registered.framesTransmitted)
    }
}
