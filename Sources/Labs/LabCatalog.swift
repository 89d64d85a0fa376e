import Foundation
import Yams

/// The labs as data: `Resources/labs.yaml`, shipped as a SwiftPM resource of this module and read when
/// ``Lab/all`` is first asked for.
///
/// Other code never sees the file: ``Lab/all`` is the catalog, in order. A catalog that cannot be read or is not
/// valid gives no labs and an error (``Lab/catalogError``) in the compiler form, `labs.yaml:LINE:COLUMN: what
/// was expected`, which `nicsim labs` prints; LabsTests requires that the shipped catalog reads without one.
public enum LabCatalog {
    /// The resource's name inside the module's bundle.
    static let fileName = "labs.yaml"

    /// Reads the shipped catalog.
    ///
    /// The resource bundle is looked up where SwiftPM puts it, next to the executable or test runner
    /// (`nicsim_Labs.resources`), as `Bundle.module` does, and then in this module's source tree (a binary copied
    /// away from its build folder); unlike `Bundle.module`, a missing bundle is an error, not a trap.
    public static func load() throws(LabError) -> [Lab] {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("nicsim_Labs.resources/" + fileName),
            Bundle.main.bundleURL.appendingPathComponent("nicsim_Labs.bundle/Contents/Resources/" + fileName),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/" + fileName),
        ]
        guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw LabError(.catalog, "the lab catalog \(fileName) was not found (looked in: "
                           + candidates.map(\.path).joined(separator: ", ") + ")")
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw LabError(.catalog, "\(url.path): cannot read the lab catalog: \(error.localizedDescription)")
        }
        return try parse(yaml: text, file: url.path)
    }

    /// Reads a catalog from YAML text; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws(LabError) -> [Lab] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw LabError(.catalog, "\(file): not valid YAML: \(error)")
        } catch {
            throw LabError(.catalog, "\(file): not valid YAML: \(error)")
        }
        let reader = Reader(file: file)
        guard let root, case .sequence(let labs) = root else {
            throw reader.error(root, "expected a list of labs")
        }
        var result: [Lab] = []
        for node in labs {
            let lab = try reader.lab(node)
            guard !result.contains(where: { $0.name == lab.name }) else {
                throw reader.error(node, "a second lab named \(lab.name)")
            }
            result.append(lab)
        }
        return result
    }

    /// Reads one catalog file's nodes, with errors at their line and column.
    struct Reader {
        let file: String

        func error(_ node: Node?, _ message: String) -> LabError {
            guard let mark = node?.mark else { return LabError(.catalog, "\(file): \(message)") }
            return LabError(.catalog, "\(file):\(mark.line):\(mark.column): \(message)")
        }

        /// The mapping in `node`, refusing keys other than `allowed`.
        func mapping(_ node: Node, _ what: String, allowed: Set<String>) throws(LabError) -> [String: Node] {
            guard case .mapping(let mapping) = node else { throw error(node, "expected \(what) as a mapping") }
            var fields: [String: Node] = [:]
            for (key, value) in mapping {
                guard let name = key.string, allowed.contains(name) else {
                    throw error(key, "unknown key \(key.string ?? "?") in \(what); expected one of: "
                                + allowed.sorted().joined(separator: ", "))
                }
                fields[name] = value
            }
            return fields
        }

        func text(_ fields: [String: Node], _ key: String, in parent: Node) throws(LabError) -> String {
            guard let node = fields[key] else { throw error(parent, "missing key \(key)") }
            guard case .scalar(let scalar) = node else { throw error(node, "expected text for \(key)") }
            return scalar.string
        }

        func texts(_ fields: [String: Node], _ key: String) throws(LabError) -> [String] {
            guard let node = fields[key] else { return [] }
            guard case .sequence(let items) = node else { throw error(node, "expected a list of text for \(key)") }
            var result: [String] = []
            for item in items {
                guard case .scalar(let scalar) = item else { throw error(item, "expected text in \(key)") }
                result.append(scalar.string)
            }
            return result
        }

        func lab(_ node: Node) throws(LabError) -> Lab {
            let f = try mapping(node, "a lab", allowed: [
                "name", "group", "title", "question", "kind", "scenario", "vary", "settings", "observe", "answer",
                "numbers",
            ])
            let groupName = try text(f, "group", in: node)
            guard let group = Lab.Group.allCases.first(where: { "\($0)" == groupName }) else {
                throw error(f["group"], "unknown group \(groupName); expected one of: "
                            + Lab.Group.allCases.map { "\($0)" }.joined(separator: ", "))
            }
            var kind = Lab.Kind.simulation
            if let kindNode = f["kind"] {
                switch try text(f, "kind", in: node) {
                case "simulation": kind = .simulation
                case "realLinux": kind = .realLinux
                default: throw error(kindNode, "expected kind simulation or realLinux")
                }
            }
            var vary: [(key: String, values: [String])] = []
            if let varyNode = f["vary"] {
                guard case .sequence(let dimensions) = varyNode else {
                    throw error(varyNode, "expected vary as a list of { key, values }")
                }
                for dimension in dimensions {
                    let d = try mapping(dimension, "a varied key", allowed: ["key", "values"])
                    let values = try texts(d, "values")
                    guard !values.isEmpty else { throw error(dimension, "expected at least one value") }
                    vary.append((try text(d, "key", in: dimension), values))
                }
            }
            var numbers: [Lab.Number] = []
            if let numbersNode = f["numbers"] {
                guard case .sequence(let items) = numbersNode else {
                    throw error(numbersNode, "expected numbers as a list")
                }
                for n in items { numbers.append(try number(n)) }
            }
            return Lab(name: try text(f, "name", in: node), group: group, title: try text(f, "title", in: node),
                       question: try text(f, "question", in: node), kind: kind,
                       scenario: try text(f, "scenario", in: node), vary: vary, settings: try texts(f, "settings"),
                       observe: try texts(f, "observe"), answer: try text(f, "answer", in: node), numbers: numbers)
        }

        func number(_ node: Node) throws(LabError) -> Lab.Number {
            let f = try mapping(node, "a number", allowed: ["id", "what", "variant", "metric", "stated", "tolerance"])
            let metricText = try text(f, "metric", in: node)
            guard let metric = LabMetric(catalogText: metricText) else {
                throw error(f["metric"], "unknown metric \(metricText) (the catalog's first lines list the forms)")
            }
            let statedText = try text(f, "stated", in: node)
            guard let stated = Int64(statedText) else {
                throw error(f["stated"], "expected a whole number, got \(statedText)")
            }
            var tolerance = Lab.Tolerance.exact
            if let toleranceNode = f["tolerance"] {
                let t = try text(f, "tolerance", in: node)
                let words = t.split(separator: " ")
                if t == "exact" {
                    tolerance = .exact
                } else if t == "at-least" {
                    tolerance = .atLeast
                } else if words.count == 2, words[0] == "within", let d = Int64(words[1]), d >= 0 {
                    tolerance = .within(d)
                } else {
                    throw error(toleranceNode, "expected tolerance exact, at-least or \"within N\", got \(t)")
                }
            }
            return Lab.Number(try text(f, "id", in: node), try text(f, "what", in: node),
                              variant: try text(f, "variant", in: node), metric, stated, tolerance)
        }
    }
}

