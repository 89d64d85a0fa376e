import HostMemory
import SimCore
import WireFormats

/// A host's fixed properties.
public struct HostConfiguration: Hashable, Sendable {
    /// CPU cores.
    public var cores: Int
    /// Core clock in hertz. Default 3 GHz [U], the clock the cost model's cycle figures assume.
    public var clockHz: Int64
    public var costs: CostModel
    /// Core that runs the NIC's interrupt handler.
    public var interruptCore: Int

    public init(cores: Int = 1, clockHz: Int64 = 3_000_000_000, costs: CostModel = CostModel(), interruptCore: Int = 0)
    {
        precondition(cores >= 1 && clockHz > 0)
        self.cores = cores
        self.clockHz = clockHz
        self.costs = costs
        self.interruptCore = min(max(0, interruptCore), cores - 1)
    }
}

/// What the host's operating system did, counted.
public struct HostCounters: Hashable, Sendable {
    /// System calls made by applications.
    public var syscalls: UInt64 = 0
    /// Switches between an application's context and the driver's (B1), each direction counted.
    public var contextSwitches: UInt64 = 0
    /// Interrupt handler runs.
    public var interruptsHandled: UInt64 = 0
    /// Driver polls run (NAPI: scheduled by an interrupt handler, or by a poll that used its whole budget).
    public var polls: UInt64 = 0
    /// Interrupt messages that arrived while a handler run for their vector waited for the core, and were merged
    /// into that run.
    public var interruptsMerged: UInt64 = 0
    /// Interrupt messages that reached the host, by vector (index = vector; merged ones included), once one came
    /// on a vector other than 0; empty while every message came on vector 0 (a legacy device allocates nothing for
    /// it). Grows to the highest vector seen.
    public var interruptsByVector: [UInt64] = []
    /// Multi-destination writes accepted.
    public var writes: UInt64 = 0
    /// Writes refused before anything was sent.
    public var writesRefused: UInt64 = 0
    /// Writes whose every packet the device has sent.
    public var writesCompleted: UInt64 = 0
    /// Pages walked and pinned to register buffers.
    public var pagesPinned: UInt64 = 0
    /// Calls that waited for ARP, requests sent, and calls refused because no reply came in time.
    public var callsAwaitingARP: UInt64 = 0
    public var arpRequestsSent: UInt64 = 0
    public var arpFailures: UInt64 = 0
    public init() {}
}

/// An application process: a name and its own address space.
public final class Process {
    public let id: Int
    public let name: String
    public let addressSpace: AddressSpace
    init(id: Int, name: String, addressSpace: AddressSpace) {
        self.id = id
        self.name = name
        self.addressSpace = addressSpace
    }
}

/// A UDP socket bound to a source port, owned by a process.
public struct Socket: Hashable, Sendable {
    public var rawValue: Int
}

/// A UDP destination: address and port.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public var ip: IPv4Address
    public var port: UInt16
    public init(ip: IPv4Address, port: UInt16) {
        self.ip = ip
        self.port = port
    }
    public var description: String { "\(ip):\(port)" }
}

/// One entry of a multi-destination write as the application passes it: a destination and a buffer in its
/// own virtual memory, larger than a packet (B1, B17).
public struct WriteVectorEntry: Hashable, Sendable {
    public var destination: SocketAddress
    public var address: VirtualAddress
    public var length: Int
    /// RTP timestamp for the entry's first packet, when the socket sends RTP (``Host/openSocket(process:port:rtp:)``).
    public var rtpTimestamp: UInt32?
    public init(destination: SocketAddress, address: VirtualAddress, length: Int, rtpTimestamp: UInt32? = nil) {
        self.destination = destination
        self.address = address
        self.length = length
        self.rtpTimestamp = rtpTimestamp
    }
}

/// The record of one write call, for reports.
public struct WriteRecord: Hashable, Sendable {
    /// When the application made the call.
    public var issued: SimTime
    /// When the driver had posted its descriptors and rung the doorbell (end of the call's CPU work).
    public var posted: SimTime
    /// When the interrupt handler learned that its last packet was sent; `nil` while outstanding.
    public var completed: SimTime?
}

