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
    /// `DEXT`: extended descriptor. Reserved in this revision: a descriptor with it set completes with a format error.
    public static let extended = TxCommand(rawValue: 1 << 5)
}

/// Status bits of a TX data descriptor (byte 12, `STA`), written back by the device.
public struct TxStatus: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `DD`: descriptor done; the device has finished with this descriptor and everything before it.
    public static let descriptorDone = TxStatus(rawValue: 1 << 0)
    /// `DMAE`: a buffer address of the packet could not be read (fault on the device's memory path).
    public static let dmaError = TxStatus(rawValue: 1 << 4)
    /// `LENE`: the packet was longer than the device's largest frame, or empty.
    public static let lengthError = TxStatus(rawValue: 1 << 5)
    /// `FMTE`: the descriptor was malformed (reserved command bit, checksum offsets outside the packet, a packet
    /// without end-of-packet that fills the ring).
    public static let formatError = TxStatus(rawValue: 1 << 6)
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
        var a = bufferAddress
        for i in 0..<8 {
            bytes[offset + i] = UInt8(truncatingIfNeeded: a)
            a >>= 8
        }
        bytes[offset + 8] = UInt8(truncatingIfNeeded: length)
        bytes[offset + 9] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[offset + 10] = checksumOffset
        bytes[offset + 11] = command.rawValue
        bytes[offset + 12] = status.rawValue
        bytes[offset + 13] = checksumStart
        bytes[offset + 14] = UInt8(truncatingIfNeeded: reserved)
        bytes[offset + 15] = UInt8(truncatingIfNeeded: reserved >> 8)
    }

    /// Reads a descriptor from 16 bytes at `offset`; nil when fewer than 16 bytes remain.
    @inlinable public init?(decoding bytes: [UInt8], at offset: Int) {
        guard offset >= 0, offset <= bytes.count - Self.size else { return nil }
        var a: UInt64 = 0
        for i in (0..<8).reversed() { a = (a << 8) | UInt64(bytes[offset + i]) }
        self.bufferAddress = a
        self.length = UInt16(bytes[offset + 8]) | UInt16(bytes[offset + 9]) << 8
        self.checksumOffset = bytes[offset + 10]
        self.command = TxCommand(rawValue: bytes[offset + 11])
        self.status = TxStatus(rawValue: bytes[offset + 12])
        self.checksumStart = bytes[offset + 13]
        self.reserved = UInt16(bytes[offset + 14]) | UInt16(bytes[offset + 15]) << 8
    }
}
