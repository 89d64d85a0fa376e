import SimCore

/// An error of the OS layer: a code from one vocabulary (``SimCore/ErrorCode``) and a detail for people.
///
/// ``HostError`` (a refused system call) and ``DriverError`` (a write a driver refused) have this one shape; the
/// phantom `Vocabulary` only keeps their codes, and their types, apart.
public struct CodedError<Vocabulary>: Error, Hashable, Sendable, CustomStringConvertible {
    /// The code's type: its names are static members of `ErrorCode where Domain == ThatError`.
    public typealias Code = ErrorCode<CodedError<Vocabulary>>
    /// What kind of problem it is.
    public var code: Code
    /// What exactly went wrong, for people.
    public var detail: String
    /// An error with `code` and `detail`.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
    /// `CODE: DETAIL`.
    public var description: String { "\(code.rawValue): \(detail)" }
}

/// Why the OS refused a system call. Nothing is sent when a call is refused. Its codes are in `Host.swift`.
public typealias HostError = CodedError<HostErrorVocabulary>

/// The tag that names ``HostError``'s codes.
public enum HostErrorVocabulary {}

/// Why a write was refused before anything was posted. Its codes are in `DriverVocabulary.swift`.
public typealias DriverError = CodedError<DriverErrorVocabulary>

/// The tag that names ``DriverError``'s codes.
public enum DriverErrorVocabulary {}