/// The operating system of one emulated host: processes, sockets, the CPU, and the interrupt path to the driver.
///
/// Work is priced by ``CostModel`` and occupies a core for cycles ÷ clock of virtual time, so that a doorbell
/// rings only after the CPU work that precedes it. The driver runs in its own context (B1).
public final class Host: EventHandler, InterruptSink, DriverDelegate {
    public let name: String
    public let mac: MACAddress
    public let ip: IPv4Address
    public let configuration: HostConfiguration
    public let memory: PhysicalMemory
    /// The NIC's driver, reached only through ``NetworkDriver`` (its receipts price its work).
    public let driver: any NetworkDriver
    public internal(set) var counters = HostCounters()
    /// Everything the driver reported doing, every receipt added up (attach included).
    public internal(set) var driverWork = DriverReceipt()
    /// Cycles by category, summed over cores.
    public internal(set) var cycles = CycleAccount()
    /// Every write call, in call order, when ``recordWrites`` is on.
    public private(set) var writeRecords: [WriteRecord] = []
    /// Keep ``writeRecords`` (off by default: it grows with every call; the completion statistics do not).
    public var recordWrites = false
    /// Write calls completed, and the sum of their times from call to completion (for the mean).
    public private(set) var completionCount: Int64 = 0
    public private(set) var completionTotal = SimDuration.zero
    /// The mean time from a write call to its completion; zero when none completed.
    public var meanWriteCompletion: SimDuration {
        completionCount == 0 ? .zero : SimDuration(rawValue: completionTotal.rawValue / completionCount)
    }
    /// Times at which the interrupt handler started, when ``recordInterruptTimes`` is on.
    public private(set) var interruptTimes: [SimTime] = []
    /// Keep ``interruptTimes`` (off by default: it grows with every interrupt).
    public var recordInterruptTimes = false
    /// Most receive work one NAPI poll may do. Default 64, Linux's `NAPI_POLL_WEIGHT` (include/linux/netdevice.h).
    public var pollBudget = 64
    /// What the driver did wrong, when it did: the host stops calling it and the run ends with this message.
    public internal(set) var driverFault: String?

    /// What the stack did with received frames.
    public internal(set) var receiveCounters = ReceiveCounters()

    let simulator: Simulator
    var id = ComponentID(rawValue: 0)
    var replyScratch = [UInt8](repeating: 0, count: 9216)
    var replyIdentification: UInt16 = 0
    /// The client that hands policies to routers over NPCP, when there is one (``RouterPolicyClient``).
    weak var policyClient: RouterPolicyClient?
    /// Work the stack does on received frames inside the current interrupt.
    var receiveAccount = CycleAccount()
    /// Receipts of driver calls the stack made inside the current interrupt, poll or watchdog run (replies sent as
    /// frames), priced together with that run's own receipt; nil outside such a run.
    var nestedDriverWork: DriverReceipt?
    var coreBusyUntil: [SimTime]
    var processes: [Process] = []
    var sockets: [(process: Int, port: UInt16)] = []
    var socketRTP: [HeaderTemplate.RTPFields?] = []
    var neighbors: [IPv4Address: MACAddress] = [:]
    /// The driver destinations of plain UDP datagrams, by (IPv4 address, port, source port) packed in 64 bits
    /// (``packed(sourcePort:destination:)``).
    var destinations = IntegerTable(capacity: 0)
    /// The driver destinations of RTP datagrams, by the same key.
    var rtpDestinations = IntegerTable(capacity: 0)
    /// Policies by id, in the order they were first installed.
    var policies: [(id: Int, policy: Policy)] = []
    /// Counters per policy id.
    public internal(set) var policyCounters: [Int: PolicyCounters] = [:]
    /// Datagrams and bytes delivered to each bound port (by policies and by plain delivery).
    public internal(set) var socketDeliveries: [UInt16: (datagrams: UInt64, bytes: UInt64)] = [:]
    /// Resolve unknown destinations by ARP instead of refusing the call (static entries still win).
    public var resolvesByARP = false
    /// How long a call waits for ARP replies. Default 1 s, Linux's `retrans_time_ms` for neighbour solicitations.
    public var arpTimeout = SimDuration.seconds(1)
    var parked: [ParkedCall] = []
    /// When an ARP request for an address was last sent on behalf of a policy.
    var arpAsked: [IPv4Address: SimTime] = [:]
    /// Match-action entries in use, by policy id.
    var hardwareSlots: [Int: Int] = [:]
    /// Messages held by the OS's timed queue, in release order.
    var timedBatches: [TimedBatch] = []
    /// When each outstanding write was issued.
    var writeIssued: [WriteID: SimTime] = [:]
    /// Each outstanding write's index in ``writeRecords``, when those are kept.
    var writeIndexByID: [WriteID: Int] = [:]
    /// A watchdog run is scheduled.
    var watchdogArmed = false
    /// The receipt of the latest interrupt, poll or watchdog run.
    var lastRunReceipt = DriverReceipt()
    /// Per interrupt vector: a handler run is scheduled and has not started.
    var interruptWaiting = [false]
    /// Messages on vector 0 before ``HostCounters/interruptsByVector`` was needed.
    var vectorZeroMessages: UInt64 = 0
    /// Reused per call: the messages of a write and the driver entries made from them (no allocation per call once
    /// they have grown to the largest write).
    var messageScratch: [OutMessage] = []
    var entryScratch: [WriteEntry] = []

