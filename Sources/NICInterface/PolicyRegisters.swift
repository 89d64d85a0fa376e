/// The match-action table's registers (datasheet §12) and the device address registers it rewrites frames with.
extension NICRegister {
    /// Receive address low (RW) of entry 0, the station address: bytes 0–3 (first byte in bits 7:0). The source of
    /// frames the match-action table rewrites; the first of the 16 exact destination filters (datasheet §11.4).
    public static let ral = NICRegister(rawValue: 0x5400)
    /// Receive address high (RW) of entry 0: bytes 4–5 in bits 15:0; bit 31 `AV` address valid.
    public static let rah = NICRegister(rawValue: 0x5404)
    /// Receive address entries (RAL/RAH pairs), as the 8254x has.
    public static let receiveAddressEntries = 16
    /// RAL of receive address entry `n` (n < 16): address bytes 0–3, first byte in bits 7:0.
    public static func receiveAddressLow(_ n: Int) -> NICRegister { NICRegister(rawValue: 0x5400 + UInt32(n) * 8) }
    /// RAH of receive address entry `n` (n < 16): bytes 4–5 in bits 15:0, bits 17:16 `AS` (00 = destination),
    /// bit 31 `AV` address valid.
    public static func receiveAddressHigh(_ n: Int) -> NICRegister { NICRegister(rawValue: 0x5404 + UInt32(n) * 8) }
    /// Registers of the multicast table array (MTA), 32 bits each: 4,096 hash bits.
    public static let multicastTableEntries = 128
    /// MTA register `n` (n < 128) at 0x5200 + 4·n: bits 32·n … 32·n + 31 of the multicast hash table.
    public static func multicastTable(_ n: Int) -> NICRegister { NICRegister(rawValue: 0x5200 + UInt32(n) * 4) }
    /// RAH bit 31 `AV`: the entry takes part in filtering.
    public static let addressValid: UInt32 = 1 << 31
    /// Entries in the match-action table.
    public static let policyEntries = 16
    /// Targets each entry may name.
    public static let policyTargets = 8
    /// The register at `offset` of match-action entry `entry` (datasheet §12).
    public static func policy(_ entry: Int, _ offset: UInt32) -> NICRegister {
        NICRegister(rawValue: 0x8000 + UInt32(entry) * 0x100 + offset)
    }
    /// Offsets inside a match-action entry.
    public enum PolicyOffset {
        /// Destination IPv4 address to match (big-endian value of the dotted quad).
        public static let matchIP: UInt32 = 0x00
        /// Bits 15:0 destination UDP port; 16 `VALID`; 17 `RX`; 18 `TX`; 19 `REDIRECT` (else replicate);
        /// 27:24 number of targets (0–8).
        public static let control: UInt32 = 0x04
        /// Source IPv4 address to match; 0 matches any.
        public static let sourceIP: UInt32 = 0x08
        /// Packets the entry matched since last read (RC).
        public static let hits: UInt32 = 0x0C
        /// Target `k`'s registers: +0 IPv4 address, +4 UDP port (bits 15:0), +8 MAC low, +C MAC high.
        public static func target(_ k: Int) -> UInt32 { 0x10 + UInt32(k) * 0x10 }
    }
}
