import Yams

/// A value set on the command line over a scenario file's own: `server.driver.order=interleaved`.
///
/// The key is a dotted path of mapping keys and list indices (`policies.0.placement`); missing mappings on the
/// way are created, missing list items are an error. The value is read as a
/// plain YAML scalar and checked like the file's own values, so a bad one gets the same located error (pointing at
/// the override, line 0).
public struct ScenarioOverride: Hashable, Sendable, CustomStringConvertible {
    public var path: [String]
    public var value: String

    public init(path: [String], value: String) {
        self.path = path
        self.value = value
    }

    /// Parses `KEY=VALUE`; nil when there is no `=` or the key is empty.
    public init?(_ text: String) {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let key = text[..<eq].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !key.isEmpty, key.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.path = key
        self.value = String(text[text.index(after: eq)...])
    }

    public var description: String { path.joined(separator: ".") + "=" + value }

    func apply(to node: inout Node, file: String) throws(ScenarioError) {
        try Self.set(value, at: path[...], in: &node, file: file, whole: self)
    }

    static func set(_ value: String, at path: ArraySlice<String>, in node: inout Node, file: String,
                    whole: ScenarioOverride) throws(ScenarioError) {
        guard let key = path.first else {
            node = Node.scalar(Node.Scalar(value))
            return
        }
        // A decimal key indexes an existing list: `policies.0.placement=nic`.
        if case .sequence(var list) = node, let i = Int(key), i >= 0 {
            guard i < list.count else {
                throw ScenarioError(file: file, line: 0, column: 0,
                                    message: "--set \(whole): the list has \(list.count) items, no item \(i)")
            }
            var item = list[i]
            try set(value, at: path.dropFirst(), in: &item, file: file, whole: whole)
            list[i] = item
            node = .sequence(list)
            return
        }
        var mapping: Node.Mapping
        switch node {
        case .mapping(let m): mapping = m
        case .scalar(let s) where s.string.isEmpty || s.string == "~" || s.string == "null": mapping = Node.Mapping([])
        default:
            throw ScenarioError(file: file, line: 0, column: 0,
                                message: "--set \(whole): \(key) lies under a value that is not a mapping")
        }
        var child = mapping[key] ?? Node.mapping(Node.Mapping([]))
        try set(value, at: path.dropFirst(), in: &child, file: file, whole: whole)
        mapping[key] = child
        node = .mapping(mapping)
    }
}