    /// One message on its way to the driver.
    struct OutMessage {
        var destination: SocketAddress
        var address: VirtualAddress
        var length: Int
        var launch: SimTime? = nil
        var rtpTimestamp: UInt32? = nil
    }

    /// A call waiting for ARP replies.
    struct ParkedCall {
        var process: Process
        var sourcePort: UInt16
        var messages: [OutMessage]
        var path: PayloadPath?
        var account: CycleAccount
        var switchesContext: Bool
        var rtp: HeaderTemplate.RTPFields?
        var deadline: SimTime
    }

    public init(simulator: Simulator, name: String, mac: MACAddress, ip: IPv4Address, memory: PhysicalMemory,
                driver: any NetworkDriver, configuration: HostConfiguration) {
        self.simulator = simulator
        self.name = name
        self.mac = mac
        self.ip = ip
        self.memory = memory
        self.driver = driver
        self.configuration = configuration
        self.coreBusyUntil = Array(repeating: .zero, count: configuration.cores)
        self.id = simulator.register(self, name: name)
        // Bringing the device up happens before the run's clock starts: recorded, not charged.
        driverWork += driver.attach(to: self, mac: mac)
    }

    /// Starts a process with an empty address space.
    public func createProcess(name: String) -> Process {
        let p = Process(
            id: processes.count, name: name, addressSpace: AddressSpace(memory: memory, id: processes.count))
        processes.append(p)
        return p
    }

    /// Opens a UDP socket for `process` bound to `port`. With `rtp`, every datagram it sends carries an RTP
    /// header (RFC 3550) built into the destination's header template (B18): sequence numbers per destination,
    /// the timestamp the write gives.
    public func openSocket(process: Process, port: UInt16, rtp: HeaderTemplate.RTPFields? = nil) -> Socket {
        sockets.append((process.id, port))
        socketRTP.append(rtp)
        return Socket(rawValue: sockets.count - 1)
    }

    /// Makes room in ``writeRecords`` for `count` more write calls, so that recording them allocates nothing
    /// while traffic flows (a scenario knows its number of calls up front).
    public func reserveWriteRecords(_ count: Int) {
        writeRecords.reserveCapacity(writeRecords.count + max(0, count))
    }

    /// Adds a static neighbour entry (IPv4 → MAC), as `ip neigh add … nud permanent` does.
    public func addNeighbor(_ ip: IPv4Address, mac: MACAddress) { neighbors[ip] = mac }

    /// Registers a buffer with the driver's translation buffer (B5/B6): walk and pin now, look up later.
    /// Costs a system call plus a walk and a pin per page, on the process's core, at the current time.
    public func registerBuffer(process: Process, address: VirtualAddress, length: Int) throws(HostError) {
        let receipt: DriverReceipt
        do throws(MemoryFault) {
            receipt = try driver.registerBuffer(space: process.addressSpace, address: address, length: length)
        } catch {
            throw HostError(.memory, "\(error)")
        }
        try checkReceipt(receipt, "registerBuffer")
        driverWork += receipt
        counters.syscalls += 1
        counters.pagesPinned += receipt.pagesPinned
        var account = configuration.costs.price(receipt)
        account.syscall = configuration.costs.syscall
        _ = occupy(core: coreFor(process), from: simulator.now, account)
    }

