import NICDriver
import NICInterface
import Scenarios
import Testing
import WireFormats

/// A flapped link is seen by the NIC (STATUS.LU and an LSC interrupt), and the driver stops posting while it is
/// down and resumes when it comes back (issue 23, item 9).
@Suite("Link state: the NIC sees a flap, the driver stops and resumes")
struct LinkStateTests {
    /// Ten writes of 20,000 bytes, one per millisecond; the server's own link is down from 3.5 ms to 6.5 ms, while
    /// the writes of 4, 5 and 6 ms are made.
    static let yaml = """
        seed: 5
        server: { link: { rate: 1Gbps }, driver: { interrupts: per-write } }
        receivers: [{ name: rx1 }]
        writes: { count: 10, interval: 1ms, entries: [{ to: rx1, size: 20000 }] }
        faults:
          - { kind: link-flap, target: server, from: 3500us, until: 6500us }

        """

    @Test("the NIC raises LSC twice; the driver posts nothing while the link is down and everything after")
    func flap() throws {
        let spec = try ScenarioParser.parse(yaml: Self.yaml, file: "flap.yaml")
        var options = World.Options()
        options.capturePcap = true
        let world = try World(spec: spec, options: options)
        let report = world.report(outcome: world.run())
        let nic = world.server.nic.counters
        #expect(nic.linkDowns == 1 && nic.linkUps == 1)
        // The reference driver (server.driver.kind defaults to it) handles LSC.
        let reference = try #require(world.server.driver as? Driver)
        let driver = reference.counters
        #expect(driver.linkStops == 1 && driver.linkResumes == 1)
        #expect(reference.isLinkUp && world.server.nic.isLinkUp)
        #expect(DeviceStatus(rawValue: world.server.nic.readRegister(.status)).contains(.linkUp))
        // Nothing went on the wire while the link was down; the three writes made then left after it came back.
        let times = try PcapReader.read(try #require(world.pcapBytes)).map(\.timestampNanoseconds)
        #expect(!times.contains { $0 > 3_500_000 && $0 < 6_500_000 }, "a frame left while the link was down")
        let after = times.filter { $0 >= 6_500_000 }
        #expect(
            after.count == 6 * 14, "the writes of 4, 5 and 6 ms, held, and those of 7, 8 and 9 ms (14 datagrams each)")
        #expect(after.min() ?? 0 < 6_600_000, "posting resumed as soon as the link came back")
        // No write was lost and no frame was sent into the down link.
        #expect(report.hosts[0].writesCompleted == 10)
        #expect(report.receivers[0].datagrams == 140 && report.receivers[0].intact == true)
    }

    @Test("a flap of one direction, or of a receiver's link, is no link-down for the server's NIC")
    func noCarrierLoss() throws {
        for fault in ["{ kind: link-flap, target: server, direction: to-switch, from: 3500us, until: 6500us }",
                      "{ kind: link-flap, target: rx1, from: 3500us, until: 6500us }"] {
            let text = Self.yaml.replacingOccurrences(
                of: "{ kind: link-flap, target: server, from: 3500us, until: 6500us }", with: fault)
            let world = try World(spec: try ScenarioParser.parse(yaml: text, file: "flap.yaml"))
            world.run()
            #expect(world.server.nic.counters.linkDowns == 0, "\(fault)")
            #expect((world.server.driver as? Driver)?.counters.linkStops == 0, "\(fault)")
        }
    }
}
