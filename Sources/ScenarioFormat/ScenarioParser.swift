import Foundation
import Yams

/// Reads a YAML scenario file into a validated ``ScenarioSpec``.
///
/// The parser composes the YAML into a node tree and walks it itself, so every problem is reported as a
/// ``ScenarioError`` with the file, the line and column of the offending node, the key path and what was
/// expected. It never traps, whatever the input.
///
/// ## File format
///
/// A scenario is one YAML document whose top level is a mapping. Only `receivers` and `writes.entries` are
/// required; every other key has a default. Unknown keys are errors, as are duplicate keys.
///
/// ```yaml
/// name: two-receivers          # default: the file name without its extension
/// seed: 42                     # default 1; 0 … 2^64-1
/// duration: 10ms               # optional bound on virtual time, 1ps … 1 day; default: run until idle
/// server:                      # the sending host; every key optional
///   name: server               # default "server"
///   mac: 02:00:00:00:00:01     # default 02:00:00:00:00:01; unicast
///   ip: 192.0.2.1              # default 192.0.2.1; unicast
///   port: 4000                 # UDP source port, default 4000; 1 … 65535
///   link: { rate: 10Gbps, delay: 1us }   # default 10Gbps, 500ns
///   cpu: { cores: 1, clock: 3GHz }       # cores 1 … 256, default 1; clock 1MHz … 100GHz, default 3GHz
///   memory: 256MiB             # physical memory, default 256MiB; 1MiB … 64GiB
///   nic: { tx-ring: 1024 }     # TX descriptors, a power of two 8 … 65536, default 1024
///   driver:
///     mode: zero-copy          # zero-copy | copy, default zero-copy
///     order: destination-major # destination-major | interleaved, default destination-major
///     interrupts: per-write    # per-packet | per-write, default per-write
///     mtu: 1500                # IPv4 packet size limit, 68 … 9000, default 1500
///     packet-size: 1500        # largest IPv4 packet built, 68 … mtu, default = mtu
///     register-buffers: true   # default true
/// network:
///   switch: { port-buffer: 256KiB }      # bytes per output port, 1 … 1GiB, default 256KiB
/// receivers:                   # required, 1 … 4096 entries
///   - name: rx1                # default "rx<N>" (N = position, from 1); unique; "all" is reserved
///     ip: 192.0.2.11           # default 192.0.2.<11 + index>; unique, not the server's
///     mac: 02:00:00:00:01:01   # default 02:00:00:00:HH:LL, HHLL = 0x0101 + index; unique, not the server's
///     port: 5000               # UDP destination port, default 5000; 1 … 65535
///     link: { rate: 1Gbps, delay: 1us }  # default 1Gbps, 500ns
/// writes:                      # required
///   count: 1                   # write calls, 1 … 1000000, default 1
///   interval: 1ms              # between write starts, 1ps … 1h, default 1ms
///   entries:                   # required, 1 … 65536 entries (after expanding `to: all`)
///     - { to: rx1, size: 64KiB, offset: 100 }  # size 0 … 1GiB (required); offset 0 … 4095, default 0
///     - { to: all, size: 1500 }                # one entry per receiver, in receiver order
/// ```
///
/// Values:
/// - Integers are plain decimal (`_` allowed between digits); no sign, hex or exponent.
/// - Sizes, rates, durations and clock rates use the units of ``Units``: `64KiB`, `1.5MB`, `1500`;
///   `10Gbps`, `10000` (bits/s); `1.5us`, `500ns`, `0`; `3GHz`, `800MHz`. A fraction must give a whole number.
/// - Booleans are `true` or `false`; names are 1 … 64 characters without control characters.
/// - A section written with no value (`network:`) takes all its defaults; any other empty value is an error.
/// - A link's rate is 1bps … 1000Gbps and its delay 0 … 1s.
/// - `(count − 1) × interval` must not exceed 1 day of virtual time.
/// - Default receiver addresses stop at 192.0.2.254: receivers after the 244th need an explicit `ip`.
/// - Tags are ignored; anchors and aliases work, and an error inside an aliased node points at the anchor.
///
/// What the scenario asks of the machine (memory, hosts, events …) is checked against ``ScenarioLimits`` after
/// decoding; a `limits:` section may lower them for the scenario (see Fixtures/scenarios/README.md).
///
/// Limits, checked before the YAML is composed so that hostile input stays cheap: at most
/// ``maximumDocumentBytes`` bytes of UTF-8, collections nested at most ``maximumNestingDepth`` deep, also where
/// aliases are expanded, and at most ``maximumExpandedNodes`` nodes after expanding aliases (no alias bombs). The
/// depth and alias checks read libyaml's events before Yams composes (`ScenarioYAMLPrescan`): they are what Yams
/// cannot refuse cheaply; everything else about the YAML is Yams's to refuse.
public enum ScenarioParser {
    /// The largest scenario file accepted, in bytes (1 MiB).
    public static let maximumDocumentBytes = 1 << 20

    /// How deep mappings and sequences may nest (the top-level mapping is level 1).
    public static let maximumNestingDepth = 32

    /// How many nodes the document may hold once its aliases are expanded (2^20; no file of at most
    /// ``maximumDocumentBytes`` bytes comes near it without aliases).
    public static let maximumExpandedNodes = 1 << 20

