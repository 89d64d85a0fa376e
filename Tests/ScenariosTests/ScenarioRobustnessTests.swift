import Foundation
import Testing
import Yams

@testable import ScenarioFormat
import Scenarios

@Suite("Scenario parser: hostile input")
struct ScenarioRobustnessTests {
    /// Pieces of YAML syntax that random documents are glued from, weighted towards the tricky ones.
    static let fragments: [String] = [
        "[", "]", "{", "}", ",", ":", ": ", "- ", "? ", "a", "b: ", "key", "'", "\"", "''", "\\\"", "\\", "#", " #",
        "\n", "\n", "\n  ", "\n    ", "  ", "\t", "|", "|-\n", ">", ">2\n", "&x ", "*x", "!t ", "!<[a]> ", "!!str ",
        "---\n", "...\n", "%YAML 1.1\n", "x'y", "\r\n", "\u{85}", "\u{2028}", "\u{FEFF}", "é", "1", "-1", ".5",
        "receivers", "writes", "entries", "size: 1", "to: all", "[a]: ", "{a: b}: ", "[[x]: 1]", "&k [x]: ",
    ]

    static func randomDocument(using random: inout SplitMix64) -> String {
        let count = Int.random(in: 0...60, using: &random)
        var text = ""
        for _ in 0..<count { text += fragments.randomElement(using: &random)! }
        return text
    }

