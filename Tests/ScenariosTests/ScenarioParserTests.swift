import Foundation
import Scenarios
import Testing

@Suite("Scenario parser: valid files")
struct ScenarioParserTests {
    static let full = """
        name: two-receivers          # a comment
        seed: 42
        duration: 10ms
        server:
          name: sender
          mac: 02:00:00:00:00:0a
          ip: 192.0.2.2
          port: 4001
          link: { rate: 10Gbps, delay: 1us }
          cpu: { cores: 4, clock: 2.5GHz }
          memory: 512MiB
          nic: { tx-ring: 2048 }
          driver:
            mode: copy
            order: interleaved
            interrupts: per-packet
            mtu: 9000
            packet-size: 8000
            register-buffers: false
        network:
          switch: { port-buffer: 128KiB }
        receivers:
          - name: rx1
            ip: 192.0.2.11
            mac: 02:00:00:00:01:01
            port: 5000
            link: { rate: 1Gbps, delay: 1us }
          - name: rx2
            ip: 192.0.2.50
            port: 6000
            link: { rate: 100Mbps }
        writes:
          count: 3
          interval: 1.5ms
          entries:
            - { to: rx1, size: 64KiB, offset: 100 }
            - { to: rx2, size: 1500 }
        """

    @Test func fullFileParsesToTheExpectedSpec() throws {
        let spec = try ScenarioParser.parse(yaml: Self.full, file: "full.yaml")
        #expect(spec.name == "two-receivers")
        #expect(spec.seed == 42)
        #expect(spec.duration == 10_000_000_000)

        let server = spec.server
        #expect(server.name == "sender")
        #expect(server.mac.description == "02:00:00:00:00:0a")
        #expect(server.ip.description == "192.0.2.2")
        #expect(server.sourcePort == 4001)
        #expect(server.link == LinkSpec(rate: 10_000_000_000, delay: 1_000_000))
        #expect(server.cores == 4)
        #expect(server.clockHz == 2_500_000_000)
        #expect(server.memoryBytes == 512 << 20)
        #expect(server.txRingSize == 2048)
        #expect(server.driverMode == .copy)
        #expect(server.order == .interleaved)
        #expect(server.interrupts == .perPacket)
        #expect(server.mtu == 9000)
        #expect(server.packetSize == 8000)
        #expect(server.registerBuffers == false)
        #expect(spec.network.portBufferBytes == 128 << 10)

        #expect(spec.receivers.map(\.name) == ["rx1", "rx2"])
        #expect(spec.receivers[0].ip.description == "192.0.2.11")
        #expect(spec.receivers[0].mac.description == "02:00:00:00:01:01")
        #expect(spec.receivers[0].link == LinkSpec(rate: 1_000_000_000, delay: 1_000_000))
        #expect(spec.receivers[1].ip.description == "192.0.2.50")
        #expect(spec.receivers[1].mac.description == "02:00:00:00:01:02")  // default from the index
        #expect(spec.receivers[1].port == 6000)
        #expect(spec.receivers[1].link == LinkSpec(rate: 100_000_000, delay: 500_000))  // default delay

        #expect(spec.writes.count == 3)
        #expect(spec.writes.interval == 1_500_000_000)
        #expect(
            spec.writes.entries == [
                WriteEntrySpec(receiver: 0, bytes: 65536, pageOffset: 100),
                WriteEntrySpec(receiver: 1, bytes: 1500, pageOffset: 0),
            ])
    }

    @Test func minimalFileTakesEveryDefault() throws {
        let text = """
            receivers:
              - name: a
            writes:
              entries:
                - { to: a, size: 0 }
            """
        let spec = try ScenarioParser.parse(yaml: text, file: "dir/sub.dir/minimal.scenario.yaml")
        #expect(spec.name == "minimal.scenario")
        #expect(spec.seed == 1)
        #expect(spec.duration == nil)
        let server = spec.server
        #expect(server.name == "server")
        #expect(server.mac.description == "02:00:00:00:00:01")
        #expect(server.ip.description == "192.0.2.1")
        #expect(server.sourcePort == 4000)
        #expect(server.link == LinkSpec(rate: 10_000_000_000, delay: 500_000))
        #expect(server.cores == 1)
        #expect(server.clockHz == 3_000_000_000)
        #expect(server.memoryBytes == 256 << 20)
        #expect(server.txRingSize == 1024)
        #expect(server.driverMode == .zeroCopy)
        #expect(server.order == .destinationMajor)
        #expect(server.interrupts == .perWrite)
        #expect(server.mtu == 1500)
        #expect(server.packetSize == 1500)
        #expect(server.registerBuffers)
        #expect(spec.network.portBufferBytes == 256 << 10)
        #expect(
            spec.receivers == [
                ReceiverSpec(
                    name: "a", mac: spec.receivers[0].mac, ip: spec.receivers[0].ip, port: 5000,
                    link: LinkSpec(rate: 1_000_000_000, delay: 500_000))
            ])
        #expect(spec.receivers[0].ip.description == "192.0.2.11")
        #expect(spec.receivers[0].mac.description == "02:00:00:00:01:01")
        #expect(
            spec.writes
                == WritesSpec(
                    count: 1, interval: 1_000_000_000,
                    entries: [
                        WriteEntrySpec(receiver: 0, bytes: 0, pageOffset: 0)
                    ]))
    }

    @Test func packetSizeDefaultsToTheMTU() throws {
        let text = """
            server: { driver: { mtu: 4000 } }
            receivers: [{ name: a }]
            writes: { entries: [{ to: a, size: 1 }] }
            """
        let spec = try ScenarioParser.parse(yaml: text, file: "mtu.yaml")
        #expect(spec.server.mtu == 4000)
        #expect(spec.server.packetSize == 4000)
    }

    @Test func toAllExpandsToOneEntryPerReceiverInReceiverOrder() throws {
        let text = """
            receivers:
              - name: c
              - name: a
              - name: b
            writes:
              entries:
                - { to: b, size: 10 }
                - { to: all, size: 64KiB, offset: 7 }
                - { to: c, size: 20 }
            """
        let spec = try ScenarioParser.parse(yaml: text, file: "all.yaml")
        #expect(
            spec.writes.entries == [
                WriteEntrySpec(receiver: 2, bytes: 10, pageOffset: 0),
                WriteEntrySpec(receiver: 0, bytes: 65536, pageOffset: 7),
                WriteEntrySpec(receiver: 1, bytes: 65536, pageOffset: 7),
                WriteEntrySpec(receiver: 2, bytes: 65536, pageOffset: 7),
                WriteEntrySpec(receiver: 0, bytes: 20, pageOffset: 0),
            ])
    }

    @Test func receiverDefaultsFollowTheIndex() throws {
        var text = "receivers:\n"
        for _ in 0..<244 { text += "  - {}\n" }
        text += "writes: { entries: [{ to: all, size: 1 }] }\n"
        let spec = try ScenarioParser.parse(yaml: text, file: "many.yaml")
        #expect(spec.receivers.count == 244)
        #expect(spec.receivers[0].name == "rx1")
        #expect(spec.receivers[243].name == "rx244")
        #expect(spec.receivers[243].ip.description == "192.0.2.254")
        #expect(spec.receivers[254 - 11].mac.description == "02:00:00:00:01:f4")
        #expect(spec.writes.entries.count == 244)
        #expect(Set(spec.receivers.map(\.mac)).count == 244)

        let tooMany = text.replacingOccurrences(of: "writes:", with: "  - {}\nwrites:")
        let error = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(yaml: tooMany, file: "many.yaml") }
        #expect(error?.line == 246)
        #expect(error?.message.contains("receivers[244]: no default address left") == true)
    }

    @Test func sectionsWithoutValuesTakeTheirDefaults() throws {
        let text = """
            server:
            network:
            receivers:
              - name: rx1
            writes:
              entries:
                - to: rx1
                  size: 1.5KiB
            """
        let spec = try ScenarioParser.parse(yaml: text, file: "nulls.yaml")
        #expect(spec.server.name == "server")
        #expect(spec.network.portBufferBytes == 256 << 10)
        #expect(spec.writes.entries == [WriteEntrySpec(receiver: 0, bytes: 1536, pageOffset: 0)])
    }

    @Test func windowsLineEndingsAndAnchorsWork() throws {
        let text =
            "receivers:\r\n  - { name: a, link: &fast { rate: 10Gbps } }\r\n"
            + "  - { name: b, link: *fast }\r\nwrites: { entries: [{ to: all, size: 1 }] }\r\n"
        let spec = try ScenarioParser.parse(yaml: text, file: "crlf.yaml")
        #expect(spec.receivers.map(\.link.rate) == [10_000_000_000, 10_000_000_000])
    }

    @Test func parsesAFileFromDisk() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("nicsim-scenario-\(UInt64.random(in: 0...UInt64.max)).yaml")
        try Data(Self.full.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let spec = try ScenarioParser.parse(contentsOf: url.path)
        #expect(spec == (try ScenarioParser.parse(yaml: Self.full, file: "full.yaml")))
    }

    @Test func errorsDescribeThemselvesWithFileLineAndColumn() {
        let error = ScenarioError(file: "s.yaml", line: 7, column: 11, message: "receivers[1].link.rate: bad")
        #expect(error.description == "s.yaml:7:11: receivers[1].link.rate: bad")
        let unlocated = ScenarioError(file: "gone.yaml", line: 0, column: 0, message: "cannot read")
        #expect(unlocated.description == "gone.yaml: cannot read")
    }

    @Test func anUnreadableFileIsAnErrorAtLineZero() {
        let error = #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(contentsOf: "/nonexistent/nicsim/scenario.yaml")
        }
        #expect(error?.line == 0)
        #expect(error?.file == "/nonexistent/nicsim/scenario.yaml")
        #expect(error?.message.contains("cannot read") == true)

        let directory = #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(contentsOf: FileManager.default.temporaryDirectory.path)
        }
        #expect(directory?.line == 0)
    }
}
