import SimCore
import WireFormats

/// The destination address filter (datasheet §11.4): 16 exact entries (RAL/RAH), the multicast table array (MTA)
/// and the promiscuous and broadcast bits of RCTL, as the 8254x family has them.
extension NIC {
    /// The station address, receive address entry 0 (first byte in RAL bits 7:0), as the match-action table uses it.
    var deviceMAC: MACAddress {
        let low = UInt64(receiveAddressLow[0])
        let high = UInt64(receiveAddressHigh[0] & 0xFFFF)
        return MACAddress(rawValue: (low & 0xFF) << 40 | (low >> 8 & 0xFF) << 32 | (low >> 16 & 0xFF) << 24
                          | (low >> 24 & 0xFF) << 16 | (high & 0xFF) << 8 | high >> 8)
    }

    /// Power-up and reset values: every entry 0 and invalid, the multicast table clear, then entry 0 loaded with the
    /// station address (with `AV`) when the configuration has one (the 8254x reads it from its EEPROM).
    func loadStationAddress() {
        for i in receiveAddressLow.indices {
            receiveAddressLow[i] = 0
            receiveAddressHigh[i] = 0
        }
        for i in multicastTable.indices { multicastTable[i] = 0 }
        guard let mac = configuration.stationAddress else { return }
        let m = mac.rawValue
        receiveAddressLow[0] = UInt32(truncatingIfNeeded: (m >> 40) & 0xFF | (m >> 24) & 0xFF00 | (m >> 8) & 0xFF_0000
                                      | (m << 8) & 0xFF00_0000)
        receiveAddressHigh[0] =
            UInt32(truncatingIfNeeded: (m >> 8) & 0xFF | (m << 8) & 0xFF00) | NICRegister.addressValid
    }

    /// RAL/RAH entry `n` (as `(n, isHigh)`) or MTA register `n` (as `(n + 16, false)`), when `offset` is one.
    private func addressFilterRegister(_ offset: NICRegister) -> (index: Int, high: Bool, table: Bool)? {
        let raw = offset.rawValue
        if raw >= 0x5400, raw < 0x5400 + UInt32(NICRegister.receiveAddressEntries) * 8, raw & 3 == 0 {
            return (Int((raw - 0x5400) / 8), raw & 4 != 0, false)
        }
        if raw >= 0x5200, raw < 0x5200 + UInt32(NICRegister.multicastTableEntries) * 4, raw & 3 == 0 {
            return (Int((raw - 0x5200) / 4), false, true)
        }
        return nil
    }

    func readAddressFilter(_ offset: NICRegister) -> UInt32? {
        guard let r = addressFilterRegister(offset) else { return nil }
        if r.table { return multicastTable[r.index] }
        return r.high ? receiveAddressHigh[r.index] : receiveAddressLow[r.index]
    }

    /// Stores RAL, RAH (bits 31, 17:16 and 15:0) or MTA; false when `offset` is none of them.
    func writeAddressFilter(_ offset: NICRegister, _ value: UInt32) -> Bool {
        guard let r = addressFilterRegister(offset) else { return false }
        if r.table {
            multicastTable[r.index] = value
        } else if r.high {
            receiveAddressHigh[r.index] = value & (NICRegister.addressValid | 0x3_FFFF)
        } else {
            receiveAddressLow[r.index] = value
        }
        return true
    }

    /// True when the frame's destination address passes the filter (§11.4). Missing bytes of a frame shorter than
    /// 6 bytes count as 0.
    func passesAddressFilter(_ frame: FrameHandle) -> Bool {
        let frames = simulator.frames
        let base = frames.offset(of: frame)
        let length = frames.length(of: frame)
        var d: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0)
        if length >= 6 {
            d = (UInt32(frames.bytes[base]), UInt32(frames.bytes[base + 1]), UInt32(frames.bytes[base + 2]),
                 UInt32(frames.bytes[base + 3]), UInt32(frames.bytes[base + 4]), UInt32(frames.bytes[base + 5]))
        } else {
            if length > 0 { d.0 = UInt32(frames.bytes[base]) }
            if length > 1 { d.1 = UInt32(frames.bytes[base + 1]) }
            if length > 2 { d.2 = UInt32(frames.bytes[base + 2]) }
            if length > 3 { d.3 = UInt32(frames.bytes[base + 3]) }
            if length > 4 { d.4 = UInt32(frames.bytes[base + 4]) }
        }
        let low = d.0 | d.1 << 8 | d.2 << 16 | d.3 << 24
        let high = d.4 | d.5 << 8
        let control = receiveControl
        let group = d.0 & 1 != 0
        if group {
            if low == 0xFFFF_FFFF, high == 0xFFFF, control.contains(.broadcastAccept) { return true }
            if control.contains(.multicastPromiscuous) { return true }
        } else if control.contains(.unicastPromiscuous) {
            return true
        }
        for i in 0..<NICRegister.receiveAddressEntries {
            let h = receiveAddressHigh[i]
            // AV set, AS = 00 (a destination address), and all six bytes equal.
            if h & NICRegister.addressValid != 0, h & 0x3_0000 == 0, h & 0xFFFF == high, receiveAddressLow[i] == low {
                return true
            }
        }
        guard group else { return false }
        // The 12 hash bits MO picks: address bits 47:36 (00), 46:35 (01), 45:34 (10) or 43:32 (11), counting the
        // bits of bytes 4 and 5 as the 8254x does (byte 5 most significant).
        let hash: UInt32 = switch control.multicastOffset {
        case 0: (d.4 >> 4 | d.5 << 4) & 0xFFF
        case 1: (d.4 >> 3 | d.5 << 5) & 0xFFF
        case 2: (d.4 >> 2 | d.5 << 6) & 0xFFF
        default: (d.4 | d.5 << 8) & 0xFFF
        }
        return multicastTable[Int(hash >> 5)] & (1 << (hash & 31)) != 0
    }
}
