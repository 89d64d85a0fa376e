import HostMemory
import HostOS
import NICSimTesting
import SimCore
import Testing
import WireFormats

/// A driver that does what the test says: each call returns the receipt the test set and is recorded with its
/// virtual time. It never touches the device, so everything the OS does with it is the OS's own doing.
final class ScriptedDriver: NetworkDriver {
    let kind = "scripted"
    var configuration: DriverConfiguration
    var hasOutstandingWork = false
    var hasReceiveRing = false
    let simulator: Simulator
    private(set) weak var delegate: (any DriverDelegate)?
    /// Every call by name, with its virtual time.
    private(set) var calls: [(name: String, time: SimTime)] = []
    var transmitReceipt = DriverReceipt()
    var interruptReceipt = DriverReceipt()
    var watchdogReceipt = DriverReceipt()
    /// Refuse every transmit with this error.
    var refusal: DriverError?
    /// Runs inside each watchdog call (a test changes ``hasOutstandingWork`` there).
    var onWatchdog: (() -> Void)?
    private var destinations = 0
    private var writes: UInt64 = 0

    init(_ context: DriverContext) {
        configuration = context.configuration
        simulator = context.simulator
    }

    func times(of name: String) -> [SimTime] { calls.filter { $0.name == name }.map(\.time) }

    private func record(_ name: String) { calls.append((name, simulator.now)) }

    func attach(to delegate: any DriverDelegate, mac: MACAddress) -> DriverReceipt {
        self.delegate = delegate
        record("attach")
        return DriverReceipt()
    }

    func addDestination(_ template: HeaderTemplate) -> DestinationID {
        destinations += 1
        return DestinationID(rawValue: destinations - 1)
    }

    func registerBuffer(space: AddressSpace, address: VirtualAddress, length: Int) throws(MemoryFault) -> DriverReceipt
    {
        DriverReceipt()
    }

    func transmit(space: AddressSpace, entries: [WriteEntry], path: PayloadPath?) throws(DriverError)
        -> (id: WriteID, receipt: DriverReceipt)
    {
        record("transmit")
        if let refusal { throw refusal }
        writes += 1
        return (WriteID(rawValue: writes), transmitReceipt)
    }

    func transmitFrame(_ bytes: [UInt8], length: Int) -> DriverReceipt? { nil }

    func kick() -> DriverReceipt {
        record("kick")
        return DriverReceipt()
    }

    func interrupt(vector: Int) -> DriverReceipt {
        record("interrupt")
        return interruptReceipt
    }

    func poll(budget: Int) -> DriverReceipt {
        record("poll")
        return DriverReceipt()
    }

    func watchdog() -> DriverReceipt {
        record("watchdog")
        onWatchdog?()
        return watchdogReceipt
    }

    func installHardwarePolicy(slot: Int, _ policy: HardwarePolicy) -> DriverReceipt? { nil }
    func removeHardwarePolicy(slot: Int) -> DriverReceipt { DriverReceipt() }
    func destinationCounters(_ destination: DestinationID) -> DestinationCounters { DestinationCounters() }
    var statistics: DriverStatistics { DriverStatistics() }

    /// Tells the OS that write `id` completed, as a driver does from its handler.
    func complete(_ id: WriteID) { delegate?.writeCompleted(id) }
}

/// The OS's side of the driver interface, checked with a scripted driver on the embedded NIC rig: the write path,
/// receipts priced by the cost model, the doorbell after the CPU work, interrupt merging, the watchdog and what the
/// OS does when a driver misbehaves.
@Suite("The OS and its driver on the embedded NIC rig")
struct HostContractTests {
    static func scripted(_ configuration: DriverConfiguration = DriverConfiguration())
        throws -> (EmbeddedNIC, EmbeddedHost<ScriptedDriver>)
    {
        let rig = EmbeddedNIC()
        let machine = try rig.plug(configuration: configuration) { ScriptedDriver($0) }
        return (rig, machine)
    }

    /// A receipt with something in every priced category.
    static let sample: DriverReceipt = {
        var r = DriverReceipt()
        r.sends = 3
        r.segments = 3
        r.descriptorsWritten = 6
        r.bytesCopied = 4_096
        r.pageWalks = 2
        r.translationHits = 5
        r.registerWrites = 1
        r.kickNeeded = true
        return r
    }()

    @Test("a write costs a system call, stack work per entry, two switches and the receipt's price; then the kick")
    func writeIsPricedAndKickedAfterTheWork() throws {
        let (rig, machine) = try Self.scripted()
        let driver = machine.driver
        driver.transmitReceipt = Self.sample
        let (a, _) = try machine.buffer(100, tag: 1)
        try machine.write([(machine.receiver(0), a, 100), (machine.receiver(1), a, 100)])
        let costs = machine.host.configuration.costs

        var expected = costs.price(Self.sample)
        expected.syscall = costs.syscall
        expected.stack = 2 * costs.stackPerMessage
        expected.contextSwitch = 2 * costs.contextSwitch
        #expect(machine.host.cycles == expected)
        #expect(machine.host.driverWork.sends == 3)
        #expect(driver.times(of: "kick").isEmpty, "the kick waits for the call's CPU work")

        rig.runUntilIdle()
        let end = SimTime.zero + SimDuration.cycles(expected.total, hertz: machine.host.configuration.clockHz)
        #expect(driver.times(of: "kick") == [end])
        #expect(machine.host.counters.writes == 1)
    }

