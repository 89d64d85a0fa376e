import Foundation
import PollingDriver
import Scenarios
import Testing

/// The polling driver runs a scenario file through nicsim's library API, with no interrupt at all.
@Suite("A driver from another package")
struct PollingDriverTests {
    func run() throws -> (World, Report) {
        let file = try #require(Bundle.module.path(forResource: "polling", ofType: "yaml"))
        let spec = try ScenarioParser.parse(contentsOf: file)
        var options = World.Options()
        options.driverFactory = { c in
            try PollingDriver(device: c.device, memory: c.memory, configuration: c.configuration,
                              maxFrameBytes: c.maxFrameBytes)
        }
        let world = try World(spec: spec, options: options)
        return (world, world.report(outcome: world.run()))
    }

    @Test("every byte arrives, cut into MTU-sized datagrams, with no interrupt")
    func delivers() throws {
        let (_, report) = try run()
        #expect(report.driverFault == nil)
        // 14,720 bytes are 10 datagrams of 1,472; 5,000 are 4 (3 × 1,472 + 584); 100 is 1: 15 per write, 3 writes.
        #expect(report.hosts[0].framesTransmitted == 45)
        #expect(report.destinations.map(\.segments) == [30, 12, 3])
        #expect(report.receivers.allSatisfy { $0.intact == true })
        #expect(report.hosts[0].interrupts == 0)
        #expect(report.hosts[0].driver.kind == "polling")
        #expect(report.hosts[0].writesCompleted == 3)
    }

    @Test("the OS priced what the receipts said: one descriptor and one copy per datagram, one doorbell per write")
    func receipts() throws {
        let (world, report) = try run()
        let host = report.hosts[0]
        #expect(host.descriptorsWritten == 45)
        #expect(host.doorbells == 3)
        // Header (42 bytes) and payload of every datagram.
        #expect(host.cpuCopiedBytes == 3 * (14_720 + 5_000 + 100) + 45 * 42)
        let polls = try #require(host.driver.figures.first { $0.name == "polls" }?.value)
        #expect(polls >= 3)
        #expect(world.server.host.driverWork.registerReads <= polls)
    }
}
