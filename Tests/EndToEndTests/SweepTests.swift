import CommandTestSupport
import Foundation
import Scenarios
import Testing

/// `nicsim sweep` (issue 20): the bytes it writes depend on neither --jobs nor sharding, it resumes, records runs
/// that fail or are killed, refuses products above its limit, and runs on a Slurm cluster.
@Suite("nicsim sweep", .serialized)
struct SweepTests {
    /// A scenario that runs in about 0.1 s: one write of 3,000 bytes to one receiver.
    static let scenario = """
        name: tiny
        seed: 7
        server:
          link: { rate: 10Gbps, delay: 500ns }
          driver: { mode: zero-copy, order: destination-major, interrupts: per-write }
        receivers:
          - { name: rx1, ip: 192.0.2.11, link: { rate: 1Gbps, delay: 1us } }
        writes:
          count: 1
          interval: 1ms
          entries:
            - { to: rx1, size: 3000 }

        """
    static let files = ["sweep.json", "results.jsonl", "summary.csv", "summary.html"]
    /// 2 × 3 variants × 2 seeds: 12 runs.
    static let product = ["--set", "server.driver.mode=copy,zero-copy", "--set", "writes.count=1,2,3", "--seeds", "2"]

    /// A fresh directory holding the scenario file; removed by the caller.
    func workspace(_ name: String) throws -> URL {
        let dir = temporaryFile("sweep-\(name)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(Self.scenario.utf8).write(to: dir.appendingPathComponent("tiny.yaml"))
        return dir
    }

    func sweep(_ dir: URL, _ arguments: [String]) throws -> ProcessResult {
        try runProcess(
            try nicsimExecutable(),
            ["sweep", dir.appendingPathComponent("tiny.yaml").path] + arguments + ["--no-progress"])
    }

    func contents(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for f in Self.files { out[f] = try Data(contentsOf: dir.appendingPathComponent(f)) }
        return out
    }

    func results(_ dir: URL) throws -> [SweepResult] {
        let text = try String(contentsOf: dir.appendingPathComponent("results.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(SweepResult.self, from: Data($0.utf8)) }
    }

    @Test("2 × 3 variants × 2 seeds with --jobs 1 and --jobs 4 write identical files")
    func jobsDoNotChangeBytes() throws {
        let dir = try workspace("jobs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = try sweep(dir, Self.product + ["--jobs", "1", "--out", dir.appendingPathComponent("one").path])
        let four = try sweep(dir, Self.product + ["--jobs", "4", "--out", dir.appendingPathComponent("four").path])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(four.status == 0, "\(four.stderr)")
        let a = try contents(dir.appendingPathComponent("one"))
        let b = try contents(dir.appendingPathComponent("four"))
        for f in Self.files { #expect(a[f] == b[f], "\(f) differs between --jobs 1 and --jobs 4") }
        let lines = try results(dir.appendingPathComponent("one"))
        #expect(lines.map(\.run) == Array(0..<12))
        #expect(lines.allSatisfy { $0.status == .ok && $0.report != nil })
        // Run 11: zero-copy (the second mode), writes.count=3, seed index 1 → the scenario's seed 7 + 1.
        #expect(lines[11].variant == ["server.driver.mode": "zero-copy", "writes.count": "3"])
        #expect(lines[11].seed == 8 && lines[10].seed == 7)
        // Three writes of 3,000 bytes in 1,500-byte frames: 3 × 3 frames.
        #expect(lines[11].figures?["frames transmitted"] == 9)
        let csv = String(decoding: a["summary.csv"] ?? Data(), as: UTF8.self).split(separator: "\n")
        #expect(csv.count == 7)
        #expect(
            csv.first?.hasPrefix("server.driver.mode,writes.count,runs ended,runs failed,system calls mean") == true)
        let html = String(decoding: a["summary.html"] ?? Data(), as: UTF8.self)
        #expect(html.contains("<figure data-chart=") && html.contains("cycles per datagram against server.driver.mode"))
        // The table on standard output is compare's, with a column per variant.
        #expect(one.stdout.contains("zero-copy 3") && one.stdout.contains("frames transmitted"))
    }

    @Test("shards merged give the bytes of the whole sweep; a missing shard is named")
    func shardsMergeToWhole() throws {
        let dir = try workspace("shards")
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try sweep(dir, Self.product + ["--jobs", "2", "--out", dir.appendingPathComponent("whole").path])
        #expect(whole.status == 0, "\(whole.stderr)")
        var shards: [String] = []
        for k in 1...3 {
            let out = dir.appendingPathComponent("shard\(k)").path
            let r = try sweep(dir, Self.product + ["--shard", "\(k)/3", "--jobs", "2", "--out", out])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try results(URL(fileURLWithPath: out)).count == 4)
            shards.append(out)
        }
        let nicsim = try nicsimExecutable()
        let merged = dir.appendingPathComponent("merged").path
        let m = try runProcess(nicsim, ["sweep", "merge"] + shards.reversed() + ["--out", merged])
        #expect(m.status == 0, "\(m.stderr)")
        let a = try contents(dir.appendingPathComponent("whole"))
        let b = try contents(URL(fileURLWithPath: merged))
        for f in Self.files { #expect(a[f] == b[f], "\(f): merged shards differ from the whole sweep") }
        let partial = try runProcess(
            nicsim, ["sweep", "merge", shards[0], shards[2], "--out", dir.appendingPathComponent("partial").path])
        #expect(partial.status == 2)
        #expect(
            partial.stderr.contains("4 of 12 runs") && partial.stderr.contains("shards missing: 2/3"),
            "\(partial.stderr)")
    }

    @Test("a rerun skips the runs already in --out and runs only the rest")
    func resume() throws {
        let dir = try workspace("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let first = try sweep(dir, Self.product + ["--jobs", "2", "--out", out.path])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try contents(out)
        // Keep runs 0–8 and mark run 0 so that a rerun of it would show; drop runs 9–11.
        var lines = String(decoding: before["results.jsonl"] ?? Data(), as: UTF8.self).split(separator: "\n").map(
            String.init)
        lines = Array(lines.prefix(9))
        lines[0] = lines[0].replacingOccurrences(of: "\"frames transmitted\":3,", with: "\"frames transmitted\":3000,")
        #expect(lines[0].contains("3000"))
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: out.appendingPathComponent("results.jsonl"))
        let second = try sweep(dir, Self.product + ["--jobs", "2", "--out", out.path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("9 of 12 runs already in"), "\(second.stderr)")
        let after = try results(out)
        #expect(after.map(\.run) == Array(0..<12))
        #expect(after[0].figures?["frames transmitted"] == 3000, "run 0 was rerun")
        #expect(after[9].status == .ok && after[11].status == .ok)
        // The same sweep into a directory that holds another is refused.
        let other = try sweep(dir, ["--set", "writes.count=1,2", "--out", out.path])
        #expect(other.status == 2 && other.stderr.contains("holds a different sweep"), "\(other.stderr)")
    }

    @Test("a run that fails or is killed is recorded with its error and the sweep goes on")
    func failuresRecorded() throws {
        let dir = try workspace("fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let r = try sweep(
            dir, ["--set", "server.driver.mode=copy,bogus", "--set", "writes.count=1,2", "--out", out.path])
        #expect(r.status == 1)
        let lines = try results(out)
        #expect(lines.map(\.status) == [.ok, .ok, .failed, .failed])
        #expect(lines[2].error?.contains("tiny.yaml:") == true && lines[2].error?.contains("bogus") == true)
        #expect(lines[2].report == nil && lines[0].report != nil)
        #expect(r.stdout.contains("runs failed") && r.stdout.contains("run 2 (bogus 1 seed 7): failed"))
        // A run of a million writes outlasts a 4 s --timeout: stopped, recorded as killed; the short run ends.
        let slow = dir.appendingPathComponent("slow")
        let k = try sweep(dir, ["--set", "writes.count=1,1000000", "--timeout", "4", "--jobs", "2", "--out", slow.path])
        #expect(k.status == 1)
        let killed = try results(slow)
        #expect(killed.map(\.status) == [.ok, .killed])
        #expect(killed[1].error?.contains("timed out after 4 s") == true)
        let html = try String(contentsOf: slow.appendingPathComponent("summary.html"), encoding: .utf8)
        #expect(html.contains("Runs that did not end") && html.contains("timed out"))
        // A run whose expectation fails ended: its report is kept, its status and error say which expectation.
        let expect = packageRoot.appendingPathComponent("Fixtures/scenarios/expect/two-receivers-expect.yaml").path
        let e = try runProcess(try nicsimExecutable(), ["sweep", expect, "--set", "writes.count=2", "--no-progress",
                                                        "--out", dir.appendingPathComponent("expect").path])
        #expect(e.status == 1)
        let ended = try results(dir.appendingPathComponent("expect"))
        #expect(ended.count == 1 && ended[0].status == .expectationsFailed && ended[0].report != nil)
        #expect(ended[0].error?.contains("expectation failed: switch-peak.rx1") == true, "\(ended)")
    }

    @Test("a product larger than the limit is refused unless --limit runs=N allows it")
    func limitRefuses() throws {
        let dir = try workspace("limit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let refused = try sweep(dir, Self.product + ["--limit", "runs=11", "--out", out.path])
        #expect(refused.status == 2)
        #expect(
            refused.stderr.contains("12 runs") && refused.stderr.contains("more than the limit of 11"),
            "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // The default limit, 10,000: 101 × 100 variants are refused before anything runs.
        let many = try sweep(dir, ["--set", "writes.count=" + (1...101).map(String.init).joined(separator: ","),
                                   "--set", "writes.interval=" + (1...100).map { "\($0)ms" }.joined(separator: ","),
                                   "--out", out.path])
        #expect(many.status == 2 && many.stderr.contains("10100 runs"), "\(many.stderr)")
        let allowed = try sweep(dir, Self.product + ["--limit", "runs=12", "--jobs", "2", "--out", out.path])
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    @Test("--slurm writes a job array with one task per shard and the merge as a dependent job")
    func slurmScript() throws {
        let dir = try workspace("slurm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let r = try sweep(dir, Self.product + ["--slurm", "--shards", "3", "--slurm-cpus", "2", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let array = try String(contentsOf: out.appendingPathComponent("sweep.sbatch"), encoding: .utf8)
        let merge = try String(contentsOf: out.appendingPathComponent("merge.sbatch"), encoding: .utf8)
        let submit = try String(contentsOf: out.appendingPathComponent("submit.sh"), encoding: .utf8)
        #expect(array.contains("#SBATCH --array=1-3") && array.contains("#SBATCH --cpus-per-task=2"))
        #expect(array.contains("#SBATCH --chdir=" + FileManager.default.currentDirectoryPath))
        #expect(
            array.contains("--shard \"${SLURM_ARRAY_TASK_ID}/3\"")
                && array.contains("--set server.driver.mode=copy,zero-copy"))
        #expect(array.contains("--static-swift-stdlib"), "says what to copy when the binary is not on shared storage")
        #expect(merge.contains("sweep merge") && merge.contains("/shards/3"))
        #expect(submit.contains("sbatch --parsable --array=1-3") && submit.contains("--dependency=afterany:"))
        // Nothing ran.
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("results.jsonl").path))
    }

    @Test("on a one-node Slurm cluster the merged sweep is byte-identical to a local one (root)")
    func slurmCluster() throws {
        guard getuid() == 0 else {
            // CI runs as root; elsewhere this needs root for its daemons and network namespace.
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "the Slurm test needs root under CI")
            return
        }
        let script = packageRoot.appendingPathComponent("Scripts/slurm-sweep-test.sh")
        let r = try runProcess(URL(fileURLWithPath: "/bin/bash"), [script.path, try nicsimExecutable().path])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("byte-identical to the local sweep"))
    }
}
