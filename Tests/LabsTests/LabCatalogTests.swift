import Foundation
@testable import Labs
import Testing

/// The lab catalog is data (`Sources/Labs/Resources/labs.yaml`): it must read without error from the module's
/// resource bundle, and a bad catalog is refused with its file, line and column.
@Suite("Lab catalog")
struct LabCatalogTests {
    @Test("the shipped catalog reads from the resource bundle, with every lab")
    func shipped() throws {
        #expect(Lab.catalogError == nil, "\(Lab.catalogError?.message ?? "")")
        let labs = try LabCatalog.load()
        #expect(labs.count == Lab.all.count && labs.count >= 14)
        #expect(labs.map(\.name) == Lab.all.map(\.name))
        #expect(labs.first?.name == "copy-vs-zero-copy")
        #expect(labs.contains { $0.kind == .realLinux })
        #expect(labs.contains { $0.numbers.contains { $0.tolerance == .atLeast } })
        // SwiftPM copied the resource next to the test runner, where `Bundle.module` looks too.
        let bundled = Bundle.main.bundleURL.appendingPathComponent("nicsim_Labs.resources/labs.yaml")
        #expect(FileManager.default.fileExists(atPath: bundled.path), "\(bundled.path)")
    }

    static let good = """
        - name: one
          group: copy
          title: "T"
          question: "Q?"
          scenario: copy-vs-zero-copy.yaml
          vary:
            - { key: server.driver.mode, values: [copy, zero-copy] }
          observe: ["{n}"]
          answer: "A"
          numbers:
            - { id: n, what: "cycles", variant: copy, metric: "host server cyclesTotal", stated: 12, \
        tolerance: "within 3" }
            - { id: m, what: "peak", variant: zero-copy, metric: "switch-peak", stated: 7 }
        """

    @Test("a catalog in text reads into labs with metrics and tolerances")
    func parses() throws {
        let labs = try LabCatalog.parse(yaml: Self.good, file: "t.yaml")
        let lab = try #require(labs.first)
        #expect(lab.group == .copy && lab.kind == .simulation && lab.vary.count == 1)
        #expect(lab.numbers.map(\.metric) == [.host("server", .cyclesTotal), .switchPeak])
        #expect(lab.numbers[0].tolerance == .within(3) && lab.numbers[1].tolerance == .exact)
        #expect(lab.resolve("{n}").hasPrefix("12"))
    }

    @Test("bad catalogs are refused at the line and column of what is wrong", arguments: [
        ("metric: \"host server cyclesTotal\"", "metric: \"host server nonsense\"", "t.yaml:11:", "unknown metric"),
        ("stated: 12", "stated: twelve", "t.yaml:11:", "expected a whole number"),
        ("group: copy", "group: nope", "t.yaml:2:", "unknown group"),
        ("  answer: \"A\"", "  answer: \"A\"\n  colour: red", "t.yaml:10:", "unknown key colour"),
        ("within 3", "within lots", "t.yaml:11:", "expected tolerance"),
    ])
    func refused(change: (String, String, String, String)) {
        let text = Self.good.replacingOccurrences(of: change.0, with: change.1)
        #expect(text != Self.good)
        let error = #expect(throws: LabError.self) { try LabCatalog.parse(yaml: text, file: "t.yaml") }
        #expect(error?.code == .catalog)
        #expect(error?.message.hasPrefix(change.2) == true && error?.message.contains(change.3) == true,
                "\(error?.message ?? "")")
    }

    @Test("text that is not YAML, or not a list, is refused without a trap")
    func notACatalog() {
        for text in ["- [unclosed", "just: a mapping", ""] {
            let error = #expect(throws: LabError.self) { try LabCatalog.parse(yaml: text, file: "x.yaml") }
            #expect(error?.message.hasPrefix("x.yaml") == true, "\(error?.message ?? "")")
        }
    }
}
