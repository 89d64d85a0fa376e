import CommandTestSupport
import Foundation
@testable import Labs
import Scenarios
import Testing

let runner = LabRunner(fixtures: packageRoot.appendingPathComponent("Fixtures/labs").path)
let simulationLabs = Lab.all.filter { $0.kind == .simulation }

@Suite("Labs: every lab runs and prints the numbers its text states")
struct LabTests {
    @Test("every claim group has a lab; names, number ids and variants are consistent", arguments: Lab.all)
    func definitions(lab: Lab) throws {
        #expect(Lab.all.filter { $0.name == lab.name }.count == 1, "duplicate lab name")
        #expect(!lab.question.isEmpty && !lab.observe.isEmpty && !lab.answer.isEmpty && !lab.numbers.isEmpty)
        #expect(Set(lab.numbers.map(\.id)).count == lab.numbers.count, "duplicate number ids")
        let labels = lab.variantLabels
        for number in lab.numbers {
            #expect(labels.contains(number.variant), "\(number.id): no variant \"\(number.variant)\" in \(labels)")
        }
        // Every {id} in the text names a stated number.
        for text in lab.observe + [lab.answer] {
            let resolved = lab.resolve(text)
            #expect(!resolved.contains("{") && !resolved.contains("}"), "unresolved placeholder in: \(resolved)")
        }
        #expect(FileManager.default.fileExists(atPath: runner.scenarioPath(lab)))
    }

    @Test("the labs cover every claim group")
    func groups() {
        for group in Lab.Group.allCases {
            #expect(Lab.all.contains { $0.group == group }, "no lab for \(group.rawValue)")
        }
    }

    @Test("the lab's numbers are measured as stated, and its text prints them", arguments: simulationLabs)
    func numbers(lab: Lab) async throws {
        let result = try await runner.run(lab)
        for m in result.measurements {
            let measured = m.measured
            #expect(m.matches, """
                \(lab.name) \(m.number.id) (\(m.number.what), \(m.number.variant)): states \(m.number.statedText), \
                measured \(measured.map(String.init) ?? "nothing")
                """)
        }
        #expect(result.allMatch)
        let text = result.text()
        #expect(text.contains("All \(lab.numbers.count) numbers are as stated."))
        for m in result.measurements {
            // The numbers table has a row with the stated and the measured value side by side.
            let row = text.split(separator: "\n").first { line in
                line.contains(m.number.what) && line.contains(m.number.statedText)
                    && line.contains(m.number.metric.reportKey)
                    && (m.number.variant.isEmpty || line.contains(m.number.variant))
            }
            #expect(row?.contains(m.measuredText) == true, "no row for \(m.number.id) in:\n\(text)")
        }
        // Observations and commands are printed whole (wrapped: compare with the line breaks taken out).
        let flat = text.replacing(" \\\n      ", with: " ").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        for line in lab.observe { #expect(flat.contains("- " + lab.resolve(line)), "\(line)") }
        #expect(flat.contains("$ " + lab.commands[0]))
        #expect(flat.contains(lab.resolve(lab.answer)))
    }

    @Test("a stated number that the run does not give is reported, not hidden")
    func mismatch() async throws {
        var lab = try #require(Lab.all.first { $0.name == "interleaving" })
        lab.numbers[0].stated += 1
        lab.numbers[1].tolerance = .within(0)
        lab.numbers[2].metric = .receiver("nobody", .datagrams)
        let result = try await runner.run(lab)
        #expect(!result.allMatch)
        #expect(
            result.measurements.map(\.matches) == [false, true, false]
                + Array(repeating: true, count: lab.numbers.count - 3))
        #expect(result.text().contains("2 of \(lab.numbers.count) numbers differ from what this lab states."))
        #expect(result.text().contains("missing"))
    }

    @Test("tolerances accept what they state and nothing else")
    func tolerances() {
        let exact = Lab.Number("a", "a", variant: "", .switchPeak, 100)
        let near = Lab.Number(
            "b", "b", variant: "", .setTopBoxes(.maxDelayFactorPs), 5_000_000_000, .within(100_000_000))
        let least = Lab.Number("c", "c", variant: "", .linux(.pingReplies), 3, .atLeast)
        #expect(exact.accepts(100) && !exact.accepts(99) && !exact.accepts(101))
        #expect(near.accepts(5_100_000_000) && near.accepts(4_900_000_000) && !near.accepts(5_100_000_001))
        #expect(least.accepts(3) && least.accepts(4) && !least.accepts(2))
        #expect(exact.statedText == "100" && least.statedText == "≥ 3")
        #expect(near.statedText == "5.000 ms ± 100.000 us")
        #expect(
            LabMetric.Unit.count.format(1_234_567) == "1,234,567" && LabMetric.Unit.count.format(-1_000) == "-1,000")
    }

    @Test("unknown labs and missing fixtures are clear errors")
    func errors() throws {
        #expect(throws: LabError.self) { try LabRunner.lab(named: "no-such-lab") }
        do {
            _ = try LabRunner.lab(named: "no-such-lab")
        } catch {
            #expect(error.code == .unknownLab && error.message.contains("interleaving"))
        }
        do {
            _ = try LabRunner.locateFixtures(explicit: "/nonexistent")
            Issue.record("found fixtures in /nonexistent")
        } catch {
            #expect(error.code == .fixturesMissing)
        }
        // From the repository root, a folder below it, and from elsewhere (the source tree is the fallback).
        for directory in [packageRoot.path, packageRoot.path + "/Sources", "/"] {
            let found = try LabRunner.locateFixtures(currentDirectory: directory)
            #expect(found.fixtures.hasSuffix("Fixtures/labs"))
        }
    }

    @Test("the real-network lab says what it needs when it cannot run")
    func realLinuxRequirements() {
        let none = RealLinuxLab.missingRequirements(uid: 1000) { _ in nil }
        #expect(none.count == 5)
        #expect(none[0].hasPrefix("root"))
        #expect(none.contains("vde_switch: apt-get install -y vde2"))
        #expect(none.contains("ping: apt-get install -y iputils-ping"))
        #expect(RealLinuxLab.missingRequirements(uid: 0) { "/usr/bin/" + $0 }.isEmpty)
        #expect(
            RealLinuxLab.received(inPingSummary: "3 packets transmitted, 2 received, 33% packet loss, time 601ms") == 2)
        #expect(RealLinuxLab.received(inPingSummary: "nothing") == 0)
    }

    @Test("the README tours every lab")
    func readme() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n")
        for lab in Lab.all {
            let row = lines.first { $0.contains("nicsim lab \(lab.name)`") }
            #expect(row != nil, "README lacks `nicsim lab \(lab.name)`")
            // Every number the tour puts in bold is one the lab states.
            let stated = Set(lab.numbers.map { $0.metric.unit.format($0.stated) })
            let bold = (row ?? "").split(separator: "**").enumerated().filter { $0.offset % 2 == 1 }.map {
                String($0.element)
            }
            #expect(!bold.isEmpty, "\(lab.name): the README row states no numbers")
            for number in bold {
                #expect(
                    stated.contains(number), "\(lab.name): README says \(number), the lab states \(stated.sorted())")
            }
        }
    }
}

extension Lab: CustomTestStringConvertible {
    public var testDescription: String { name }
}
