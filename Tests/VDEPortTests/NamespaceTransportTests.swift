import Foundation
import Testing

extension VDEPortTestsRoot {
    /// libvdeplug's vxvde:// and tap:// transports, each inside a network namespace the test creates and deletes
    /// (issue 23, item 9): vxvde's multicast stays on the namespace's loopback, the tap device is created inside the
    /// namespace by the nicsim process that runs there, and every address is from 192.0.2.0/24. Needs root and
    /// iproute2; without them the tests fail (in CI and out).
    @Suite struct NamespaceTransportTests {
        static let ip = "/usr/sbin/ip"
        static let ping = "/usr/bin/ping"
        static let python = "/usr/bin/python3"

        /// A namespace of the test's own with its loopback up, deleted with everything in it when the body ends.
        struct Namespace {
            let name: String

            static func with<Result: Sendable>(_ tag: String, _ body: (Namespace) async throws -> Result) async throws
                -> Result
            {
                try #require(getuid() == 0, "network namespaces need root")
                try #require(executableExists(NamespaceTransportTests.ip), "ip (package iproute2) is required")
                let namespace = Namespace(name: "nicsim-\(tag)-\(getpid())")
                try #require(try await runCommand(NamespaceTransportTests.ip, ["netns", "add", namespace.name]).status == 0)
                return try await withCleanup {
                    try await namespace.run(["link", "set", "lo", "up"])
                    return try await body(namespace)
                } cleanup: {
                    _ = try? await runCommand(NamespaceTransportTests.ip, ["netns", "delete", namespace.name])
                }
            }
            func run(_ arguments: [String]) async throws {
                let r = try await runCommand(NamespaceTransportTests.ip, ["-n", name] + arguments)
                try #require(r.status == 0, "ip -n \(name) \(arguments.joined(separator: " ")): \(r.output)")
            }
            /// `command` run inside the namespace while `body` runs.
            func withStarted<Result: Sendable>(_ command: [String], _ body: (ChildProcess) async throws -> Result)
                async throws -> Result
            {
                try await withChildProcess(NamespaceTransportTests.ip, ["netns", "exec", name] + command, body)
            }
        }

        /// The JSON report a child nicsim printed.
        static func report(of child: ChildProcess) async throws -> [String: Any] {
            let text = await TwoProcessTests.output(of: child)
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return try #require(object, "a JSON report, got: \(text.prefix(300))")
        }

        @Test func twoEmulationsExchangeDatagramsOverVXVDEOnTheNamespaceLoopback() async throws {
            let binary = try TwoProcessTests.nicsim()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let url = "vxvde://239.192.2.1"
            let a = dir.path + "/a.yaml"
            let b = dir.path + "/b.yaml"
            try TwoProcessTests.scenario(me: 11, peer: 12, url: url).write(toFile: a, atomically: true, encoding: .utf8)
            try TwoProcessTests.scenario(me: 12, peer: 11, url: url).write(toFile: b, atomically: true, encoding: .utf8)
            try await Namespace.with("vxvde") { namespace in
                // Multicast on the loopback only: the group's route leads nowhere else.
                try await namespace.run(["link", "set", "lo", "multicast", "on"])
                try await namespace.run(["route", "add", "224.0.0.0/4", "dev", "lo"])
                try await namespace.withStarted([binary, "run", a, "--format", "json"]) { first in
                    try await namespace.withStarted([binary, "run", b, "--format", "json"]) { second in
                        #expect(await first.wait(milliseconds: 20_000))
                        #expect(await second.wait(milliseconds: 20_000))
                        for child in [first, second] {
                            let report = try await Self.report(of: child)
                            let host = try #require((report["hosts"] as? [[String: Any]])?.first)
                            // 5 writes of 10,000 bytes, 7 datagrams each, delivered by the other's stack.
                            #expect(host["udpDelivered"] as? Int == 35, "\(host["udpDelivered"] ?? "nothing") delivered")
                            let vde = try #require(report["vde"] as? [String: Any])
                            #expect(vde["url"] as? String == url)
                            #expect(vde["framesReceived"] as? Int ?? 0 >= 35)
                            #expect(vde["down"] == nil)
                        }
                    }
                }
            }
        }

        /// Linux behind `tap://` in the namespace: it pings the emulated server and receives its datagrams.
        static let listener = """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("192.0.2.1", 5004))
            s.settimeout(4)
            print("ready", flush=True)
            n = b = 0
            try:
                while n < 9:
                    data, sender = s.recvfrom(65535)
                    n += 1
                    b += len(data)
            except socket.timeout:
                pass
            print("got %d %d" % (n, b), flush=True)
            """

        static let tapScenario = """
            name: tap-server
            duration: 4s
            server: { ip: 192.0.2.100, mac: "02:00:00:00:00:64", port: 4000, link: { rate: 1Gbps } }
            network: { vde: { url: "tap://nicsimtap1" } }
            receivers:
              - { name: linux, kind: external, ip: 192.0.2.1, port: 5004 }
            writes:
              count: 3
              interval: 1s
              entries:
                - { to: linux, size: 3000 }
            """

        @Test func linuxBehindATapInTheNamespacePingsTheServerAndGetsItsDatagrams() async throws {
            let binary = try TwoProcessTests.nicsim()
            for tool in [Self.ping, Self.python] { try #require(executableExists(tool), "\(tool) is required") }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let file = dir.path + "/tap.yaml"
            try Self.tapScenario.write(toFile: file, atomically: true, encoding: .utf8)
            try await Namespace.with("tap") { namespace in
                // nicsim runs inside the namespace, so libvdeplug creates the tap device there.
                try await namespace.withStarted([binary, "run", file, "--format", "json"]) { server in
                    var found = false
                    for _ in 0..<100 where !found {
                        found = try await runCommand(Self.ip, ["-n", namespace.name, "link", "show", "nicsimtap1"]).status == 0
                        if !found { try await Task.sleep(for: .milliseconds(20)) }
                    }
                    try #require(found, "nicsim did not create nicsimtap1 in the namespace")
                    try await namespace.run(["link", "set", "nicsimtap1", "up"])
                    try await namespace.run(["addr", "add", "192.0.2.1/24", "dev", "nicsimtap1"])
                    let heard = try await namespace.withStarted([Self.python, "-c", Self.listener]) { listener in
                        try #require(await listener.readLine(milliseconds: 5_000) == "ready")
                        let ping = try await runCommand(
                            Self.ip, ["netns", "exec", namespace.name, Self.ping, "-c", "3", "-i", "0.2", "-W", "1",
                                      "192.0.2.100"], timeoutMilliseconds: 5_000)
                        #expect(ping.output.contains("3 packets transmitted, 3 received"), "\(ping.output)")
                        return await listener.readLine(milliseconds: 8_000)
                    }
                    #expect(await server.wait(milliseconds: 15_000))
                    let report = try await Self.report(of: server)
                    let host = try #require((report["hosts"] as? [[String: Any]])?.first)
                    #expect(host["repliesSent"] as? Int ?? 0 >= 3, "the server answered Linux's pings")
                    // The writes that found Linux's address by ARP arrived: 3 datagrams of 1472, 1472 and 56 bytes each.
                    let written = host["writesCompleted"] as? Int ?? 0
                    #expect(written >= 2)
                    #expect(heard == "got \(3 * written) \(3000 * written)", "\(heard ?? "nothing")")
                    let vde = try #require(report["vde"] as? [String: Any])
                    #expect(vde["url"] as? String == "tap://nicsimtap1")
                    #expect(vde["framesReceived"] as? Int ?? 0 >= 3)
                }
            }
        }
    }
}