    @Test func randomBytesNeverCrashAndAreLocated() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let count = Int.random(in: 0...600, using: &random)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            do {
                _ = try ScenarioParser.parse(bytes: bytes, file: "noise")
                Issue.record("random bytes parsed as a scenario")
            } catch {
                #expect(error.line >= 1 && error.column >= 1, "\(error)")
            }
        }
    }

    @Test func randomYAMLFragmentsNeverCrashAndAreLocated() {
        var random = SplitMix64(seed: 11)
        for _ in 0..<3000 {
            let text = Self.randomDocument(using: &random)
            do {
                _ = try ScenarioParser.parse(yaml: text, file: "soup")
            } catch {
                #expect(error.line >= 1 && error.column >= 1, "\(error) for \(text.debugDescription)")
            }
        }
    }

    /// The pre-scan must count exactly the depth Yams builds: less, and deep input would reach Yams' recursive
    /// composer; more, and real files would be refused.
    @Test func nestingEstimateBoundsTheComposedDepth() {
        var random = SplitMix64(seed: 3)
        var composed = 0
        for _ in 0..<10_000 {
            let text = Self.randomDocument(using: &random)
            guard let node = try? Yams.compose(yaml: text) else { continue }
            composed += 1
            let depth = Self.depth(of: node)
            let estimate = ScenarioYAMLPrescan.nestingDepth(of: text)
            #expect(estimate == depth, "\(text.debugDescription)")
        }
        #expect(composed > 400)
    }

    /// Well-formed documents mixing every kind of collection and scalar, nested at random.
    @Test func nestingEstimateBoundsTheDepthOfStructuredDocuments() throws {
        var random = SplitMix64(seed: 5)
        var composed = 0
        for _ in 0..<1500 {
            var generator = StructuredYAML(random: random)
            let text = generator.document()
            random = generator.random
            guard let node = try? Yams.compose(yaml: text) else { continue }
            composed += 1
            let depth = Self.depth(of: node)
            let estimate = ScenarioYAMLPrescan.nestingDepth(of: text)
            #expect(estimate == depth, "\(text)")
        }
        #expect(composed > 1000)
    }

    @Test func nestingEstimateOfARealFileIsItsDepth() {
        #expect(ScenarioYAMLPrescan.nestingDepth(of: ScenarioParserTests.full) == 4)
    }

    static func depth(of node: Node) -> Int {
        switch node {
        case .scalar: return 0
        case .sequence(let sequence): return 1 + (sequence.map(depth(of:)).max() ?? 0)
        case .mapping(let mapping):
            return 1 + (mapping.map { max(depth(of: $0.key), depth(of: $0.value)) }.max() ?? 0)
        }
    }

    /// Documents that would overflow the stack if they reached Yams; each must be refused, quickly.
    static let hostile: [(name: String, text: String)] = [
        ("a mebibyte of [", String(repeating: "[", count: 1 << 20)),
        ("flow mappings", String(repeating: "{a: ", count: 200_000)),
        ("block entries on one line", String(repeating: "- ", count: 400_000)),
        ("indented block mappings", (0..<1000).map { String(repeating: " ", count: $0) + "a:\n" }.joined()),
        ("indentless sequences", (0..<1000).map { String(repeating: " ", count: 2 * $0) + "- a:\n" }.joined()),
        ("pairs in flow sequences", String(repeating: "[a: ", count: 100_000)),
        ("explicit keys", String(repeating: "? ", count: 300_000)),
        ("after a quote inside a plain scalar", "a: it's\n" + String(repeating: "[", count: 100_000)),
        ("after a continued plain scalar", "a: abc\n  'x\nb: " + String(repeating: "[", count: 100_000) + "\nc: '\n"),
        ("after a comment with a quote", "# it's\n" + String(repeating: "[", count: 100_000)),
        ("after a quoted scalar", "a: \"[[[\\\"]]\" \nb: " + String(repeating: "[", count: 100_000)),
        ("after a block scalar", "a: |\n  '[[[\n  \"\nb: " + String(repeating: "[", count: 100_000)),
        ("after a tag and an anchor", "a: !t &x " + String(repeating: "[", count: 100_000)),
        ("quoted closers between openers", String(repeating: "[ \"]\", ", count: 100_000)),
    ]

    @Test(arguments: 0..<hostile.count)
    func hostileNestingIsRefusedBeforeComposing(_ index: Int) {
        let (name, text) = Self.hostile[index]
        let error = #expect(throws: ScenarioError.self, "\(name)") {
            try ScenarioParser.parse(yaml: text, file: "hostile.yaml")
        }
        // libyaml refuses some of them as invalid YAML before they nest 33 levels (a `[` at the start of a line
        // under a block mapping is a key that never finds its `:`); Yams then stops at that error, cheaply too.
        let tooDeep = ScenarioYAMLPrescan.firstProblem(in: text, maximumDepth: 32, maximumNodes: 1 << 20) != nil
        let expected = tooDeep ? "nesting deeper than 32 levels" : "invalid YAML"
        #expect(error?.message.contains(expected) == true, "\(name): \(String(describing: error))")
    }

    @Test func aliasBombsStayCheap() {
        var lines = ["receivers:", "  - &l0 { name: rx }"]
        for level in 1...12 {
            lines.append(
                "  - &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        let error = #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(yaml: lines.joined(separator: "\n"), file: "bomb.yaml")
        }
        // l5 stands for 10^5 copies of l0 (3 nodes each): the third *l5 in l6's line passes 2^20 nodes.
        #expect(error?.line == 8)
        #expect(error?.column == 20)
        #expect(error?.message.hasPrefix("alias *l5 expands the document to more than 1048576 nodes") == true)
    }

    /// Each anchor nests the previous one 30 levels deeper: the text never nests past 31, the composed tree goes
    /// thousands of levels deep, and releasing it overflowed the stack (found while checking alias bombs for issue 9).
    @Test func aliasChainsCannotNestPastTheLimit() {
        var lines = ["a0: &a0 x"]
        for level in 1..<3000 {
            lines.append("a\(level): &a\(level) " + String(repeating: "[", count: 30) + "*a\(level - 1)"
                + String(repeating: "]", count: 30))
        }
        let error = #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(yaml: lines.joined(separator: "\n"), file: "chain.yaml")
        }
        #expect(error?.line == 3)
        #expect(error?.column == 39)
        #expect(error?.message.hasPrefix("alias *a1 nests the document 61 levels deep once expanded") == true)
    }

    @Test func aliasesWithinTheLimitsStillWork() throws {
        let text = """
            receivers:
              - { name: rx1, link: &slow { rate: 100Mbps, delay: 1us } }
              - { name: rx2, link: *slow }
            writes: { entries: [{ to: all, size: &size 1500 }, { to: rx1, size: *size }] }
            """
        let spec = try ScenarioParser.parse(yaml: text, file: "aliases.yaml")
        #expect(spec.receivers.map(\.link.rate) == [100_000_000, 100_000_000])
        #expect(spec.writes.entries.map(\.bytes) == [1500, 1500, 1500])
    }

    /// An alias at nesting level m of an anchor k levels deep makes 1 + m + k levels (1 for the top mapping):
    /// 32 are allowed, 33 are refused at the alias.
    @Test(arguments: [(15, 16, true), (15, 17, false), (31, 0, true), (16, 16, false)])
    func aliasDepthBoundary(anchorLevels k: Int, aliasLevels m: Int, allowed: Bool) {
        let text = "a: &n " + String(repeating: "[", count: k) + "x" + String(repeating: "]", count: k) + "\n"
            + "b: " + String(repeating: "[", count: m) + "*n" + String(repeating: "]", count: m) + "\n"
        let problem = ScenarioYAMLPrescan.firstProblem(in: text, maximumDepth: 32, maximumNodes: 1 << 20)
        if allowed {
            #expect(problem == nil)
        } else {
            #expect(problem?.line == 2)
            #expect(problem?.column == 4 + m)
            #expect(problem?.message.hasPrefix("alias *n nests the document \(1 + m + k) levels deep") == true)
        }
    }
}

