import CommandTestSupport
import Foundation
import HostOS
import NetworkModel
import Scenarios
import Testing
import WireFormats

/// A5/A6 through the network (issue 23, item 1): the server's OS hands its policy to a router as NPCP messages
/// (UDP port 7700, acknowledged, retried), the router installs it, and changes and removals travel the same way.
@Suite("The policy travels to the router (NPCP)", .serialized)
struct PolicyControlTests {
    static let scenario = packageRoot.appendingPathComponent("Fixtures/scenarios/policy-to-router.yaml").path

    static func run(_ spec: ScenarioSpec) throws -> (World, Report) {
        var options = World.Options()
        options.capturePcap = true
        let world = try World(spec: spec, options: options)
        return (world, world.report(outcome: world.run()))
    }

    /// The NPCP messages in a pcap, in order.
    static func messages(_ pcap: [UInt8]) throws -> [(time: Int64, message: PolicyControlMessage)] {
        try PcapReader.read(pcap).compactMap { r in
            guard let v = UDPDatagramView(parsing: r.data, at: 0, length: r.data.count),
                  v.udp.destinationPort == PolicyControlMessage.port,
                  let m = PolicyControlMessage(decoding: r.data, at: v.payloadOffset, count: v.payloadLength)
            else { return nil }
            return (r.timestampNanoseconds, m)
        }
    }

    @Test("messages encode and decode; anything malformed is refused, byte by byte")
    func codec() throws {
        let set = PolicyControlMessage.set(
            transaction: 7, policyID: 3, destination: IPv4Address(192, 0, 2, 14), destinationPort: 6000,
            source: IPv4Address(192, 0, 2, 1), replicate: true,
            targets: [(IPv4Address(192, 0, 2, 11), 5000), (IPv4Address(192, 0, 2, 12), 5001)])
        for message in [set, .simple(.remove, transaction: 8, policyID: 3), .simple(.ack, transaction: 8, policyID: 3),
                        .simple(.nack, transaction: 9, policyID: 4, status: .refused)] {
            let bytes = message.encoded()
            #expect(PolicyControlMessage(decoding: [0xAA] + bytes, at: 1, count: bytes.count) == message)
            // Every shorter or longer reading is refused.
            for count in 0..<bytes.count {
                #expect(PolicyControlMessage(decoding: bytes, at: 0, count: count) == nil)
            }
            #expect(PolicyControlMessage(decoding: bytes + [0], at: 0, count: bytes.count + 1) == nil)
        }
        #expect(set.encoded().count == 24 + 12)
        var badMagic = set.encoded()
        badMagic[0] = 0
        #expect(PolicyControlMessage(decoding: badMagic, at: 0, count: badMagic.count) == nil)
        var badKind = set.encoded()
        badKind[3] = 9
        #expect(PolicyControlMessage(decoding: badKind, at: 0, count: badKind.count) == nil)
    }

