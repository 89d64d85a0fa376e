import Foundation
import NetworkModel
import Scenarios
import SimCore

/// The real-network lab: the emulated server's switch gets a VDE port into a vde_switch of the lab's own, whose
/// other end is a tap device in a network namespace of the lab's own with Linux at 192.0.2.1. Linux receives the
/// server's datagrams on a UDP socket and pings the server; everything is removed afterwards, also on failure.
///
/// Traffic stays inside the namespace and the vde_switch: addresses from 192.0.2.0/24 only, one bounded write,
/// three pings, two seconds.
struct RealLinuxLab {
    let lab: Lab
    let scenario: String

    /// Linux's address inside the namespace and the port its socket listens on.
    static let linuxAddress = "192.0.2.1"
    static let linuxPort: UInt16 = 5001
    static let serverAddress = "192.0.2.100"

    struct Outcome {
        var report: Report
        var linux: LinuxObservation
        var notes: [String]
    }

    /// The programs the lab runs, by name, with the Debian package that has each.
    static let tools: [(name: String, package: String)] = [
        ("vde_switch", "vde2"), ("vde_plug2tap", "vde2"), ("ip", "iproute2"), ("ping", "iputils-ping"),
    ]

    /// What the machine lacks for this lab, one line each; empty when it can run.
    ///
    /// - Parameters:
    ///   - uid: The effective user id (root is 0).
    ///   - locate: Finds a program by name (the search of `PATH`, `/usr/sbin` and `/usr/bin` unless given).
    static func missingRequirements(uid: uid_t = geteuid(), locate: (String) -> String? = RealLinuxLab.locate)
        -> [String]
    {
        var missing: [String] = []
        if uid != 0 {
            missing.append("root: the lab creates a network namespace and a tap device (run it with sudo)")
        }
        for tool in tools where locate(tool.name) == nil {
            missing.append("\(tool.name): apt-get install -y \(tool.package)")
        }
        return missing
    }

