@testable import Labs
import Foundation
import NetworkModel
import NICSimTesting
import Scenarios
import SimCore
import Testing
import WireFormats

extension VDEPortTestsRoot {
    /// Whole scenarios attached through vde_switch to a tap in a namespace of the test's own: Linux judges.
    @Suite struct LinuxJudgeTests {
        static let ip = "/usr/sbin/ip"
        static let plug2tap = "/usr/bin/vde_plug2tap"
        static let python = "/usr/bin/python3"
        static let ping = "/usr/bin/ping"

        /// A namespace with a tap at 192.0.2.1/24 plugged into a fresh vde_switch; everything goes in `stop`.
        final class Lab {
            let namespace = "nicsim-judge-\(getpid())"
            let vdeSwitch: VDESwitchProcess
            let plug: ChildProcess
            init() throws {
                try #require(getuid() == 0, "network namespaces and tap devices need root")
                for tool in [
                    LinuxJudgeTests.ip, LinuxJudgeTests.plug2tap, LinuxJudgeTests.python, VDESwitchProcess.executable,
                ] {
                    try #require(executableExists(tool), "\(tool) is required (Scripts/install-deps.sh test)")
                }
                _ = try? runCommand(LinuxJudgeTests.ip, ["netns", "delete", namespace])
                try #require(try runCommand(LinuxJudgeTests.ip, ["netns", "add", namespace]).status == 0)
                let namespace = self.namespace
                do {
                    vdeSwitch = try VDESwitchProcess()
                } catch {
                    _ = try? runCommand(LinuxJudgeTests.ip, ["netns", "delete", namespace])
                    throw error
                }
                do {
                    plug = try ChildProcess(LinuxJudgeTests.ip, ["netns", "exec", namespace, LinuxJudgeTests.plug2tap,
                                                                  "-s", vdeSwitch.socketPath, "judge0"])
                } catch {
                    vdeSwitch.stop()
                    _ = try? runCommand(LinuxJudgeTests.ip, ["netns", "delete", namespace])
                    throw error
                }
                // From here on a failure tears everything down before it is reported.
                var up = false
                for _ in 0..<100 where !up {
                    up = (try? runCommand(LinuxJudgeTests.ip, ["-n", namespace, "link", "show", "judge0"]))?.status == 0
                    if !up { pause(milliseconds: 20) }
                }
                var configured = up
                for arguments in [["link", "set", "lo", "up"], ["link", "set", "judge0", "up"],
                                  ["addr", "add", "192.0.2.1/24", "dev", "judge0"]] where configured {
                    configured = (try? runCommand(LinuxJudgeTests.ip, ["-n", namespace] + arguments))?.status == 0
                }
                if !configured {
                    stop()
                    try #require(Bool(false), "could not set up the tap in \(namespace)")
                }
            }
            func run(_ program: String) throws -> ChildProcess {
                try ChildProcess(
                    LinuxJudgeTests.ip, ["netns", "exec", namespace, LinuxJudgeTests.python, "-c", program],
                    captureOutput: true)
            }
            func stop() {
                plug.stop()
                vdeSwitch.stop()
                _ = try? runCommand(LinuxJudgeTests.ip, ["netns", "delete", namespace])
            }
        }

        /// Listens on 192.0.2.1 at the given ports until 1.5 s pass without a datagram (at most 8 s), then prints
        /// per port: count, bytes and the FNV-1a 64 of the payloads in arrival order.
        static func listener(ports: [Int]) -> String {
            """
            import socket, select, time
            socks = {}
            for p in \(ports):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
                s.bind(("192.0.2.1", p))
                socks[s] = [p, 0, 0, 0xcbf29ce484222325]
            print("ready", flush=True)
            start = time.time(); last = start
            while time.time() - start < 8 and (time.time() - last < 1.5 or all(v[1] == 0 for v in socks.values())):
                ready, _, _ = select.select(list(socks), [], [], 0.1)
                for s in ready:
                    data = s.recv(65536)
                    v = socks[s]; v[1] += 1; v[2] += len(data)
                    h = v[3]
                    for b in data:
                        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
                    v[3] = h
                    last = time.time()
            for v in socks.values():
                print("port %d %d %d %016x" % (v[0], v[1], v[2], v[3]), flush=True)
            """
        }

        static func scenario(vde url: String, entries: [Int], externals: [UInt16]) -> ScenarioSpec {
            var spec = ScenarioSpec.testScenario(entries: entries, receivers: externals.count)
            spec.server.ip = IPv4Address(192, 0, 2, 100)
            spec.server.link.rate = 1_000_000_000
            for (i, port) in externals.enumerated() {
                spec.receivers[i].kind = .external
                spec.receivers[i].ip = IPv4Address(192, 0, 2, 1)
                spec.receivers[i].port = port
            }
            spec.duration = 3_000_000_000_000
            spec.writes.count = 1
            var vde = VDESpec(url: url)
            vde.rate = 1_000_000_000
            spec.network.vde = vde
            return spec
        }

