/// Writes a pcapng capture (IETF draft-ietf-opsawg-pcapng): one section, any number of Ethernet interfaces, each
/// with nanosecond timestamps (`if_tsresol` 9), and Enhanced Packet Blocks that may carry a comment.
///
/// Bytes accumulate in ``bytes``; a caller streaming to a file takes them with ``takeBytes()`` now and then (the
/// array keeps its storage). Everything is little-endian; the section length is left unknown (−1) so a file can
/// be written as it goes. The writer knows nothing of time zones, hosts or clocks, so equal inputs give equal
/// bytes.
public struct PcapNGWriter: Sendable {
    /// The file so far, or since the last ``takeBytes()``.
    public private(set) var bytes: [UInt8] = []
    /// Interfaces declared so far.
    public private(set) var interfaceCount = 0
    /// Enhanced Packet Blocks written.
    public private(set) var packetCount = 0
    /// Largest number of frame bytes stored per packet.
    public let snapLength: UInt32

    /// Block types and option codes used here.
    static let sectionHeader: UInt32 = 0x0A0D_0D0A
    static let interfaceDescription: UInt32 = 1
    static let enhancedPacket: UInt32 = 6
    static let optionEnd: UInt16 = 0
    static let optionComment: UInt16 = 1
    static let optionApplication: UInt16 = 4
    static let optionName: UInt16 = 2
    static let optionDescription: UInt16 = 3
    static let optionTimestampResolution: UInt16 = 9

    /// Starts a section whose header names `application` (`shb_userappl`).
    public init(application: String = "nicsim", snapLength: UInt32 = 262_144) {
        self.snapLength = snapLength
        let b = beginBlock(Self.sectionHeader)
        le(UInt32(0x1A2B_3C4D))
        le(UInt16(1))
        le(UInt16(0))
        le(UInt64.max)  // section length unknown
        option(Self.optionApplication, Array(application.utf8))
        endOptions()
        endBlock(b)
    }

    /// Declares an Ethernet interface named `name` (`if_name`) with a longer `description` (`if_description`);
    /// returns its interface id, the number packets name it by.
    @discardableResult
    public mutating func addInterface(name: String, description: String) -> Int {
        let b = beginBlock(Self.interfaceDescription)
        le(UInt16(1))  // LINKTYPE_ETHERNET
        le(UInt16(0))
        le(snapLength)
        option(Self.optionName, Array(name.utf8))
        option(Self.optionDescription, Array(description.utf8))
        option(Self.optionTimestampResolution, [9])
        endOptions()
        endBlock(b)
        interfaceCount += 1
        return interfaceCount - 1
    }

    /// Appends one packet: `count` bytes of `source` from `start`, seen on `interface` at `timestampNanoseconds`
    /// (non-negative), with `comment` (`opt_comment`) when it is not empty.
    public mutating func append(_ source: [UInt8], from start: Int, count: Int, interface: Int,
                                timestampNanoseconds: Int64, comment: String) {
        precondition(start >= 0 && count >= 0 && count <= source.count - start, "PcapNGWriter.append out of range")
        precondition(interface >= 0 && interface < interfaceCount, "PcapNGWriter.append: undeclared interface")
        let included = min(count, Int(snapLength))
        let t = UInt64(max(0, timestampNanoseconds))
        let b = beginBlock(Self.enhancedPacket)
        le(UInt32(interface))
        le(UInt32(truncatingIfNeeded: t >> 32))
        le(UInt32(truncatingIfNeeded: t))
        le(UInt32(included))
        le(UInt32(count))
        bytes.append(contentsOf: source[start..<(start + included)])
        pad()
        if !comment.isEmpty {
            option(Self.optionComment, Array(comment.utf8))
            endOptions()
        }
        endBlock(b)
        packetCount += 1
    }

    /// Removes and returns the bytes made so far; the pieces concatenated are the whole file.
    public mutating func takeBytes() -> [UInt8] {
        let taken = bytes
        bytes.removeAll(keepingCapacity: true)
        return taken
    }

    /// Empties ``bytes`` (after the caller wrote them out), keeping the storage.
    public mutating func discardBytes() { bytes.removeAll(keepingCapacity: true) }

    // MARK: - Encoding

    /// Starts a block of `type`; returns the mark ``endBlock(_:)`` takes.
    mutating func beginBlock(_ type: UInt32) -> Int {
        let start = bytes.count
        le(type)
        le(UInt32(0))  // total length, patched by endBlock
        return start
    }

    /// Ends the block begun at `start`: appends its total length and patches it into the header.
    mutating func endBlock(_ start: Int) {
        let total = UInt32(bytes.count - start + 4)
        le(total)
        for i in 0..<4 { bytes[start + 4 + i] = UInt8(truncatingIfNeeded: total >> (8 * UInt32(i))) }
    }

    mutating func le<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }

    mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    mutating func option(_ code: UInt16, _ value: [UInt8]) {
        let n = min(value.count, Int(UInt16.max) - 3)
        le(code)
        le(UInt16(n))
        bytes.append(contentsOf: value[0..<n])
        pad()
    }

    mutating func endOptions() {
        le(Self.optionEnd)
        le(UInt16(0))
    }
}
