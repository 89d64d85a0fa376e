/// Command bits of a TX data descriptor (byte 11, `CMD`).
///
/// The bits follow the Intel 8254x legacy transmit descriptor; unknown bits survive (`OptionSet`).
public struct TxCommand: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `EOP`: this descriptor holds the last buffer of a packet.
    public static let endOfPacket = TxCommand(rawValue: 1 << 0)
    /// `IFCS`: append the Ethernet FCS. nicsim always appends it on the wire; the bit is accepted and ignored.
    public static let insertFCS = TxCommand(rawValue: 1 << 1)
    /// `IC`: insert a checksum (see ``TxDescriptor/checksumStart`` and ``TxDescriptor/checksumOffset``).
    public static let insertChecksum = TxCommand(rawValue: 1 << 2)
    /// `RS`: report status: write back `DD` when the packet is done (and raise `TXDW`).
    public static let reportStatus = TxCommand(rawValue: 1 << 3)
    /// `RPS`: report packet sent (82544): like `RS`, but the packet is done, and `DD` written, only when its last
    /// frame's last bit has left the wire, not when it is in the transmit packet buffer (datasheet §4.5).
    public static let reportPacketSent = TxCommand(rawValue: 1 << 4)
    /// `DEXT`: this is a context descriptor (``TxContextDescriptor``), describing the packet that follows it.
    public static let extended = TxCommand(rawValue: 1 << 5)
    /// `IDE`: interrupt delay enable: the packet's completion may be delayed by TIDV/TADV and the frame threshold.
    public static let interruptDelay = TxCommand(rawValue: 1 << 7)
}

/// Status bits of a TX data descriptor (byte 12, `STA`), written back by the device.
public struct TxStatus: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `DD`: descriptor done; the device has finished with this descriptor and everything before it.
    public static let descriptorDone = TxStatus(rawValue: 1 << 0)
    /// `DMAE` (nicsim's own, on a bit the 8254x reserves): a buffer address of the packet could not be read
    /// (fault on the device's memory path).
    public static let dmaError = TxStatus(rawValue: 1 << 4)
    /// `LENE` (nicsim's own, on a reserved bit): the packet was longer than the device's largest frame, or empty.
    public static let lengthError = TxStatus(rawValue: 1 << 5)
    /// `FMTE` (nicsim's own, on a reserved bit): the descriptor was malformed (checksum offsets outside the packet, a
    /// context descriptor with
    /// impossible header lengths, a packet without end-of-packet that fills the descriptor cache or the ring).
    public static let formatError = TxStatus(rawValue: 1 << 6)
    /// `LATE` (nicsim's own, on a reserved bit): the packet was dropped because its launch time had passed
    /// (`LTCTL.DROPLATE` set). Packets sent
    /// late are counted (LATEC) but not marked.
    public static let late = TxStatus(rawValue: 1 << 7)
}

/// A 16-byte TX data descriptor as it lies in host memory, little-endian (datasheet §3).
///
/// | bytes | field |
/// |---|---|
/// | 0–7 | buffer physical address |
/// | 8–9 | buffer length in bytes |
/// | 10 | `CSO`: frame offset at which to store the inserted checksum |
/// | 11 | `CMD`: ``TxCommand`` |
/// | 12 | `STA`: ``TxStatus`` (written back by the device) |
/// | 13 | `CSS`: frame offset at which checksumming starts |
/// | 14–15 | reserved (write 0) |
public struct TxDescriptor: Hashable, Sendable {
    /// Size of one descriptor in bytes.
    public static let size = 16
    /// Byte offset of the status field, which the device writes back.
    public static let statusOffset = 12

    public var bufferAddress: UInt64
    public var length: UInt16
    public var checksumOffset: UInt8
    public var command: TxCommand
    public var status: TxStatus
    public var checksumStart: UInt8
    public var reserved: UInt16

    @inlinable
    public init(bufferAddress: UInt64, length: UInt16, command: TxCommand, checksumStart: UInt8 = 0,
                checksumOffset: UInt8 = 0, status: TxStatus = [], reserved: UInt16 = 0) {
        self.bufferAddress = bufferAddress
        self.length = length
        self.checksumOffset = checksumOffset
        self.command = command
        self.status = status
        self.checksumStart = checksumStart
        self.reserved = reserved
    }

