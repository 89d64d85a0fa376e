/// What kind of problem an error reports: a name from a vocabulary that belongs to one error type, `Domain`.
///
/// A struct rather than an enum so that a module can add codes without breaking `switch` statements elsewhere;
/// the phantom `Domain` keeps one error type's codes apart from another's. Each error type names its codes as
/// static members of `ErrorCode where Domain == ThatError` and spells the type `ThatError.Code`.
public struct ErrorCode<Domain>: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// A short stable name, like `lostSync` or `bad length`.
    public var rawValue: String
    /// Wraps a name.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The code's name.
    public var description: String { rawValue }
}
