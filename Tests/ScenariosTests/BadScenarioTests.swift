import Foundation
import Scenarios
import Testing

/// A bad scenario and where and how the parser must reject it.
struct BadScenario: CustomTestStringConvertible, Sendable {
    var name: String
    var text: String
    var line: Int
    var message: String

    var testDescription: String { name }
}

@Suite("Scenario parser: bad files")
struct BadScenarioTests {
    static let cases: [BadScenario] = [
        BadScenario(
            name: "unknown key",
            text: """
                server:
                  nic: { tx-ring: 512 }
                  nic-speed: 10Gbps
                receivers: [{ name: rx1 }]
                writes: { entries: [{ to: rx1, size: 1 }] }
                """,
            line: 3, message: "unknown key \"nic-speed\" in server; expected one of: name, mac, ip"),
        BadScenario(
            name: "unknown top-level key",
            text: "receivers: [{ name: rx1 }]\nwritse: {}\n",
            line: 2, message: "unknown key \"writse\" at the top level; expected one of: name, seed"),
        BadScenario(
            name: "wrong type",
            text:
                "server:\n  - name: server\nreceivers: [{ name: rx1 }]\nwrites: { entries: [{ to: rx1, size: 1 }] }\n",
            line: 2, message: "server: expected a mapping, got a sequence"),
        BadScenario(
            name: "scalar where a mapping belongs",
            text: "receivers: [rx1]\nwrites: { entries: [{ to: rx1, size: 1 }] }\n",
            line: 1, message: "receivers[0]: expected a mapping, got \"rx1\""),
        BadScenario(
            name: "negative size",
            text: "receivers: [{ name: rx1 }]\nwrites:\n  entries:\n    - to: rx1\n      size: -64KiB\n",
            line: 5,
            message:
                "writes.entries[0].size: expected a size like 64KiB, 1500 or 1.5MB, got \"-64KiB\": a size cannot be "
                + "negative"
        ),
        BadScenario(
            name: "bad rate",
            text:
                "receivers:\n  - name: rx1\n  - name: rx2\n    link:\n      rate: fast\n"
                + "writes: { entries: [{ to: all, size: 1 }] }\n",
            line: 5, message: "receivers[1].link.rate: expected a rate like 1Gbps, 100Mbps or 10000bps, got \"fast\""),
        BadScenario(
            name: "size out of range",
            text: "receivers: [{ name: rx1 }]\nwrites: { entries: [{ to: rx1, size: 2GiB }] }\n",
            line: 2, message: "writes.entries[0].size: \"2GiB\" is out of range: expected a size from 0 to 1GiB"),
        BadScenario(
            name: "unknown receiver",
            text:
                "receivers: [{ name: rx1 }, { name: rx2 }]\nwrites:\n  entries:\n    - { to: rx1, size: 1 }\n"
                + "    - { to: rx3, size: 1 }\n",
            line: 5, message: "writes.entries[1].to: unknown receiver \"rx3\"; expected all or one of: rx1, rx2"),
        BadScenario(
            name: "empty file", text: "", line: 1,
            message: "empty scenario: expected a mapping with server, receivers and writes"),
        BadScenario(
            name: "only comments", text: "# nothing here\n\n   # still nothing\n", line: 1,
            message: "empty scenario: expected a mapping with server, receivers and writes"),
        BadScenario(
            name: "top-level scalar", text: "just a string\n", line: 1,
            message:
                "expected a mapping with server, receivers and writes at the top level, got a scalar \"just a "
                + "string\""),
        BadScenario(
            name: "invalid YAML",
            text: "receivers: [{ name: rx1 }]\nwrites:\n  entries: [ { to: rx1, size: 1 }\nseed: 3\n",
            line: 4, message: "invalid YAML: did not find expected ',' or ']'"),
        BadScenario(
            name: "mapping value in a plain scalar",
            text: "receivers: [{ name: rx1 }]\nseed: 1: 2\n",
            line: 2, message: "invalid YAML: mapping values are not allowed in this context"),
        BadScenario(
            name: "two documents",
            text: "receivers: [{ name: rx1 }]\n---\nseed: 2\n",
            line: 2, message: "a scenario is a single YAML document"),
        BadScenario(
            name: "packet size over MTU",
            text:
                "server:\n  driver:\n    mtu: 1500\n    packet-size: 2000\nreceivers: [{ name: rx1 }]\n"
                + "writes: { entries: [{ to: rx1, size: 1 }] }\n",
            line: 4, message: "server.driver.packet-size: packet size 2000 is larger than the MTU (1500)"),
        BadScenario(
            name: "duplicate receiver name",
            text:
                "receivers:\n  - name: rx1\n  - name: rx2\n  - name: rx1\n"
                + "writes: { entries: [{ to: all, size: 1 }] }\n",
            line: 4, message: "receivers[2].name: duplicate receiver name \"rx1\" (also receivers[0])"),
        BadScenario(
            name: "duplicate receiver address",
            text:
                "receivers:\n  - { name: a, ip: 192.0.2.20 }\n  - { name: b, ip: 192.0.2.20 }\n"
                + "writes: { entries: [{ to: all, size: 1 }] }\n",
            line: 3, message: "receivers[1].ip: duplicate receiver address 192.0.2.20"),
        BadScenario(
            name: "receiver uses the server's address",
            text: "receivers:\n  - { name: a, ip: 192.0.2.1 }\nwrites: { entries: [{ to: all, size: 1 }] }\n",
            line: 2, message: "receivers[0].ip: address 192.0.2.1 is the server's address"),
        BadScenario(
            name: "tx ring not a power of two",
            text:
                "server:\n  nic:\n    tx-ring: 1000\nreceivers: [{ name: rx1 }]\n"
                + "writes: { entries: [{ to: rx1, size: 1 }] }\n",
            line: 3, message: "server.nic.tx-ring: expected a power of two from 8 to 65536, got \"1000\""),
        BadScenario(
            name: "deep flow nesting",
            text: "receivers: [{ name: rx1 }]\nwrites: { entries: [{ to: rx1, size: "
                + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + " }] }\n",
            line: 2, message: "nesting deeper than 32 levels"),
        BadScenario(
            name: "deep block nesting",
            text: "receivers:\n" + (1...40).map { String(repeating: "  ", count: $0) + "- a:\n" }.joined(),
            line: 17, message: "nesting deeper than 32 levels"),
        BadScenario(
            name: "missing receivers",
            text: "writes: { entries: [{ to: all, size: 1 }] }\n",
            line: 1, message: "missing required key \"receivers\""),
        BadScenario(
            name: "missing write entries",
            text: "receivers: [{ name: rx1 }]\nwrites:\n  count: 3\n",
            line: 2, message: "writes: missing required key \"entries\""),
        BadScenario(
            name: "no receivers",
            text: "receivers: []\nwrites: { entries: [{ to: all, size: 1 }] }\n",
            line: 1, message: "receivers: expected 1 to 4096 receivers, got 0"),
        BadScenario(
            name: "duplicate key",
            text: "seed: 1\nreceivers: [{ name: rx1 }]\nseed: 2\n",
            line: 3, message: "seed: duplicate key (first at line 1)"),
        BadScenario(
            name: "negative seed",
            text: "seed: -1\nreceivers: [{ name: rx1 }]\nwrites: { entries: [{ to: rx1, size: 1 }] }\n",
            line: 1, message: "seed: expected a non-negative integer, got \"-1\" (negative)"),
        BadScenario(
            name: "boolean spelled yes",
            text: "server: { driver: { register-buffers: yes } }\nreceivers: [{ name: rx1 }]\n",
            line: 1, message: "server.driver.register-buffers: expected true or false, got \"yes\""),
        BadScenario(
            name: "empty value",
            text: "seed:\nreceivers: [{ name: rx1 }]\n",
            line: 1, message: "seed: expected a non-negative integer, got null"),
        BadScenario(
            name: "offset out of range",
            text: "receivers: [{ name: rx1 }]\nwrites: { entries: [{ to: rx1, size: 1, offset: 4096 }] }\n",
            line: 2, message: "writes.entries[0].offset: expected an integer from 0 to 4095, got \"4096\""),
        BadScenario(
            name: "interval zero",
            text: "receivers: [{ name: rx1 }]\nwrites: { interval: 0, entries: [{ to: rx1, size: 1 }] }\n",
            line: 2, message: "writes.interval: \"0\" is out of range: expected a duration from 1ps to 1h"),
        BadScenario(
            name: "mapping as a key",
            text: "? { a: 1 }\n: 2\n",
            line: 1, message: "expected a key name, got a mapping as a key"),
        BadScenario(
            name: "multicast MAC",
            text: "server: { mac: 01:00:5e:00:00:01 }\nreceivers: [{ name: rx1 }]\n",
            line: 1, message: "server.mac: expected a unicast MAC address"),
        BadScenario(
            name: "clock drift out of range",
            text: "server:\n  nic: { clock: { drift-ppm: 1000.5 } }\nreceivers: [{ name: rx1 }]\n",
            line: 2, message: "server.nic.clock.drift-ppm: expected a number of ppm from -1000 to 1000"),
        BadScenario(
            name: "clock drift with four decimals",
            text: "server:\n  nic: { clock: { drift-ppm: 0.0001 } }\nreceivers: [{ name: rx1 }]\n",
            line: 2, message: "with at most three decimals, like 12.5, got \"0.0001\""),
        BadScenario(
            name: "clock offset negative",
            text: "server:\n  nic:\n    clock: { offset-ns: -5 }\nreceivers: [{ name: rx1 }]\n",
            line: 3,
            message:
                "server.nic.clock.offset-ns: expected an integer from 0 to 4000000000000000000, got \"-5\" (negative)"),
        BadScenario(
            name: "clock unknown key",
            text: "server:\n  nic: { clock: { skew: 1 } }\nreceivers: [{ name: rx1 }]\n",
            line: 2, message: "unknown key \"skew\""),
        BadScenario(
            name: "control character",
            text: "receivers:\n  - name: rx\u{07}one\n",
            line: 2, message: "invalid YAML: control characters are not allowed (U+0007)"),
    ]

