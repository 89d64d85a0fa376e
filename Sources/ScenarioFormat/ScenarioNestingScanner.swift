/// Finds, before Yams sees a document, the first place where its collections nest deeper than a limit.
///
/// Yams builds its node tree recursively, one stack frame per nesting level, and libyaml sets no depth limit,
/// so a document of a few kilobytes of `[` or `- ` overflows the stack. This scanner walks the text the way
/// libyaml's scanner does (same token boundaries, indentation stack, simple-key rule, quoted, plain and block
/// scalars, comments, tags, anchors and document markers) and counts how deep the open collections go:
///
///     depth = block collections (indentation levels, plus one for an indentless "- " sequence under a key)
///           + flow collections (open `[`/`{`, plus one for a `key: value` pair inside a flow sequence)
///
/// A simple key that holds collections (`[a, b]: c`) is counted one level deeper once its `:` shows that a
/// mapping encloses it, as libyaml inserts the mapping start back at the key.
///
/// The count never falls below the depth of the tree Yams composes (and is at most one above it); the tests
/// check both against Yams on thousands of random documents. Where libyaml would stop with an error the
/// scanner carries on; what it counts after that point is never composed, so an over-count there is harmless.
/// It makes one pass over the UTF-8 bytes and allocates only its small stacks.
struct ScenarioNestingScanner {
    /// A place in the text, 1-based; `column` counts Unicode scalars like libyaml's marks.
    struct Location: Equatable {
        var line: Int
        var column: Int
    }

    /// The first place where the nesting depth exceeds `limit`, or nil if it never does.
    static func firstLocation(deeperThan limit: Int, in text: String) -> Location? {
        var scanner = ScenarioNestingScanner(bytes: Array(text.utf8), limit: limit)
        return scanner.run()
    }

    /// The deepest nesting the scanner counts anywhere in `text` (an upper bound of the composed tree's depth).
    static func estimatedDepth(of text: String) -> Int {
        var scanner = ScenarioNestingScanner(bytes: Array(text.utf8), limit: .max)
        _ = scanner.run()
        return scanner.maximumDepth
    }

    private struct BlockLevel {
        var column: Int
        var isSequence: Bool
        var hasIndentlessSequence = false
    }

    private struct FlowLevel {
        var isSequence: Bool
        var hasImplicitPair = false
    }

    /// A place where a simple key may start (libyaml's yaml_simple_key_t). If a `:` follows on the same line,
    /// libyaml inserts the KEY token (and, in block context, BLOCK-MAPPING-START) back at this place, so the
    /// collections the key itself holds turn out to be one level deeper than they looked.
    private struct SimpleKey {
        var line: Int
        var column: Int
        var index: Int
        /// The deepest nesting seen since the key was saved (including the levels open around it).
        var deepest: Int
    }

    private let bytes: [UInt8]
    private let limit: Int
    private var offset = 0  // byte offset into `bytes`
    private var index = 0  // character index, as libyaml's mark.index
    private var line = 0  // 0-based
    private var column = 0  // 0-based, in characters
    private var blocks: [BlockLevel] = []
    private var flows: [FlowLevel] = []
    private var simpleKeys: [SimpleKey?] = [nil]  // one slot per flow level, plus the block level
    private var simpleKeyAllowed = true
    private var depth = 0
    private var maximumDepth = 0
    private var tooDeep: Location?

    private init(bytes: [UInt8], limit: Int) {
        self.bytes = bytes
        self.limit = limit
    }

    private var indent: Int { blocks.last?.column ?? -1 }
    private var inFlow: Bool { !flows.isEmpty }

    // MARK: - Token loop (yaml_parser_fetch_next_token)

