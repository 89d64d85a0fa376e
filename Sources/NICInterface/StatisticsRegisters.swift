/// Statistics registers beyond the 8254x set (datasheet §9): clear-on-read views of the device's counters.
///
/// Each reads the count since its last read (or since reset) and clears it; counts saturate at 2³² − 1.
extension NICRegister {
    /// Received frames delivered with an IPv4 or UDP checksum error (bad frames).
    public static let rxcec = NICRegister(rawValue: 0x4400)
    /// Received frames dropped because the receiver was disabled.
    public static let rxddc = NICRegister(rawValue: 0x4404)
    /// Received frames dropped as longer than the device accepts.
    public static let rxodc = NICRegister(rawValue: 0x4408)
    /// Received frames dropped for a DMA fault.
    public static let rxdec = NICRegister(rawValue: 0x440C)
    /// Transmit packets completed with a DMA, length or format error, by reason: DMA.
    public static let txdmac = NICRegister(rawValue: 0x4410)
    /// … length.
    public static let txlenc = NICRegister(rawValue: 0x4414)
    /// … format.
    public static let txfmtc = NICRegister(rawValue: 0x4418)
    /// Times a transmit queue ran empty (TXQE events).
    public static let txqec = NICRegister(rawValue: 0x441C)
    /// Interrupt messages sent carrying a transmit cause, a receive cause, an error cause.
    public static let ictxc = NICRegister(rawValue: 0x4420)
    public static let icrxc = NICRegister(rawValue: 0x4424)
    public static let icerc = NICRegister(rawValue: 0x4428)
    /// Interrupt messages sent in all.
    public static let icc = NICRegister(rawValue: 0x442C)
    /// Frames late for their launch time and dropped (LATEC counts late ones sent or dropped).
    public static let ltdc = NICRegister(rawValue: 0x4430)
    /// Match-action table copies the device could not queue (hairpin full).
    public static let hpdc = NICRegister(rawValue: 0x4434)
    /// Per-queue good packets transmitted (queue n at +4n, n < 8).
    public static func tqpc(_ queue: Int) -> NICRegister { NICRegister(rawValue: 0x4500 + UInt32(queue) * 4) }
    /// Per-queue good packets received (queue n at +4n, n < 8).
    public static func rqpc(_ queue: Int) -> NICRegister { NICRegister(rawValue: 0x4540 + UInt32(queue) * 4) }
}