    /// Performs a multi-destination write now (B1, B17): one system call hands the whole write vector to the
    /// driver's context. Refused whole (nothing sent) when a destination has no neighbour entry or the driver
    /// refuses it. Transmit policies (A1, A3, A4) rewrite the vector first.
    @discardableResult
    public func write(socket: Socket, entries: [WriteVectorEntry]) throws(HostError) -> WriteID {
        let (process, sourcePort) = try socketOwner(socket)
        // One pass through the stack per entry (destination lookup, header template).
        let account = systemCallAccount(messages: entries.count)
        if simulator.tracer != nil {
            traceCall("write", messages: entries.count, bytes: entries.reduce(0) { $0 + $1.length })
        }
        messageScratch.removeAll(keepingCapacity: true)
        for e in entries {
            messageScratch.append(OutMessage(destination: e.destination, address: e.address, length: e.length,
                                             rtpTimestamp: e.rtpTimestamp))
        }
        return try submit(process: process, sourcePort: sourcePort, messages: messageScratch, path: nil,
                          account: account, switchesContext: true, rtp: socketRTP[socket.rawValue])
    }

    func socketOwner(_ socket: Socket) throws(HostError) -> (Process, UInt16) {
        guard socket.rawValue >= 0 && socket.rawValue < sockets.count else {
            throw HostError(.badSocket, "socket \(socket.rawValue) is not open")
        }
        let (processIndex, sourcePort) = sockets[socket.rawValue]
        return (processes[processIndex], sourcePort)
    }

    /// Applies transmit policies, hands the messages to the driver and prices the work on the process's core;
    /// the doorbell rings when that work is done. Nothing is posted when any message is refused.
    @discardableResult
    func submit(process: Process, sourcePort: UInt16, messages: [OutMessage], path: PayloadPath?,
                account initial: CycleAccount, switchesContext: Bool, on core: Int? = nil,
                rtp: HeaderTemplate.RTPFields? = nil) throws(HostError) -> WriteID {
        var account = initial
        let expanded = applyTransmitPolicies(messages, sourcePort: sourcePort, account: &account)
        // Destinations without a neighbour entry are resolved by ARP first (RFC 826); the call waits for the
        // replies and is refused when they do not come.
        if resolvesByARP {
            let missing = Set(expanded.map(\.destination.ip).filter { neighbors[$0] == nil })
            if !missing.isEmpty {
                for ip in missing.sorted(by: { $0.rawValue < $1.rawValue }) { sendARPRequest(for: ip) }
                parked.append(ParkedCall(process: process, sourcePort: sourcePort, messages: messages, path: path,
                                         account: initial, switchesContext: switchesContext, rtp: rtp,
                                         deadline: simulator.now + arpTimeout))
                simulator.schedule(HostEvent.arpTimeout, after: arpTimeout, for: id)
                counters.callsAwaitingARP += 1
                return WriteID(rawValue: 0)
            }
        }
        entryScratch.removeAll(keepingCapacity: true)
        let core = core ?? coreFor(process)
        let start = max(simulator.now, coreBusyUntil[core])
        do throws(HostError) {
            for (i, e) in expanded.enumerated() {
                prefetchDestination(after: i, of: expanded, sourcePort: sourcePort, rtp: rtp)
                let destination = try destinationID(sourcePort: sourcePort, destination: e.destination, rtp: rtp)
                entryScratch.append(WriteEntry(destination: destination, address: e.address, length: e.length,
                                               launchTime: e.launch, rtpTimestamp: e.rtpTimestamp))
            }
        } catch {
            counters.writesRefused += 1
            _ = occupy(core: core, from: start, account)
            throw error
        }
        let id: WriteID
        let receipt: DriverReceipt
        do throws(DriverError) {
            (id, receipt) = try driver.transmit(space: process.addressSpace, entries: entryScratch, path: path)
        } catch {
            counters.writesRefused += 1
            _ = occupy(core: core, from: start, account)
            throw HostError(.driverRefused, error.description)
        }
        try checkReceipt(receipt, "transmit")
        driverWork += receipt
        counters.writes += 1
        if switchesContext {
            counters.contextSwitches += 2
            account.contextSwitch += 2 * configuration.costs.contextSwitch
        }
        account += configuration.costs.price(receipt)
        let end = occupy(core: core, from: start, account)
        writeIssued[id] = simulator.now
        if recordWrites {
            writeIndexByID[id] = writeRecords.count
            writeRecords.append(WriteRecord(issued: simulator.now, posted: end, completed: nil))
        }
        if receipt.kickNeeded {
            simulator.schedule(HostEvent.doorbell, at: end, for: self.id)
        } else {
            // A driver that rang its own doorbells in the call: the watchdog starts watching now (otherwise when the
            // kick runs).
            armWatchdog()
        }
        return id
    }

