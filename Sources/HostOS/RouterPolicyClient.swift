import SimCore
import WireFormats

/// The OS's side of the policy control protocol (NPCP, `PolicyControlMessage`): it hands the
/// policies an application gives it to a router over the network (claims A5, A6), and later changes and removals
/// the same way.
///
/// Each ``set(id:_:)`` or ``remove(id:)`` is a system call of the application that sends one UDP datagram from
/// port 7700 to the router's port 7700 and waits for the router's answer. A message not answered within
/// ``retryInterval`` is sent again, the same bytes, up to ``attempts`` times in all; then it is given up and
/// counted in ``Counters/failed``. ``installed`` is what the router has acknowledged. Messages go through the
/// driver as the stack's own frames (as ARP and ICMP do), so they appear in the server's capture.
public final class RouterPolicyClient: EventHandler {
    /// What the client did.
    public struct Counters: Hashable, Sendable {
        /// Messages sent for the first time, and sent again because no answer came in time.
        public var sent: UInt64 = 0
        public var retransmissions: UInt64 = 0
        /// Answers: acks, nacks (the router refused the policy), and answers to nothing pending (late duplicates).
        public var acknowledged: UInt64 = 0
        public var refused: UInt64 = 0
        public var stale: UInt64 = 0
        /// Messages given up after every attempt went unanswered.
        public var failed: UInt64 = 0
        public init() {}
    }

    public let host: Host
    /// The router's address.
    public let router: IPv4Address
    /// How long to wait for an answer before sending again (virtual time).
    public let retryInterval: SimDuration
    /// Sends of one message in all, the first included.
    public let attempts: Int
    public private(set) var counters = Counters()
    /// The policies the router has acknowledged, by id.
    public private(set) var installed: [Int: Policy] = [:]
    /// Every message sent, in order, with the virtual time it was sent (for tests and reports).
    public private(set) var log: [(time: SimTime, message: PolicyControlMessage)] = []

    private struct Pending {
        var message: PolicyControlMessage
        var policy: Policy?
        var sends: Int
    }

    private var pending: [UInt32: Pending] = [:]
    private var nextTransaction: UInt32 = 1
    private var id = ComponentID(rawValue: 0)

    /// A client on `host` for the router at `router` (the host must know its link address or find it by ARP).
    public init(host: Host, router: IPv4Address, retryInterval: SimDuration = .milliseconds(1), attempts: Int = 5) {
        precondition(attempts >= 1, "a message is sent at least once")
        self.host = host
        self.router = router
        self.retryInterval = retryInterval
        self.attempts = attempts
        self.id = host.simulator.register(self, name: "\(host.name).npcp")
        host.policyClient = self
    }

    /// Hands `policy` to the router under `id`, replacing one it holds under that id. Only the flow's destination
    /// (and source address), the action and remote targets travel; a router applies what it receives.
    ///
    /// - Throws: ``HostError`` (`.badPolicy`) when the policy matches no destination or has no remote target.
    public func set(id: Int, _ policy: Policy) throws(HostError) {
        guard let destination = policy.match.destination else {
            throw HostError(.badPolicy, "policy \(id): a router matches a destination address and port")
        }
        var targets: [(address: IPv4Address, port: UInt16)] = []
        for case .remote(let t) in policy.action.targets { targets.append((t.ip, t.port)) }
        guard !targets.isEmpty, targets.count == policy.action.targets.count,
              targets.count <= PolicyControlMessage.maximumTargets else {
            throw HostError(.badPolicy, "policy \(id): a router needs 1 to 8 remote targets")
        }
        let message = PolicyControlMessage.set(
            transaction: takeTransaction(), policyID: UInt32(truncatingIfNeeded: id), destination: destination.ip,
            destinationPort: destination.port, source: policy.match.source?.ip, replicate: policy.action.keepsOriginal,
            targets: targets)
        start(message, policy: policy)
    }

    /// Asks the router to remove policy `id`.
    public func remove(id: Int) {
        start(.simple(.remove, transaction: takeTransaction(), policyID: UInt32(truncatingIfNeeded: id)), policy: nil)
    }

    /// Messages still waiting for an answer.
    public var outstanding: Int { pending.count }

    private func takeTransaction() -> UInt32 {
        defer { nextTransaction &+= 1 }
        return nextTransaction
    }

    private func start(_ message: PolicyControlMessage, policy: Policy?) {
        host.counters.syscalls += 1
        pending[message.transaction] = Pending(message: message, policy: policy, sends: 0)
        counters.sent += 1
        send(message.transaction)
    }

    /// Sends (or resends) a pending message and arms its retry timer.
    private func send(_ transaction: UInt32) {
        guard var p = pending[transaction] else { return }
        p.sends += 1
        pending[transaction] = p
        log.append((host.simulator.now, p.message))
        host.sendControlDatagram(p.message.encoded(), to: router)
        host.simulator.schedule(PolicyClientEvent.retry(transaction: transaction), after: retryInterval, for: id)
    }

    public func handle(_ event: Event, simulator: Simulator) {
        guard case .retry(let transaction) = PolicyClientEvent(decoding: event), let p = pending[transaction] else {
            return
        }
        if p.sends >= attempts {
            pending[transaction] = nil
            counters.failed += 1
            return
        }
        counters.retransmissions += 1
        send(transaction)
    }

    /// An NPCP datagram arrived for this host.
    func received(_ bytes: [UInt8], view: UDPDatagramView) {
        guard view.ip.source == router,
              let answer = PolicyControlMessage(decoding: bytes, at: view.payloadOffset, count: view.payloadLength),
              answer.kind == .ack || answer.kind == .nack
        else { return }
        guard let p = pending.removeValue(forKey: answer.transaction), p.message.policyID == answer.policyID else {
            counters.stale += 1
            return
        }
        if answer.kind == .nack {
            counters.refused += 1
            return
        }
        counters.acknowledged += 1
        let policyID = Int(answer.policyID)
        if p.message.kind == .set { installed[policyID] = p.policy } else { installed[policyID] = nil }
    }
}

/// What a ``RouterPolicyClient`` schedules for itself.
enum PolicyClientEvent {
    /// The retry timer of a pending message ran out: send it again or give up.
    case retry(transaction: UInt32)
}

extension Host {
    /// Sends `payload` as one UDP datagram from port 7700 to `router`'s port 7700, as the stack's own frame (no
    /// process buffer, no socket). Without the router's link address it asks ARP and sends nothing: the retry
    /// sends again once the answer is in.
    func sendControlDatagram(_ payload: [UInt8], to router: IPv4Address) {
        guard let mac = neighbors[router] else {
            sendARPRequest(for: router)
            return
        }
        let template = HeaderTemplate(
            sourceMAC: self.mac, destinationMAC: mac, sourceIP: ip, destinationIP: router,
            sourcePort: PolicyControlMessage.port, destinationPort: PolicyControlMessage.port)
        var sum = InternetChecksum()
        sum.add(payload, from: 0, count: payload.count)
        for i in 0..<template.headerLength { replyScratch[i] = 0 }
        for (k, byte) in payload.enumerated() { replyScratch[template.headerLength + k] = byte }
        template.render(into: &replyScratch, at: 0, payloadLength: payload.count, identification: nextIdentification(),
                        checksum: .full(payloadSum: sum))
        var length = template.headerLength + payload.count
        while length < EthernetFraming.minimumFrameBytes {
            replyScratch[length] = 0
            length += 1
        }
        if sendReply(length: length) {
            simulator.schedule(HostEvent.doorbell, at: simulator.now, for: id)
        }
    }
}
