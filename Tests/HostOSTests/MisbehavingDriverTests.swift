import Foundation
import HostMemory
import HostOS
import NICDriver
import NICSimTesting
import NICInterface
import Scenarios
import SimCore
import Testing
import WireFormats

/// A driver that does the reference driver's work and then misbehaves in one chosen way (issue 16, item 6).
final class MisbehavingDriver: NetworkDriver {
    enum Way {
        /// Every interrupt's receipt claims an impossible amount of work (a wrapped subtraction).
        case impossibleReceipt
        /// Completions never reach the OS.
        case neverCompletes
        /// Reports every completion twice.
        case completesTwice
        /// Writes garbage into every register it can name at attach, and into the tail at every kick.
        case garbageRegisters
        /// Refuses every write.
        case refusesEverything
    }

    let inner: Driver
    let way: Way
    let device: any RegisterSpace
    weak var os: (any DriverDelegate)?
    let kind = "misbehaving"
    /// Held here: the inner driver holds its delegate weakly, as drivers do.
    var interceptor: Interceptor?

    init(_ c: DriverContext, way: Way) throws {
        inner = try Driver(device: c.device, memory: c.memory, configuration: c.configuration,
                           maxFrameBytes: c.maxFrameBytes, iommu: c.iommu, mapper: c.mapper)
        device = c.device
        self.way = way
    }

    var configuration: DriverConfiguration { inner.configuration }
    var hasOutstandingWork: Bool { inner.hasOutstandingWork }
    var hasReceiveRing: Bool { inner.hasReceiveRing }
    var statistics: DriverStatistics { inner.statistics }

    func attach(to delegate: any DriverDelegate, mac: MACAddress) -> DriverReceipt {
        os = delegate
        let interceptor = Interceptor(self)
        self.interceptor = interceptor
        var r = inner.attach(to: interceptor, mac: mac)
        if way == .garbageRegisters {
            var random = SplitMix(seed: 7)
            for _ in 0..<4096 {
                device.writeRegister(NICRegister(rawValue: UInt32(truncatingIfNeeded: random.next()) & 0xFFFC),
                                     UInt32(truncatingIfNeeded: random.next()))
                r.registerWrites += 1
            }
        }
        return r
    }
    func addDestination(_ template: HeaderTemplate) -> DestinationID { inner.addDestination(template) }
    func registerBuffer(space: AddressSpace, address: VirtualAddress, length: Int) throws(MemoryFault) -> DriverReceipt
    {
        try inner.registerBuffer(space: space, address: address, length: length)
    }
    func transmit(space: AddressSpace, entries: [WriteEntry], path: PayloadPath?) throws(DriverError)
        -> (id: WriteID, receipt: DriverReceipt)
    {
        if way == .refusesEverything { throw DriverError(.badLength, "this driver refuses everything") }
        return try inner.transmit(space: space, entries: entries, path: path)
    }
    func transmitFrame(_ bytes: [UInt8], length: Int) -> DriverReceipt? { inner.transmitFrame(bytes, length: length) }
    func kick() -> DriverReceipt {
        if way == .garbageRegisters { device.writeRegister(.tdt, 0xFFFF_FFFF) }
        return inner.kick()
    }
    func interrupt(vector: Int) -> DriverReceipt {
        var r = inner.interrupt(vector: vector)
        if way == .impossibleReceipt { r.descriptorsWritten = 0 &- 3 }
        return r
    }
    func poll(budget: Int) -> DriverReceipt { inner.poll(budget: budget) }
    func watchdog() -> DriverReceipt { inner.watchdog() }
    func installHardwarePolicy(slot: Int, _ policy: HardwarePolicy) -> DriverReceipt? {
        inner.installHardwarePolicy(slot: slot, policy)
    }
    func removeHardwarePolicy(slot: Int) -> DriverReceipt { inner.removeHardwarePolicy(slot: slot) }
    func destinationCounters(_ destination: DestinationID) -> DestinationCounters {
        inner.destinationCounters(destination)
    }

    /// Stands between the inner driver and the OS, changing completions as the way says.
    final class Interceptor: DriverDelegate {
        unowned let outer: MisbehavingDriver
        init(_ outer: MisbehavingDriver) { self.outer = outer }
        func frameReceived(_ bytes: [UInt8], length: Int, checksumError: Bool) {
            outer.os?.frameReceived(bytes, length: length, checksumError: checksumError)
        }
        func writeCompleted(_ id: WriteID) {
            switch outer.way {
            case .neverCompletes: return
            case .completesTwice:
                outer.os?.writeCompleted(id)
                outer.os?.writeCompleted(id)
            default: outer.os?.writeCompleted(id)
            }
        }
    }

    /// A small seeded generator (SplitMix64), so the garbage is the same every run.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

@Suite("A driver that misbehaves ends the run with a message, never a crash or a report that looks whole")
struct MisbehavingDriverTests {
    /// Four writes of 20,000 bytes to two receivers, 1 ms apart, pcap on.
    func world(_ way: MisbehavingDriver.Way) -> TestWorld {
        TestWorld().receivers(2).writeToAll(20_000).repeated(4, every: .milliseconds(1)).capturingPcap()
            .driver { try MisbehavingDriver($0, way: way) }
    }

    @Test("an impossible receipt stops the run at once, names the driver and keeps what was produced")
    func impossibleReceipt() throws {
        let run = try world(.impossibleReceipt).run()
        #expect(run.outcome == .stopped)
        let fault = try #require(run.report.driverFault)
        #expect(fault.contains("misbehaving") && fault.contains("interrupt returned an impossible receipt"))
        // The first write's frames went out before its completion interrupt: the capture keeps them.
        #expect((run.world.pcapBytes?.count ?? 0) > 24)
        #expect(run.report.hosts[0].framesTransmitted > 0)
    }

    @Test("a driver that never completes a write is named when the run goes idle")
    func neverCompletes() throws {
        let run = try world(.neverCompletes).run()
        #expect(run.outcome == .idle)
        let fault = try #require(run.report.driverFault)
        #expect(fault.contains("4 of 4 writes never completed"))
        // The frames themselves were sent and arrived.
        #expect(run.report.receivers.allSatisfy { $0.intact == true })
    }

    @Test("a completion the OS never had is refused and ends the run")
    func completesTwice() throws {
        let run = try world(.completesTwice).run()
        #expect(run.outcome == .stopped)
        #expect(run.report.driverFault?.contains("more completed writes than it accepted") == true)
    }

    @Test("garbage register writes become device state: refused and counted, the run goes on")
    func garbageRegisters() throws {
        let run = try world(.garbageRegisters).run()
        #expect(run.report.driverFault == nil || run.report.driverFault?.contains("never completed") == true)
        #expect(run.report.hosts[0].nic.registerErrors > 0)
        #expect(run.outcome == .idle)
    }

    @Test("a driver that refuses every write: calls are refused, nothing is sent, nothing crashes")
    func refusesEverything() throws {
        let run = try world(.refusesEverything).run()
        #expect(run.report.refusedCalls == 4)
        #expect(run.report.hosts[0].framesTransmitted == 0)
        #expect(run.report.driverFault == nil)
    }

    @Test("a factory that throws is a build error naming the machine")
    func factoryThrows() throws {
        struct Refusal: Error {}
        #expect(throws: TestWorld.Error.self) {
            _ = try TestWorld().receivers(1).writeToAll(1000).driver { _ in throw Refusal() }.run()
        }
    }
}
