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
    /// Extended device control (RW). Bit 27 `IAME` enables interrupt acknowledge auto-mask (``iam``); only it is
    /// stored.
    public static let ctrlExt = NICRegister(rawValue: 0x0018)
    /// Interrupt cause read (read-to-clear). Bits are ``InterruptCause``; bit 31 `INT_ASSERTED` reads 1 while a
    /// cause enabled in IMS is pending.
    public static let icr = NICRegister(rawValue: 0x00C0)
    /// Interrupt cause set (WO): writing 1s sets causes as if the device had raised them.
    public static let ics = NICRegister(rawValue: 0x00C8)
    /// Interrupt mask set/read (RW): writing 1s enables causes; reading returns the mask.
    public static let ims = NICRegister(rawValue: 0x00D0)
    /// Interrupt mask clear (WO): writing 1s disables causes.
    public static let imc = NICRegister(rawValue: 0x00D8)
    /// Interrupt acknowledge auto-mask (RW): with `CTRL_EXT.IAME`, a read of ICR that returns `INT_ASSERTED` clears
    /// these bits in IMS (82574).
    public static let iam = NICRegister(rawValue: 0x00E0)
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
    /// TX descriptor tail (RW): index one past the last descriptor the driver has made ready. Writing it is the
    /// doorbell.
    public static let tdt = NICRegister(rawValue: 0x3818)
    /// Good packets transmitted count (RO, clear-on-read).
    public static let gptc = NICRegister(rawValue: 0x4080)
    /// Good octets transmitted, low 32 bits (RO, clear-on-read of the high half clears both).
    public static let gotcl = NICRegister(rawValue: 0x4090)
    /// Good octets transmitted, high 32 bits (RO, clear-on-read).
    public static let gotch = NICRegister(rawValue: 0x4094)
    /// Transmit descriptor errors (RO, clear-on-read): packets completed with an error status (nicsim-specific).
    public static let tdec = NICRegister(rawValue: 0x40F8)
    /// Register-access errors (RO, clear-on-read): writes the device refused, e.g. a tail beyond the ring
    /// (nicsim-specific).
    public static let raec = NICRegister(rawValue: 0x40FC)

    /// Interrupt throttling (RW): minimum interval between interrupts in 256 ns units (bits 15:0); 0 = off.
    public static let itr = NICRegister(rawValue: 0x00C4)
    /// Receive control (RW). Bit 1 `EN` enables the receiver; bits 17:16 `BSIZE` pick the receive buffer size
    /// (00 = 2,048, 01 = 1,024, 10 = 512, 11 = 256 bytes).
    public static let rctl = NICRegister(rawValue: 0x0100)
    /// Receive packet delay timer (RW): per-frame delay in 1.024 µs units (bits 15:0), re-armed on every frame;
    /// writing bit 31 `FPD` flushes pending receive delays at once.
    public static let rdtr = NICRegister(rawValue: 0x2820)
    /// Receive absolute delay timer (RW): 1.024 µs units (bits 15:0), armed at the first delayed frame.
    public static let radv = NICRegister(rawValue: 0x282C)
    /// Receive frame-count threshold (RW, nicsim-specific): interrupt at the N-th frame since the last one; 0 = off.
    public static let rxft = NICRegister(rawValue: 0x2830)
    /// Transmit interrupt delay (RW): per-packet delay in 1.024 µs units (bits 15:0) for descriptors with `IDE`;
    /// writing bit 31 `FPD` flushes pending transmit delays at once.
    public static let tidv = NICRegister(rawValue: 0x3820)
    /// Transmit absolute interrupt delay (RW): 1.024 µs units (bits 15:0), armed at the first delayed packet.
    public static let tadv = NICRegister(rawValue: 0x382C)
    /// Transmit frame-count threshold (RW, nicsim-specific): interrupt at the N-th delayed packet; 0 = off.
    public static let txft = NICRegister(rawValue: 0x3830)
    /// Launch-time control (RW, nicsim-specific). Bit 0 `DROPLATE`: drop frames whose launch time has passed
    /// (else send them at once); both are counted.
    public static let ltctl = NICRegister(rawValue: 0x3834)
    /// Multiple receive queues command (RW). Bit 0 enables spreading received IPv4/UDP frames over the enabled
    /// receive queues by the flow hash of datasheet §11.
    public static let mrqc = NICRegister(rawValue: 0x5818)
    /// Missed packets count (RC): received frames dropped because the receive packet buffer was full (§11.3).
    public static let mpc = NICRegister(rawValue: 0x4010)
    /// Good packets received count (RC).
    public static let gprc = NICRegister(rawValue: 0x4074)
    /// Good octets received, low 32 bits (RO).
    public static let gorcl = NICRegister(rawValue: 0x4088)
    /// Good octets received, high 32 bits (RC, clears both halves).
    public static let gorch = NICRegister(rawValue: 0x408C)
    /// Late launch count (RC, nicsim-specific): frames that reached the wire after their launch time, or were
    /// dropped for it.
    public static let latec = NICRegister(rawValue: 0x40F4)

    /// Number of transmit and receive queues the register map has room for.
    public static let maximumQueues = 8

    /// The register of transmit queue `queue` at `offset` inside its block (0x00 TDBAL … 0x28 TXDCTL).
    @inlinable public static func transmitQueue(_ queue: Int, _ offset: UInt32) -> NICRegister {
        NICRegister(rawValue: 0x3800 + UInt32(queue) * 0x100 + offset)
    }
    /// The register of receive queue `queue` at `offset` inside its block (0x00 RDBAL … 0x28 RXDCTL).
    @inlinable public static func receiveQueue(_ queue: Int, _ offset: UInt32) -> NICRegister {
        NICRegister(rawValue: 0x2800 + UInt32(queue) * 0x100 + offset)
    }
    /// Offsets inside a queue's block.
    public enum QueueOffset {
        public static let baseLow: UInt32 = 0x00
        public static let baseHigh: UInt32 = 0x04
        public static let length: UInt32 = 0x08
        public static let head: UInt32 = 0x10
        public static let tail: UInt32 = 0x18
        /// Queue control: bit 25 `ENABLE`. Queue 0 resets enabled, the others disabled. On a transmit queue, bits
        /// 20:16 `WTHRESH` hold write-backs until that many have accumulated (datasheet §4.5; 82576/I210 `TXDCTL`).
        public static let control: UInt32 = 0x28
        public static let enableBit: UInt32 = 1 << 25
        /// `TXDCTL.WTHRESH`: bits 20:16.
        public static let writeBackThresholdShift: UInt32 = 16
        public static let writeBackThresholdMask: UInt32 = 0x1F << 16
        /// `TDWBAL` (transmit queues only): head write-back address, low 32 bits; bit 0 enables head write-back
        /// (datasheet §4.5; 82576/I210 `TDWBAL`). The address is 4-byte aligned: bits 1:0 are not part of it.
        public static let headWriteBackLow: UInt32 = 0x38
        /// `TDWBAH` (transmit queues only): head write-back address, high 32 bits.
        public static let headWriteBackHigh: UInt32 = 0x3C
    }

    public var description: String {
        switch self {
        case .ctrl: "CTRL"
        case .ctrlExt: "CTRL_EXT"
        case .iam: "IAM"
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
        case .itr: "ITR"
        case .rctl: "RCTL"
        case .rdtr: "RDTR"
        case .radv: "RADV"
        case .rxft: "RXFT"
        case .tidv: "TIDV"
        case .tadv: "TADV"
        case .txft: "TXFT"
        case .ltctl: "LTCTL"
        case .mrqc: "MRQC"
        case .mpc: "MPC"
        case .gprc: "GPRC"
        case .gorcl: "GORCL"
        case .gorch: "GORCH"
        case .latec: "LATEC"
        default: "REG(0x\(String(rawValue, radix: 16)))"
        }
    }
}