    func destinationID(sourcePort: UInt16, destination: SocketAddress, rtp: HeaderTemplate.RTPFields? = nil)
        throws(HostError) -> DestinationID
    {
        let packed = Self.packed(sourcePort: sourcePort, destination: destination)
        if let known = (rtp == nil ? destinations : rtpDestinations).value(for: packed) {
            return DestinationID(rawValue: Int(known))
        }
        guard let mac = neighbors[destination.ip] else {
            throw HostError(.unknownNeighbor, "\(destination.ip) has no neighbour entry")
        }
        let template = HeaderTemplate(sourceMAC: self.mac, destinationMAC: mac, sourceIP: ip,
                                      destinationIP: destination.ip, sourcePort: sourcePort,
                                      destinationPort: destination.port, rtp: rtp)
        let id = driver.addDestination(template)
        // New destinations only (never per packet): a full table doubles.
        if rtp == nil {
            destinations.insertGrowing(Int32(id.rawValue), for: packed)
        } else {
            rtpDestinations.insertGrowing(Int32(id.rawValue), for: packed)
        }
        return id
    }

    /// The key of a destination in ``destinations`` and ``rtpDestinations``: address, port and source port in 64
    /// bits.
    static func packed(sourcePort: UInt16, destination: SocketAddress) -> UInt64 {
        UInt64(destination.ip.rawValue) << 32 | UInt64(destination.port) << 16 | UInt64(sourcePort)
    }

    /// The driver destination a socket's datagrams to `destination` use, once one was sent.
    public func destinationID(forSourcePort port: UInt16, destination: SocketAddress) -> DestinationID? {
        let packed = Self.packed(sourcePort: port, destination: destination)
        let known = destinations.value(for: packed) ?? rtpDestinations.value(for: packed)
        return known.map { DestinationID(rawValue: Int($0)) }
    }

    func coreFor(_ process: Process) -> Int { process.id % configuration.cores }

    /// Occupies `core` with `account`'s cycles from `start` (or when the core is free); returns when it is done.
    func occupy(core: Int, from start: SimTime, _ account: CycleAccount) -> SimTime {
        let begin = max(start, coreBusyUntil[core])
        let end = begin + SimDuration.cycles(account.total, hertz: configuration.clockHz)
        coreBusyUntil[core] = end
        cycles += account
        return end
    }

    // MARK: Events

    public func handle(_ event: Event, simulator: Simulator) {
        switch HostEvent(decoding: event) {
        case .doorbell:
            // The doorbell was priced with the call that asked for it.
            driverWork += driver.kick()
            armWatchdog()
        case .interrupt(let vector):
            runInterruptHandler(vector: vector)
            armWatchdog(receiving: true)
        case .poll:
            runPoll()
            armWatchdog(receiving: true)
        case .watchdog:
            runWatchdog()
        case .timedRelease(let batch):
            releaseTimed(batch)
        case .arpTimeout:
            retryParked()
        case nil:
            break
        }
    }

    /// The device raised an interrupt: the handler runs on the interrupt core as soon as it is free.
    ///
    /// A message for a vector whose handler is already waiting for the core is merged into that run, as Linux's
    /// edge-interrupt flow does (`handle_edge_irq` marks the interrupt pending and runs the handler once more, not
    /// once per message): the handler that runs sees every cause the device has set by then.
    public func interruptRaised(vector: Int) {
        let v = max(0, vector)
        if v == 0 && counters.interruptsByVector.isEmpty {
            vectorZeroMessages += 1
        } else {
            if v >= counters.interruptsByVector.count {
                let first = counters.interruptsByVector.isEmpty
                counters.interruptsByVector += Array(repeating: 0, count: v + 1 - counters.interruptsByVector.count)
                if first { counters.interruptsByVector[0] = vectorZeroMessages }
            }
            counters.interruptsByVector[v] += 1
        }
        if v < interruptWaiting.count && interruptWaiting[v] {
            counters.interruptsMerged += 1
            return
        }
        if v >= interruptWaiting.count {
            interruptWaiting += Array(repeating: false, count: v + 1 - interruptWaiting.count)
        }
        interruptWaiting[v] = true
        let start = max(simulator.now, coreBusyUntil[configuration.interruptCore])
        simulator.schedule(HostEvent.interrupt(vector: v), at: start, for: id)
    }

    func runInterruptHandler(vector: Int) {
        if vector < interruptWaiting.count { interruptWaiting[vector] = false }
        counters.interruptsHandled += 1
        if recordInterruptTimes { interruptTimes.append(simulator.now) }
        var account = runDriverWork("interrupt") { $0.interrupt(vector: vector) }
        account.interrupt += configuration.costs.interrupt
        finishDriverWork(account)
    }