    /// Writes the 16 descriptor bytes little-endian into `bytes` at `offset`.
    @inlinable public func encode(into bytes: inout [UInt8], at offset: Int) {
        precondition(offset >= 0 && offset + Self.size <= bytes.count)
        let (low, high) = words
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: low.littleEndian, toByteOffset: offset, as: UInt64.self)
            raw.storeBytes(of: high.littleEndian, toByteOffset: offset + 8, as: UInt64.self)
        }
    }

    /// The 16 bytes as two little-endian 64-bit words: the buffer address, then length, CSO, CMD, STA, CSS and
    /// the special field from the least significant byte up.
    @inlinable public var words: (UInt64, UInt64) {
        let high = UInt64(length) | UInt64(checksumOffset) << 16 | UInt64(command.rawValue) << 24
            | UInt64(status.rawValue) << 32 | UInt64(checksumStart) << 40 | UInt64(reserved) << 48
        return (bufferAddress, high)
    }

    /// The descriptor whose 16 bytes are these two little-endian words (the inverse of ``words``).
    @inlinable public init(words low: UInt64, _ high: UInt64) {
        self.bufferAddress = low
        self.length = UInt16(truncatingIfNeeded: high)
        self.checksumOffset = UInt8(truncatingIfNeeded: high >> 16)
        self.command = TxCommand(rawValue: UInt8(truncatingIfNeeded: high >> 24))
        self.status = TxStatus(rawValue: UInt8(truncatingIfNeeded: high >> 32))
        self.checksumStart = UInt8(truncatingIfNeeded: high >> 40)
        self.reserved = UInt16(truncatingIfNeeded: high >> 48)
    }

    /// Reads a descriptor from 16 bytes at `offset`; nil when fewer than 16 bytes remain.
    @inlinable public init?(decoding bytes: borrowing [UInt8], at offset: Int) {
        guard offset >= 0, offset <= bytes.count - Self.size else { return nil }
        let (low, high) = bytes.withUnsafeBytes { raw in
            (UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
             UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
        }
        self.init(words: low, high)
    }
}

/// Segmentation and checksum flags of a context descriptor (byte 13).
public struct TxContextFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `TSE`: cut the packet's payload into UDP datagrams of at most ``TxContextDescriptor/mss`` bytes.
    public static let segment = TxContextFlags(rawValue: 1 << 0)
    /// `RTP`: the header ends with a 12-byte RTP header whose sequence number goes up by one per segment.
    public static let rtp = TxContextFlags(rawValue: 1 << 1)
    /// `IXSM`: compute and insert the IPv4 header checksum.
    public static let ipChecksum = TxContextFlags(rawValue: 1 << 2)
    /// `TXSM`: compute and insert the full UDP checksum (pseudo-header included).
    public static let udpChecksum = TxContextFlags(rawValue: 1 << 3)
    /// `LT`: the launch time in bytes 0–7 is valid.
    public static let launchTime = TxContextFlags(rawValue: 1 << 4)
}

/// A 16-byte transmit context descriptor: describes the packet whose data descriptors follow it (datasheet §3.2).
///
/// | bytes | field |
/// |---|---|
/// | 0–7 | launch time, nanoseconds of device time (valid with `LT`) |
/// | 8 | `HDRLEN`: bytes of headers (Ethernet through UDP, and RTP with `RTP`) at the start of the packet |
/// | 9 | `IPCSS`: offset of the IPv4 header |
/// | 10 | `TUCSS`: offset of the UDP header |
/// | 11 | `CMD`: `DEXT` set (this is what marks a context descriptor); `RS` and `IDE` count for the packet; `EOP` here
/// is a format error |
/// | 12 | `STA`: written back with `DD` only when the packet completes with an error on this descriptor |
/// | 13 | flags: ``TxContextFlags`` |
/// | 14–15 | `MSS`: payload bytes per segment (with `TSE`) |
public struct TxContextDescriptor: Hashable, Sendable {
    public var launchTimeNanoseconds: UInt64
    public var headerLength: UInt8
    public var ipOffset: UInt8
    public var udpOffset: UInt8
    public var flags: TxContextFlags
    public var mss: UInt16

    @inlinable
    public init(launchTimeNanoseconds: UInt64 = 0, headerLength: UInt8, ipOffset: UInt8 = 14, udpOffset: UInt8 = 34,
                flags: TxContextFlags, mss: UInt16 = 0) {
        self.launchTimeNanoseconds = launchTimeNanoseconds
        self.headerLength = headerLength
        self.ipOffset = ipOffset
        self.udpOffset = udpOffset
        self.flags = flags
        self.mss = mss
    }

