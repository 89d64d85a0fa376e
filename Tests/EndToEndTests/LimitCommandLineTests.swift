import CommandTestSupport
import Foundation
import Testing

@Suite("nicsim --limit")
struct LimitCommandLineTests {
    let scenario = packageRoot.appendingPathComponent("Fixtures/scenarios/two-receivers.yaml").path

    @Test func aLowLimitRefusesTheScenarioAndTheSuggestedOneRunsIt() throws {
        let nicsim = try nicsimExecutable()
        let refused = try runProcess(nicsim, ["run", scenario, "--limit", "receivers=1"])
        #expect(refused.status == 2)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("two-receivers.yaml:"))
        #expect(refused.stderr.contains("more than the limit of 1 on receivers; raise it with --limit receivers=2\n"))
        let allowed = try runProcess(nicsim, ["run", scenario, "--limit", "receivers=2"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.hasPrefix("nicsim report: two-receivers"))
        let compared = try runProcess(
            nicsim, ["compare", scenario, "--set", "server.driver.mode=copy,zero-copy", "--limit", "receivers=1"])
        #expect(compared.status == 2)
        #expect(compared.stderr.contains("raise it with --limit receivers=2"))
    }

    @Test func aMalformedLimitIsRefused() throws {
        let r = try runProcess(try nicsimExecutable(), ["run", scenario, "--limit", "cores=4"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("nicsim: --limit cores=4: unknown limit \"cores\"; expected one of: memory"))
    }
}