extension LabMetric {
    /// A metric as the catalog writes it (`host server syscalls`, `switch-peak`, `receiver rx1 datagrams`); nil for
    /// text that names none.
    init?(catalogText: String) {
        let w = catalogText.split(separator: " ").map(String.init)
        switch (w.first ?? "", w.count) {
        case ("host", 3): guard let v = HostValue(rawValue: w[2]) else { return nil }; self = .host(w[1], v)
        case ("cycles", 3): self = .cycles(w[1], category: w[2])
        case ("switch-peak", 1): self = .switchPeak
        case ("switch-drops", 1): self = .switchDrops
        case ("receivers-intact", 1): self = .receiversIntact
        case ("receiver", 3): guard let v = ReceiverValue(rawValue: w[2]) else { return nil }; self = .receiver(w[1], v)
        case ("set-top-boxes", 2):
            guard let v = SetTopBoxValue(rawValue: w[1]) else { return nil }
            self = .setTopBoxes(v)
        case ("policy", 3):
            guard let id = Int(w[1]), let v = PolicyValue(rawValue: w[2]) else { return nil }
            self = .policy(id, v)
        case ("segments", 2): self = .segments(to: w[1])
        case ("linux", 2): guard let v = LinuxValue(rawValue: w[1]) else { return nil }; self = .linux(v)
        case ("vde", 2): guard let v = VDEValue(rawValue: w[1]) else { return nil }; self = .vde(v)
        default: return nil
        }
    }
}
