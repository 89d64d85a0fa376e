import SimCore

/// Why a ``PolicyRouter`` refused a route, neighbour or policy change.
///
/// Refusals change nothing: the router's tables stay as they were. The ``description`` is ready to print.
public struct PolicyRouterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is. A growable set of named values, so new codes never break callers.
    public typealias Code = ErrorCode<PolicyRouterError>

    /// What kind of problem this is.
    public var code: Code
    /// What is wrong.
    public var message: String

    /// Makes an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// The codes of ``PolicyRouterError``.
extension ErrorCode where Domain == PolicyRouterError {
    /// A port number outside `0..<portCount`.
    public static var invalidPort: Self { Self(rawValue: "invalidPort") }
    /// A prefix length outside 0...32.
    public static var invalidPrefixLength: Self { Self(rawValue: "invalidPrefixLength") }
    /// A policy with this id is already installed (use replace).
    public static var duplicatePolicyID: Self { Self(rawValue: "duplicatePolicyID") }
    /// No policy with this id is installed.
    public static var unknownPolicyID: Self { Self(rawValue: "unknownPolicyID") }
    /// Another installed policy has exactly the same match, so which one applies would be ambiguous.
    public static var conflictingMatch: Self { Self(rawValue: "conflictingMatch") }
    /// A policy without targets.
    public static var noTargets: Self { Self(rawValue: "noTargets") }
    /// The policy table holds ``PolicyRouter/policyCapacity`` policies already.
    public static var policyTableFull: Self { Self(rawValue: "policyTableFull") }
}
