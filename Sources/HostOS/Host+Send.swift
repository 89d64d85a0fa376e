import HostMemory
import SimCore
import WireFormats

/// When the messages of an aggregate are to be transmitted (A12–A15, A11).
public enum AggregateTiming: Hashable, Sendable {
    /// All at once, as soon as the OS has divided the aggregate.
    case immediate
    /// Spread evenly over a time range (A12): message `i` of `n` at `start + i·(end − start)/n`.
    case range(start: SimTime, end: SimTime)
    /// Each message's ``AggregateEntry/stamp`` is an absolute time in picoseconds (A13).
    case absolute
    /// Each stamp is a sequence number `k`; message `k` goes at the call's time + `k · period` (A14).
    case sequence(period: SimDuration)
    /// Each stamp is a delay in picoseconds after the first message, which goes at the call's time (A15).
    case relative
}

/// How timed messages are held until their time.
public enum TimedDelivery: String, Hashable, Sendable, CaseIterable {
    /// The OS keeps them in its timed queue and posts each at its time (a kernel timer per release).
    case osQueue = "os-queue"
    /// The OS posts them at once with launch times; the NIC holds each until its time (datasheet §10).
    case launchTime = "launch-time"
}

/// One message of an aggregate (A7): a destination, data in the caller's memory, and a time stamp whose
/// meaning the aggregate's timing gives.
public struct AggregateEntry: Hashable, Sendable {
    public var destination: SocketAddress
    public var address: VirtualAddress
    public var length: Int
    /// Absolute picoseconds, a sequence number, or a delay in picoseconds, per ``AggregateTiming``. Media timing
    /// (A11) arrives here as relative delays derived from PCR/PTS.
    public var stamp: Int64
    /// The RTP timestamp of the message's datagram, when the socket sends RTP
    /// (``Host/openSocket(process:port:rtp:)``): the OS builds the RTP layer as for a write, with the next sequence
    /// number of the destination, so sequence numbers run on from one aggregate (or write) to the next.
    public var rtpTimestamp: UInt32?
    public init(destination: SocketAddress, address: VirtualAddress, length: Int, stamp: Int64 = 0,
                rtpTimestamp: UInt32? = nil) {
        self.destination = destination
        self.address = address
        self.length = length
        self.stamp = stamp
        self.rtpTimestamp = rtpTimestamp
    }
}

/// Many messages combined into one, passed to the OS with one system call (A7–A10).
public struct AggregateMessage: Hashable, Sendable {
    public var entries: [AggregateEntry]
    public var timing: AggregateTiming
    public var delivery: TimedDelivery
    /// A policy carried by the aggregate (A9, A10), installed for its flows before they are sent; it stays
    /// installed under ``policyID`` until removed.
    public var policy: Policy?
    public var policyID: Int
    public init(entries: [AggregateEntry], timing: AggregateTiming = .immediate, delivery: TimedDelivery = .osQueue,
                policy: Policy? = nil, policyID: Int = 0) {
        self.entries = entries
        self.timing = timing
        self.delivery = delivery
        self.policy = policy
        self.policyID = policyID
    }
}

/// Messages the OS's timed queue releases together.
struct TimedBatch {
    var process: Process
    var sourcePort: UInt16
    var messages: [Host.OutMessage]
    /// The RTP layer of the socket the aggregate came from, if it sends RTP.
    var rtp: HeaderTemplate.RTPFields?
}

extension Host {
    /// One datagram per system call (`sendto`): the payload is copied into the kernel; `length` must fit one
    /// packet.
    @discardableResult
    public func sendto(socket: Socket, destination: SocketAddress, address: VirtualAddress, length: Int)
        throws(HostError) -> WriteID
    {
        let (process, sourcePort) = try socketOwner(socket)
        try checkDatagram(length)
        let account = systemCallAccount(messages: 1)
        if simulator.tracer != nil { traceCall("sendto", messages: 1, bytes: length) }
        return try submit(process: process, sourcePort: sourcePort,
                          messages: [OutMessage(destination: destination, address: address, length: length)],
                          path: .copy, account: account, switchesContext: false)
    }

    /// Several datagrams in one system call (`sendmmsg`): the kernel loops over them, each a full pass through
    /// the stack with its payload copied; only the call's entry and exit are shared.
    @discardableResult
    public func sendmmsg(socket: Socket, messages: [(destination: SocketAddress, address: VirtualAddress, length: Int)])
        throws(HostError) -> WriteID
    {
        let (process, sourcePort) = try socketOwner(socket)
        guard !messages.isEmpty else { throw HostError(.badAggregate, "sendmmsg with no messages") }
        for m in messages { try checkDatagram(m.length) }
        let account = systemCallAccount(messages: messages.count)
        if simulator.tracer != nil {
            traceCall("sendmmsg", messages: messages.count, bytes: messages.reduce(0) { $0 + $1.length })
        }
        let out = messages.map { OutMessage(destination: $0.destination, address: $0.address, length: $0.length) }
        return try submit(process: process, sourcePort: sourcePort, messages: out, path: .copy, account: account,
                          switchesContext: false)
    }

    func checkDatagram(_ length: Int) throws(HostError) {
        let limit = driver.configuration.packetSize - IPv4Header.minimumSize - UDPHeader.size
        guard length >= 0 && length <= limit else {
            throw HostError(
                .messageTooLong, "\(length) bytes do not fit one \(driver.configuration.packetSize)-byte packet")
        }
    }

