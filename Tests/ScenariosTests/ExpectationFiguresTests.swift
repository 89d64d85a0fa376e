import ScenarioFormat
@testable import ScenarioReports
import Testing

/// The file format names the figures an `expect:` section may use; the reports read them. The two lists are kept
/// in two modules, so this checks they agree.
@Suite("Expectation figures")
struct ExpectationFiguresTests {
    @Test("every figure the file format accepts has a reader in the reports")
    func everyFigureIsRead() {
        #expect(ExpectationMetric.all.count >= 30)
        for metric in ExpectationMetric.all {
            #expect(ExpectationMetric.reader(for: metric.name) != nil, "\(metric.name) has no reader")
        }
        #expect(ExpectationMetric.reader(for: "no-such-figure") == nil)
        #expect(Set(ExpectationMetric.all.map(\.name)).count == ExpectationMetric.all.count, "duplicate figure names")
    }
}