/// Generates YAML documents of random shape: block mappings and sequences (compact and indentless), flow
/// collections, and scalars whose text holds brackets, quotes and comment signs that must not count as nesting.
struct StructuredYAML {
    var random: SplitMix64

    static let scalars = [
        "plain", "'single [quoted]'", "\"double {quoted} \\\" ]\"", "it's", "a#b", "x: y", "'it''s'", "[]", "{}",
        "\"multi\n  line ]\"", "plain\n  continued [ '", "!!str tagged", "&anchor anchored", "1.5us", "~",
    ]

    mutating func document() -> String {
        block(indent: 0, depth: 0) + "\n"
    }

    private mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &random) < percent
    }

    private mutating func scalar(inFlow: Bool) -> String {
        var choices = Self.scalars
        if inFlow { choices.removeAll { $0.contains("\n") || $0 == "x: y" || $0 == "a#b" || $0 == "it's" } }
        if inFlow { choices.removeAll { $0.hasPrefix("plain\n") } }
        return choices.randomElement(using: &random)!
    }

    /// A block collection at `indent`, with its first line not indented (the caller placed it).
    private mutating func block(indent: Int, depth: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        let entries = Int.random(in: 1...3, using: &random)
        var lines: [String] = []
        let isSequence = chance(50)
        for entry in 0..<entries {
            let lead = entry == 0 ? "" : pad
            if isSequence {
                lines.append(lead + "- " + value(indent: indent + 2, depth: depth + 1, compact: true))
            } else {
                let key = chance(20) ? "\"k[\(entry)\"" : "k\(entry)"
                lines.append(lead + key + ":" + mappingValue(indent: indent, depth: depth + 1))
            }
        }
        if chance(15) { lines.append(pad + "# a comment with [ { ' \"") }
        return lines.joined(separator: "\n")
    }

    /// What follows `key:`: a scalar or flow collection on the same line, a literal block, or a nested block
    /// collection on the next lines (sometimes an indentless sequence).
    private mutating func mappingValue(indent: Int, depth: Int) -> String {
        let roll = Int.random(in: 0..<100, using: &random)
        if depth > 12 || roll < 25 { return " " + scalar(inFlow: false) }
        if roll < 35 {
            let pad = String(repeating: " ", count: indent + 2)
            return " |\n" + pad + "literal [ { ' \"\n" + pad + "  more ]"
        }
        if roll < 55 { return " " + flow(depth: depth) }
        if roll < 70 {
            let pad = String(repeating: " ", count: indent)
            return "\n" + pad + "- " + value(indent: indent + 2, depth: depth + 1, compact: true)
                + "\n" + pad + "- " + scalar(inFlow: false)
        }
        let pad = String(repeating: " ", count: indent + 2)
        return "\n" + pad + block(indent: indent + 2, depth: depth)
    }

    /// A sequence entry's value: a scalar, a flow collection or a compact block collection.
    private mutating func value(indent: Int, depth: Int, compact: Bool) -> String {
        let roll = Int.random(in: 0..<100, using: &random)
        if depth > 12 || roll < 30 { return scalar(inFlow: false) }
        if roll < 55 { return flow(depth: depth) }
        return block(indent: indent, depth: depth)
    }

    private mutating func flow(depth: Int) -> String {
        let count = Int.random(in: 0...3, using: &random)
        var items: [String] = []
        let isSequence = chance(50)
        for index in 0..<count {
            let item = depth > 12 || chance(40) ? scalar(inFlow: true) : flow(depth: depth + 1)
            if isSequence {
                items.append(chance(20) ? "k\(index): " + item : item)
            } else {
                items.append("k\(index): " + item)
            }
        }
        return (isSequence ? "[" : "{") + items.joined(separator: ", ") + (isSequence ? "]" : "}")
    }
}
