import Scenarios
import Testing

@Suite("--set KEY=VALUE overrides: mapping keys and list indices")
struct ScenarioOverrideTests {
    static let yaml = """
        receivers:
          - { name: rx1 }
          - { name: rx2 }
        writes:
          entries:
            - { to: rx1, size: 1000 }
            - { to: rx2, size: 2000 }
        policies:
          - { id: 1, match: { to: rx1 }, action: replicate, targets: [rx2] }
        """

    static func parse(_ overrides: [String]) throws(ScenarioError) -> ScenarioSpec {
        try ScenarioParser.parse(yaml: yaml, file: "o.yaml", overrides: overrides.compactMap(ScenarioOverride.init))
    }

    @Test("a key path sets a value and creates the mappings on its way")
    func mappings() throws {
        let spec = try Self.parse(["server.driver.order=interleaved", "network.switch.port-buffer=32KiB"])
        #expect(spec.server.order == .interleaved)
        #expect(spec.network.portBufferBytes == 32 * 1024)
        #expect(!spec.server.napi.msix)
        #expect(try Self.parse(["server.driver.vectors=msix"]).server.napi.msix)
        #expect(try !Self.parse(["server.driver.vectors=legacy"]).server.napi.msix)
    }

    @Test("a decimal key indexes a list item")
    func listItems() throws {
        let spec = try Self.parse([
            "writes.entries.1.size=5000", "policies.0.placement=nic", "policies.0.action=redirect",
            "receivers.0.link.rate=10Gbps",
        ])
        #expect(spec.writes.entries.map(\.bytes) == [1000, 5000])
        #expect(spec.policies[0].placement == .nic && spec.policies[0].redirect)
        #expect(spec.receivers[0].link.rate == 10_000_000_000 && spec.receivers[1].link.rate == 1_000_000_000)
    }

    @Test("an index past the end, a key under a scalar and a bad value are located errors",
          arguments: [
            ("writes.entries.2.size=1", "the list has 2 items, no item 2"),
            ("writes.entries.x.size=1", "lies under a value that is not a mapping"),
            ("writes.entries.0.size.big=1", "lies under a value that is not a mapping"),
            ("policies.0.placement=gpu", "policies[0].placement"),
            ("server.driver.vectors=msi", "server.driver.vectors"),
          ])
    func errors(override: String, message: String) {
        do {
            _ = try Self.parse([override])
            Issue.record("\(override) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }
}
