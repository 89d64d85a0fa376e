/// The header and adaptation field of one 188-byte MPEG-2 transport stream packet (ISO/IEC 13818-1 §2.4.3).
///
/// A `TSPacket` is a decoded value, not a copy of the bytes: it records the header fields, the adaptation field
/// (if any) and where in the packet the payload starts. Decoding never traps: ``decode(_:at:)`` returns nil and
/// ``init(parsing:at:streamOffset:)`` throws a ``MediaError`` naming the offset and what was expected.
public struct TSPacket: Hashable, Sendable {
    /// Bytes in every transport stream packet.
    public static let size = 188
    /// The value of the first byte of every packet.
    public static let syncByte: UInt8 = 0x47
    /// The PID of the Program Association Table.
    public static let patPID: UInt16 = 0x0000
    /// The PID of null (stuffing) packets, which carry no data and no continuity.
    public static let nullPID: UInt16 = 0x1FFF
    /// Bytes in the fixed packet header.
    public static let headerSize = 4

    /// transport_error_indicator (byte 1, bit 7): a demodulator marked the packet as damaged.
    public var transportErrorIndicator: Bool
    /// payload_unit_start_indicator (byte 1, bit 6): a PES packet or a PSI section starts in this payload.
    public var payloadUnitStartIndicator: Bool
    /// transport_priority (byte 1, bit 5).
    public var transportPriority: Bool
    /// The 13-bit packet identifier (bytes 1–2).
    public var pid: UInt16
    /// transport_scrambling_control (byte 3, bits 7–6); 0 means not scrambled.
    public var scramblingControl: UInt8
    /// adaptation_field_control (byte 3, bits 5–4): whether an adaptation field and a payload follow.
    public var adaptationFieldControl: AdaptationFieldControl
    /// continuity_counter (byte 3, bits 3–0): +1 modulo 16 per payload-carrying packet of a PID.
    public var continuityCounter: UInt8
    /// The decoded adaptation field, when ``adaptationFieldControl`` says one is present.
    public var adaptationField: AdaptationField?
    /// Offset of the first payload byte from the start of the packet (4 to 188).
    public var payloadOffset: Int

    /// Creates a packet description; ``payloadOffset`` follows from the adaptation field.
    public init(
        pid: UInt16, continuityCounter: UInt8, adaptationFieldControl: AdaptationFieldControl = .payloadOnly,
        payloadUnitStartIndicator: Bool = false, transportErrorIndicator: Bool = false,
        transportPriority: Bool = false, scramblingControl: UInt8 = 0, adaptationField: AdaptationField? = nil
    ) {
        self.transportErrorIndicator = transportErrorIndicator
        self.payloadUnitStartIndicator = payloadUnitStartIndicator
        self.transportPriority = transportPriority
        self.pid = pid & 0x1FFF
        self.scramblingControl = scramblingControl & 0x03
        self.adaptationFieldControl = adaptationFieldControl
        self.continuityCounter = continuityCounter & 0x0F
        self.adaptationField = adaptationField
        self.payloadOffset = Self.headerSize + (adaptationField.map { 1 + $0.length } ?? 0)
    }

    /// Payload bytes in the packet: 188 − ``payloadOffset`` when the packet carries a payload, else 0.
    @inlinable
    public var payloadLength: Int { adaptationFieldControl.hasPayload ? Self.size - payloadOffset : 0 }

    /// The PCR in the adaptation field, if any.
    @inlinable
    public var pcr: ProgramClockReference? { adaptationField?.pcr }

    /// Decodes the packet at `offset`; nil when it is cut short, lacks the sync byte, has the reserved
    /// adaptation_field_control 00, or has an adaptation field that does not fit. Allocates nothing.
    @inlinable
    public static func decode(_ bytes: [UInt8], at offset: Int) -> TSPacket? {
        if case .success(let packet) = decodeChecked(bytes, at: offset) { return packet }
        return nil
    }

    /// Decodes the packet at `offset` in `bytes`.
    ///
    /// - Throws: ``MediaError`` with `offset` set to `offset` plus `streamOffset`: `MediaError.Code.truncated`
    ///   when fewer than 188 bytes remain, `MediaError.Code.lostSync` without the sync byte,
    ///   `MediaError.Code.reservedAdaptationFieldControl` or `MediaError.Code.badAdaptationField`.
    /// - Parameters:
    ///   - bytes: the stream holding the packet.
    ///   - offset: where in `bytes` the packet starts.
    ///   - streamOffset: added to `offset` in the error, for packets copied out of a larger file.
    public init(parsing bytes: [UInt8], at offset: Int, streamOffset: Int = 0) throws(MediaError) {
        switch Self.decodeChecked(bytes, at: offset) {
        case .success(let packet): self = packet
        case .failure(let defect): throw defect.error(at: offset + streamOffset)
        }
    }

