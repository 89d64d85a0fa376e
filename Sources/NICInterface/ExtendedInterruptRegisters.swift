// The MSI-X interrupt registers (datasheet §2.1, §6.3), at the offsets of the Intel I210 and 82576.

extension NICRegister {
    /// Interrupt vectors the device has in MSI-X mode: EICR, EICS, EIMS, EIMC, EIAC and EIAM use bits 15:0, one per
    /// vector, and EITR(0) … EITR(15) exist (nicsim's count: the I210 has 5 vectors, the 82576 25; 16 serve one
    /// vector per queue pair for the register map's 8 queues plus one for the other causes).
    public static let msixVectors = 16
    /// The bits of the extended cause and mask registers that name a vector.
    public static let msixVectorMask: UInt32 = (1 << 16) - 1

    /// General purpose interrupt enable (RW): bit 4 `MSIX_MODE` routes queue causes to vectors by IVAR (datasheet
    /// §6.3); bit 30 `EIAME` lets a message auto-mask by EIAM; bits 0 `NSICR` and 31 `PBA_SUPPORT` are stored only.
    public static let gpie = NICRegister(rawValue: 0x1514)
    /// Extended interrupt cause set (WO): each 1 in bits 15:0 sets that vector's EICR bit, as if a cause mapped to
    /// the vector had been raised.
    public static let eics = NICRegister(rawValue: 0x1520)
    /// Extended interrupt mask set/read (RW): writing 1s enables vectors; a write that enables a vector whose EICR
    /// bit is set raises its interrupt.
    public static let eims = NICRegister(rawValue: 0x1524)
    /// Extended interrupt mask clear (WO): writing 1s disables vectors.
    public static let eimc = NICRegister(rawValue: 0x1528)
    /// Extended interrupt auto clear (RW): a vector whose bit is set has its EICR bit cleared when its message goes.
    public static let eiac = NICRegister(rawValue: 0x152C)
    /// Extended interrupt auto mask (RW): with `GPIE.EIAME`, a vector whose bit is set has its EIMS bit cleared
    /// when its message goes.
    public static let eiam = NICRegister(rawValue: 0x1530)
    /// Extended interrupt cause read (RW1C): one bit per vector with a cause pending; reads have no side effect,
    /// writing 1s clears those bits.
    public static let eicr = NICRegister(rawValue: 0x1580)
    /// Extended interrupt throttle of vector `n` (RW), 0 ≤ n < ``msixVectors``: bits 14:2 `INTERVAL`, the minimum
    /// time between two messages of the vector in 1 µs units (Linux igb writes microseconds << 2); 0 = off.
    @inlinable public static func eitr(_ n: Int) -> NICRegister {
        NICRegister(rawValue: 0x1680 + UInt32(n) * 4)
    }
    /// Interrupt vector allocation `i` (RW), 0 ≤ i < 4: the vectors of queues 2i and 2i + 1, one entry byte each
    /// (I210 layout): bits 7:0 RX queue 2i, 15:8 TX queue 2i, 23:16 RX queue 2i + 1, 31:24 TX queue 2i + 1. In an
    /// entry, bits 4:0 are the vector and bit 7 ``ivarValid``.
    @inlinable public static func ivar(_ i: Int) -> NICRegister {
        NICRegister(rawValue: 0x1700 + UInt32(i) * 4)
    }
    /// Interrupt vector allocation for the other causes (RW): bits 15:8 the vector of every cause of ICR (LSC,
    /// RXO, …) in MSI-X mode, bit 15 its valid bit; bits 7:0 (the I210's TCP timer entry) are stored only.
    public static let ivarMisc = NICRegister(rawValue: 0x1740)
    /// The valid bit of an IVAR entry (`IVAR_VALID`).
    public static let ivarValid: UInt32 = 0x80
    /// The bits of an IVAR entry the device stores: vector (4:0) and valid (7).
    public static let ivarEntryMask: UInt32 = 0x9F

    /// The IVAR register and entry shift of transmit (`transmit`) or receive queue `queue`.
    @inlinable public static func ivarEntry(queue: Int, transmit: Bool) -> (register: NICRegister, shift: UInt32) {
        (ivar(queue >> 1), UInt32(queue & 1) * 16 + (transmit ? 8 : 0))
    }
}

/// General purpose interrupt enable bits in ``NICRegister/gpie`` (I210 and 82576 `GPIE`).
public struct GeneralInterruptEnable: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `NSICR`: non-selective interrupt clear on read (stored only; ICR reads always clear, datasheet §2.1).
    public static let nonSelectiveClear = GeneralInterruptEnable(rawValue: 1 << 0)
    /// `MSIX_MODE`: queue causes go to vectors by IVAR, other causes to IVAR_MISC's vector (datasheet §6.3).
    public static let msixMode = GeneralInterruptEnable(rawValue: 1 << 4)
    /// `EIAME`: a vector's message clears the vector's EIMS bit when its EIAM bit is set.
    public static let extendedAutoMask = GeneralInterruptEnable(rawValue: 1 << 30)
    /// `PBA_SUPPORT`: stored only (nicsim has no pending-bit array).
    public static let pbaSupport = GeneralInterruptEnable(rawValue: 1 << 31)
    /// Every bit the device stores.
    public static let stored: GeneralInterruptEnable = [.nonSelectiveClear, .msixMode, .extendedAutoMask, .pbaSupport]
}