    /// The path of the program `name` in `PATH` or the system folders, nil when there is none.
    static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        return folders.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs the lab: everything it starts or creates is stopped and removed before it returns, also when it throws
    /// or its task is cancelled.
    func run() async throws(LabError) -> Outcome {
        let missing = Self.missingRequirements()
        guard missing.isEmpty else {
            throw LabError(.unavailable, "lab \(lab.name) needs a real Linux network stack it may change; missing:\n"
                           + missing.map { "  - " + $0 }.joined(separator: "\n"))
        }
        // A vde_switch of our own in a fresh folder.
        var template = Array((NSTemporaryDirectory() + "nicsim-lab-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw LabError(.environment, "cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            return try await run(in: folder)
        } catch let error as LabError {
            throw error
        } catch {
            throw LabError(.environment, "\(error)")
        }
    }

    /// The lab's steps, each program inside the scope of the one it needs (the switch, then the tap's plug), so
    /// that they stop in the reverse order they started.
    private func run(in folder: String) async throws -> Outcome {
        let tool = { (name: String) in Self.locate(name) ?? name }
        let ip = tool("ip")
        let socketPath = folder + "/switch"
        var notes: [String] = []
        return try await LabProcess.whileRunning(tool("vde_switch"), ["-s", socketPath]) { _ in
            let deadline = ContinuousClock.now + .seconds(5)
            while !FileManager.default.fileExists(atPath: socketPath + "/ctl") {
                guard ContinuousClock.now < deadline else {
                    throw LabError(.environment, "vde_switch did not start (vde_switch -s \(socketPath))")
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            // The control socket exists at bind(); let the switch reach listen().
            try await Task.sleep(for: .milliseconds(50))
            notes.append("started vde_switch -s \(socketPath)")

            // A namespace with a tap device plugged into the switch, Linux at 192.0.2.1/24.
            let namespace = "nicsim-lab-\(getpid())"
            _ = try? await LabProcess.run(ip, ["netns", "delete", namespace])
            guard try await LabProcess.run(ip, ["netns", "add", namespace]).status == 0 else {
                throw LabError(.environment, "ip netns add \(namespace) failed")
            }
            notes.append("created network namespace \(namespace)")
            let outcome: Result<Outcome, any Error>
            do {
                let plug = ["netns", "exec", namespace, tool("vde_plug2tap"), "-s", socketPath, Self.tap]
                outcome = .success(try await LabProcess.whileRunning(ip, plug) { _ in
                    try await runWithLinux(in: namespace, socketPath: socketPath, ip: ip, tool: tool, notes: notes)
                })
            } catch {
                outcome = .failure(error)
            }
            _ = try? await LabProcess.run(ip, ["netns", "delete", namespace])
            return try outcome.get()
        }
    }

    /// The tap device inside the namespace.
    static let tap = "lab0"

    /// With the tap's plug running: the tap's address, Linux's socket, then the emulated world while Linux pings.
    private func runWithLinux(in namespace: String, socketPath: String, ip: String, tool: (String) -> String,
                              notes: [String]) async throws -> Outcome
    {
        var notes = notes
        let tap = Self.tap
        var up = false
        for _ in 0..<100 where !up {
            up = (try? await LabProcess.run(ip, ["-n", namespace, "link", "show", tap]))?.status == 0
            if !up { try await Task.sleep(for: .milliseconds(20)) }
        }
        guard up else { throw LabError(.environment, "vde_plug2tap did not create \(tap) in \(namespace)") }
        for arguments in [["link", "set", "lo", "up"], ["link", "set", tap, "up"],
                          ["addr", "add", "\(Self.linuxAddress)/24", "dev", tap]] {
            guard try await LabProcess.run(ip, ["-n", namespace] + arguments).status == 0 else {
                throw LabError(.environment, "ip -n \(namespace) \(arguments.joined(separator: " ")) failed")
            }
        }
        notes.append("plugged tap \(tap) into the switch (vde_plug2tap) and gave it \(Self.linuxAddress)/24")

        // Linux's UDP socket, opened inside the namespace.
        let socket = try NamespaceSocket(namespace: namespace, address: Self.linuxAddress, port: Self.linuxPort)
        defer { socket.close() }
        notes.append("bound a UDP socket to \(Self.linuxAddress):\(Self.linuxPort) inside the namespace")

        // The emulated world, its switch's VDE port on our switch, paced to the wall clock.
        let spec: ScenarioSpec
        let world: World
        var options = World.Options()
        options.keepBufferContents = true
        do {
            spec = try ScenarioParser.parse(
                contentsOf: scenario,
                overrides: [ScenarioOverride(path: ["network", "vde", "url"], value: "vde://" + socketPath)])
            world = try World(spec: spec, options: options)
        } catch {
            throw LabError(.scenario, "\(error)")
        }
        // Linux pings the server while the world runs: ping starts first; it sends 3 pings, 0.3 s apart, waits 1 s
        // for each reply and ends by itself well within its 10-second bound.
        let ping = ["netns", "exec", namespace, tool("ping"), "-c", "3", "-i", "0.3", "-W", "1", Self.serverAddress]
        notes.append("ran the scenario for \(SimDuration(rawValue: spec.duration ?? 0)) of wall-clock-paced time "
                     + "while Linux ran ping -c 3 \(Self.serverAddress)")
        let (report, pinged) = try await LabProcess.whileCapturing(ip, ping, timeout: .seconds(10)) {
            await LabProcess.onOwnThread { world.report(outcome: world.run()) }
        }
        let pingOutput = pinged.output
        let summary = pingOutput.split(separator: "\n").first { $0.contains("packets transmitted") }.map(String.init)
            ?? "no summary (ping printed: \(pingOutput.isEmpty ? "nothing" : pingOutput))"
        let replies = Self.received(inPingSummary: summary)

        let received = socket.drain()
        var expected = FNV1a64()
        for (i, entry) in spec.writes.entries.enumerated() where spec.receivers[entry.receiver].kind == .external {
            let data = world.bufferContents[i]
            for _ in 0..<spec.writes.count { expected.add(data, from: 0, count: data.count) }
        }
        let linux = LinuxObservation(datagrams: received.datagrams, bytes: received.bytes,
                                     intact: received.digest == expected.value, pingReplies: replies,
                                     pingSummary: summary)
        notes.append("removed the namespace, the tap, the switch and its folder afterwards")
        return Outcome(report: report, linux: linux, notes: notes)
    }

    /// The `N received` of ping's summary line; 0 when absent.
    static func received(inPingSummary line: String) -> Int {
        let parts = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let part = parts.first(where: { $0.hasSuffix("received") }) else { return 0 }
        return Int(part.split(separator: " ").first ?? "") ?? 0
    }
}

/// A UDP socket created inside a named network namespace (by switching this thread into it for the `socket`
/// call only), bound to an address there.
final class NamespaceSocket {
    private var fd: Int32

    init(namespace: String, address: String, port: UInt16) throws(LabError) {
        // setns(2) is not in the Glibc module map (it needs _GNU_SOURCE): look it up by name.
        typealias SetNamespace = @convention(c) (Int32, Int32) -> Int32
        let newNetworkNamespace: Int32 = 0x4000_0000  // CLONE_NEWNET
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else {
            throw LabError(.environment, "this C library has no setns")
        }
        let setNamespace = unsafeBitCast(symbol, to: SetNamespace.self)
        let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/run/netns/" + namespace, O_RDONLY | O_CLOEXEC)
        defer {
            if home >= 0 { Glibc.close(home) }
            if target >= 0 { Glibc.close(target) }
        }
        guard home >= 0, target >= 0 else {
            throw LabError(.environment, "cannot open the network namespaces: \(String(cString: strerror(errno)))")
        }
        guard setNamespace(target, newNetworkNamespace) == 0 else {
            throw LabError(.environment, "setns into \(namespace): \(String(cString: strerror(errno)))")
        }
        let made = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        let madeErrno = errno
        // Back home before anything else can run on this thread.
        guard setNamespace(home, newNetworkNamespace) == 0 else {
            if made >= 0 { Glibc.close(made) }
            throw LabError(.environment, "setns back: \(String(cString: strerror(errno)))")
        }
        guard made >= 0 else { throw LabError(.environment, "socket: \(String(cString: strerror(madeErrno)))") }
        fd = made
        var size: Int32 = 4 << 20
        _ = setsockopt(fd, SOL_SOCKET, 33 /* SO_RCVBUFFORCE */, &size, socklen_t(MemoryLayout<Int32>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else {
            close()
            throw LabError(.environment, "bad address \(address)")
        }
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close()
            throw LabError(.environment, "bind \(address):\(port) in \(namespace): \(reason)")
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Reads every datagram waiting, without blocking: their count, bytes and the FNV-1a 64 of the payloads in
    /// arrival order.
    func drain() -> (datagrams: Int, bytes: Int, digest: UInt64) {
        var digest = FNV1a64()
        var count = 0
        var bytes = 0
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while fd >= 0 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { break }
            count += 1
            bytes += n
            digest.add(buffer, from: 0, count: n)
        }
        return (count, bytes, digest.value)
    }
}
