@testable import Labs
import Foundation
import NetworkModel
import SimCore
import Testing
import VDEPort
import WireFormats

extension VDEPortTestsRoot {
    /// Linux as the judge: a tap device in a network namespace of the test's own, plugged into the test's
    /// vde_switch with vde_plug2tap, addresses from 192.0.2.0/24 only.
    @Suite struct TapNamespaceTests {
        static let ip = "/usr/sbin/ip"
        static let plug2tap = "/usr/bin/vde_plug2tap"
        static let python = "/usr/bin/python3"

        /// Binds 192.0.2.1:5004, reports readiness, waits (bounded) for one datagram, prints its source and
        /// payload, and answers "ack:" + payload to the sender.
        static let listener = """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("192.0.2.1", 5004))
            s.settimeout(5)
            print("ready", flush=True)
            data, sender = s.recvfrom(4096)
            print("got %s %d %s" % (sender[0], sender[1], data.hex()), flush=True)
            s.sendto(b"ack:" + data, sender)
            """

        @Test func aDatagramFromThePortReachesLinuxAndLinuxAnswersThePort() throws {
            try #require(getuid() == 0, "network namespaces and tap devices need root")
            for tool in [Self.ip, Self.plug2tap, Self.python, VDESwitchProcess.executable] {
                try #require(executableExists(tool), "\(tool) is required")
            }
            let namespace = "nicsim-test-\(getpid())"
            try #require(try runCommand(Self.ip, ["netns", "add", namespace]).status == 0)
            defer { _ = try? runCommand(Self.ip, ["netns", "delete", namespace]) }
            let vdeSwitch = try VDESwitchProcess()
            defer { vdeSwitch.stop() }

            // The tap device is created inside the namespace because vde_plug2tap runs there.
            let tap = "nicsimtap0"
            let plug = try ChildProcess(
                Self.ip, ["netns", "exec", namespace, Self.plug2tap, "-s", vdeSwitch.socketPath, tap])
            defer { plug.stop() }
            var tapLink = ""
            for _ in 0..<100 where tapLink.isEmpty {
                let shown = try runCommand(Self.ip, ["-n", namespace, "-o", "link", "show", tap])
                if shown.status == 0 { tapLink = shown.output } else { pause(milliseconds: 20) }
            }
            try #require(!tapLink.isEmpty, "vde_plug2tap did not create \(tap)")
            let tapMAC = try #require(Self.etherAddress(in: tapLink))
            let emulatedMAC = try #require(MACAddress("02:00:00:00:00:22"))
            for arguments in [
                ["link", "set", "lo", "up"],
                ["link", "set", tap, "up"],
                ["addr", "add", "192.0.2.1/24", "dev", tap],
                // Linux answers without asking ARP (emulated ARP is another part of the issue).
                ["neigh", "replace", "192.0.2.2", "lladdr", emulatedMAC.description, "dev", tap, "nud", "permanent"],
            ] {
                try #require(try runCommand(Self.ip, ["-n", namespace] + arguments).status == 0, "ip \(arguments)")
            }
            let listener = try ChildProcess(
                Self.ip, ["netns", "exec", namespace, Self.python, "-c", Self.listener], captureOutput: true)
            defer { listener.stop() }
            try #require(listener.readLine(milliseconds: 5_000) == "ready")

            let sim = Simulator(seed: 1)
            let port = try VDEPort(simulator: sim, name: "vde0", url: vdeSwitch.url)
            defer { port.close() }
            let host = DatagramReceiver(simulator: sim, name: "emulated host", mac: emulatedMAC, keepPayload: true)
            port.inbound = host
            let payload = Array("nicsim over VDE to a Linux socket in 192.0.2.0/24".utf8)
            let template = HeaderTemplate(
                sourceMAC: emulatedMAC, destinationMAC: tapMAC, sourceIP: IPv4Address(192, 0, 2, 2),
                destinationIP: IPv4Address(192, 0, 2, 1), sourcePort: 40_000, destinationPort: 5004)
            var datagram = [UInt8](repeating: 0, count: template.headerLength) + payload
            var payloadSum = InternetChecksum()
            payloadSum.add(payload, from: 0, count: payload.count)
            template.render(
                into: &datagram, at: 0, payloadLength: payload.count, identification: 7,
                checksum: .full(payloadSum: payloadSum))
            FrameFeeder(simulator: sim, sink: port).send(datagram, at: .milliseconds(1), simulator: sim)

            pause(milliseconds: 100)  // vde_switch drops frames from plugs that send right after opening
            let pacer = RealTimePacer(simulator: sim)
            pacer.start(simulator: sim)
            var end = SimTime.zero
            while host.counters.datagrams == 0 && end < .seconds(3) {
                end += .milliseconds(50)
                sim.run(until: end)
            }

            let heard = listener.readLine(milliseconds: 2_000)
            #expect(heard == "got 192.0.2.2 40000 " + payload.map { Self.hex($0) }.joined())
            #expect(host.counters.datagrams == 1)
            #expect(host.payload == Array("ack:".utf8) + payload)
            #expect(host.counters.badUDPChecksums == 0 && host.counters.badIPChecksums == 0)
            #expect(port.counters.framesSent == 1)
            #expect(port.failure == nil)
        }

        /// The address after "link/ether" in one line of `ip -o link show`.
        static func etherAddress(in line: String) -> MACAddress? {
            let words = line.split(separator: " ")
            guard let index = words.firstIndex(of: "link/ether"), index + 1 < words.count else { return nil }
            return MACAddress(String(words[index + 1]))
        }

        static func hex(_ byte: UInt8) -> String {
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }
    }
}
