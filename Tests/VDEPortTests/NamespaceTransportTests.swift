@testable import Labs
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

        /// A namespace of the test's own with its loopback up; `delete()` removes it and everything in it.
        final class Namespace {
            let name: String
            init(_ tag: String) throws {
                try #require(getuid() == 0, "network namespaces need root")
                try #require(executableExists(NamespaceTransportTests.ip), "ip (package iproute2) is required")
                name = "nicsim-\(tag)-\(getpid())"
                try #require(try runCommand(NamespaceTransportTests.ip, ["netns", "add", name]).status == 0)
                try run(["link", "set", "lo", "up"])
            }
            func run(_ arguments: [String]) throws {
                let r = try runCommand(NamespaceTransportTests.ip, ["-n", name] + arguments)
                try #require(r.status == 0, "ip -n \(name) \(arguments.joined(separator: " ")): \(r.output)")
            }
            /// `command` run inside the namespace, as a child process.
            func start(_ command: [String], captureOutput: Bool = true) throws -> ChildProcess {
                try ChildProcess(
                    NamespaceTransportTests.ip, ["netns", "exec", name] + command, captureOutput: captureOutput)
            }
            func delete() { _ = try? runCommand(NamespaceTransportTests.ip, ["netns", "delete", name]) }
        }

        /// The JSON report a child nicsim printed.
        static func report(of child: ChildProcess) throws -> [String: Any] {
            var text = ""
            while let line = child.readLine(milliseconds: 500) { text += line + "\n" }
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return try #require(object, "a JSON report, got: \(text.prefix(300))")
        }

        @Test func twoEmulationsExchangeDatagramsOverVXVDEOnTheNamespaceLoopback() throws {
            let binary = try TwoProcessTests.nicsim()
            let namespace = try Namespace("vxvde")
            defer { namespace.delete() }
            // Multicast on the loopback only: the group's route leads nowhere else.
            try namespace.run(["link", "set", "lo", "multicast", "on"])
            try namespace.run(["route", "add", "224.0.0.0/4", "dev", "lo"])
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let url = "vxvde://239.192.2.1"
            let a = dir.path + "/a.yaml"
            let b = dir.path + "/b.yaml"
            try TwoProcessTests.scenario(me: 11, peer: 12, url: url).write(toFile: a, atomically: true, encoding: .utf8)
            try TwoProcessTests.scenario(me: 12, peer: 11, url: url).write(toFile: b, atomically: true, encoding: .utf8)
            let first = try namespace.start([binary, "run", a, "--format", "json"])
            defer { first.stop() }
            let second = try namespace.start([binary, "run", b, "--format", "json"])
            defer { second.stop() }
            #expect(first.wait(milliseconds: 20_000))
            #expect(second.wait(milliseconds: 20_000))
            for child in [first, second] {
                let report = try Self.report(of: child)
                let host = try #require((report["hosts"] as? [[String: Any]])?.first)
                // 5 writes of 10,000 bytes, 7 datagrams each, delivered by the other's stack.
                #expect(host["udpDelivered"] as? Int == 35, "\(host["udpDelivered"] ?? "nothing") delivered")
                let vde = try #require(report["vde"] as? [String: Any])
                #expect(vde["url"] as? String == url)
                #expect(vde["framesReceived"] as? Int ?? 0 >= 35)
                #expect(vde["down"] == nil)
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

        @Test func linuxBehindATapInTheNamespacePingsTheServerAndGetsItsDatagrams() throws {
            let binary = try TwoProcessTests.nicsim()
            for tool in [Self.ping, Self.python] { try #require(executableExists(tool), "\(tool) is required") }
            let namespace = try Namespace("tap")
            defer { namespace.delete() }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let file = dir.path + "/tap.yaml"
            try Self.tapScenario.write(toFile: file, atomically: true, encoding: .utf8)
            // nicsim runs inside the namespace, so libvdeplug creates the tap device there.
            let server = try namespace.start([binary, "run", file, "--format", "json"])
            defer { server.stop() }
            var found = false
            for _ in 0..<100 where !found {
                found = try runCommand(Self.ip, ["-n", namespace.name, "link", "show", "nicsimtap1"]).status == 0
                if !found { pause(milliseconds: 20) }
            }
            try #require(found, "nicsim did not create nicsimtap1 in the namespace")
            try namespace.run(["link", "set", "nicsimtap1", "up"])
            try namespace.run(["addr", "add", "192.0.2.1/24", "dev", "nicsimtap1"])
            let listener = try namespace.start([Self.python, "-c", Self.listener])
            defer { listener.stop() }
            try #require(listener.readLine(milliseconds: 5_000) == "ready")
            let ping = try runCommand(
                Self.ip,
                [
                    "netns", "exec", namespace.name, Self.ping, "-c", "3", "-i", "0.2", "-W", "1",
                    "192.0.2.100",
                ], timeoutMilliseconds: 5_000)
            #expect(ping.output.contains("3 packets transmitted, 3 received"), "\(ping.output)")
            let heard = listener.readLine(milliseconds: 8_000)
            #expect(server.wait(milliseconds: 15_000))
            let report = try Self.report(of: server)
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