    /// Why a packet could not be decoded; carries no strings so that the decoder allocates nothing.
    @usableFromInline
    enum Defect: Error, Hashable, Sendable {
        case truncated(available: Int)
        case missingSync(found: UInt8)
        case reservedAdaptationFieldControl
        case badAdaptationField(length: Int)

        /// The public error, with text, for a packet starting at stream offset `offset`.
        func error(at offset: Int) -> MediaError {
            switch self {
            case .truncated(let available):
                return MediaError(
                    code: .truncated, offset: offset,
                    message: "expected a 188-byte transport packet, found only \(available) bytes")
            case .missingSync(let found):
                return MediaError(
                    code: .lostSync, offset: offset, message: "expected sync byte 0x47, found \(hexByte(found))")
            case .reservedAdaptationFieldControl:
                return MediaError(
                    code: .reservedAdaptationFieldControl, offset: offset + 3,
                    message: "expected adaptation_field_control 01, 10 or 11, found the reserved value 00")
            case .badAdaptationField(let length):
                return MediaError(
                    code: .badAdaptationField, offset: offset + 4,
                    message: "adaptation field of \(length) bytes does not fit the packet or its flagged fields")
            }
        }
    }

    @usableFromInline
    static func decodeChecked(_ bytes: [UInt8], at offset: Int) -> Result<TSPacket, Defect> {
        guard offset >= 0, offset <= bytes.count else { return .failure(.truncated(available: 0)) }
        guard bytes.count - offset >= size else { return .failure(.truncated(available: bytes.count - offset)) }
        guard bytes[offset] == syncByte else { return .failure(.missingSync(found: bytes[offset])) }
        let b1 = bytes[offset + 1]
        let b3 = bytes[offset + 3]
        let control = AdaptationFieldControl(rawValue: (b3 >> 4) & 0x03)
        guard control != .reserved else { return .failure(.reservedAdaptationFieldControl) }
        var field: AdaptationField?
        var payloadOffset = headerSize
        if control.hasAdaptationField {
            let length = Int(bytes[offset + 4])
            // Followed by payload the field takes at most 182 bytes after its length byte; alone it must fill the
            // packet, 183 bytes (ISO/IEC 13818-1 §2.4.3.5).
            let maximum = control.hasPayload ? 182 : 183
            guard length <= maximum, control.hasPayload || length == 183,
                let decoded = AdaptationField(decoding: bytes, at: offset + 4)
            else {
                return .failure(.badAdaptationField(length: length))
            }
            field = decoded
            payloadOffset = headerSize + 1 + length
        }
        var packet = TSPacket(
            pid: UInt16(b1 & 0x1F) << 8 | UInt16(bytes[offset + 2]), continuityCounter: b3 & 0x0F,
            adaptationFieldControl: control, payloadUnitStartIndicator: b1 & 0x40 != 0,
            transportErrorIndicator: b1 & 0x80 != 0, transportPriority: b1 & 0x20 != 0,
            scramblingControl: b3 >> 6, adaptationField: field)
        packet.payloadOffset = payloadOffset
        return .success(packet)
    }

    /// Writes the 4 header bytes at `offset` from the fields (the sync byte first); the bytes must exist.
    ///
    /// The adaptation field, if any, is the caller's to write at `offset + 4` (see
    /// ``AdaptationField/encode(into:at:)``).
    @inlinable
    public func encodeHeader(into bytes: inout [UInt8], at offset: Int) {
        precondition(offset >= 0 && offset <= bytes.count - Self.headerSize, "TSPacket header out of range")
        bytes[offset] = Self.syncByte
        var b1 = UInt8(truncatingIfNeeded: pid >> 8) & 0x1F
        if transportErrorIndicator { b1 |= 0x80 }
        if payloadUnitStartIndicator { b1 |= 0x40 }
        if transportPriority { b1 |= 0x20 }
        bytes[offset + 1] = b1
        bytes[offset + 2] = UInt8(truncatingIfNeeded: pid)
        bytes[offset + 3] =
            (scramblingControl & 0x03) << 6 | (adaptationFieldControl.rawValue & 0x03) << 4
            | (continuityCounter & 0x0F)
    }
}

/// adaptation_field_control: the two bits of a TS header that say whether an adaptation field and a payload follow.
public struct AdaptationFieldControl: RawRepresentable, Hashable, Sendable {
    /// The 2-bit field value.
    public var rawValue: UInt8
    /// Wraps a field value (low 2 bits kept).
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue & 0x03 }

    /// 00: reserved; decoders discard the packet.
    public static let reserved = AdaptationFieldControl(rawValue: 0)
    /// 01: payload only.
    public static let payloadOnly = AdaptationFieldControl(rawValue: 1)
    /// 10: adaptation field only, no payload (the continuity counter does not advance).
    public static let adaptationFieldOnly = AdaptationFieldControl(rawValue: 2)
    /// 11: adaptation field followed by payload.
    public static let adaptationFieldAndPayload = AdaptationFieldControl(rawValue: 3)

    /// True for 10 and 11.
    @inlinable public var hasAdaptationField: Bool { rawValue & 0x02 != 0 }
    /// True for 01 and 11: the packet carries payload and advances its PID's continuity counter.
    @inlinable public var hasPayload: Bool { rawValue & 0x01 != 0 }
}

