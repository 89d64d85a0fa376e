import CommandTestSupport
import Foundation
import Scenarios
import Testing

/// An output that cannot be written whole fails the run with exit status 3, naming the file and the system's
/// error, and leaves no partial file that looks whole (issue 23, item 6).
@Suite("Outputs that cannot be written fail the run", .serialized)
struct OutputFailureTests {
    let scenario = packageRoot.appendingPathComponent("Fixtures/scenarios/interleaving.yaml").path

    /// Every option that writes a file, as `nicsim run` takes it.
    static let fileOptions = ["--pcap", "--html", "--csv", "--trace-file", "--perfetto", "--pcapng"]

    @Test("each output to /dev/full exits 3 naming the file and ENOSPC; the report still comes out",
          arguments: fileOptions)
    func deviceFull(_ option: String) throws {
        let r = try runProcess(try nicsimExecutable(), ["run", scenario, option, "/dev/full"])
        #expect(r.status == 3, "\(option): \(r.stderr)")
        #expect(r.stderr.contains("nicsim: cannot write /dev/full: No space left on device"), "\(r.stderr)")
        #expect(r.stdout.contains("nicsim report: interleaving"), "the report is written whatever else failed")
    }

    @Test("a report to a full standard output exits 3", arguments: ["text", "json"])
    func standardOutputFull(_ format: String) throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        defer { try? full.close() }
        let r = try runProcess(try nicsimExecutable(), ["run", scenario, "--format", format], standardOutput: full)
        #expect(r.status == 3)
        #expect(r.stderr.contains("cannot write standard output: No space left on device"), "\(r.stderr)")
    }

    @Test("a compare table to a full standard output exits 3")
    func compareToFullOutput() throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        defer { try? full.close() }
        let r = try runProcess(try nicsimExecutable(),
                               ["compare", scenario, "--set", "server.driver.order=interleaved"], standardOutput: full)
        #expect(r.status == 3)
        #expect(r.stderr.contains("cannot write standard output"), "\(r.stderr)")
    }

    @Test("an output that cannot be created exits 3 before the run and leaves no other file")
    func cannotCreate() throws {
        let pcap = temporaryFile("never.pcap")
        let r = try runProcess(try nicsimExecutable(),
                               ["run", scenario, "--pcap", pcap.path, "--trace-file", "/nonexistent-nicsim/t.txt"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("cannot create /nonexistent-nicsim/t.txt: No such file or directory"), "\(r.stderr)")
        #expect(r.stdout.isEmpty, "no run, no report")
        #expect(!FileManager.default.fileExists(atPath: pcap.path), "the pcap opened first is removed")
    }

    /// A file system of 8 KiB that fills part-way through each output: the partial file is removed and the error
    /// names it with the bytes that got there. Needs root to mount; under `CI` that is a failure, not a skip.
    @Test("a small tmpfs filled part-way: exit 3, the partial file removed, the others intact",
          .enabled(if: getuid() == 0 || ProcessInfo.processInfo.environment["CI"] != nil))
    func smallFileSystem() throws {
        try #require(getuid() == 0, "mounting a tmpfs needs root")
        let folder = temporaryFile("tmpfs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let mount = try runProcess(URL(fileURLWithPath: "/bin/mount"),
                                   ["-t", "tmpfs", "-o", "size=8k,mode=0700", "nicsim-test", folder.path])
        try #require(mount.status == 0, "mount: \(mount.stderr)")
        defer { _ = try? runProcess(URL(fileURLWithPath: "/bin/umount"), [folder.path]) }
        let nicsim = try nicsimExecutable()
        for option in Self.fileOptions {
            let path = folder.appendingPathComponent("out").path
            // A whole report beside it, on a file system with room, for the comparison below.
            let r = try runProcess(nicsim, ["run", scenario, "--format", "json", option, path])
            #expect(r.status == 3, "\(option): \(r.stderr)")
            #expect(r.stderr.contains("cannot write \(path): No space left on device (after "), "\(r.stderr)")
            #expect(r.stderr.contains("the partial file was removed"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: path), "\(option): a partial file is left")
            #expect(r.stdout.hasPrefix("{") && r.stdout.hasSuffix("}\n"), "the report is whole")
        }
        // The report itself, redirected into the full file system.
        let reportPath = folder.appendingPathComponent("report.json").path
        let filler = folder.appendingPathComponent("filler").path
        // Leave one page free: the 10 KB JSON report cannot fit.
        #expect(FileManager.default.createFile(atPath: filler, contents: Data(repeating: 0, count: 4096)))
        #expect(FileManager.default.createFile(atPath: reportPath, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: reportPath))
        let r = try runProcess(nicsim, ["run", scenario, "--format", "json"], standardOutput: handle)
        try handle.close()
        #expect(r.status == 3)
        #expect(
            r.stderr.contains("cannot write standard output: No space left on device (after 4096 bytes"), "\(r.stderr)")
    }

    @Test("OutputFile: a whole write succeeds; a failed one throws once and removes the partial file")
    func outputFileType() throws {
        let path = temporaryFile("output-file.txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try OutputFile.write("hello\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "hello\n")

        let full = try OutputFile(path: "/dev/full")
        full.write("x")
        full.write("y")
        #expect(full.failure?.errno == ENOSPC)
        let error = #expect(throws: OutputError.self) { try full.close() }
        #expect(error?.operation == .write)
        #expect(error?.removed == false, "a device is never removed")
        #expect(FileManager.default.fileExists(atPath: "/dev/full"))

        let created = try OutputFile(path: path)
        created.write("partial")
        created.discard()
        #expect(!FileManager.default.fileExists(atPath: path), "a discarded output leaves nothing")
    }
}