    private mutating func run() -> Location? {
        while tooDeep == nil {
            scanToNextToken()
            removeStaleSimpleKeys()
            unrollIndent(to: column)
            if isZ(0) { return nil }
            let c = byte(0)
            if column == 0, c == ascii("%") {
                unrollIndent(to: -1)
                removeSimpleKey()
                simpleKeyAllowed = false
                while !isBreakZ(0) { skip() }
            } else if column == 0, isDocumentIndicator() {
                unrollIndent(to: -1)
                removeSimpleKey()
                simpleKeyAllowed = false
                skip(3)
            } else if c == ascii("[") || c == ascii("{") {
                saveSimpleKey()
                flows.append(FlowLevel(isSequence: c == ascii("[")))
                simpleKeys.append(nil)
                simpleKeyAllowed = true
                deepen(by: 1)
                skip()
            } else if c == ascii("]") || c == ascii("}") {
                removeSimpleKey()
                if let closed = flows.popLast() {
                    simpleKeys.removeLast()
                    depth -= closed.hasImplicitPair ? 2 : 1
                }
                simpleKeyAllowed = false
                skip()
            } else if c == ascii(",") {
                // A `key: value` pair inside a flow sequence ends at the next entry.
                if let top = flows.last, top.hasImplicitPair {
                    flows[flows.count - 1].hasImplicitPair = false
                    depth -= 1
                }
                removeSimpleKey()
                simpleKeyAllowed = true
                skip()
            } else if c == ascii("-"), isBlankZ(1) {
                if !inFlow {
                    if indent < column {
                        rollIndent(to: column, isSequence: true)
                    } else if indent == column, let top = blocks.last, !top.isSequence, !top.hasIndentlessSequence {
                        blocks[blocks.count - 1].hasIndentlessSequence = true
                        deepen(by: 1)
                    }
                }
                removeSimpleKey()
                simpleKeyAllowed = true
                skip()
            } else if c == ascii("?"), inFlow || isBlankZ(1) {
                if !inFlow {
                    endIndentlessSequence(at: column)
                    rollIndent(to: column, isSequence: false)
                }
                markImplicitPair()
                removeSimpleKey()
                simpleKeyAllowed = !inFlow
                skip()
            } else if c == ascii(":"), inFlow || isBlankZ(1) {
                if let key = simpleKeys[simpleKeys.count - 1] {
                    simpleKeys[simpleKeys.count - 1] = nil
                    // The new mapping (or flow pair) encloses the key, so the key's contents go one level deeper.
                    let at = Location(line: key.line + 1, column: key.column + 1)
                    if inFlow {
                        markImplicitPair(keyDepth: key.deepest, at: at)
                    } else {
                        endIndentlessSequence(at: key.column)
                        rollIndent(to: key.column, isSequence: false, keyDepth: key.deepest, at: at)
                    }
                    simpleKeyAllowed = false
                } else {
                    if inFlow {
                        markImplicitPair()
                    } else {
                        endIndentlessSequence(at: column)
                        rollIndent(to: column, isSequence: false)
                    }
                    simpleKeyAllowed = !inFlow
                }
                skip()
            } else if c == ascii("*") || c == ascii("&") {
                saveSimpleKey()
                simpleKeyAllowed = false
                skip()
                while isAnchorCharacter(byte(0)) { skip() }
            } else if c == ascii("!") {
                saveSimpleKey()
                simpleKeyAllowed = false
                scanTag()
            } else if (c == ascii("|") || c == ascii(">")) && !inFlow {
                removeSimpleKey()
                simpleKeyAllowed = true
                scanBlockScalar()
            } else if c == ascii("'") || c == ascii("\"") {
                saveSimpleKey()
                simpleKeyAllowed = false
                scanQuotedScalar(single: c == ascii("'"))
            } else if canStartPlainScalar(c) {
                saveSimpleKey()
                simpleKeyAllowed = false
                scanPlainScalar()
            } else {
                skip()  // libyaml stops here ("found character that cannot start any token")
            }
        }
        return tooDeep
    }

    // MARK: - Indentation, flow levels and simple keys

    /// Opens a block collection at `newColumn` if it is deeper than the current one. `keyDepth` is the deepest
    /// nesting seen inside the simple key that starts the new mapping, located at `at`.
    private mutating func rollIndent(
        to newColumn: Int, isSequence: Bool, keyDepth: Int = 0, at keyLocation: Location? = nil
    ) {
        guard !inFlow, indent < newColumn else { return }
        blocks.append(BlockLevel(column: newColumn, isSequence: isSequence))
        deepen(by: 1)
        if let keyLocation { record(keyDepth + 1, at: keyLocation) }
    }

    private mutating func unrollIndent(to newColumn: Int) {
        guard !inFlow else { return }
        while let top = blocks.last, top.column > newColumn {
            depth -= top.hasIndentlessSequence ? 2 : 1
            blocks.removeLast()
        }
    }

    /// A key at the column of a mapping ends the indentless sequence that was that mapping's last value.
    private mutating func endIndentlessSequence(at keyColumn: Int) {
        guard let top = blocks.last, top.column == keyColumn, top.hasIndentlessSequence else { return }
        blocks[blocks.count - 1].hasIndentlessSequence = false
        depth -= 1
    }

    /// A `key: value` pair inside a flow sequence is a single-pair mapping one level below the sequence.
    private mutating func markImplicitPair(keyDepth: Int = 0, at keyLocation: Location? = nil) {
        guard let top = flows.last, top.isSequence, !top.hasImplicitPair else { return }
        flows[flows.count - 1].hasImplicitPair = true
        deepen(by: 1)
        if let keyLocation { record(keyDepth + 1, at: keyLocation) }
    }

    /// Opens `levels` collections at the current place.
    private mutating func deepen(by levels: Int) {
        depth += levels
        record(depth, at: Location(line: line + 1, column: column + 1))
    }

