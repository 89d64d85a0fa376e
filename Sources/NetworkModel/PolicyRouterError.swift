/// Why a ``PolicyRouter`` refused a route, neighbour or policy change.
///
/// Refusals change nothing: the router's tables stay as they were. The ``description`` is ready to print.
public struct PolicyRouterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is. A growable set of named values, so new codes never break callers.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// A short stable name, like `unknownPolicyID`.
        public var rawValue: String
        /// Wraps a name.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A port number outside `0..<portCount`.
        public static let invalidPort = Code(rawValue: "invalidPort")
        /// A prefix length outside 0...32.
        public static let invalidPrefixLength = Code(rawValue: "invalidPrefixLength")
        /// A policy with this id is already installed (use replace).
        public static let duplicatePolicyID = Code(rawValue: "duplicatePolicyID")
        /// No policy with this id is installed.
        public static let unknownPolicyID = Code(rawValue: "unknownPolicyID")
        /// Another installed policy has exactly the same match, so which one applies would be ambiguous.
        public static let conflictingMatch = Code(rawValue: "conflictingMatch")
        /// A policy without targets.
        public static let noTargets = Code(rawValue: "noTargets")
        /// The policy table holds ``PolicyRouter/policyCapacity`` policies already.
        public static let policyTableFull = Code(rawValue: "policyTableFull")

        /// The code's name.
        public var description: String { rawValue }
    }

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
