import CommandTestSupport
import Foundation
@testable import Labs
import Testing

/// Runs `nicsim` with `arguments` in the package root.
func nicsim(_ arguments: [String]) throws -> ProcessResult {
    try runProcess(nicsimExecutable(), arguments, in: packageRoot)
}

/// The arguments of a command a lab tells the student to type (`swift run nicsim …`).
func arguments(of command: String) -> [String] {
    Array(command.split(separator: " ").map(String.init).drop { $0 != "nicsim" }.dropFirst())
}

@Suite("nicsim labs and nicsim lab NAME", .serialized)
struct LabCommandTests {
    @Test("`nicsim labs` lists every lab with its question")
    func list() throws {
        let r = try nicsim(["labs"])
        #expect(r.status == 0)
        for lab in Lab.all {
            #expect(r.stdout.contains(lab.name) && r.stdout.contains(lab.question), "\(lab.name)")
        }
        for group in Lab.Group.allCases { #expect(r.stdout.contains(group.rawValue)) }
    }

    @Test("`nicsim lab NAME` prints what the lab states, and the command it gives prints the same table",
          arguments: simulationLabs)
    func lab(lab: Lab) async throws {
        let r = try nicsim(["lab", lab.name])
        #expect(r.status == 0, "\(r.stderr)")
        let result = try await runner.run(lab)
        #expect(r.stdout == result.text())
        // The student's command, typed as the lab gives it, prints the table the lab shows.
        let typed = try nicsim(arguments(of: lab.commands[0]))
        #expect(typed.status == 0, "\(typed.stderr)")
        let table = typed.stdout.split(separator: "\n").dropFirst(2).joined(separator: "\n")
        #expect(!table.isEmpty && r.stdout.contains(table))
    }

    @Test("each lab's picture commands write an HTML page of charts and a trace", arguments: simulationLabs)
    func pictures(lab: Lab) throws {
        #expect(lab.pictures.count >= 2)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nicsim-pictures-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for command in lab.pictures {
            var args = arguments(of: command)
            if let i = args.firstIndex(of: "--html") {
                args[i + 1] = folder.appendingPathComponent(args[i + 1]).path
                let r = try nicsim(args)
                #expect(r.status == 0, "\(command): \(r.stderr)")
                let page = try String(contentsOfFile: args[i + 1], encoding: .utf8)
                #expect(page.contains("data-chart=\"chart-tx-ring\"") && page.contains("<svg"), "\(command)")
            } else {
                // `… --trace | head -40`: the trace part.
                let traced = Array(args.prefix { $0 != "|" })
                let r = try nicsim(traced)
                #expect(r.status == 0, "\(command): \(r.stderr)")
                #expect(r.stdout.contains(" us  ") && r.stdout.contains("descriptor-write"), "\(command)")
            }
        }
    }

    @Test("each lab prints the command that writes its timeline, and that command writes a Perfetto trace and a pcapng",
          arguments: simulationLabs)
    func timeline(lab: Lab) throws {
        let r = try nicsim(["lab", lab.name])
        #expect(
            r.stdout.replacingOccurrences(of: " \\\n      ", with: " ").contains(lab.timeline),
            "the lab does not print its timeline command")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nicsim-timeline-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var args = arguments(of: lab.timeline)
        for flag in ["--perfetto", "--pcapng"] {
            let i = try #require(args.firstIndex(of: flag))
            args[i + 1] = folder.appendingPathComponent(args[i + 1]).path
        }
        let run = try nicsim(args)
        #expect(run.status == 0, "\(lab.timeline): \(run.stderr)")
        let trace = try Data(contentsOf: folder.appendingPathComponent("\(lab.name).pftrace"))
        let capture = try Data(contentsOf: folder.appendingPathComponent("\(lab.name).pcapng"))
        // A Trace's first field is a TracePacket (field 1, length-delimited); pcapng opens with a section header.
        #expect(trace.first == 0x0A && trace.count > 1000)
        #expect(Array(capture.prefix(4)) == [0x0A, 0x0D, 0x0D, 0x0A])
    }

    @Test("an unknown lab or a folder without lab scenarios is a one-line error with status 2")
    func errors() throws {
        let unknown = try nicsim(["lab", "no-such-lab"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("nicsim: no lab named no-such-lab"))
        let missing = try nicsim(["lab", "interleaving", "--fixtures", "/nonexistent"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("holds no lab scenarios"))
    }

    @Test("a lab whose numbers differ exits with status 1")
    func differs() throws {
        // A copy of the lab scenarios where the interleaving lab's switch has more buffer: no drops.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nicsim-labs-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Fixtures/labs"), to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("interleaving.yaml")
        let text = try String(contentsOf: file, encoding: .utf8).replacing("size: 58880", with: "size: 29440")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let r = try nicsim(["lab", "interleaving", "--fixtures", folder.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("numbers differ from what this lab states"))
    }
}

/// The real-network lab, as root with vde2: a namespace, a tap and a vde_switch of its own, removed afterwards.
/// Skipped on a machine without them, but never under `CI`: there a missing install step fails the run.
@Suite("The real-network lab", .serialized,
       .enabled(if: RealLinuxLab.missingRequirements().isEmpty || ProcessInfo.processInfo.environment["CI"] != nil,
                "needs root, vde2, iproute2 and ping"))
struct RealLinuxLabTests {
    /// Through `nicsim lab vde-linux`, in a process of its own: the lab runs its programs with swift-subprocess,
    /// whose steps need Swift's cooperative threads, and in this test process the other suites' synchronous tests
    /// can hold both of them long enough for ping to miss the world.
    @Test("Linux receives every datagram byte for byte and the emulated server answers its pings")
    func vdeLinux() throws {
        let missing = RealLinuxLab.missingRequirements()
        try #require(missing.isEmpty, "CI is set and the real-network lab cannot run: \(missing)")
        let lab = try LabRunner.lab(named: "vde-linux")
        let r = try nicsim(["lab", lab.name])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("All \(lab.numbers.count) numbers are as stated."), "\(r.stdout)")
        #expect(r.stdout.contains("What Linux saw"))
        #expect(r.stdout.contains("3 packets transmitted, 3 received"), "\(r.stdout)")
        // Everything the lab made is gone: the namespace and the switch's folder it names.
        let words = r.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        let namespace = try #require(words.first { $0.hasPrefix("nicsim-lab-") && !$0.contains("/") })
        let switchPath = try #require(words.first { $0.hasPrefix(NSTemporaryDirectory() + "nicsim-lab-") })
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(namespace))
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/" + namespace))
        let switchFolder = URL(fileURLWithPath: switchPath).deletingLastPathComponent().path
        #expect(!FileManager.default.fileExists(atPath: switchFolder))
    }
}