    /// A NAPI poll: the driver's softirq work on the interrupt core, after the handler that scheduled it.
    func runPoll() {
        counters.polls += 1
        finishDriverWork(runDriverWork("poll") { $0.poll(budget: pollBudget) })
    }

    /// Runs one interrupt, poll or watchdog call of the driver: receipts of frames the stack sends meanwhile are
    /// priced with it, together with the stack's own receive work. Leaves the call's receipt in `lastRunReceipt`.
    func runDriverWork(_ call: String, _ body: (any NetworkDriver) -> DriverReceipt) -> CycleAccount {
        receiveAccount = CycleAccount()
        nestedDriverWork = DriverReceipt()
        let own = body(driver)
        var receipt = nestedDriverWork ?? DriverReceipt()
        nestedDriverWork = nil
        guard own.isPlausible else {
            // Priced at nothing: the run stops here, and the report keeps what the driver did before.
            driverMisbehaved("\(call) returned an impossible receipt")
            lastRunReceipt = DriverReceipt()
            return CycleAccount()
        }
        receipt += own
        driverWork += receipt
        lastRunReceipt = receipt
        if simulator.tracer != nil {
            simulator.trace(name, call == "interrupt" ? "interrupt-handler" : call, [
                ("cleaned", .int(Int64(clamping: receipt.descriptorsReclaimed))),
                ("writes-completed", .int(Int64(counters.writesCompleted))),
            ])
        }
        var account = configuration.costs.price(receipt)
        account += receiveAccount
        return account
    }

    /// Occupies the interrupt core with a run's work, then rings the doorbell and schedules the next poll it asked for.
    func finishDriverWork(_ account: CycleAccount) {
        let end = occupy(core: configuration.interruptCore, from: simulator.now, account)
        if lastRunReceipt.kickNeeded { simulator.schedule(HostEvent.doorbell, at: end, for: id) }
        if lastRunReceipt.pollNeeded { simulator.schedule(HostEvent.poll, at: end, for: id) }
    }

    /// Traces a system call that sends.
    /// Counts one system call and starts its cycle account: the call's entry and exit, and one pass through the
    /// stack per message it carries.
    func systemCallAccount(messages: Int = 0) -> CycleAccount {
        counters.syscalls += 1
        var account = CycleAccount()
        account.syscall = configuration.costs.syscall
        account.stack = Int64(messages) * configuration.costs.stackPerMessage
        return account
    }

    func traceCall(_ call: String, messages: Int, bytes: Int) {
        simulator.trace(name, "syscall", [("call", .text(call)), ("messages", .int(Int64(messages))),
                                          ("bytes", .int(Int64(bytes)))])
    }

    public func writeCompleted(_ id: WriteID) {
        counters.writesCompleted += 1
        guard counters.writesCompleted <= counters.writes else {
            driverMisbehaved("reported more completed writes than it accepted (write \(id.rawValue))")
            return
        }
        guard let issued = writeIssued.removeValue(forKey: id) else { return }
        completionCount += 1
        completionTotal = completionTotal + SimDuration(rawValue: simulator.now.rawValue - issued.rawValue)
        if let index = writeIndexByID.removeValue(forKey: id) { writeRecords[index].completed = simulator.now }
    }
}

/// The codes of ``HostError``.
extension ErrorCode where Domain == HostError {
    public static var unknownNeighbor: Self { Self(rawValue: "no link-layer address for destination") }
    public static var badSocket: Self { Self(rawValue: "bad socket") }
    public static var driverRefused: Self { Self(rawValue: "driver refused the write") }
    public static var memory: Self { Self(rawValue: "memory fault") }
    public static var badPolicy: Self { Self(rawValue: "bad policy") }
    public static var badAggregate: Self { Self(rawValue: "bad aggregate message") }
    public static var messageTooLong: Self { Self(rawValue: "message too long") }
}

/// What a host schedules for itself.
enum HostEvent {
    /// The doorbell a call or a handler asked for is rung (priced with that work).
    case doorbell
    /// The interrupt handler of `vector` runs on the interrupt core.
    case interrupt(vector: Int)
    /// The timed-release messages of batch `batch` (an index into the host's timed batches) are due.
    case timedRelease(batch: Int)
    /// Calls parked for ARP are retried or refused.
    case arpTimeout
    /// The driver's watchdog runs.
    case watchdog
    /// The driver's poll runs (NAPI).
    case poll
}
