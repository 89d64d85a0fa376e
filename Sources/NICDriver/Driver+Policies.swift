import HostOS
import NICInterface
import WireFormats

extension Driver {
    /// Programs the device's own MAC address (RAL/RAH), the source of frames its match-action table rewrites.
    public func setMACAddress(_ mac: MACAddress) {
        writeRegister(.ral, UInt32(truncatingIfNeeded: mac.rawValue))
        writeRegister(.rah, UInt32(truncatingIfNeeded: mac.rawValue >> 32) & 0xFFFF | 1 << 31)
    }

    /// Writes `policy` into match-action entry `slot`; false when the slot or the target count is out of range.
    @discardableResult
    public func writeHardwarePolicy(slot: Int, _ policy: HardwarePolicy) -> Bool {
        guard slot >= 0, slot < NICRegister.policyEntries, policy.targets.count <= NICRegister.policyTargets else {
            return false
        }
        // Invalidate first so the device never sees half an entry.
        writeRegister(.policy(slot, NICRegister.PolicyOffset.control), 0)
        writeRegister(.policy(slot, NICRegister.PolicyOffset.matchIP), policy.destination.rawValue)
        writeRegister(.policy(slot, NICRegister.PolicyOffset.sourceIP), policy.source?.rawValue ?? 0)
        for (k, t) in policy.targets.enumerated() {
            let base = NICRegister.PolicyOffset.target(k)
            writeRegister(.policy(slot, base), t.ip.rawValue)
            writeRegister(.policy(slot, base + 4), UInt32(t.port))
            writeRegister(.policy(slot, base + 8), UInt32(truncatingIfNeeded: t.mac.rawValue))
            writeRegister(.policy(slot, base + 12), UInt32(truncatingIfNeeded: t.mac.rawValue >> 32))
        }
        var control = UInt32(policy.port) | 1 << 16 | UInt32(policy.targets.count) << 24
        if policy.onReceive { control |= 1 << 17 }
        if policy.onTransmit { control |= 1 << 18 }
        if policy.redirect { control |= 1 << 19 }
        writeRegister(.policy(slot, NICRegister.PolicyOffset.control), control)
        counters.hardwarePolicyWrites += 1
        return true
    }

    /// Clears match-action entry `slot`.
    public func clearHardwarePolicy(slot: Int) {
        guard slot >= 0, slot < NICRegister.policyEntries else { return }
        writeRegister(.policy(slot, NICRegister.PolicyOffset.control), 0)
        counters.hardwarePolicyWrites += 1
    }
}