    @Test("set, replace and remove travel as messages; the router applies each; every one acknowledged once")
    func setReplaceRemove() throws {
        let (world, report) = try Self.run(try ScenarioParser.parse(contentsOf: Self.scenario))
        #expect(report.failedExpectations.isEmpty, "\(report.failedExpectations)")
        #expect(report.receivers.prefix(3).map(\.datagrams) == [27, 27, 18])
        let client = try #require(world.policyClients[3])
        #expect(client.counters == {
            var c = RouterPolicyClient.Counters()
            c.sent = 3
            c.acknowledged = 3
            return c
        }())
        #expect(client.installed.isEmpty && client.outstanding == 0)
        guard case .router(let router) = world.receiverNodes[3] else {
            Issue.record("receiver 3 is not the router")
            return
        }
        #expect(router.counters.controlMessages == 3 && router.counters.controlMalformed == 0)
        #expect(router.policy(id: 1) == nil, "removed by the last message")
        let sent = try Self.messages(try #require(world.pcapBytes))
        #expect(sent.map(\.message.kind) == [.set, .set, .remove])
        #expect(sent.map(\.message.transaction) == [1, 2, 3])
        #expect(sent.map { $0.message.targets.count } == [3, 2, 0])
        #expect(client.log.map(\.message) == sent.map(\.message))
        #expect(sent[1].time >= 5_500_000 && sent[2].time >= 8_499_000)
    }

    @Test("a message lost on the way is sent again after the retry interval, the same transaction")
    func retry() throws {
        // The router's link is down for the first 500 us: the first set message is lost (the expectations of the
        // scenario, which count what the receivers get without a fault, are left out).
        let text = try String(contentsOfFile: Self.scenario, encoding: .utf8).components(separatedBy: "expect:")[0]
            + "faults:\n  - { kind: link-flap, target: router, from: 0, until: 500us }\n"
        let spec = try ScenarioParser.parse(yaml: text, file: Self.scenario)
        let (world, report) = try Self.run(spec)
        let client = try #require(world.policyClients[3])
        #expect(client.counters.sent == 3 && client.counters.retransmissions == 1)
        #expect(client.counters.acknowledged == 3 && client.counters.failed == 0)
        let sent = try Self.messages(try #require(world.pcapBytes))
        #expect(sent.map(\.message.transaction) == [1, 1, 2, 3])
        #expect(sent[1].time - sent[0].time >= 1_000_000, "retried after the 1 ms retry interval")
        // The write at 0 was lost with the link; the write at 1 ms is made at the instant the retransmission is,
        // and its datagrams reach the router first: the policy is in place from the write at 2 ms on (4 writes of
        // 3 datagrams reach rx3 before the replacement leaves it out).
        #expect(report.receivers[2].datagrams == 12)
    }

    @Test("a router that never answers: five attempts, then the message is given up")
    func givesUp() throws {
        var text = try String(contentsOfFile: Self.scenario, encoding: .utf8)
        text = text.components(separatedBy: "expect:")[0]
            + "faults:\n  - { kind: link-flap, target: router, from: 0, until: 20ms }\n"
        let (world, _) = try Self.run(try ScenarioParser.parse(yaml: text, file: Self.scenario))
        let client = try #require(world.policyClients[3])
        #expect(client.counters.sent == 3 && client.counters.retransmissions == 12 && client.counters.failed == 3)
        #expect(client.counters.acknowledged == 0 && client.installed.isEmpty)
    }

    @Test("tshark reads the messages with the dissector shipped in Fixtures/wireshark")
    func dissector() throws {
        let tshark = "/usr/bin/tshark"
        try #require(FileManager.default.isExecutableFile(atPath: tshark), "tshark is installed by Scripts/test.sh")
        let pcap = temporaryFile("npcp.pcap")
        defer { try? FileManager.default.removeItem(at: pcap) }
        let r = try runProcess(try nicsimExecutable(), ["run", Self.scenario, "--pcap", pcap.path])
        #expect(r.status == 0, "\(r.stderr)")
        let lua = packageRoot.appendingPathComponent("Fixtures/wireshark/npcp.lua").path
        let fields = try runProcess(URL(fileURLWithPath: tshark), [
            "-X", "lua_script:\(lua)", "-r", pcap.path, "-Y", "npcp", "-T", "fields", "-E", "separator=;",
            "-e", "npcp.kind", "-e", "npcp.policy", "-e", "npcp.transaction", "-e", "npcp.action", "-e", "npcp.port",
            "-e", "npcp.target",
        ])
        #expect(fields.status == 0, "\(fields.stderr)")
        #expect(fields.stdout.split(separator: "\n").map(String.init) == [
            "1;1;1;0;6000;192.0.2.11,192.0.2.12,192.0.2.13",
            "1;1;2;0;6000;192.0.2.11,192.0.2.12",
            "2;1;3;;;",
        ])
        let info = try runProcess(
            URL(fileURLWithPath: tshark), ["-X", "lua_script:\(lua)", "-r", pcap.path, "-Y", "npcp"])
        #expect(
            info.stdout.contains("NPCP") && info.stdout.contains("remove policy 1 (transaction 3)"), "\(info.stdout)")
    }
}