    @Test("a receipt no driver can return ends the run and names the driver; the write call is refused")
    func impossibleTransmitReceipt() throws {
        let (_, machine) = try Self.scripted()
        machine.driver.transmitReceipt.sends = 1 << 50
        let (a, _) = try machine.buffer(100, tag: 1)
        #expect(throws: HostError.self) { try machine.write([(machine.receiver(0), a, 100)]) }
        #expect(machine.host.driverFault?.contains("driver scripted") == true)
        #expect(machine.host.counters.writes == 0)
    }

    @Test("a driver's refusal refuses the call whole and charges the system call, nothing more")
    func refusedWrite() throws {
        let (_, machine) = try Self.scripted()
        machine.driver.refusal = DriverError(.unknownDestination, "no such destination")
        let (a, _) = try machine.buffer(100, tag: 1)
        do {
            try machine.write([(machine.receiver(0), a, 100)])
            Issue.record("the write was accepted")
        } catch {
            #expect(error.code == .driverRefused)
        }
        #expect(machine.host.counters.writesRefused == 1)
        #expect(machine.host.cycles.driver == 0 && machine.host.cycles.descriptors == 0)
        #expect(machine.host.cycles.syscall == machine.host.configuration.costs.syscall)
    }

    @Test("interrupt messages that arrive while the handler waits for the core are merged into one run")
    func interruptsMerge() throws {
        let (rig, machine) = try Self.scripted()
        var handlerWork = DriverReceipt()
        handlerWork.registerReads = 1
        handlerWork.descriptorsReclaimed = 4
        machine.driver.interruptReceipt = handlerWork
        rig.interrupts.interruptRaised(vector: 0)
        rig.interrupts.interruptRaised(vector: 0)
        rig.interrupts.interruptRaised(vector: 0)
        #expect(machine.host.counters.interruptsMerged == 2)
        rig.runUntilIdle()
        #expect(machine.driver.times(of: "interrupt").count == 1)
        #expect(machine.host.counters.interruptsHandled == 1)
        let costs = machine.host.configuration.costs
        #expect(machine.host.cycles.interrupt == costs.interrupt + costs.registerRead)
        #expect(machine.host.cycles.driver == 4 * costs.perReclaimedDescriptor)

        // Once the handler has run, the next message is a run of its own.
        rig.interrupts.interruptRaised(vector: 0)
        rig.runUntilIdle()
        #expect(machine.host.counters.interruptsHandled == 2)
        #expect(machine.host.counters.interruptsMerged == 2)
    }

    @Test("an impossible receipt from the interrupt handler stops the run there and is recorded")
    func impossibleInterruptReceipt() throws {
        let (rig, machine) = try Self.scripted()
        machine.driver.interruptReceipt.segments = 10
        machine.driver.interruptReceipt.sends = 0
        rig.interrupts.interruptRaised(vector: 0)
        #expect(rig.runUntilIdle() == .stopped)
        #expect(machine.host.driverFault?.contains("interrupt returned an impossible receipt") == true)
        #expect(machine.host.cycles.driver == 0)
    }

    @Test("a completion for more writes than the OS handed the driver ends the run")
    func completionNeverIssued() throws {
        let (rig, machine) = try Self.scripted()
        rig.at(SimTime.microseconds(1)) { machine.driver.complete(WriteID(rawValue: 77)) }
        #expect(rig.runUntilIdle() == .stopped)
        #expect(machine.host.driverFault?.contains("more completed writes than it accepted") == true)
    }

    @Test("the watchdog runs every interval while the driver has work outstanding, then stops")
    func watchdogWhileOutstanding() throws {
        var configuration = DriverConfiguration()
        configuration.watchdogInterval = .microseconds(10)
        let (rig, machine) = try Self.scripted(configuration)
        let driver = machine.driver
        driver.transmitReceipt.sends = 1
        driver.transmitReceipt.kickNeeded = true
        driver.hasOutstandingWork = true
        driver.onWatchdog = { if driver.times(of: "watchdog").count == 3 { driver.hasOutstandingWork = false } }
        let (a, _) = try machine.buffer(100, tag: 1)
        try machine.write([(machine.receiver(0), a, 100)])
        #expect(rig.runUntilIdle() == .idle)

        let kick = try #require(driver.times(of: "kick").first)
        let interval = SimDuration.microseconds(10)
        #expect(driver.times(of: "watchdog") == [kick + interval, kick + interval + interval,
                                                 kick + interval + interval + interval])
    }

    @Test("no watchdog without an interval, nor while the driver has nothing outstanding")
    func noWatchdogWhenIdleOrOff() throws {
        let (rig, machine) = try Self.scripted()
        machine.driver.transmitReceipt.kickNeeded = true
        machine.driver.hasOutstandingWork = true
        let (a, _) = try machine.buffer(100, tag: 1)
        try machine.write([(machine.receiver(0), a, 100)])
        rig.runUntilIdle()
        #expect(machine.driver.times(of: "watchdog").isEmpty, "interval zero: no watchdog")

        var configuration = DriverConfiguration()
        configuration.watchdogInterval = .microseconds(10)
        let (quietRig, quiet) = try Self.scripted(configuration)
        quiet.driver.transmitReceipt.kickNeeded = true
        let (b, _) = try quiet.buffer(100, tag: 1)
        try quiet.write([(quiet.receiver(0), b, 100)])
        quietRig.runUntilIdle()
        #expect(quiet.driver.times(of: "kick").count == 1)
        #expect(quiet.driver.times(of: "watchdog").isEmpty, "nothing outstanding: no watchdog")
    }
}