    /// The aggregate-message system call (A7, A8): one call passes every message; the OS divides the aggregate
    /// and transmits each message individually, at the time its stamp gives, through its timed queue or the
    /// NIC's launch time.
    ///
    /// The whole aggregate is checked first; a malformed one (no messages, a range that ends before it starts,
    /// stamps that are not increasing, a time before the call, an unknown destination, a message longer than a
    /// packet) is refused and nothing is sent.
    public func sendAggregate(socket: Socket, _ aggregate: AggregateMessage) throws(HostError) {
        let (process, sourcePort) = try socketOwner(socket)
        let times = try aggregateTimes(aggregate)
        for e in aggregate.entries {
            try checkDatagram(e.length)
            guard neighbors[e.destination.ip] != nil else {
                throw HostError(.unknownNeighbor, "\(e.destination.ip) has no neighbour entry")
            }
            guard process.addressSpace.isMapped(e.address, length: e.length) else {
                throw HostError(.memory, "message at \(e.address) + \(e.length) is not mapped")
            }
        }
        if let policy = aggregate.policy {
            try setPolicy(id: aggregate.policyID, policy)
        } else {
            counters.syscalls += 1
        }
        if simulator.tracer != nil {
            traceCall(
                "aggregate", messages: aggregate.entries.count, bytes: aggregate.entries.reduce(0) { $0 + $1.length })
        }
        var account = CycleAccount()
        account.syscall = configuration.costs.syscall
        var messages: [OutMessage] = []
        messages.reserveCapacity(aggregate.entries.count)
        for (e, t) in zip(aggregate.entries, times) {
            messages.append(OutMessage(destination: e.destination, address: e.address, length: e.length, launch: t,
                                       rtpTimestamp: e.rtpTimestamp))
        }
        let rtp = socketRTP[socket.rawValue]
        let now = simulator.now
        if aggregate.delivery == .launchTime || times.allSatisfy({ $0 == nil || $0! <= now }) {
            if aggregate.delivery == .osQueue { for i in messages.indices { messages[i].launch = nil } }
            account.stack = Int64(messages.count) * configuration.costs.stackPerMessage
            try submit(process: process, sourcePort: sourcePort, messages: messages, path: .copy, account: account,
                       switchesContext: false, rtp: rtp)
            return
        }
        // The OS's timed queue: one release per distinct time, each posting the messages due then.
        _ = occupy(core: coreFor(process), from: now, account)
        var i = 0
        while i < messages.count {
            let t = messages[i].launch ?? now
            var j = i
            var batch: [OutMessage] = []
            while j < messages.count && (messages[j].launch ?? now) == t {
                var m = messages[j]
                m.launch = nil
                batch.append(m)
                j += 1
            }
            timedBatches.append(TimedBatch(process: process, sourcePort: sourcePort, messages: batch, rtp: rtp))
            simulator.schedule(HostEvent.timedRelease(batch: timedBatches.count - 1), at: max(t, now), for: id)
            i = j
        }
    }

    /// The transmit time of each message, or nil for "as soon as possible".
    func aggregateTimes(_ a: AggregateMessage) throws(HostError) -> [SimTime?] {
        guard !a.entries.isEmpty else { throw HostError(.badAggregate, "the aggregate has no messages") }
        let now = simulator.now
        let n = a.entries.count
        var times: [SimTime?]
        switch a.timing {
        case .immediate:
            return Array(repeating: nil, count: n)
        case .range(let start, let end):
            guard end > start else {
                throw HostError(.badAggregate, "the time range ends (\(end)) before it starts (\(start))")
            }
            guard start >= now else { throw HostError(.badAggregate, "the time range starts before the call") }
            let span = (end - start).rawValue
            times = (0..<n).map {
                start + SimDuration(rawValue: span / Int64(n) * Int64($0) + span % Int64(n) * Int64($0) / Int64(n))
            }
        case .absolute:
            times = a.entries.map { SimTime(rawValue: $0.stamp) }
        case .sequence(let period):
            guard period > .zero else { throw HostError(.badAggregate, "the sequence period must be positive") }
            times = []
            for e in a.entries {
                guard e.stamp >= 0 else { throw HostError(.badAggregate, "negative sequence number \(e.stamp)") }
                let (p, overflow) = period.rawValue.multipliedReportingOverflow(by: e.stamp)
                guard !overflow, p <= SimTime.never.rawValue - now.rawValue else {
                    throw HostError(.badAggregate, "sequence number \(e.stamp) lies beyond the end of time")
                }
                times.append(now + SimDuration(rawValue: p))
            }
        case .relative:
            times = []
            for e in a.entries {
                guard e.stamp >= 0, e.stamp <= SimTime.never.rawValue - now.rawValue else {
                    throw HostError(.badAggregate, "relative delay \(e.stamp) ps is negative or too large")
                }
                times.append(now + SimDuration(rawValue: e.stamp))
            }
        }
        for (k, t) in times.enumerated() {
            guard let t else { continue }
            guard t >= now else {
                throw HostError(.badAggregate, "message \(k) is stamped \(t), before the call (\(now))")
            }
            if k > 0, let previous = times[k - 1], t <= previous {
                throw HostError(
                    .badAggregate,
                    "overlapping time stamps: message \(k) (\(t)) does not come after message \(k - 1) (\(previous))")
            }
        }
        return times
    }

    /// A timer expired: post the messages due now (A13–A15 done by the OS).
    func releaseTimed(_ index: Int) {
        let batch = timedBatches[index]
        var account = CycleAccount()
        account.timer = configuration.costs.timer
        account.stack = Int64(batch.messages.count) * configuration.costs.stackPerMessage
        do throws(HostError) {
            try submit(process: batch.process, sourcePort: batch.sourcePort, messages: batch.messages, path: .copy,
                       account: account, switchesContext: false, on: configuration.interruptCore, rtp: batch.rtp)
        } catch {
            // Checked when the aggregate was accepted; counted in writesRefused.
        }
        timedBatches[index].messages = []
    }
}
