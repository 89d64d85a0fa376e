import NICModel
import NICSimTesting
import Testing

@testable import ScenarioFormat
@testable import ScenarioWorld
import Scenarios

@Suite("World tear-down")
struct WorldTearDownTests {
    @Test func aTornDownWorldIsFreed() throws {
        weak var weakWorld: World?
        weak var weakNIC: NIC?
        do {
            let world = try World(spec: .testScenario(entries: [3000, 1500]))
            let report = world.report(outcome: world.run())
            #expect(report.destinations.count == 2)
            weakWorld = world
            weakNIC = world.nic
            world.tearDown()
        }
        #expect(weakWorld == nil)
        #expect(weakNIC == nil)
    }
}
