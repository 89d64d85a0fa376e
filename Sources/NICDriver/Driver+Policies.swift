import NICInterface
import WireFormats

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
    /// At most ``NICRegister/policyTargets`` targets: address, port and the MAC to send to.
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

extension Driver {
    /// Programs the device's own MAC address (RAL/RAH), the source of frames its match-action table rewrites.
    public func setMACAddress(_ mac: MACAddress) {
        device.writeRegister(.ral, UInt32(truncatingIfNeeded: mac.rawValue))
        device.writeRegister(.rah, UInt32(truncatingIfNeeded: mac.rawValue >> 32) & 0xFFFF | 1 << 31)
    }

    /// Writes `policy` into match-action entry `slot`; false when the slot or the target count is out of range.
    @discardableResult
    public func installHardwarePolicy(slot: Int, _ policy: HardwarePolicy) -> Bool {
        guard slot >= 0, slot < NICRegister.policyEntries, policy.targets.count <= NICRegister.policyTargets else {
            return false
        }
        // Invalidate first so the device never sees half an entry.
        device.writeRegister(.policy(slot, NICRegister.PolicyOffset.control), 0)
        device.writeRegister(.policy(slot, NICRegister.PolicyOffset.matchIP), policy.destination.rawValue)
        device.writeRegister(.policy(slot, NICRegister.PolicyOffset.sourceIP), policy.source?.rawValue ?? 0)
        for (k, t) in policy.targets.enumerated() {
            let base = NICRegister.PolicyOffset.target(k)
            device.writeRegister(.policy(slot, base), t.ip.rawValue)
            device.writeRegister(.policy(slot, base + 4), UInt32(t.port))
            device.writeRegister(.policy(slot, base + 8), UInt32(truncatingIfNeeded: t.mac.rawValue))
            device.writeRegister(.policy(slot, base + 12), UInt32(truncatingIfNeeded: t.mac.rawValue >> 32))
        }
        var control = UInt32(policy.port) | 1 << 16 | UInt32(policy.targets.count) << 24
        if policy.onReceive { control |= 1 << 17 }
        if policy.onTransmit { control |= 1 << 18 }
        if policy.redirect { control |= 1 << 19 }
        device.writeRegister(.policy(slot, NICRegister.PolicyOffset.control), control)
        counters.hardwarePolicyWrites += 1
        return true
    }

    /// Clears match-action entry `slot`.
    public func removeHardwarePolicy(slot: Int) {
        guard slot >= 0, slot < NICRegister.policyEntries else { return }
        device.writeRegister(.policy(slot, NICRegister.PolicyOffset.control), 0)
        counters.hardwarePolicyWrites += 1
    }
}
