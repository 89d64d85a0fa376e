import WireFormats
import Yams

/// One YAML node of a scenario file together with the key path that reached it, so that every check can say
/// where it failed (`receivers[1].link.rate`) and point at the node's line and column.
struct ScenarioNode {
    /// The file name errors report.
    let file: String
    /// Dotted key path with sequence indices; empty for the document root.
    let path: String
    let node: Node
    /// Where the key of this value is, used when the value itself has no useful place (an empty value's mark is
    /// wherever the next token happens to be).
    let keyMark: Mark?

    init(file: String, path: String, node: Node, keyMark: Mark?) {
        self.file = file
        self.path = path
        self.node = node
        self.keyMark = keyMark
    }

    // MARK: - Errors

    /// An error at this node, prefixed with the key path.
    func error(_ message: String) -> ScenarioError {
        let mark = isNull ? (keyMark ?? node.mark) : (node.mark ?? keyMark)
        let prefix = path.isEmpty ? "" : "\(path): "
        return ScenarioError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: prefix + message)
    }

    /// "expected WHAT, got <this node>".
    func expected(_ what: String) -> ScenarioError {
        error("expected \(what), got \(shortDescription)")
    }

    /// How the node reads in an error message: `"fast"`, `null`, `a mapping`, `a sequence`.
    var shortDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .scalar(let scalar):
            if isNull { return "null" }
            return Self.quoted(scalar.string)
        }
    }

    /// An empty, `~` or `null` plain scalar, which YAML reads as "no value".
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        switch scalar.string {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// `text` in double quotes with control characters escaped, shortened to 40 characters.
    static func quoted(_ text: String) -> String {
        var result = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 40 {
                result += "…"
                break
            }
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
            count += 1
        }
        return result + "\""
    }

    // MARK: - Structure

    /// This node as a mapping whose keys must all be in `allowed`; a null value reads as an empty mapping.
    func mapping(allowed: [String]) throws(ScenarioError) -> ScenarioMapping {
        if isNull { return ScenarioMapping(owner: self, entries: []) }
        guard case .mapping(let mapping) = node else { throw expected("a mapping") }
        var entries: [ScenarioMapping.Entry] = []
        entries.reserveCapacity(min(mapping.count, allowed.count))
        for (keyNode, value) in mapping {
            let keyField = ScenarioNode(file: file, path: path, node: keyNode, keyMark: nil)
            guard case .scalar(let keyScalar) = keyNode else {
                throw keyField.error("expected a key name, got \(keyField.shortDescription) as a key")
            }
            let key = keyScalar.string
            guard allowed.contains(key) else {
                let place = path.isEmpty ? "at the top level" : "in \(path)"
                throw ScenarioError(
                    file: file, line: keyNode.mark?.line ?? 1, column: keyNode.mark?.column ?? 1,
                    message: "unknown key \(Self.quoted(key)) \(place); expected one of: "
                        + allowed.joined(separator: ", "))
            }
            if let first = entries.first(where: { $0.key == key }) {
                let previous = first.keyMark.map { " (first at line \($0.line))" } ?? ""
                throw ScenarioError(
                    file: file, line: keyNode.mark?.line ?? 1, column: keyNode.mark?.column ?? 1,
                    message: "\(childPath(key)): duplicate key\(previous)")
            }
            entries.append(ScenarioMapping.Entry(key: key, keyMark: keyNode.mark, value: value))
        }
        return ScenarioMapping(owner: self, entries: entries)
    }

    /// This node's items as a sequence of `count` items within `range`; `what` names the items in errors.
    func sequence(count range: ClosedRange<Int>, of what: String) throws(ScenarioError) -> [ScenarioNode] {
        guard case .sequence(let sequence) = node else { throw expected("a sequence of \(what)") }
        guard range.contains(sequence.count) else {
            throw error("expected \(range.lowerBound) to \(range.upperBound) \(what), got \(sequence.count)")
        }
        var items: [ScenarioNode] = []
        items.reserveCapacity(sequence.count)
        for (index, item) in sequence.enumerated() {
            items.append(
                ScenarioNode(file: file, path: "\(path)[\(index)]", node: item, keyMark: item.mark ?? node.mark))
        }
        return items
    }

    func childPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    // MARK: - Scalars

    /// The text of a non-null scalar; `what` says what was expected ("an integer").
    func scalarText(expecting what: String) throws(ScenarioError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw expected(what) }
        return scalar.string
    }

    /// The scalar's text, or nil for a mapping or sequence.
    var scalarTextOrNil: String? {
        guard case .scalar(let scalar) = node else { return nil }
        return scalar.string
    }

    /// A non-empty name of at most 64 characters without control characters.
    func name() throws(ScenarioError) -> String {
        let what = "a name (1 to 64 characters)"
        let text = try scalarText(expecting: what)
        let scalars = text.unicodeScalars
        guard !text.isEmpty, scalars.count <= 64,
            !scalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { throw expected(what) }
        return text
    }

    /// `true` or `false`.
    func bool() throws(ScenarioError) -> Bool {
        let what = "true or false"
        switch try scalarText(expecting: what) {
        case "true": return true
        case "false": return false
        default: throw expected(what)
        }
    }

    /// A decimal integer in `range` (`_` allowed between digits).
    func integer(in range: ClosedRange<Int64>) throws(ScenarioError) -> Int64 {
        let what = "an integer from \(range.lowerBound) to \(range.upperBound)"
        let text = try scalarText(expecting: what)
        guard let value = Units.unsignedInteger(text) else {
            if text.hasPrefix("-"), Units.unsignedInteger(String(text.dropFirst())) != nil, range.lowerBound >= 0 {
                throw error("expected \(what), got \(Self.quoted(text)) (negative)")
            }
            throw expected(what)
        }
        guard value <= UInt64(Int64.max), range.contains(Int64(value)) else { throw expected(what) }
        return Int64(value)
    }

    /// A non-negative integer up to `UInt64.max`.
    func unsignedInteger() throws(ScenarioError) -> UInt64 {
        let what = "a non-negative integer"
        let text = try scalarText(expecting: what)
        guard let value = Units.unsignedInteger(text) else {
            throw text.hasPrefix("-") ? error("expected \(what), got \(Self.quoted(text)) (negative)") : expected(what)
        }
        return value
    }

    /// A quantity with units (see ``Units``) within `range`; `example` shows the accepted form and `bounds`
    /// describes the range in the same units (both for error messages).
    func quantity(
        _ parse: (String) -> Int64?, kind: String, example: String, in range: ClosedRange<Int64>, bounds: String
    ) throws(ScenarioError) -> Int64 {
        let what = "\(kind) like \(example)"
        let text = try scalarText(expecting: what)
        guard let value = parse(text) else {
            if text.hasPrefix("-"), parse(String(text.dropFirst())) != nil {
                throw error("expected \(what), got \(Self.quoted(text)): \(kind) cannot be negative")
            }
            throw expected(what)
        }
        guard range.contains(value) else {
            throw error("\(Self.quoted(text)) is out of range: expected \(kind) from \(bounds)")
        }
        return value
    }

    /// A size in bytes (``Units/bytes(_:)``) within `range`.
    func size(in range: ClosedRange<Int64>, bounds: String) throws(ScenarioError) -> Int64 {
        try quantity(Units.bytes, kind: "a size", example: "64KiB, 1500 or 1.5MB", in: range, bounds: bounds)
    }

    /// A bit rate in bits per second (``Units/bitsPerSecond(_:)``) within `range`.
    func rate(in range: ClosedRange<Int64>, bounds: String) throws(ScenarioError) -> Int64 {
        try quantity(
            Units.bitsPerSecond, kind: "a rate", example: "1Gbps, 100Mbps or 10000bps", in: range, bounds: bounds)
    }

    /// A duration in picoseconds (``Units/picoseconds(_:)``) within `range`.
    func duration(in range: ClosedRange<Int64>, bounds: String) throws(ScenarioError) -> Int64 {
        try quantity(Units.picoseconds, kind: "a duration", example: "10ms, 1.5us or 500ns", in: range, bounds: bounds)
    }

    /// A clock rate in hertz (``Units/hertz(_:)``) within `range`.
    func clock(in range: ClosedRange<Int64>, bounds: String) throws(ScenarioError) -> Int64 {
        try quantity(Units.hertz, kind: "a clock rate", example: "3GHz or 800MHz", in: range, bounds: bounds)
    }

    /// A unicast MAC address written as six colon-separated hex pairs.
    func macAddress() throws(ScenarioError) -> MACAddress {
        let what = "a MAC address like 02:00:00:00:00:01"
        let text = try scalarText(expecting: what)
        guard let address = MACAddress(text) else { throw expected(what) }
        guard !address.isMulticast else {
            throw error("expected a unicast MAC address (lowest bit of the first byte clear), got \(Self.quoted(text))")
        }
        return address
    }

    /// A unicast IPv4 address in dotted-quad form (not 0.0.0.0, 255.255.255.255 or multicast).
    func ipv4Address() throws(ScenarioError) -> IPv4Address {
        let what = "an IPv4 address like 192.0.2.1"
        let text = try scalarText(expecting: what)
        guard let address = IPv4Address(text) else { throw expected(what) }
        guard address.rawValue != 0, address.rawValue != .max, !address.isMulticast else {
            throw error("expected a unicast IPv4 address, got \(Self.quoted(text))")
        }
        return address
    }

    /// A UDP port, 1 to 65535.
    func port() throws(ScenarioError) -> UInt16 {
        UInt16(try integer(in: 1...65535))
    }

    /// One of an enumeration's raw values.
    func choice<Choice: RawRepresentable & CaseIterable>(_: Choice.Type) throws(ScenarioError) -> Choice
    where Choice.RawValue == String {
        let what = "one of " + Choice.allCases.map(\.rawValue).joined(separator: ", ")
        guard let choice = Choice(rawValue: try scalarText(expecting: what)) else { throw expected(what) }
        return choice
    }
}

/// A mapping whose keys have been checked against the allowed set, in file order.
struct ScenarioMapping {
    struct Entry {
        var key: String
        var keyMark: Mark?
        var value: Node
    }

    /// The node the mapping was read from (for "missing key" errors and child paths).
    let owner: ScenarioNode
    let entries: [Entry]

    /// The value of `key`, or nil when the key is absent.
    subscript(_ key: String) -> ScenarioNode? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        return ScenarioNode(file: owner.file, path: owner.childPath(key), node: entry.value, keyMark: entry.keyMark)
    }

    /// The value of a key that must be present.
    func required(_ key: String, _ hint: String) throws(ScenarioError) -> ScenarioNode {
        guard let value = self[key] else {
            let prefix = owner.path.isEmpty ? "" : "\(owner.path): "
            let mark = owner.keyMark ?? owner.node.mark
            throw ScenarioError(
                file: owner.file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                message: "\(prefix)missing required key \"\(key)\" (\(hint))")
        }
        return value
    }
}
