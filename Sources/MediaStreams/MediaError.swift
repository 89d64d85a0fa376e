import SimCore

/// Why media input or a media configuration was rejected, and where.
///
/// One error type for the whole module (STYLE.md, "Errors"). Parsers of untrusted bytes throw it with the byte
/// offset in the file or stream where the problem was found and what was expected there; configuration checks
/// throw it with ``offset`` nil. The ``description`` is ready to print:
/// `offset 376: expected sync byte 0x47, found 0x00`.
public struct MediaError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is. A growable set of named values, so new codes never break callers.
    public typealias Code = ErrorCode<MediaError>

    /// What kind of problem this is.
    public var code: Code
    /// Byte offset from the start of the file or stream where the problem was found; nil for configuration errors.
    public var offset: Int?
    /// What is wrong and what was expected.
    public var message: String

    /// Makes an error.
    public init(code: Code, offset: Int?, message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    /// `offset N: MESSAGE`, or just the message when there is no offset.
    public var description: String {
        guard let offset else { return message }
        return "offset \(offset): \(message)"
    }
}

/// The codes of ``MediaError``.
extension ErrorCode where Domain == MediaError {
    /// The input holds no bytes at all.
    public static var empty: Self { Self(rawValue: "empty") }
    /// The input ends inside a structure (a 188-byte packet, a section).
    public static var truncated: Self { Self(rawValue: "truncated") }
    /// The input is not an MPEG transport stream: too few bytes sit in 188-byte packets that start with 0x47.
    public static var notTransportStream: Self { Self(rawValue: "notTransportStream") }
    /// A packet did not start with the sync byte 0x47 where one was due.
    public static var lostSync: Self { Self(rawValue: "lostSync") }
    /// A packet's adaptation_field_control is 00 (reserved; decoders discard such packets).
    public static var reservedAdaptationFieldControl: Self { Self(rawValue: "reservedAdaptationFieldControl") }
    /// A packet's adaptation field length or flags do not fit the packet.
    public static var badAdaptationField: Self { Self(rawValue: "badAdaptationField") }
    /// A packet has transport_error_indicator set (the demodulator flagged it as damaged).
    public static var transportError: Self { Self(rawValue: "transportError") }
    /// A continuity counter did not follow its predecessor on the same PID.
    public static var continuityError: Self { Self(rawValue: "continuityError") }
    /// A PSI section (PAT, PMT) is malformed or fails its CRC.
    public static var badSection: Self { Self(rawValue: "badSection") }
    /// A stream that needs a clock reference has fewer than two PCRs on one PID.
    public static var missingPCR: Self { Self(rawValue: "missingPCR") }
    /// A configuration value is out of range (a rate of 0, a negative duration, a PID over 0x1FFE …).
    public static var invalidConfiguration: Self { Self(rawValue: "invalidConfiguration") }
}
