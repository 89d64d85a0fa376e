#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Scenarios

/// A sweep's output directory: `sweep.json`, `results.jsonl`, `summary.csv`, `summary.html`.
enum SweepOutput {
    /// The sweep a directory holds (nil when it has no sweep.json) and its results by run.
    static func read(_ dir: String) throws(Failure) -> (Sweep?, [Int: SweepResult]) {
        let base = URL(fileURLWithPath: dir)
        guard let definition = try? Data(contentsOf: base.appendingPathComponent("sweep.json")) else {
            return (nil, [:])
        }
        guard let sweep = try? JSONDecoder().decode(Sweep.self, from: definition) else {
            throw Failure(message: "\(dir)/sweep.json: not a sweep definition")
        }
        let text = (try? String(contentsOf: base.appendingPathComponent("results.jsonl"), encoding: .utf8)) ?? ""
        return (sweep, SweepResult.read(text))
    }

    /// Writes the definition, the results (in run order) and the summaries; returns the summary.
    @discardableResult
    static func write(sweep: Sweep, results: [SweepResult], to dir: String) throws(Failure) -> SweepSummary {
        let summary = SweepSummary(sweep: sweep, results: results)
        try create(dir)
        try replace(dir, "sweep.json", sweep.json())
        try replace(dir, "results.jsonl", results.map { $0.jsonLine() }.joined())
        try replace(dir, "summary.csv", summary.csv())
        try replace(dir, "summary.html", summary.html())
        return summary
    }

    static func create(_ dir: String) throws(Failure) {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw Failure(message: "cannot create \(dir): \(error.localizedDescription)")
        }
    }

    /// Writes a file whole through a temporary file and a rename, so a reader never sees half of it.
    static func replace(_ dir: String, _ name: String, _ text: String) throws(Failure) {
        let target = URL(fileURLWithPath: dir).appendingPathComponent(name)
        let temporary = URL(fileURLWithPath: dir).appendingPathComponent(".\(name).\(getpid()).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw Failure(message: "cannot write \(target.path): \(reason)")
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(message: "cannot write \(target.path): \(error.localizedDescription)")
        }
    }
}

/// Runs the runs of a sweep (or of its shard) that its output directory does not hold yet, `jobs` at a time,
/// each as a `nicsim run` child process, appending each result to `results.jsonl` as it comes; then rewrites the
/// directory's files in run order.
final class SweepRunner {
    let sweep: Sweep
    let file: SweepFile
    let allowVDECommand: Bool
    let jobs: Int
    let timeout: Double?
    let progress: Bool
    let executable: String
    let variants: [[ScenarioOverride]]
    /// Per variant: its parsed seed, or the error that stops it from parsing.
    private var parsed: [Int: Result<UInt64, ScenarioError>] = [:]

    init(sweep: Sweep, file: SweepFile, allowVDECommand: Bool, jobs: Int, timeout: Double?, progress: Bool) {
        self.sweep = sweep
        self.file = file
        self.allowVDECommand = allowVDECommand
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.progress = progress
        executable = SweepRunner.ownExecutable()
        variants = sweep.variants()
    }

