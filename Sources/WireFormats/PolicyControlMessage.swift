/// One message of the nicsim policy control protocol (NPCP): how an OS hands a policy to a router over the network
/// (claims A5, A6), and how the router answers.
///
/// NPCP runs over UDP, port ``port`` (7700) at both ends. The OS sends ``Kind/set`` (install or replace policy `id`)
/// or ``Kind/remove``; the router answers every message it can read with ``Kind/ack`` or ``Kind/nack`` carrying the
/// same transaction number and policy id. The sender retransmits a message that is not answered in time (the same
/// bytes, the same transaction) a bounded number of times; both requests are idempotent, so a retransmission whose
/// answer was lost does no harm (removing an absent policy is acknowledged). All fields are big-endian:
///
/// | offset | bytes | field |
/// |---|---|---|
/// | 0 | 2 | magic 0x4E50 ("NP") |
/// | 2 | 1 | version, 1 |
/// | 3 | 1 | kind: 1 set, 2 remove, 3 ack, 4 nack |
/// | 4 | 4 | transaction number (chosen by the sender, echoed in the answer) |
/// | 8 | 4 | policy id |
/// | 12 | 4 | set: destination IPv4 address to match |
/// | 16 | 2 | set: destination UDP port to match |
/// | 18 | 4 | set: source IPv4 address to match, 0.0.0.0 for any |
/// | 22 | 1 | set: action, 0 redirect, 1 replicate (the original goes on as well) |
/// | 23 | 1 | set: number of targets n, 1 … 8 |
/// | 24 | 6 × n | set: each target's IPv4 address (4) and UDP port (2) |
/// | 12 | 1 | ack and nack: status, 0 done, 1 malformed, 2 refused (the policy does not fit the router) |
///
/// A set message is 24 + 6n bytes, remove 12, ack and nack 13. `Fixtures/wireshark/npcp.lua` dissects it.
public struct PolicyControlMessage: Hashable, Sendable {
    /// The UDP port of both ends.
    public static let port: UInt16 = 7700
    public static let magic: UInt16 = 0x4E50
    public static let version: UInt8 = 1
    /// The most targets one policy carries.
    public static let maximumTargets = 8

    public enum Kind: UInt8, Hashable, Sendable {
        case set = 1, remove = 2, ack = 3, nack = 4
    }

    /// An answer's status.
    public enum Status: UInt8, Hashable, Sendable {
        case done = 0, malformed = 1, refused = 2
    }

    public var kind: Kind
    public var transaction: UInt32
    public var policyID: UInt32
    /// Set: the flow (destination address and port, and the source address or nil for any).
    public var destination: IPv4Address
    public var destinationPort: UInt16
    public var source: IPv4Address?
    /// Set: replicate (keep the original) or redirect.
    public var replicate: Bool
    /// Set: where copies go.
    public var targets: [(address: IPv4Address, port: UInt16)]
    /// Ack and nack: the status.
    public var status: Status

    /// A set message.
    public static func set(transaction: UInt32, policyID: UInt32, destination: IPv4Address, destinationPort: UInt16,
                           source: IPv4Address?, replicate: Bool, targets: [(address: IPv4Address, port: UInt16)])
        -> PolicyControlMessage
    {
        PolicyControlMessage(kind: .set, transaction: transaction, policyID: policyID, destination: destination,
                             destinationPort: destinationPort, source: source, replicate: replicate, targets: targets,
                             status: .done)
    }

    /// A remove, ack or nack message.
    public static func simple(_ kind: Kind, transaction: UInt32, policyID: UInt32, status: Status = .done)
        -> PolicyControlMessage
    {
        PolicyControlMessage(kind: kind, transaction: transaction, policyID: policyID,
                             destination: IPv4Address(rawValue: 0), destinationPort: 0, source: nil, replicate: false,
                             targets: [], status: status)
    }

    /// The message's bytes.
    public func encoded() -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(24 + 6 * targets.count)
        func put16(_ v: UInt16) { b.append(UInt8(v >> 8)); b.append(UInt8(v & 0xFF)) }
        func put32(_ v: UInt32) { put16(UInt16(v >> 16)); put16(UInt16(v & 0xFFFF)) }
        put16(Self.magic)
        b.append(Self.version)
        b.append(kind.rawValue)
        put32(transaction)
        put32(policyID)
        switch kind {
        case .set:
            put32(destination.rawValue)
            put16(destinationPort)
            put32(source?.rawValue ?? 0)
            b.append(replicate ? 1 : 0)
            b.append(UInt8(truncatingIfNeeded: targets.count))
            for t in targets {
                put32(t.address.rawValue)
                put16(t.port)
            }
        case .remove:
            break
        case .ack, .nack:
            b.append(status.rawValue)
        }
        return b
    }

    /// Reads a message from `bytes[offset ..< offset + count]`; nil when it is not a whole, valid NPCP message
    /// (wrong magic or version, unknown kind, a length that does not match, no target or more than eight).
    public init?(decoding bytes: [UInt8], at offset: Int, count: Int) {
        guard offset >= 0, count >= 12, offset <= bytes.count - count else { return nil }
        func get16(_ o: Int) -> UInt16 { UInt16(bytes[offset + o]) << 8 | UInt16(bytes[offset + o + 1]) }
        func get32(_ o: Int) -> UInt32 { UInt32(get16(o)) << 16 | UInt32(get16(o + 2)) }
        guard get16(0) == Self.magic, bytes[offset + 2] == Self.version,
              let kind = Kind(rawValue: bytes[offset + 3]) else { return nil }
        self.kind = kind
        transaction = get32(4)
        policyID = get32(8)
        destination = IPv4Address(rawValue: 0)
        destinationPort = 0
        source = nil
        replicate = false
        targets = []
        status = .done
        switch kind {
        case .set:
            guard count >= 24 else { return nil }
            let n = Int(bytes[offset + 23])
            guard n >= 1, n <= Self.maximumTargets, count == 24 + 6 * n, bytes[offset + 22] <= 1 else { return nil }
            destination = IPv4Address(rawValue: get32(12))
            destinationPort = get16(16)
            let s = get32(18)
            source = s == 0 ? nil : IPv4Address(rawValue: s)
            replicate = bytes[offset + 22] == 1
            for k in 0..<n { targets.append((IPv4Address(rawValue: get32(24 + 6 * k)), get16(28 + 6 * k))) }
        case .remove:
            guard count == 12 else { return nil }
        case .ack, .nack:
            guard count == 13, let s = Status(rawValue: bytes[offset + 12]) else { return nil }
            status = s
        }
    }

    public static func == (a: PolicyControlMessage, b: PolicyControlMessage) -> Bool {
        a.encoded() == b.encoded()
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(encoded()) }

    private init(kind: Kind, transaction: UInt32, policyID: UInt32, destination: IPv4Address, destinationPort: UInt16,
                 source: IPv4Address?, replicate: Bool, targets: [(address: IPv4Address, port: UInt16)],
                 status: Status) {
        self.kind = kind
        self.transaction = transaction
        self.policyID = policyID
        self.destination = destination
        self.destinationPort = destinationPort
        self.source = source
        self.replicate = replicate
        self.targets = targets
        self.status = status
    }
}