/// The device status register, ``NICRegister/status`` (datasheet §3): link up, and the line rate in Mb/s in bits
/// 31:16 (``lineRateMbps``).
public struct DeviceStatus: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `LU`: the link is up (a cable is attached and the link partner's signal is there).
    public static let linkUp = DeviceStatus(rawValue: 1 << 1)
    /// The line rate in Mb/s (bits 31:16).
    public var lineRateMbps: UInt32 { rawValue >> 16 }
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
    /// `LSC`: link status change: ``DeviceStatus/linkUp`` changed (datasheet §6.1).
    public static let linkStatusChange = InterruptCause(rawValue: 1 << 2)
    /// `RXDMT0`: the receive ring of some queue ran out of descriptors (a frame was missed).
    public static let rxDescriptorsExhausted = InterruptCause(rawValue: 1 << 4)
    /// `RXO`: receiver overrun: a frame was dropped for want of a descriptor.
    public static let rxOverrun = InterruptCause(rawValue: 1 << 6)
    /// `RXT0`: receive timer: received frames were written back.
    public static let rxTimer = InterruptCause(rawValue: 1 << 7)
    /// `TXDE` (nicsim-specific): a TX packet completed with an error status (bad address, length or format).
    /// Bit 27, which the 8254x, 82571 and 82574 leave reserved (bit 15 is their `TXD_LOW`).
    public static let txDescriptorError = InterruptCause(rawValue: 1 << 27)
    /// `INT_ASSERTED` (ICR bit 31, read only): a cause enabled in IMS is pending. Writes of it to ICS are dropped.
    public static let interruptAsserted = InterruptCause(rawValue: 1 << 31)
}

/// Extended device control bits in ``NICRegister/ctrlExt``.
public struct ExtendedControl: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `IAME`: interrupt acknowledge auto-mask enable: a read of ICR with `INT_ASSERTED` set writes ``NICRegister/iam``
    /// to IMC (82574).
    public static let autoMaskEnable = ExtendedControl(rawValue: 1 << 27)
}

/// Receive control bits in ``NICRegister/rctl``.
public struct ReceiveControl: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `EN`: receiver enabled.
    public static let enable = ReceiveControl(rawValue: 1 << 1)
    /// `UPE`: unicast promiscuous, every unicast frame passes the address filter (datasheet §11.4).
    public static let unicastPromiscuous = ReceiveControl(rawValue: 1 << 3)
    /// `MPE`: multicast promiscuous, every multicast (and broadcast) frame passes the address filter.
    public static let multicastPromiscuous = ReceiveControl(rawValue: 1 << 4)
    /// `BAM`: broadcast accept mode, frames to FF:FF:FF:FF:FF:FF pass the address filter.
    public static let broadcastAccept = ReceiveControl(rawValue: 1 << 15)
    /// The receive buffer size `BSIZE` selects, in bytes.
    @inlinable public var bufferSize: Int { 2048 >> Int((rawValue >> 16) & 3) }
    /// `RDMTS` (bits 9:8): `RXDMT0` is raised when a queue's free descriptors fall to ring count / 2 (00), / 4 (01)
    /// or / 8 (10); 11 is reserved and raises nothing. Returns the divisor's shift (1, 2, 3), or nil for 11.
    @inlinable public var descriptorThresholdShift: Int? {
        let code = Int((rawValue >> 8) & 3)
        return code == 3 ? nil : code + 1
    }
    /// `MO` (bits 13:12): which 12 bits of a multicast destination address index the multicast table (§11.4).
    @inlinable public var multicastOffset: Int { Int((rawValue >> 12) & 3) }
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