    /// Parses scenario text; `file` names it in errors and gives the default scenario name.
    public static func parse(
        yaml text: String, file: String, overrides: [ScenarioOverride] = [], limits: ScenarioLimits = ScenarioLimits()
    ) throws(ScenarioError) -> ScenarioSpec
    {
        let size = text.utf8.count
        guard size <= maximumDocumentBytes else {
            throw ScenarioError(
                file: file, line: 1, column: 1,
                message: "scenario is \(size) bytes, larger than the limit of 1 MiB (\(maximumDocumentBytes) bytes)")
        }
        // The one pre-scan before Yams: nesting depth and alias expansion, which Yams cannot refuse cheaply.
        if let problem = ScenarioYAMLPrescan.firstProblem(
            in: text, maximumDepth: maximumNestingDepth, maximumNodes: maximumExpandedNodes)
        {
            throw ScenarioError(file: file, line: problem.line, column: problem.column, message: problem.message)
        }
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw scenarioError(from: error, file: file, text: text)
        } catch {
            throw ScenarioError(file: file, line: 1, column: 1, message: "invalid YAML: \(error)")
        }
        var document = composed
        if !overrides.isEmpty {
            var node = document ?? Node.mapping(Node.Mapping([]))
            for o in overrides { try o.apply(to: &node, file: file) }
            document = node
        }
        let root = document.map { ScenarioNode(file: file, path: "", node: $0, keyMark: nil) }
        guard let root, !root.isNull else {
            throw ScenarioError(
                file: file, line: 1, column: 1,
                message: "empty scenario: expected a mapping with server, receivers and writes")
        }
        guard case .mapping = root.node else {
            throw root.error(
                "expected a mapping with server, receivers and writes at the top level, got "
                    + (root.node.scalar != nil ? "a scalar \(root.shortDescription)" : root.shortDescription))
        }
        var spec = try decodeScenario(root, defaultName: defaultName(forFile: file))
        try applyLimits(limits, to: &spec, root: root)
        try checkPaths(of: spec, root: root, limits: limits)
        spec.locations = locations(of: spec, root: root)
        return spec
    }

    /// Parses scenario bytes, which must be UTF-8; `file` names them in errors.
    public static func parse(
        bytes: [UInt8], file: String, overrides: [ScenarioOverride] = [], limits: ScenarioLimits = ScenarioLimits()
    ) throws(ScenarioError) -> ScenarioSpec
    {
        guard bytes.count <= maximumDocumentBytes else {
            throw ScenarioError(
                file: file, line: 1, column: 1,
                message: "scenario is larger than the limit of 1 MiB (\(maximumDocumentBytes) bytes)")
        }
        if let invalid = firstInvalidUTF8(in: bytes) {
            throw ScenarioError(
                file: file, line: invalid.line, column: invalid.column,
                message: "not UTF-8 text: invalid byte 0x" + hex(invalid.byte) + "; scenario files must be UTF-8")
        }
        return try parse(yaml: String(decoding: bytes, as: UTF8.self), file: file, overrides: overrides, limits: limits)
    }

    /// Reads and parses the scenario file at `path` (at most ``maximumDocumentBytes`` bytes are read).
    ///
    /// A file that cannot be opened or read gives an error at line 0.
    public static func parse(
        contentsOf path: String, overrides: [ScenarioOverride] = [], limits: ScenarioLimits = ScenarioLimits()
    ) throws(ScenarioError) -> ScenarioSpec
    {
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: maximumDocumentBytes + 1) ?? Data()
        } catch {
            throw ScenarioError(
                file: path, line: 0, column: 0,
                message: "cannot read the scenario file: \(error.localizedDescription)")
        }
        return try parse(bytes: [UInt8](data), file: path, overrides: overrides, limits: limits)
    }

    // MARK: - Helpers

    /// The file's last path component without its extension ("scenarios/two.yaml" → "two").
    static func defaultName(forFile file: String) -> String {
        var name = Substring(file)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = name[..<dot] }
        return name.isEmpty ? "scenario" : String(name)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    /// The first byte that does not start or continue a valid UTF-8 sequence, with its 1-based line and column
    /// (columns count Unicode scalars).
    static func firstInvalidUTF8(in bytes: [UInt8]) -> (line: Int, column: Int, byte: UInt8)? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        var line = 1
        var column = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
                if encoded.count == 1, encoded.first == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .error:
                return (line, column, bytes[min(offset, bytes.count - 1)])
            case .emptyInput:
                return nil
            }
        }
    }

    /// Turns a Yams error into a located ``ScenarioError``.
    static func scenarioError(from error: YamlError, file: String, text: String) -> ScenarioError {
        func located(_ problem: String, _ context: YamlError.Context?, _ mark: Mark) -> ScenarioError {
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return ScenarioError(file: file, line: max(mark.line, 1), column: max(mark.column, 1), message: message)
        }
        switch error {
        case .composer(_, "but found another document", let mark, _):
            return ScenarioError(
                file: file, line: max(mark.line, 1), column: max(mark.column, 1),
                message: "invalid YAML: a scenario is a single YAML document, but another one starts here")
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return located(problem, context, mark)
        case .reader(let problem, let offset, let value, _):
            let (line, column) = location(ofCharacterOffset: offset ?? 0, in: text)
            var message = "invalid YAML: \(problem)"
            if value >= 0 {
                let digits = String(value, radix: 16, uppercase: true)
                message += " (U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + ")"
            }
            return ScenarioError(file: file, line: line, column: column, message: message)
        default:
            return ScenarioError(file: file, line: 1, column: 1, message: "invalid YAML: \(error)")
        }
    }

    /// 1-based line and column (in Unicode scalars) of the character `offset` characters into `text`.
    static func location(ofCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        let end = text.index(text.startIndex, offsetBy: max(offset, 0), limitedBy: text.endIndex) ?? text.endIndex
        var line = 1
        var column = 1
        var previousWasCR = false
        for scalar in text.unicodeScalars[..<end] {
            if scalar == "\n" {
                if !previousWasCR { line += 1 }
                column = 1
            } else if scalar == "\r" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            previousWasCR = scalar == "\r"
        }
        return (line, column)
    }
}
