internal import CYaml

/// Measures, before Yams composes a document, how large and how deep its tree becomes once aliases are expanded.
///
/// An alias (`*name`) stands for a whole copy of the node its anchor (`&name`) marks. Yams shares the copy, so
/// composing is cheap, but the composed tree behaves as if it were expanded: a chain of anchors that each alias
/// the previous one several times (the "billion laughs") describes more nodes than any walk can visit, and a
/// chain that nests each previous anchor a few levels deeper builds a tree so deep that releasing it overflows
/// the stack, although the text itself never nests deeper than ``ScenarioParser/maximumNestingDepth``.
///
/// The scanner reads the document's libyaml events (libyaml's parser keeps its own stacks, so the text's nesting
/// costs no recursion here), remembers for every anchor the size and depth of the node it marks, and adds them
/// up at every alias. It stops at the first alias that makes the expanded tree deeper or larger than allowed and
/// reports that alias's place. Syntax errors end the scan silently: Yams reports them when it composes.
enum ScenarioAliasScanner {
    /// What an alias does to the expanded tree, and where.
    struct Problem: Equatable {
        /// 1-based line and column (in Unicode scalars) of the alias.
        var line: Int
        var column: Int
        var message: String
    }

    /// The size of an anchored node once its own aliases are expanded.
    private struct Extent {
        /// Nodes (scalars, sequences and mappings) in the expanded node.
        var nodes: Int
        /// Collection levels in the expanded node: 0 for a scalar, 1 for a collection of scalars.
        var depth: Int
    }

    /// A collection being read: what it holds so far and the anchor that will name it.
    private struct Open {
        var anchor: String?
        var extent: Extent
    }

    /// The first alias that makes the expanded document deeper than `maximumDepth` collection levels or larger
    /// than `maximumNodes` nodes; nil when there is none (or the text has no alias at all).
    static func firstProblem(in text: String, maximumDepth: Int, maximumNodes: Int) -> Problem? {
        // An alias needs a `*`; documents without one are left to the nesting scanner.
        guard text.utf8.contains(UInt8(ascii: "*")) else { return nil }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return scan(&parser, maximumDepth: maximumDepth, maximumNodes: maximumNodes)
        }
    }

    private static func scan(_ parser: inout yaml_parser_t, maximumDepth: Int, maximumNodes: Int) -> Problem? {
        var anchors: [String: Extent] = [:]
        var open: [Open] = []
        var total = 0
        var event = yaml_event_t()

        /// Adds a finished node (or an alias's copy) to the collection that holds it.
        func add(_ child: Extent) {
            guard !open.isEmpty else { return }
            open[open.count - 1].extent.nodes += child.nodes
            open[open.count - 1].extent.depth = max(open[open.count - 1].extent.depth, child.depth + 1)
        }

        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            let mark = event.start_mark
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT:
                total += 1
                let scalar = Extent(nodes: 1, depth: 0)
                if let name = string(event.data.scalar.anchor) { anchors[name] = scalar }
                add(scalar)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                total += 1
                let anchor = event.type == YAML_SEQUENCE_START_EVENT
                    ? string(event.data.sequence_start.anchor) : string(event.data.mapping_start.anchor)
                open.append(Open(anchor: anchor, extent: Extent(nodes: 1, depth: 1)))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = open.popLast() else { return nil }
                if let name = closed.anchor { anchors[name] = closed.extent }
                add(closed.extent)
            case YAML_ALIAS_EVENT:
                guard let name = string(event.data.alias.anchor), let copy = anchors[name] else {
                    return nil  // an undefined alias: Yams reports it
                }
                let depth = open.count + copy.depth
                if depth > maximumDepth {
                    return Problem(
                        line: Int(mark.line) + 1, column: Int(mark.column) + 1,
                        message: "alias *\(name) nests the document \(depth) levels deep once expanded; "
                            + "at most \(maximumDepth) levels of mappings and sequences are allowed")
                }
                total += copy.nodes
                if total > maximumNodes {
                    return Problem(
                        line: Int(mark.line) + 1, column: Int(mark.column) + 1,
                        message: "alias *\(name) expands the document to more than \(maximumNodes) nodes "
                            + "(anchors that alias other anchors, a \"billion laughs\"); at most \(maximumNodes) "
                            + "nodes are allowed after expanding aliases")
                }
                add(copy)
            default:
                break
            }
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }
}
