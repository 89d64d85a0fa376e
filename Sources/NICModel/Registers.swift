/// Offsets of the NIC's 32-bit registers in its memory-mapped register space (datasheet §2, "Register map").
///
/// The layout follows the Intel 8254x family (the e1000 that QEMU and gem5 model), so a driver writer who knows
/// that family reads this one at once. Offsets are byte offsets into BAR 0.
public struct NICRegister: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Device control (RW). Bit 26 `RST` resets the device; it reads back as 0.
    public static let ctrl = NICRegister(rawValue: 0x0000)
    /// Device status (RO). Bit 1 `LU` link up; bits 31:16 hold the link rate in Mb/s.
    public static let status = NICRegister(rawValue: 0x0008)
    /// Interrupt cause read (read-to-clear). Bits are ``InterruptCause``.
    public static let icr = NICRegister(rawValue: 0x00C0)
    /// Interrupt cause set (WO): writing 1s sets causes as if the device had raised them.
    public static let ics = NICRegister(rawValue: 0x00C8)
    /// Interrupt mask set/read (RW): writing 1s enables causes; reading returns the mask.
    public static let ims = NICRegister(rawValue: 0x00D0)
    /// Interrupt mask clear (WO): writing 1s disables causes.
    public static let imc = NICRegister(rawValue: 0x00D8)
    /// Transmit control (RW). Bit 1 `EN` enables the transmitter.
    public static let tctl = NICRegister(rawValue: 0x0400)
    /// TX descriptor ring base address, low 32 bits (RW). Must be 16-byte aligned.
    public static let tdbal = NICRegister(rawValue: 0x3800)
    /// TX descriptor ring base address, high 32 bits (RW).
    public static let tdbah = NICRegister(rawValue: 0x3804)
    /// TX descriptor ring length in bytes (RW); a multiple of 16 (one descriptor), at most 65,536 descriptors.
    public static let tdlen = NICRegister(rawValue: 0x3808)
    /// TX descriptor head (RO for the driver): index of the next descriptor the device will complete.
    public static let tdh = NICRegister(rawValue: 0x3810)
    /// TX descriptor tail (RW): index one past the last descriptor the driver has made ready. Writing it is the doorbell.
    public static let tdt = NICRegister(rawValue: 0x3818)
    /// Good packets transmitted count (RO, clear-on-read).
    public static let gptc = NICRegister(rawValue: 0x4080)
    /// Good octets transmitted, low 32 bits (RO, clear-on-read of the high half clears both).
    public static let gotcl = NICRegister(rawValue: 0x4090)
    /// Good octets transmitted, high 32 bits (RO, clear-on-read).
    public static let gotch = NICRegister(rawValue: 0x4094)
    /// Transmit descriptor errors (RO, clear-on-read): packets completed with an error status (nicsim-specific).
    public static let tdec = NICRegister(rawValue: 0x40F8)
    /// Register-access errors (RO, clear-on-read): writes the device refused, e.g. a tail beyond the ring (nicsim-specific).
    public static let raec = NICRegister(rawValue: 0x40FC)

    public var description: String {
        switch self {
        case .ctrl: "CTRL"
        case .status: "STATUS"
        case .icr: "ICR"
        case .ics: "ICS"
        case .ims: "IMS"
        case .imc: "IMC"
        case .tctl: "TCTL"
        case .tdbal: "TDBAL"
        case .tdbah: "TDBAH"
        case .tdlen: "TDLEN"
        case .tdh: "TDH"
        case .tdt: "TDT"
        case .gptc: "GPTC"
        case .gotcl: "GOTCL"
        case .gotch: "GOTCH"
        case .tdec: "TDEC"
        case .raec: "RAEC"
        default: "REG(0x\(String(rawValue, radix: 16)))"
        }
    }
}

/// Interrupt causes, as in ``NICRegister/icr``, ``NICRegister/ims`` and ``NICRegister/ics``.
///
/// Unknown bits survive a round trip (this is an `OptionSet` over the raw register value, not an enum).
public struct InterruptCause: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `TXDW`: a TX descriptor with report-status set was written back.
    public static let txDescriptorWritten = InterruptCause(rawValue: 1 << 0)
    /// `TXQE`: the TX queue ran empty (head reached tail).
    public static let txQueueEmpty = InterruptCause(rawValue: 1 << 1)
    /// `LSC`: link status change.
    public static let linkStatusChange = InterruptCause(rawValue: 1 << 2)
    /// `TXDE`: a TX packet completed with an error status (bad address, length or format).
    public static let txDescriptorError = InterruptCause(rawValue: 1 << 15)
}

/// Transmit control bits in ``NICRegister/tctl``.
public struct TransmitControl: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `EN`: transmitter enabled.
    public static let enable = TransmitControl(rawValue: 1 << 1)
}

/// The driver's view of a device: 32-bit register reads and writes in a register space.
///
/// This is the whole interface between a driver and the NIC besides host memory; the NIC implements it and the
/// driver sees nothing else, so a second driver can be written from the datasheet alone.
public protocol RegisterSpace: AnyObject {
    /// Reads the register at `offset`. Unknown offsets read as 0. Some registers clear on read.
    func readRegister(_ offset: NICRegister) -> UInt32
    /// Writes the register at `offset`. Writes to unknown or read-only offsets are ignored and counted.
    func writeRegister(_ offset: NICRegister, _ value: UInt32)
}
