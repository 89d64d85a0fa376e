import HostMemory
import SimCore
import WireFormats

/// How the driver moves payload to the device.
public enum PayloadPath: Hashable, Sendable {
    /// Descriptors point into the application's own pages; no payload byte is touched by the CPU (B1).
    case zeroCopy
    /// The CPU copies header and payload into a driver buffer; one descriptor per packet (the baseline).
    case copy
}


/// A destination the driver can send to: its prebuilt multi-layer header (B18).
public struct DestinationID: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
}

/// Identifies one write request until its completion is reported.
public struct WriteID: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}

/// One (destination, data in virtual memory) entry of a write vector (B1, B17).
public struct WriteEntry: Hashable, Sendable {
    public var destination: DestinationID
    public var address: VirtualAddress
    public var length: Int
    /// When the entry's first packet should start on the wire: the driver puts a context descriptor with a
    /// launch time before it (datasheet §5, A13–A15 in hardware). Nil sends it when the NIC gets to it.
    public var launchTime: SimTime?
    /// RTP timestamp of the entry's first packet when the destination's template has an RTP layer (90 kHz units
    /// for MPEG-TS, RFC 2250); later packets of the entry repeat it. Nil leaves 0.
    public var rtpTimestamp: UInt32?
    public init(destination: DestinationID, address: VirtualAddress, length: Int, launchTime: SimTime? = nil,
                rtpTimestamp: UInt32? = nil) {
        self.destination = destination
        self.address = address
        self.length = length
        self.launchTime = launchTime
        self.rtpTimestamp = rtpTimestamp
    }
}


/// Per-destination counts.
public struct DestinationCounters: Hashable, Sendable {
    /// UDP datagrams (segments) on the wire.
    public var packets: UInt64 = 0
    /// Sends described to the device (equal to ``packets`` with driver segmentation).
    public var sends: UInt64 = 0
    public var descriptors: UInt64 = 0
    public var payloadBytes: UInt64 = 0
    public init() {}
}


/// A policy as the NIC's match-action table holds it (datasheet §12).
public struct HardwarePolicy: Hashable, Sendable {
    public var destination: IPv4Address
    public var port: UInt16
    /// Source address to match; nil matches any.
    public var source: IPv4Address?
    public var onReceive: Bool
    public var onTransmit: Bool
    /// Send only the copies (else the original goes on too).
    public var redirect: Bool
    /// At most as many targets as the device's match-action entry holds (8 on the nicsim NIC): address, port and the
    /// MAC to send to.
    public var targets: [(ip: IPv4Address, port: UInt16, mac: MACAddress)]

    public init(destination: IPv4Address, port: UInt16, source: IPv4Address? = nil, onReceive: Bool, onTransmit: Bool,
                redirect: Bool, targets: [(ip: IPv4Address, port: UInt16, mac: MACAddress)]) {
        self.destination = destination
        self.port = port
        self.source = source
        self.onReceive = onReceive
        self.onTransmit = onTransmit
        self.redirect = redirect
        self.targets = targets
    }

    public static func == (a: HardwarePolicy, b: HardwarePolicy) -> Bool {
        a.destination == b.destination && a.port == b.port && a.source == b.source && a.onReceive == b.onReceive
            && a.onTransmit == b.onTransmit && a.redirect == b.redirect
            && a.targets.map(\.ip) == b.targets.map(\.ip) && a.targets.map(\.port) == b.targets.map(\.port)
            && a.targets.map(\.mac) == b.targets.map(\.mac)
    }

    public func hash(into h: inout Hasher) {
        h.combine(destination)
        h.combine(port)
        h.combine(targets.count)
    }
}

/// The codes of ``DriverError``.
extension ErrorCode where Domain == DriverError {
    public static var unknownDestination: Self { Self(rawValue: "unknown destination") }
    public static var badLength: Self { Self(rawValue: "bad length") }
    public static var translationFault: Self { Self(rawValue: "translation fault") }
}