    /// Notes that the tree reaches `reached` levels at `location`.
    private mutating func record(_ reached: Int, at location: Location) {
        maximumDepth = max(maximumDepth, reached)
        for slot in simpleKeys.indices {
            if let key = simpleKeys[slot], key.deepest < reached { simpleKeys[slot]?.deepest = reached }
        }
        if reached > limit, tooDeep == nil {
            tooDeep = location
        }
    }

    private mutating func saveSimpleKey() {
        if simpleKeyAllowed {
            simpleKeys[simpleKeys.count - 1] = SimpleKey(line: line, column: column, index: index, deepest: depth)
        }
    }

    private mutating func removeSimpleKey() {
        simpleKeys[simpleKeys.count - 1] = nil
    }

    private mutating func removeStaleSimpleKeys() {
        for slot in simpleKeys.indices {
            if let key = simpleKeys[slot], key.line < line || key.index + 1024 < index {
                simpleKeys[slot] = nil
            }
        }
    }

    // MARK: - Whitespace, comments and line breaks (yaml_parser_scan_to_next_token)

    private mutating func scanToNextToken() {
        while true {
            if column == 0, byte(0) == 0xEF, byte(1) == 0xBB, byte(2) == 0xBF { skip() }
            while byte(0) == ascii(" ") || byte(0) == ascii("\t") { skip() }
            if byte(0) == ascii("#") {
                while !isBreakZ(0) { skip() }
            }
            guard isBreak(0) else { return }
            skipLine()
            if !inFlow { simpleKeyAllowed = true }
        }
    }

    // MARK: - Scalars and tags

    private func canStartPlainScalar(_ c: UInt8) -> Bool {
        if !(isBlankZ(0) || isIndicator(c)) { return true }
        if c == ascii("-"), !isBlank(1) { return true }
        return !inFlow && (c == ascii("?") || c == ascii(":")) && !isBlankZ(1)
    }

    /// yaml_parser_scan_plain_scalar.
    private mutating func scanPlainScalar() {
        let minimumColumn = indent + 1
        var leadingBlanks = false
        scalar: while true {
            if column == 0, isDocumentIndicator() { break }
            if byte(0) == ascii("#") { break }
            while !isBlankZ(0) {
                let c = byte(0)
                if inFlow, c == ascii(":"), byte(1) == ascii("?") || isFlowIndicator(byte(1)) {
                    break scalar  // libyaml: "found unexpected ':'"
                }
                if c == ascii(":"), isBlankZ(1) { break }
                if inFlow, isFlowIndicator(c) { break }
                skip()
            }
            if !(isBlank(0) || isBreak(0)) { break }
            while isBlank(0) || isBreak(0) {
                if isBlank(0) {
                    skip()
                } else {
                    skipLine()
                    leadingBlanks = true
                }
            }
            if !inFlow, column < minimumColumn { break }
        }
        if leadingBlanks { simpleKeyAllowed = true }
    }

    /// yaml_parser_scan_flow_scalar.
    private mutating func scanQuotedScalar(single: Bool) {
        let quote = single ? ascii("'") : ascii("\"")
        skip()
        while true {
            if column == 0, isDocumentIndicator() { return }  // libyaml: "found unexpected document indicator"
            if isZ(0) { return }  // libyaml: "found unexpected end of stream"
            while !isBlankZ(0) {
                let c = byte(0)
                if single, c == quote, byte(1) == quote {
                    skip(2)
                } else if c == quote {
                    break
                } else if !single, c == ascii("\\"), isBreak(1) {
                    skip()
                    skipLine()
                    break
                } else if !single, c == ascii("\\") {
                    skip(isZ(1) ? 1 : 2)
                } else {
                    skip()
                }
            }
            if byte(0) == quote, !isZ(0) {
                skip()
                return
            }
            while isBlank(0) || isBreak(0) {
                if isBlank(0) { skip() } else { skipLine() }
            }
        }
    }

    /// yaml_parser_scan_block_scalar, up to the point where the content ends.
    private mutating func scanBlockScalar() {
        skip()  // '|' or '>'
        var increment = 0
        if byte(0) == ascii("+") || byte(0) == ascii("-") {
            skip()
            if isDigit(byte(0)) {
                increment = Int(byte(0) - ascii("0"))
                skip()
            }
        } else if isDigit(byte(0)) {
            increment = Int(byte(0) - ascii("0"))
            skip()
            if byte(0) == ascii("+") || byte(0) == ascii("-") { skip() }
        }
        while isBlank(0) { skip() }
        if byte(0) == ascii("#") {
            while !isBreakZ(0) { skip() }
        }
        guard isBreakZ(0) else { return }  // libyaml: "did not find expected comment or line break"
        if isBreak(0) { skipLine() }
        var contentIndent = increment > 0 ? (indent >= 0 ? indent + increment : increment) : 0
        guard scanBlockScalarBreaks(&contentIndent) else { return }
        while column == contentIndent, !isZ(0) {
            while !isBreakZ(0) { skip() }
            if isBreak(0) { skipLine() }
            guard scanBlockScalarBreaks(&contentIndent) else { return }
        }
    }