        @Test func everyDatagramOfAZeroCopyWriteReachesLinuxSocketsAndLinuxPingsTheEmulatedHost() throws {
            let lab = try Lab()
            defer { lab.stop() }
            let listener = try lab.run(Self.listener(ports: [5001, 5002]))
            defer { listener.stop() }
            try #require(listener.readLine(milliseconds: 5_000) == "ready")

            // Two entries to two ports of the Linux host: a zero-copy write from registered buffers, ARP first.
            var spec = Self.scenario(vde: lab.vdeSwitch.url, entries: [20_000, 30_000], externals: [5001, 5002])
            spec.receivers[0].port = 5001
            spec.receivers[1].port = 5002
            var options = World.Options()
            options.keepBufferContents = true
            pause(milliseconds: 100)
            let world = try World(spec: spec, options: options)
            // Linux pings the emulated server while the paced run goes on.
            let ping = try ChildProcess(
                Self.ip,
                [
                    "netns", "exec", lab.namespace, Self.ping, "-c", "3", "-i", "0.3", "-W", "2",
                    "192.0.2.100",
                ], captureOutput: true)
            defer { ping.stop() }
            let report = world.report(outcome: world.run())

            var lines: [String] = []
            while let line = listener.readLine(milliseconds: 10_000), lines.count < 2 { lines.append(line) }
            for (i, port) in [5001, 5002].enumerated() {
                var digest = FNV1a64()
                let data = world.bufferContents[i]
                // The write is cut into datagrams of 1,472 bytes; the listener digests them in arrival order.
                digest.add(data, from: 0, count: data.count)
                let segments = (data.count + 1471) / 1472
                let expected = String(format: "port %d %d %d %016llx", port, segments, data.count, digest.value)
                #expect(lines.contains(expected), "\(lines) lacks \(expected)")
            }
            #expect(report.hosts[0].arpRequestsSent >= 1)
            #expect(report.vde?.down == nil)
            #expect(ping.wait(milliseconds: 5_000))
            var pingOutput: [String] = []
            while let line = ping.readLine(milliseconds: 200) { pingOutput.append(line) }
            #expect(pingOutput.contains { $0.contains("3 received") }, "\(pingOutput)")
            #expect(report.hosts[0].repliesSent >= 3)
        }

        @Test func aRealSenderReachesAnEmulatedRelayThatFansOutToRealAndEmulatedReceivers() throws {
            let lab = try Lab()
            defer { lab.stop() }
            let listener = try lab.run(Self.listener(ports: [5002]))
            defer { listener.stop() }
            try #require(listener.readLine(milliseconds: 5_000) == "ready")
            // rx1: an emulated listener; ext: the Linux listener; relay: an emulated host with a receive policy.
            var spec = ScenarioSpec.testScenario(entries: [0], receivers: 3)
            spec.server.ip = IPv4Address(192, 0, 2, 100)
            spec.receivers[1].kind = .external
            spec.receivers[1].ip = IPv4Address(192, 0, 2, 1)
            spec.receivers[1].port = 5002
            spec.receivers[2].kind = .host
            spec.receivers[2].name = "relay"
            spec.receivers[2].ip = IPv4Address(192, 0, 2, 50)
            spec.receivers[2].port = 6000
            spec.writes.entries = [WriteEntrySpec(receiver: 0, bytes: 1, pageOffset: 0)]
            spec.policies = [
                PolicySpec(
                    id: 1, host: 2, direction: .receive, placement: .os, matchIP: spec.receivers[2].ip,
                    matchPort: 6000, matchSource: nil, redirect: true,
                    targets: [
                        .remote(ip: spec.receivers[0].ip, port: spec.receivers[0].port),
                        .remote(ip: IPv4Address(192, 0, 2, 1), port: 5002),
                    ])
            ]
            spec.duration = 3_000_000_000_000
            var vde = VDESpec(url: lab.vdeSwitch.url)
            vde.rate = 1_000_000_000
            spec.network.vde = vde
            let world = try World(spec: spec)
            // The real sender: 100 datagrams of 1,316 bytes (7 TS packets) to the relay, 2 ms apart, bounded.
            let sender = try lab.run("""
                import socket, time
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                time.sleep(0.3)
                for i in range(100):
                    s.sendto(bytes([i % 256]) * 1316, ("192.0.2.50", 6000))
                    time.sleep(0.002)
                print("sent", flush=True)
                """)
            defer { sender.stop() }

            let report = world.report(outcome: world.run())

            #expect(sender.readLine(milliseconds: 5_000) == "sent")
            let line = listener.readLine(milliseconds: 10_000)
            // The relay learns the sender's MAC from its ARP request and sends the copies back to it.
            #expect(line?.hasPrefix("port 5002 100 131600 ") == true, "\(line ?? "nothing")")
            #expect(report.receivers[0].datagrams == 100 + 1, "100 relayed plus the server's own one-byte write")
            #expect(report.policies[0].matched == 100 && report.policies[0].remoteCopies == 200)
        }
    }
}