    /// The same 16 bytes seen as a data descriptor (how the ring stores it).
    @inlinable public var asDescriptor: TxDescriptor {
        TxDescriptor(bufferAddress: launchTimeNanoseconds,
                     length: UInt16(headerLength) | UInt16(ipOffset) << 8,
                     command: .extended, checksumStart: flags.rawValue, checksumOffset: udpOffset,
                     reserved: mss)
    }

    /// Reads the context fields out of a descriptor whose `CMD` has `DEXT`.
    @inlinable public init(_ d: TxDescriptor) {
        self.launchTimeNanoseconds = d.bufferAddress
        self.headerLength = UInt8(truncatingIfNeeded: d.length)
        self.ipOffset = UInt8(truncatingIfNeeded: d.length >> 8)
        self.udpOffset = d.checksumOffset
        self.flags = TxContextFlags(rawValue: d.checksumStart)
        self.mss = d.reserved
    }
}

/// Status bits of a receive descriptor (byte 12), written by the device.
public struct RxStatus: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `DD`: the device has filled this descriptor.
    public static let descriptorDone = RxStatus(rawValue: 1 << 0)
    /// `EOP`: the last descriptor of a frame.
    public static let endOfPacket = RxStatus(rawValue: 1 << 1)
    /// `UDPCS`: the UDP checksum was checked (see ``RxErrors/l4Checksum``).
    public static let udpChecksumChecked = RxStatus(rawValue: 1 << 4)
    /// `IPCS`: the IPv4 header checksum was checked (see ``RxErrors/ipChecksum``).
    public static let ipChecksumChecked = RxStatus(rawValue: 1 << 6)
}

/// Error bits of a receive descriptor (byte 13), written by the device.
public struct RxErrors: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `TCPE`: the UDP checksum was wrong.
    public static let l4Checksum = RxErrors(rawValue: 1 << 5)
    /// `IPE`: the IPv4 header checksum was wrong.
    public static let ipChecksum = RxErrors(rawValue: 1 << 6)
    /// `RXE`: the frame could not be written to host memory (DMA fault).
    public static let dmaError = RxErrors(rawValue: 1 << 7)
}

/// A 16-byte receive descriptor (datasheet §3.3): the driver writes the buffer address, the device writes the rest.
///
/// | bytes | field |
/// |---|---|
/// | 0–7 | buffer physical address (driver) |
/// | 8–9 | bytes written into this buffer (device) |
/// | 10–11 | packet checksum: ones' complement sum of the frame from byte 14 (device, on the EOP descriptor) |
/// | 12 | `STATUS`: ``RxStatus`` (device) |
/// | 13 | `ERRORS`: ``RxErrors`` (device) |
/// | 14–15 | reserved |
public struct RxDescriptor: Hashable, Sendable {
    public static let size = 16
    public var bufferAddress: UInt64
    public var length: UInt16
    public var checksum: UInt16
    public var status: RxStatus
    public var errors: RxErrors

    @inlinable public init(bufferAddress: UInt64, length: UInt16 = 0, checksum: UInt16 = 0, status: RxStatus = [],
                           errors: RxErrors = []) {
        self.bufferAddress = bufferAddress
        self.length = length
        self.checksum = checksum
        self.status = status
        self.errors = errors
    }

    /// Writes the 16 bytes little-endian.
    @inlinable public func encode(into bytes: inout [UInt8], at offset: Int) {
        TxDescriptor(bufferAddress: bufferAddress, length: length, command: TxCommand(rawValue: UInt8(checksum >> 8)),
                     checksumStart: errors.rawValue, checksumOffset: UInt8(truncatingIfNeeded: checksum),
                     status: TxStatus(rawValue: status.rawValue)).encode(into: &bytes, at: offset)
    }

    /// Reads 16 bytes; nil when fewer remain.
    @inlinable public init?(decoding bytes: borrowing [UInt8], at offset: Int) {
        guard let d = TxDescriptor(decoding: bytes, at: offset) else { return nil }
        self.bufferAddress = d.bufferAddress
        self.length = d.length
        self.checksum = UInt16(d.checksumOffset) | UInt16(d.command.rawValue) << 8
        self.status = RxStatus(rawValue: d.status.rawValue)
        self.errors = RxErrors(rawValue: d.checksumStart)
    }
}