/// The decoded fields of a TS adaptation field (ISO/IEC 13818-1 §2.4.3.4) that timing and continuity need.
public struct AdaptationField: Hashable, Sendable {
    /// adaptation_field_length: bytes after the length byte (0–183).
    public var length: Int
    /// discontinuity_indicator: the continuity counter or the PCR time base may jump at this packet.
    public var discontinuityIndicator: Bool
    /// random_access_indicator: the packet starts a point where decoding can begin.
    public var randomAccessIndicator: Bool
    /// elementary_stream_priority_indicator.
    public var elementaryStreamPriorityIndicator: Bool
    /// The program clock reference, when PCR_flag is set.
    public var pcr: ProgramClockReference?
    /// The original program clock reference, when OPCR_flag is set.
    public var opcr: ProgramClockReference?

    /// Creates a field description of `length` bytes after the length byte.
    public init(
        length: Int, pcr: ProgramClockReference? = nil, opcr: ProgramClockReference? = nil,
        discontinuityIndicator: Bool = false, randomAccessIndicator: Bool = false,
        elementaryStreamPriorityIndicator: Bool = false
    ) {
        self.length = length
        self.pcr = pcr
        self.opcr = opcr
        self.discontinuityIndicator = discontinuityIndicator
        self.randomAccessIndicator = randomAccessIndicator
        self.elementaryStreamPriorityIndicator = elementaryStreamPriorityIndicator
    }

    /// Bytes the flags and the PCR/OPCR fields need after the length byte.
    @inlinable
    public var minimumLength: Int { 1 + (pcr == nil ? 0 : 6) + (opcr == nil ? 0 : 6) }

    /// Reads the field whose length byte is at `offset`; nil when the flagged fields run past the length or the
    /// array. A length of 0 is a valid field with no flags byte.
    @inlinable
    public init?(decoding bytes: [UInt8], at offset: Int) {
        guard offset >= 0, offset < bytes.count else { return nil }
        let length = Int(bytes[offset])
        guard offset + 1 + length <= bytes.count else { return nil }
        self.init(length: length)
        guard length > 0 else { return }
        let flags = bytes[offset + 1]
        discontinuityIndicator = flags & 0x80 != 0
        randomAccessIndicator = flags & 0x40 != 0
        elementaryStreamPriorityIndicator = flags & 0x20 != 0
        var next = offset + 2
        let end = offset + 1 + length
        if flags & 0x10 != 0 {
            guard end - next >= ProgramClockReference.encodedSize,
                let value = ProgramClockReference(decoding: bytes, at: next)
            else { return nil }
            pcr = value
            next += ProgramClockReference.encodedSize
        }
        if flags & 0x08 != 0 {
            guard end - next >= ProgramClockReference.encodedSize,
                let value = ProgramClockReference(decoding: bytes, at: next)
            else { return nil }
            opcr = value
        }
    }

    /// Writes the field at `offset` (length byte first): flags, PCR, OPCR, then 0xFF stuffing up to ``length``.
    ///
    /// ``length`` must be at least ``minimumLength`` (or 0 for a lone length byte) and the bytes must exist.
    @inlinable
    public func encode(into bytes: inout [UInt8], at offset: Int) {
        precondition(length == 0 || length >= minimumLength, "adaptation field shorter than its fields")
        precondition(offset >= 0 && offset + 1 + length <= bytes.count, "adaptation field out of range")
        bytes[offset] = UInt8(truncatingIfNeeded: length)
        guard length > 0 else { return }
        var flags: UInt8 = 0
        if discontinuityIndicator { flags |= 0x80 }
        if randomAccessIndicator { flags |= 0x40 }
        if elementaryStreamPriorityIndicator { flags |= 0x20 }
        if pcr != nil { flags |= 0x10 }
        if opcr != nil { flags |= 0x08 }
        bytes[offset + 1] = flags
        var next = offset + 2
        if let pcr {
            pcr.encode(into: &bytes, at: next)
            next += ProgramClockReference.encodedSize
        }
        if let opcr {
            opcr.encode(into: &bytes, at: next)
            next += ProgramClockReference.encodedSize
        }
        while next < offset + 1 + length {
            bytes[next] = 0xFF
            next += 1
        }
    }
}

/// `0x47` style text for one byte.
func hexByte(_ value: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return "0x" + String(digits[Int(value >> 4)]) + String(digits[Int(value & 0x0F)])
}

/// `0x0100` style text for a PID.
func hexPID(_ value: UInt16) -> String {
    let digits = Array("0123456789ABCDEF")
    var text = "0x"
    for shift in stride(from: 12, through: 0, by: -4) { text.append(digits[Int((value >> UInt16(shift)) & 0xF)]) }
    return text
}
