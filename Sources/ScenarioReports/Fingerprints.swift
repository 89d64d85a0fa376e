import Foundation
import ScenarioFormat
import ScenarioWorld
import SimCore

/// Trajectory fingerprints of scenarios: a 64-bit digest of every event a run handles (time, component, kind,
/// arguments), with the event count, kept in a table so that a change which alters what any shipped scenario does
/// shows up as a changed line.
///
/// The table is tab-separated text, one scenario per line: `path<TAB>fingerprint<TAB>events`; `#` starts a comment.
public enum Fingerprints {
    public struct Entry: Hashable, Sendable {
        public var path: String
        public var fingerprint: String
        public var events: UInt64
        public init(path: String, fingerprint: String, events: UInt64) {
            self.path = path
            self.fingerprint = fingerprint
            self.events = events
        }
    }

    /// Runs the scenario at `path` (relative to `root`) and returns its fingerprint.
    public static func measure(
        path: String, root: String = ".", options: World.Options = World.Options()
    ) throws(ScenarioError) -> Entry {
        let full = path.hasPrefix("/") ? path : root + "/" + path
        let spec = try ScenarioParser.parse(contentsOf: full)
        let world: World
        do throws(WorldError) {
            world = try World(spec: spec, options: options)
        } catch {
            throw ScenarioError(file: error.file, line: error.line, column: error.column,
                                message: error.key.isEmpty ? error.message : "\(error.key): \(error.message)")
        }
        world.run()
        return Entry(path: path, fingerprint: hex(world.simulator.fingerprint), events: world.simulator.eventsProcessed)
    }

    /// Reads a table; lines that are not entries are errors with their line number.
    public static func parse(table text: String, file: String) throws(ScenarioError) -> [Entry] {
        var entries: [Entry] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let cells = trimmed.split(separator: "\t").map(String.init)
            guard cells.count == 3, cells[1].count == 16, UInt64(cells[1], radix: 16) != nil,
                let events = UInt64(cells[2])
            else {
                throw ScenarioError(file: file, line: n + 1, column: 1,
                                    message: "expected PATH<TAB>16-hex-digit fingerprint<TAB>event count")
            }
            entries.append(Entry(path: cells[0], fingerprint: cells[1], events: events))
        }
        return entries
    }

    /// The table's text for `entries`.
    public static func table(_ entries: [Entry]) -> String {
        var out = "# Trajectory fingerprints of the shipped scenarios: path, fingerprint, events.\n"
        out += "# Regenerate after an intended change of behaviour: "
            + "swift run nicsim fingerprint --update Fixtures/fingerprints.tsv\n"
        for e in entries.sorted(by: { $0.path < $1.path }) { out += "\(e.path)\t\(e.fingerprint)\t\(e.events)\n" }
        return out
    }

    /// The scenario files a table should cover under `root`: every `.yaml` in Fixtures/scenarios and its
    /// subfolders except `bad/` (refused on purpose), and scenarios that attach a real network.
    public static func shippedScenarios(root: String) -> [String] {
        let base = root + "/Fixtures"
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var paths: [String] = []
        while let item = walker.nextObject() as? String {
            guard item.hasSuffix(".yaml"), !item.contains("bad/"), !item.hasPrefix("fuzz/"),
                  !item.contains("example-package/"), !item.contains("driver-package/") else { continue }
            let path = "Fixtures/" + item
            guard let text = try? String(contentsOfFile: root + "/" + path, encoding: .utf8), !text.contains("vde:")
            else { continue }
            guard (try? ScenarioParser.parse(yaml: text, file: path)) != nil else { continue }
            paths.append(path)
        }
        return paths.sorted()
    }
}