    /// yaml_parser_scan_block_scalar_breaks; false where libyaml reports a tab in the indentation.
    private mutating func scanBlockScalarBreaks(_ contentIndent: inout Int) -> Bool {
        var maxIndent = 0
        while true {
            while contentIndent == 0 || column < contentIndent, byte(0) == ascii(" ") { skip() }
            maxIndent = max(maxIndent, column)
            if contentIndent == 0 || column < contentIndent, byte(0) == ascii("\t") { return false }
            guard isBreak(0) else { break }
            skipLine()
        }
        if contentIndent == 0 {
            contentIndent = max(maxIndent, indent + 1, 1)
        }
        return true
    }

    /// yaml_parser_scan_tag: `!<verbatim>`, `!handle!suffix` or `!suffix`; libyaml requires a blank (or `,` in a
    /// flow collection) right after it and stops otherwise.
    private mutating func scanTag() {
        if byte(1) == ascii("<") {
            skip(2)
            while !isBlankZ(0), byte(0) != ascii(">") { skip() }
            if byte(0) == ascii(">") { skip() }
        } else {
            skip()
            while !isBlankZ(0), !(inFlow && byte(0) == ascii(",")) { skip() }
        }
    }

    // MARK: - Characters

    private func byte(_ ahead: Int) -> UInt8 {
        let at = offset + ahead
        return at < bytes.count ? bytes[at] : 0
    }

    private func ascii(_ scalar: Unicode.Scalar) -> UInt8 { UInt8(ascii: scalar) }

    private func isDigit(_ c: UInt8) -> Bool { c >= ascii("0") && c <= ascii("9") }

    private func isAnchorCharacter(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= ascii("A") && c <= ascii("Z")) || (c >= ascii("a") && c <= ascii("z"))
            || c == ascii("_") || c == ascii("-")
    }

    /// `,[]{}`: the characters that end a plain scalar inside a flow collection.
    private func isFlowIndicator(_ c: UInt8) -> Bool {
        switch c {
        case ascii(","), ascii("["), ascii("]"), ascii("{"), ascii("}"): return true
        default: return false
        }
    }

    /// The characters that cannot start a plain scalar (some can when a non-blank follows).
    private func isIndicator(_ c: UInt8) -> Bool {
        switch c {
        case ascii("-"), ascii("?"), ascii(":"), ascii("#"), ascii("&"), ascii("*"), ascii("!"), ascii("|"),
            ascii(">"), ascii("'"), ascii("\""), ascii("%"), ascii("@"), ascii("`"):
            return true
        default:
            return isFlowIndicator(c)
        }
    }

    private func isZ(_ ahead: Int) -> Bool { byte(ahead) == 0 }
    private func isBlank(_ ahead: Int) -> Bool { byte(ahead) == ascii(" ") || byte(ahead) == ascii("\t") }

    private func isBreak(_ ahead: Int) -> Bool {
        let c = byte(ahead)
        if c == ascii("\r") || c == ascii("\n") { return true }
        if c == 0xC2 { return byte(ahead + 1) == 0x85 }  // NEL
        if c == 0xE2 { return byte(ahead + 1) == 0x80 && (byte(ahead + 2) == 0xA8 || byte(ahead + 2) == 0xA9) }
        return false
    }

    private func isBreakZ(_ ahead: Int) -> Bool { isBreak(ahead) || isZ(ahead) }
    private func isBlankZ(_ ahead: Int) -> Bool { isBlank(ahead) || isBreakZ(ahead) }

    /// `---` or `...` followed by a blank, a line break or the end (checked at column 0 by the callers).
    private func isDocumentIndicator() -> Bool {
        let c = byte(0)
        guard c == ascii("-") || c == ascii(".") else { return false }
        return byte(1) == c && byte(2) == c && isBlankZ(3)
    }

    /// Moves over one character (one UTF-8 sequence), as libyaml's SKIP.
    private mutating func skip(_ count: Int = 1) {
        for _ in 0..<count where offset < bytes.count {
            let lead = bytes[offset]
            let width = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            offset = min(offset + width, bytes.count)
            index += 1
            column += 1
        }
    }

    /// Moves over one line break (CR LF counts as one), as libyaml's SKIP_LINE.
    private mutating func skipLine() {
        if byte(0) == ascii("\r"), byte(1) == ascii("\n") {
            offset += 2
            index += 2
        } else if isBreak(0) {
            offset += byte(0) == 0xC2 ? 2 : byte(0) == 0xE2 ? 3 : 1
            index += 1
        } else {
            return
        }
        line += 1
        column = 0
    }
}
