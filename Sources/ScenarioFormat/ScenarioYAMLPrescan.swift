internal import CYaml

/// The one check a scenario's YAML gets before Yams composes it: how deep and how large its tree is, aliases
/// expanded. Only what Yams cannot refuse cheaply is checked here; everything else is left to Yams and the decoder.
///
/// Why it is needed:
/// - **Deep nesting.** Yams composes its node tree recursively, one stack frame per level, and the libyaml it
///   bundles sets no depth limit: a few kilobytes of `[` or `- ` would overflow the stack inside Yams.
/// - **Aliases.** An alias (`*name`) stands for a whole copy of the node its anchor (`&name`) marks. Yams shares
///   the copy, so composing is cheap, but the tree then behaves as if expanded: anchors that each alias the
///   previous one several times (the "billion laughs") describe more nodes than any walk can visit, and anchors
///   that nest the previous one a few levels deeper build a tree so deep that releasing it overflows the stack.
///
/// How: it reads the document's libyaml events (the parser Yams itself uses; libyaml's parser keeps its own
/// stacks on the heap, so the text's nesting costs no recursion here), counts the collections open at every
/// sequence or mapping start, remembers for every anchor the size and depth of the node it marks, and adds them
/// up at every alias. It stops at the first collection or alias that makes the tree deeper or larger than allowed
/// and reports that place, so a hostile document costs one pass over its first few levels.
///
/// What it leaves to Yams: syntax errors end the scan silently (Yams reports them, located, when it composes),
/// and so do undefined aliases; duplicate keys, tags and types are the decoder's. The UTF-8 check and the size
/// limit stay in ``ScenarioParser`` (Yams would replace invalid bytes, not refuse them). This replaces a
/// hand-written copy of libyaml's scanner that estimated the depth from the text: the events give it exactly.
enum ScenarioYAMLPrescan {
    /// What makes the document too deep or too large, and where.
    struct Problem: Equatable {
        /// 1-based line and column (in Unicode scalars) of the collection or alias.
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

    /// The first collection or alias that makes the document (aliases expanded) deeper than `maximumDepth`
    /// collection levels or larger than `maximumNodes` nodes; nil when there is none, or when the YAML is invalid
    /// before reaching one (Yams reports that).
    static func firstProblem(in text: String, maximumDepth: Int, maximumNodes: Int) -> Problem? {
        scan(text, maximumDepth: maximumDepth, maximumNodes: maximumNodes).problem
    }

    /// The depth of the tree Yams composes from `text`, aliases expanded (the top-level collection is level 1),
    /// as far as the text is valid YAML.
    static func nestingDepth(of text: String) -> Int {
        scan(text, maximumDepth: .max, maximumNodes: .max).deepest
    }

    private static func scan(_ text: String, maximumDepth: Int, maximumNodes: Int)
        -> (problem: Problem?, deepest: Int)
    {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return (nil, 0) }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return scan(&parser, maximumDepth: maximumDepth, maximumNodes: maximumNodes)
        }
    }

    private static func scan(_ parser: inout yaml_parser_t, maximumDepth: Int, maximumNodes: Int)
        -> (problem: Problem?, deepest: Int)
    {
        var anchors: [String: Extent] = [:]
        var open: [Open] = []
        var total = 0
        var deepest = 0
        var event = yaml_event_t()

        /// Adds a finished node (or an alias's copy) to the collection that holds it.
        func add(_ child: Extent) {
            guard !open.isEmpty else { return }
            open[open.count - 1].extent.nodes += child.nodes
            open[open.count - 1].extent.depth = max(open[open.count - 1].extent.depth, child.depth + 1)
        }

        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { return (nil, deepest) }
            defer { yaml_event_delete(&event) }
            let mark = event.start_mark
            let line = Int(mark.line) + 1
            let column = Int(mark.column) + 1
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return (nil, deepest)
            case YAML_SCALAR_EVENT:
                total += 1
                let scalar = Extent(nodes: 1, depth: 0)
                if let name = string(event.data.scalar.anchor) { anchors[name] = scalar }
                add(scalar)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                total += 1
                let depth = open.count + 1
                deepest = max(deepest, depth)
                if depth > maximumDepth {
                    let message = "nesting deeper than \(maximumDepth) levels of mappings and sequences"
                    return (Problem(line: line, column: column, message: message), deepest)
                }
                let anchor = event.type == YAML_SEQUENCE_START_EVENT
                    ? string(event.data.sequence_start.anchor) : string(event.data.mapping_start.anchor)
                open.append(Open(anchor: anchor, extent: Extent(nodes: 1, depth: 1)))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = open.popLast() else { return (nil, deepest) }
                if let name = closed.anchor { anchors[name] = closed.extent }
                add(closed.extent)
            case YAML_ALIAS_EVENT:
                guard let name = string(event.data.alias.anchor), let copy = anchors[name] else {
                    return (nil, deepest)  // an undefined alias: Yams reports it
                }
                let depth = open.count + copy.depth
                deepest = max(deepest, depth)
                if depth > maximumDepth {
                    let message = "alias *\(name) nests the document \(depth) levels deep once expanded; "
                        + "at most \(maximumDepth) levels of mappings and sequences are allowed"
                    return (Problem(line: line, column: column, message: message), deepest)
                }
                total += copy.nodes
                if total > maximumNodes {
                    let message = "alias *\(name) expands the document to more than \(maximumNodes) nodes "
                        + "(anchors that alias other anchors, a \"billion laughs\"); at most \(maximumNodes) "
                        + "nodes are allowed after expanding aliases"
                    return (Problem(line: line, column: column, message: message), deepest)
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
