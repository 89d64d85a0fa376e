import HostOS
import NICInterface
import WireFormats

extension Driver {
    /// Programs the device's station address into receive address entry 0 (RAL/RAH with `AV`, first byte in RAL
    /// bits 7:0, datasheet §2.1): the destination the address filter accepts (§11.4) and the source of frames the
    /// match-action table rewrites. Linux's e1000 writes it the same way (`e1000_rar_set`) whatever the EEPROM held.
    public func setMACAddress(_ mac: MACAddress) {
        let m = mac.rawValue
        writeRegister(.ral, UInt32(truncatingIfNeeded: (m >> 40) & 0xFF | (m >> 24) & 0xFF00 | (m >> 8) & 0xFF_0000
                                   | (m << 8) & 0xFF00_0000))
        writeRegister(.rah, UInt32(truncatingIfNeeded: (m >> 8) & 0xFF | (m << 8) & 0xFF00) | NICRegister.addressValid)
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