    /// This program's path (the runs are started from it).
    static func ownExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// Runs what is left; returns the exit status (0 all ended well, 1 some did not, 128+signal when stopped).
    func run(out: String) throws(Failure) -> Int32 {
        StopSignals.install()
        try SweepOutput.create(out)
        let (existing, found) = try SweepOutput.read(out)
        if let existing {
            guard existing == sweep else {
                throw Failure(
                    message: "\(out) holds a different sweep (scenario, keys, seeds, limits or shard differ); "
                        + "choose another --out")
            }
        } else {
            try SweepOutput.replace(out, "sweep.json", sweep.json())
        }
        let mine = sweep.runs
        var results: [Int: SweepResult] = [:]
        for run in mine { if let r = found[run] { results[run] = r } }
        let todo = mine.filter { results[$0]?.status.isDone != true }
        let skipped = mine.count - todo.count
        if skipped > 0 {
            let line = "nicsim sweep: \(skipped) of \(mine.count) runs already in \(out); running \(todo.count)\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
        let journal = try openJournal(out)
        defer { fclose(journal) }
        let monitor = SweepProgress(show: progress, total: mine.count, done: skipped)
        var queue = todo[...]
        var running: [SweepChild] = []
        var stopSignal: Int32 = 0
        func record(_ r: SweepResult) {
            results[r.run] = r
            fputs(r.jsonLine(), journal)
            fflush(journal)
            monitor.finished(failed: !r.status.isDone)
        }
        while !queue.isEmpty || !running.isEmpty {
            if StopSignals.flag != 0 && stopSignal == 0 {
                stopSignal = StopSignals.received
                queue.removeAll()
                for child in running {
                    child.stoppedBecause = "the sweep was stopped by signal \(stopSignal)"
                    child.send(SIGTERM)
                    child.sentTerminate = RunProgress.wallSeconds()
                }
            }
            while running.count < jobs, let run = queue.first {
                queue = queue.dropFirst()
                switch start(run) {
                case .left(let child): running.append(child)
                case .right(let result): record(result)
                }
            }
            wait(for: running)
            let now = RunProgress.wallSeconds()
            for child in running {
                if let timeout, child.stoppedBecause == nil, now - child.started > timeout {
                    child.stoppedBecause = "timed out after \(SweepSummary.decimal(timeout)) s of wall time"
                    child.send(SIGTERM)
                    child.sentTerminate = now
                }
                // A child that ignores SIGTERM for two seconds gets SIGKILL.
                if let sent = child.sentTerminate, now - sent > 2 { child.send(SIGKILL) }
            }
            running.removeAll { child in
                guard child.reap() else { return false }
                record(result(of: child))
                return true
            }
            monitor.show(running: running.count)
        }
        monitor.finish()
        let ordered = mine.compactMap { results[$0] }
        let summary = try SweepOutput.write(sweep: sweep, results: ordered, to: out)
        print(summary.text(), terminator: "")
        let notOK = ordered.filter { $0.status != .ok }.count
        let missing = mine.count - ordered.count
        var line = "nicsim sweep: \(ordered.count - notOK) of \(mine.count) runs ok, \(notOK) not "
            + "(failed, killed or an expectation failed)"
        if missing > 0 { line += ", \(missing) not run" }
        FileHandle.standardError.write(Data("\(line) · results in \(out)\n".utf8))
        if stopSignal != 0 { return 128 + stopSignal }
        return notOK > 0 || missing > 0 ? 1 : 0
    }

    enum Either<L, R> {
        case left(L)
        case right(R)
    }

    /// Starts run `run`, or gives its result at once when its variant does not parse or it cannot start.
    func start(_ run: Int) -> Either<SweepChild, SweepResult> {
        let (v, seedIndex) = sweep.position(of: run)
        let variant = variants[v]
        let keys = Dictionary(variant.map { ($0.path.joined(separator: "."), $0.value) }, uniquingKeysWith: { $1 })
        let spec: Result<UInt64, ScenarioError>
        if let known = parsed[v] {
            spec = known
        } else {
            do throws(ScenarioError) {
                spec = .success(try file.parse(variant).seed)
            } catch {
                spec = .failure(error)
            }
            parsed[v] = spec
        }
        switch spec {
        case .failure(let error):
            return .right(SweepResult(run: run, variant: keys, seed: file.seed &+ UInt64(seedIndex), status: .failed,
                                      error: error.description))
        case .success(let base):
            let seed = base &+ UInt64(seedIndex)
            var arguments = ["run", file.absolutePath, "--format", "json", "--no-progress", "--seed", "\(seed)"]
            for o in variant { arguments += ["--set", o.description] }
            for l in sweep.limits { arguments += ["--limit", l] }
            if allowVDECommand { arguments.append("--allow-vde-command") }
            do throws(Failure) {
                return .left(try SweepChild(run: run, executable: executable, arguments: arguments))
            } catch {
                return .right(SweepResult(run: run, variant: keys, seed: seed, status: .failed, error: error.message))
            }
        }
    }

    /// Waits at most 200 ms for output from any child and reads it.
    func wait(for children: [SweepChild]) {
        var descriptors: [pollfd] = []
        var owners: [(SweepChild, Int)] = []
        for child in children {
            for (which, fd) in child.pipes.enumerated() where fd >= 0 {
                descriptors.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
                owners.append((child, which))
            }
        }
        guard !descriptors.isEmpty else { return }
        let ready = poll(&descriptors, nfds_t(descriptors.count), 200)
        guard ready > 0 else { return }
        for (i, d) in descriptors.enumerated() where d.revents != 0 { owners[i].0.drain(owners[i].1) }
    }

    /// What a reaped child's exit status and output say about its run.
    func result(of child: SweepChild) -> SweepResult {
        let (v, _) = sweep.position(of: child.run)
        let keys = Dictionary(variants[v].map { ($0.path.joined(separator: "."), $0.value) }, uniquingKeysWith: { $1 })
        let seed = ((try? parsed[v]?.get()) ?? file.seed) &+ UInt64(sweep.position(of: child.run).seedIndex)
        let status = child.status ?? 0
        let signal = status & 0x7F
        let code = (status >> 8) & 0xFF
        let message = errorText(child.stderr)
        func make(_ s: SweepResult.Status, _ error: String?, report: Report? = nil) -> SweepResult {
            SweepResult(run: child.run, variant: keys, seed: seed, status: s, error: error, report: report)
        }
        if let reason = child.stoppedBecause { return make(.killed, reason) }
        if signal != 0 {
            return make(.killed, "killed by signal \(signal)\(signalName(signal).map { " (\($0))" } ?? "")")
        }
        switch code {
        case 0, 1:
            guard let report = try? JSONDecoder().decode(Report.self, from: Data(child.stdout)) else {
                let detail = message.isEmpty ? "" : ": \(message)"
                return make(.failed, "exit status \(code) without a readable report\(detail)")
            }
            return code == 0 ? make(.ok, nil, report: report) : make(.expectationsFailed, message, report: report)
        case 129...159:
            return make(.killed, "stopped by signal \(code - 128)\(signalName(code - 128).map { " (\($0))" } ?? "")")
        default:
            return make(.failed, message.isEmpty ? "exit status \(code)" : message)
        }
    }

    /// The child's standard error as one line: "nicsim: " prefixes dropped, the file's path shortened to its name
    /// (so that a run's error reads the same wherever the file lies).
    func errorText(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { line in
            var l = line.hasPrefix("nicsim: ") ? String(line.dropFirst(8)) : String(line)
            l = l.replacingOccurrences(of: file.absolutePath, with: file.label)
            return l.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }.joined(separator: "; ")
    }

    func signalName(_ n: Int32) -> String? {
        [SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
         SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV",
         SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM"][n]
    }

    /// `results.jsonl` opened for appending, after a newline when the last line was cut off.
    func openJournal(_ out: String) throws(Failure) -> UnsafeMutablePointer<FILE> {
        let path = URL(fileURLWithPath: out).appendingPathComponent("results.jsonl").path
        guard let f = fopen(path, "a+") else {
            throw Failure(message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        if fseek(f, -1, SEEK_END) == 0, fgetc(f) != 10 { fputs("\n", f) }
        fseek(f, 0, SEEK_END)
        return f
    }
}

/// The sweep's progress line on standard error: runs done, running and failed, and the time left.
final class SweepProgress {
    let tty: Bool
    let show: Bool
    let total: Int
    var done: Int
    var failed = 0
    var finishedHere = 0
    let started = RunProgress.wallSeconds()
    var lastShown = 0.0
    var shownOnTTY = false

    init(show: Bool, total: Int, done: Int) {
        self.show = show
        tty = isatty(2) == 1
        self.total = total
        self.done = done
    }

    func finished(failed f: Bool) {
        done += 1
        finishedHere += 1
        if f { failed += 1 }
    }

    func show(running: Int) {
        guard show else { return }
        let now = RunProgress.wallSeconds()
        guard now - lastShown >= (tty ? 0.25 : 10), tty || now - started >= 10 else { return }
        lastShown = now
        var line = "sweep: \(done)/\(total) done · \(running) running · \(failed) failed"
        if finishedHere > 0 {
            let left = (now - started) / Double(finishedHere) * Double(total - done)
            line += " · about \(SweepProgress.duration(left)) left"
        }
        if tty {
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
            shownOnTTY = true
        } else {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func finish() {
        if shownOnTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    static func duration(_ s: Double) -> String {
        if s < 90 { return "\(Int(s.rounded())) s" }
        if s < 5400 { return "\(Int((s / 60).rounded())) min" }
        return String(format: "%.1f h", s / 3600)
    }
}