    @Test(arguments: cases)
    func badScenarioIsRejectedAtTheRightPlace(_ bad: BadScenario) {
        let error = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(yaml: bad.text, file: "bad.yaml") }
        #expect(error?.file == "bad.yaml")
        #expect(error?.line == bad.line, "\(error?.description ?? "no error")")
        #expect(error?.column ?? 0 >= 1)
        #expect(error?.message.contains(bad.message) == true, "\(error?.description ?? "no error")")
    }

    @Test func randomBytesAreRejectedAsNotUTF8() {
        var random = SplitMix64(seed: 42)
        let bytes = (0..<512).map { _ in UInt8.random(in: 0...255, using: &random) }
        let error = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(bytes: bytes, file: "noise") }
        #expect(error?.line == 1)
        #expect(error?.message.contains("not UTF-8 text: invalid byte 0x") == true)
    }

    @Test func invalidUTF8IsLocated() {
        let bytes = Array("name: x\nreceivers:\n  - name: caf".utf8) + [0xE9] + Array("\n".utf8)
        let error = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(bytes: bytes, file: "latin1") }
        #expect(error?.line == 3)
        #expect(error?.column == 14)
        #expect(error?.message == "not UTF-8 text: invalid byte 0xE9; scenario files must be UTF-8")
    }

    @Test func documentsOverOneMebibyteAreRefused() {
        let text = "receivers: [{ name: rx1 }]\n" + String(repeating: "# padding\n", count: 110_000)
        let error = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(yaml: text, file: "big.yaml") }
        #expect(error?.line == 1)
        #expect(error?.message.contains("larger than the limit of 1 MiB") == true)
        let bytesError = #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(bytes: Array(text.utf8), file: "big.yaml")
        }
        #expect(bytesError?.message.contains("larger than the limit of 1 MiB") == true)
    }

    @Test func toAllCannotExpandPastTheEntryLimit() {
        var text = "receivers:\n"
        for index in 0..<100 { text += "  - { name: r\(index), ip: 10.0.\(index / 200).\(index % 200 + 1) }\n" }
        text += "writes:\n  entries:\n"
        for _ in 0..<656 { text += "    - { to: all, size: 1 }\n" }
        let error = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(yaml: text, file: "wide.yaml") }
        #expect(error?.line == 104 + 655)
        #expect(error?.message.contains("writes.entries[655]: `to: all` makes more than 65536 write entries") == true)
    }

    // MARK: - Fixtures

    /// Expected line and message fragment for every file in `Fixtures/scenarios/bad`.
    static let fixtures: [String: (line: Int, message: String)] = [
        "alias-bomb.yaml": (8, "alias *l5 expands the document to more than 1048576 nodes"),
        "alias-deep.yaml": (4, "alias *l1 nests the document 38 levels deep once expanded"),
        "bad-rate.yaml": (5, "receivers[1].link.rate: expected a rate like 1Gbps, 100Mbps or 10000bps, got \"fast\""),
        "control-character.yaml": (2, "control characters are not allowed"),
        "deep-block-nesting.yaml": (17, "nesting deeper than 32 levels"),
        "deep-nesting.yaml": (6, "nesting deeper than 32 levels"),
        "duplicate-ip.yaml": (3, "receivers[1].ip: duplicate receiver address 192.0.2.20"),
        "duplicate-key.yaml": (4, "seed: duplicate key"),
        "duplicate-receiver-name.yaml": (6, "receivers[2].name: duplicate receiver name \"rx1\""),
        "empty.yaml": (1, "empty scenario: expected a mapping with server, receivers and writes"),
        "fault-link-without-target.yaml": (5, "faults[0]: link-flap needs target:"),
        "fault-probability-over-one.yaml": (6, "faults[0].probability: \"150%\" is more than 1 (100%)"),
        "invalid-yaml.yaml": (5, "invalid YAML: did not find expected ',' or ']'"),
        "missing-entries.yaml": (3, "writes: missing required key \"entries\""),
        "missing-receivers.yaml": (1, "missing required key \"receivers\""),
        "negative-size.yaml": (7, "writes.entries[0].size: expected a size like 64KiB, 1500 or 1.5MB, got \"-64KiB\""),
        "not-utf8.yaml": (1, "not UTF-8 text: invalid byte 0xE9"),
        "packet-size-over-mtu.yaml": (4, "server.driver.packet-size: packet size 2000 is larger than the MTU (1500)"),
        "random-bytes.yaml": (1, "not UTF-8 text"),
        "receiver-ip-is-server.yaml": (5, "receivers[0].ip: address 192.0.2.1 is the server's address"),
        "tab-indentation.yaml": (2, "invalid YAML: found character that cannot start any token"),
        "top-level-scalar.yaml": (1, "at the top level, got a scalar \"just a string\""),
        "top-level-sequence.yaml": (1, "at the top level, got a sequence"),
        "tx-ring-not-power-of-two.yaml": (
            3, "server.nic.tx-ring: expected a power of two from 8 to 65536, got \"1000\""
        ),
        "unknown-driver-mode.yaml": (3, "server.driver.mode: expected one of zero-copy, copy, got \"turbo\""),
        "unknown-key.yaml": (5, "unknown key \"nic-speed\" in server"),
        "unknown-receiver.yaml": (7, "writes.entries[1].to: unknown receiver \"rx3\""),
        "wrong-type.yaml": (3, "server: expected a mapping, got a sequence"),
    ]

    static let badFixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ScenariosTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Fixtures/scenarios/bad")

    @Test func everyBadFixtureFailsWithALocatedError() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.badFixtures.path)
            .filter { $0.hasSuffix(".yaml") }
            .sorted()
        #expect(names == Self.fixtures.keys.sorted(), "the table and the directory list the same files")
        for name in names {
            let path = Self.badFixtures.appendingPathComponent(name).path
            let error = #expect(throws: ScenarioError.self, "\(name)") { try ScenarioParser.parse(contentsOf: path) }
            guard let error else { continue }
            #expect(error.file == path)
            #expect(error.line >= 1 && error.column >= 1, "\(error)")
            let expected = try #require(Self.fixtures[name], "no expectation for \(name)")
            #expect(error.line == expected.line, "\(error)")
            #expect(error.message.contains(expected.message), "\(error)")
        }
    }
}

/// Sebastiano Vigna's SplitMix64: a small seeded generator so random inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
