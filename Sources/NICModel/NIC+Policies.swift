import SimCore
import WireFormats

/// One entry of the NIC's match-action table (datasheet §12), as the registers hold it.
struct PolicyEntry {
    var matchIP: UInt32 = 0
    var control: UInt32 = 0
    var sourceIP: UInt32 = 0
    var hits: UInt32 = 0
    var targetIP = [UInt32](repeating: 0, count: NICRegister.policyTargets)
    var targetPort = [UInt32](repeating: 0, count: NICRegister.policyTargets)
    var targetMACLow = [UInt32](repeating: 0, count: NICRegister.policyTargets)
    var targetMACHigh = [UInt32](repeating: 0, count: NICRegister.policyTargets)

    var valid: Bool { control & (1 << 16) != 0 }
    var onReceive: Bool { control & (1 << 17) != 0 }
    var onTransmit: Bool { control & (1 << 18) != 0 }
    var redirects: Bool { control & (1 << 19) != 0 }
    var port: UInt16 { UInt16(truncatingIfNeeded: control) }
    var targetCount: Int { min(Int((control >> 24) & 0xF), NICRegister.policyTargets) }
    func targetMAC(_ k: Int) -> MACAddress {
        MACAddress(rawValue: UInt64(targetMACHigh[k] & 0xFFFF) << 32 | UInt64(targetMACLow[k]))
    }
}

extension NIC {
    func readPolicyRegister(_ offset: NICRegister) -> UInt32? {
        guard let (entry, field) = policyRegister(offset) else { return nil }
        let e = policyTable[entry]
        switch field {
        case NICRegister.PolicyOffset.matchIP: return e.matchIP
        case NICRegister.PolicyOffset.control: return e.control
        case NICRegister.PolicyOffset.sourceIP: return e.sourceIP
        case NICRegister.PolicyOffset.hits:
            defer { policyTable[entry].hits = 0 }
            return e.hits
        default:
            let k = Int((field - 0x10) / 0x10)
            switch (field - 0x10) % 0x10 {
            case 0: return e.targetIP[k]
            case 4: return e.targetPort[k]
            case 8: return e.targetMACLow[k]
            default: return e.targetMACHigh[k]
            }
        }
    }

    func writePolicyRegister(_ offset: NICRegister, _ value: UInt32) -> Bool {
        guard let (entry, field) = policyRegister(offset) else { return false }
        switch field {
        case NICRegister.PolicyOffset.matchIP: policyTable[entry].matchIP = value
        case NICRegister.PolicyOffset.control:
            policyTable[entry].control = value
            validPolicies = policyTable.reduce(0) { $0 + ($1.valid ? 1 : 0) }
        case NICRegister.PolicyOffset.sourceIP: policyTable[entry].sourceIP = value
        case NICRegister.PolicyOffset.hits: return false
        default:
            let k = Int((field - 0x10) / 0x10)
            switch (field - 0x10) % 0x10 {
            case 0: policyTable[entry].targetIP[k] = value
            case 4: policyTable[entry].targetPort[k] = value & 0xFFFF
            case 8: policyTable[entry].targetMACLow[k] = value
            default: policyTable[entry].targetMACHigh[k] = value & 0xFFFF
            }
        }
        return true
    }

    /// (entry, offset in entry) for a match-action register; nil for anything else.
    func policyRegister(_ offset: NICRegister) -> (Int, UInt32)? {
        let raw = offset.rawValue
        guard raw >= 0x8000, raw < 0x8000 + UInt32(NICRegister.policyEntries) * 0x100, raw & 3 == 0 else { return nil }
        let field = (raw - 0x8000) & 0xFF
        guard field < 0x10 + UInt32(NICRegister.policyTargets) * 0x10 else { return nil }
        return (Int((raw - 0x8000) / 0x100), field)
    }

    /// The first valid entry for `receive` (else transmit) that matches the IPv4/UDP frame; nil when none does.
    func matchPolicy(frame: FrameHandle, receive: Bool) -> Int? {
        guard hasPolicies else { return nil }
        let frames = simulator.frames
        guard
            let view = UDPDatagramView(
                parsing: frames.bytes, at: frames.offset(of: frame), length: frames.length(of: frame)),
            view.ipChecksumValid, view.udpChecksumValid
        else { return nil }
        for (i, e) in policyTable.enumerated() where e.valid && (receive ? e.onReceive : e.onTransmit) {
            guard e.matchIP == view.ip.destination.rawValue, e.port == view.udp.destinationPort else { continue }
            if e.sourceIP != 0 && e.sourceIP != view.ip.source.rawValue { continue }
            return i
        }
        return nil
    }

    /// Any entry valid: checked per frame, so kept as a count updated on control writes.
    var hasPolicies: Bool { validPolicies > 0 }

    /// Applies entry `i` to a frame: copies for every target go to the hairpin queue; returns true when the
    /// original must not go on (redirect).
    func applyPolicy(_ i: Int, frame: FrameHandle, receive: Bool) -> Bool {
        policyTable[i].hits &+= 1
        _counters.policyMatches += 1
        let e = policyTable[i]
        for k in 0..<e.targetCount {
            let copy = simulator.frames.duplicate(frame)
            rewrite(copy, entry: e, target: k, receive: receive)
            enqueueHairpin(copy)
        }
        return e.redirects
    }

    /// Points a copy at target `k`: Ethernet destination, IPv4 destination and UDP destination port; on receive
    /// the device becomes the source (its MAC, the matched address and port). Checksums are recomputed.
    func rewrite(_ frame: FrameHandle, entry e: PolicyEntry, target k: Int, receive: Bool) {
        let frames = simulator.frames
        let base = frames.offset(of: frame)
        let length = frames.length(of: frame)
        let ip = base + EthernetHeader.size
        let ihl = Int(frames.bytes[ip] & 0x0F) * 4
        let udp = ip + ihl
        NetworkBytes.setMAC(&frames.bytes, base, e.targetMAC(k))
        if receive {
            NetworkBytes.setMAC(&frames.bytes, base + 6, deviceMAC)
            NetworkBytes.setUInt32(&frames.bytes, ip + 12, e.matchIP)
            NetworkBytes.setUInt16(&frames.bytes, udp, e.port)
        }
        NetworkBytes.setUInt32(&frames.bytes, ip + 16, e.targetIP[k])
        NetworkBytes.setUInt16(&frames.bytes, udp + 2, UInt16(truncatingIfNeeded: e.targetPort[k]))
        insertIPChecksum(&frames.bytes, ip: ip)
        let udpEnd = udp + Int(NetworkBytes.getUInt16(frames.bytes, udp + 4) ?? 0)
        if udpEnd <= base + length { insertUDPChecksum(&frames.bytes, ip: ip, udp: udp, end: udpEnd) }
    }

    /// Queues a device-made frame for the wire ahead of the descriptor queues; drops it when the queue is full.
    func enqueueHairpin(_ frame: FrameHandle) {
        guard !hairpin.isFull else {
            _counters.hairpinDrops += 1
            simulator.frames.release(frame)
            return
        }
        hairpin.append(frame)
        if !macBusy { startNextOnMAC(at: max(simulator.now, macFreeAt)) }
    }
}
