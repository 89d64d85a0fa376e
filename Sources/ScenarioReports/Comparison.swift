import Foundation
import ScenarioFormat
import ScenarioWorld
import SimCore

/// The same scenario run in several variants, side by side (`nicsim compare`).
public struct Comparison: Codable, Hashable, Sendable {
    /// One run: its label (the overrides that made it) and its report.
    public struct Variant: Codable, Hashable, Sendable {
        public var label: String
        public var report: Report
        public init(label: String, report: Report) {
            self.label = label
            self.report = report
        }
    }

    public var scenario: String
    public var variants: [Variant]

    public init(scenario: String, variants: [Variant]) {
        self.scenario = scenario
        self.variants = variants
    }

    /// Every combination of the values given per key, in the order given (the first key varies slowest).
    public static func combinations(_ sets: [(path: [String], values: [String])]) -> [[ScenarioOverride]] {
        var result: [[ScenarioOverride]] = [[]]
        for set in sets {
            result = result.flatMap { prefix in
                set.values.map { prefix + [ScenarioOverride(path: set.path, value: $0)] }
            }
        }
        return result
    }

    /// The rows of the side-by-side table: a name and one value per variant ("-" where a figure does not apply).
    public var rows: [(name: String, values: [String])] {
        let categories = cycleCategories
        let columns = variants.map { Comparison.figures(of: $0.report, cycleCategories: categories) }
        return Comparison.figureNames(cycleCategories: categories).enumerated().map { i, name in
            (name, columns.map { $0[i]?.description ?? "-" })
        }
    }

    /// The cycle categories the table lists: the first variant's, sorted.
    public var cycleCategories: [String] { variants.first?.report.hosts.first?.cycles.keys.sorted() ?? [] }

    /// The table as aligned text.
    public func text() -> String {
        var out = "nicsim compare: \(scenario)\n\n"
        out += table(["", ] + variants.map(\.label), rows.map { [$0.name] + $0.values })
        return out
    }

    /// The comparison as pretty-printed JSON with sorted keys.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
