extension ScenarioSpec {
    /// Where the keys the world builder may refuse are in the scenario file: line and column by dotted key path.
    ///
    /// Kept out of equality and hashing: two specs that say the same thing are equal wherever they said it.
    public struct SourceLocations: Hashable, Sendable {
        /// The scenario file, or empty for a spec built in code.
        public var file = ""
        var places: [String: Place] = [:]

        struct Place: Sendable {
            var line: Int
            var column: Int
        }

        public init() {}

        /// Line and column of `key`, if the file has it.
        public subscript(key: String) -> (line: Int, column: Int)? {
            places[key].map { ($0.line, $0.column) }
        }

        package mutating func record(_ key: String, line: Int, column: Int) {
            places[key] = Place(line: line, column: column)
        }

        public static func == (_: SourceLocations, _: SourceLocations) -> Bool { true }
        public func hash(into _: inout Hasher) {}
    }
}
