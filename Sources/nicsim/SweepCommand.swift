import ArgumentParser
import Foundation
import Scenarios

/// `nicsim sweep`: a parameter sweep on every core, in shards, or as a Slurm job array; `nicsim sweep merge`.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run every combination of some scenario values, each with several seeds, on every core.",
        discussion: """
            Example: 2 modes × 3 write counts × 2 seeds = 12 runs on every core, results in out/sweep:
              nicsim sweep FILE --set server.driver.mode=copy,zero-copy --set writes.count=1,2,3 \
            --seeds 2 --out out/sweep
            Each run is its own `nicsim run` process. OUT gets sweep.json (what was swept), results.jsonl (one line \
            per run: variant, seed, status, figures, report), summary.csv and summary.html, all sorted by run, so \
            --jobs and --shard never change their bytes. Rerunning the command skips the runs already in OUT. See \
            `nicsim sweep start --help` for every option.
            """,
        subcommands: [SweepStart.self, SweepMerge.self],
        defaultSubcommand: SweepStart.self)
}

/// The default largest product a sweep runs without `--limit runs=N`: a guard against a typo that multiplies a
/// sweep by a hundred, not a capacity (a run of a small scenario costs about 0.1 s of one core; BENCHMARKS.md).
let defaultRunLimit = 10_000

struct SweepStart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Run a sweep (the default: `nicsim sweep FILE …` is `nicsim sweep start FILE …`).",
        discussion: """
            Exit status: 0 when every run ended with its expectations met; 1 when some run failed, was killed or had a \
            failed expectation (each is recorded in results.jsonl and listed); 2 for bad input; 130 or 143 when SIGINT \
            or SIGTERM stopped the sweep (the runs that ended are kept; rerun to resume).
            """)

    @Argument(help: "The scenario file (YAML).")
    var scenario: String

    @Option(
        name: .customLong("set"),
        help: "KEY=V1,V2,…: the values to sweep for a dotted key path (repeatable; the first varies slowest).")
    var sets: [String] = []

    @Option(help: "Seeds per variant: the variant's own seed and the next N-1.")
    var seeds: Int = 1

    @Option(help: "Runs at once (default: every core).")
    var jobs: Int?

    @Option(help: "The output directory (created; a rerun resumes from what it holds).")
    var out: String

    @Option(help: "Run only share K of N of the runs (1 ≤ K ≤ N); `nicsim sweep merge` combines the shards.")
    var shard: String?

    @Option(name: .customLong("limit"), help: ArgumentHelp(
        "runs=N: the largest product to run (default \(defaultRunLimit)); any other NAME=VALUE is a scenario limit "
            + "given to every run: " + ScenarioLimits.names.joined(separator: ", ") + ".", valueName: "name=value"))
    var limits: [String] = []

    @Flag(name: .customLong("allow-vde-command"), help: allowVDECommandHelp)
    var allowVDECommand = false

    @Option(help: "Stop a run that lasts longer than this many seconds of wall time and record it as killed.")
    var timeout: Double?

    @Flag(
        inversion: .prefixedNo,
        help: "Show a progress line on standard error (default on; a line every 10 s when it is not a terminal).")
    var progress = true

    @Flag(help: "Write a Slurm job array for the sweep into OUT instead of running it (see README, Sweeps).")
    var slurm = false

    @Option(help: "With --slurm: array tasks, one shard each (default: the number of runs, at most 32).")
    var shards: Int?

    @Option(name: .customLong("slurm-cpus"), help: "With --slurm: CPUs per array task (its runs at once).")
    var slurmCPUs: Int = 1

    @Option(name: .customLong("slurm-mem"), help: "With --slurm: memory per array task (sbatch --mem).")
    var slurmMemory: String = "1G"

    @Option(name: .customLong("slurm-time"), help: "With --slurm: time limit per array task (sbatch --time).")
    var slurmTime: String = "01:00:00"

    @Option(name: .customLong("slurm-partition"), help: "With --slurm: the partition (sbatch --partition).")
    var slurmPartition: String?

    @Option(
        name: .customLong("slurm-nicsim"), help: "With --slurm: the nicsim binary the jobs run (default: this one).")
    var slurmBinary: String?

    func run() throws {
        var runLimit = defaultRunLimit
        var scenarioLimitTexts: [String] = []
        for text in limits {
            if text.hasPrefix("runs=") {
                guard let n = Int(text.dropFirst(5)), n >= 0 else {
                    throw Failure(message: "--limit \(text): expected runs=N")
                }
                runLimit = n
            } else {
                scenarioLimitTexts.append(text)
            }
        }
        let parsedLimits: ScenarioLimits
        do {
            parsedLimits = try scenarioLimits(scenarioLimitTexts, allowVDECommand: allowVDECommand)
        } catch {
            throw Failure(message: error.description)
        }
        guard seeds >= 1 else { throw Failure(message: "--seeds \(seeds): expected at least 1") }
        if let jobs, jobs < 1 { throw Failure(message: "--jobs \(jobs): expected at least 1") }
        if let timeout, !(timeout > 0) { throw Failure(message: "--timeout \(timeout): expected seconds above 0") }
        var share: Sweep.Shard?
        if let shard {
            guard let s = Sweep.Shard(shard) else {
                throw Failure(message: "--shard \(shard): expected K/N with 1 ≤ K ≤ N")
            }
            share = s
        }
        let dimensions = try sweepDimensions(sets, command: "sweep").map {
            Sweep.Dimension(key: $0.path.joined(separator: "."), values: $0.values)
        }
        let file = try SweepFile(path: scenario, limits: parsedLimits)
        let sweep = Sweep(scenario: file.name, scenarioDigest: file.digest, dimensions: dimensions, seeds: seeds,
                          limits: scenarioLimitTexts, shard: share)
        guard let total = sweep.runCount, total <= runLimit else {
            let count = sweep.runCount.map { "\($0)" } ?? "more than \(Int.max)"
            throw Failure(message: "the sweep has \(count) runs (\(sweep.variantCount) variants × \(seeds) seeds), "
                + "more than the limit of \(runLimit); give --limit runs=N to run it")
        }
        if slurm {
            guard share == nil else {
                throw Failure(message: "--slurm writes one task per shard itself; leave out --shard")
            }
            try writeSlurmJob(sweep: sweep, file: file, runs: total)
            return
        }
        let runner = SweepRunner(sweep: sweep, file: file, allowVDECommand: allowVDECommand,
                                 jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, timeout: timeout,
                                 progress: progress)
        let status = try runner.run(out: out)
        if status != 0 { Foundation.exit(status) }
    }
}

/// `nicsim sweep merge`: the shards' results as one sweep.
struct SweepMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the output directories of a sweep's shards into the files a whole run would write.",
        discussion: "The result is byte-identical to running the whole product in one place. Exit status: 0 all runs "
            + "ended well, 1 some did not, 2 a shard is missing or the directories hold different sweeps.")

    @Argument(help: "The shards' output directories.")
    var directories: [String]

    @Option(help: "Where to write the merged sweep.json, results.jsonl, summary.csv and summary.html.")
    var out: String

    @Flag(inversion: .prefixedNo, help: "Print the summary table (default on).")
    var table = true

    func run() throws {
        guard !directories.isEmpty else { throw Failure(message: "merge needs the shards' directories") }
        var whole: Sweep?
        var results: [Int: SweepResult] = [:]
        for dir in directories {
            let (sweep, found) = try SweepOutput.read(dir)
            guard let sweep else { throw Failure(message: "\(dir): no sweep.json (not a sweep's output directory)") }
            if let whole, !whole.sameProduct(as: sweep) {
                throw Failure(
                    message:
                        "\(dir) holds a different sweep from \(directories[0]) (scenario, keys, seeds or limits differ)"
                )
            }
            if whole == nil { whole = sweep }
            for (run, r) in found where sweep.shard.map({ $0.contains(run) }) ?? true {
                if let old = results[run], old.status.isDone { continue }
                results[run] = r
            }
        }
        guard var sweep = whole else { return }
        sweep.shard = nil
        let all = sweep.runs
        let missing = all.filter { results[$0] == nil }
        guard missing.isEmpty else {
            let shards = Set(directories.compactMap { try? SweepOutput.read($0).0?.shard?.count })
            var hint = ""
            if let n = shards.first, shards.count == 1 {
                let have = Set(directories.compactMap { try? SweepOutput.read($0).0?.shard?.index })
                let absent = (1...n).filter { !have.contains($0) }
                if !absent.isEmpty { hint = "; shards missing: " + absent.map { "\($0)/\(n)" }.joined(separator: ", ") }
            }
            throw Failure(message: "\(missing.count) of \(all.count) runs are in none of the directories "
                + "(first: run \(missing[0]))\(hint)")
        }
        let ordered = all.compactMap { results[$0] }
        let summary = try SweepOutput.write(sweep: sweep, results: ordered, to: out)
        if table { print(summary.text(), terminator: "") }
        if ordered.contains(where: { $0.status != .ok }) { Foundation.exit(1) }
    }
}

/// Parses `--set KEY=V1,V2,…` options into the dimensions `nicsim compare` and `nicsim sweep` iterate.
func sweepDimensions(_ sets: [String], command: String) throws(Failure) -> [(path: [String], values: [String])] {
    var dimensions: [(path: [String], values: [String])] = []
    for text in sets {
        guard let o = ScenarioOverride(text), !o.value.isEmpty else {
            throw Failure(message: "--set \(text): expected KEY=V1,V2,…")
        }
        dimensions.append((o.path, o.value.split(separator: ",").map(String.init)))
    }
    guard !dimensions.isEmpty else { throw Failure(message: "\(command) needs at least one --set KEY=V1,V2") }
    return dimensions
}

/// The scenario file of a sweep, read once: its bytes, digest and name, checked to parse without overrides.
struct SweepFile {
    /// The path as given, and as an absolute path for the runs.
    let path: String
    let absolutePath: String
    let bytes: [UInt8]
    let digest: String
    let name: String
    /// The seed of the file without overrides (the first seed of a variant that does not parse).
    let seed: UInt64
    let limits: ScenarioLimits
    /// How the file is named in errors: its last path component, so errors read the same wherever it lies.
    let label: String

    init(path: String, limits: ScenarioLimits) throws(Failure) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        absolutePath = url.standardizedFileURL.path
        label = url.lastPathComponent
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            bytes = [UInt8](try handle.read(upToCount: ScenarioParser.maximumDocumentBytes + 1) ?? Data())
        } catch {
            throw Failure(message: "\(path): cannot read the scenario file: \(error.localizedDescription)")
        }
        digest = Sweep.digest(bytes)
        self.limits = limits
        do {
            // Errors of the file itself name it as given; a variant's (recorded in results.jsonl) by its name alone.
            let spec = try ScenarioParser.parse(bytes: bytes, file: path, limits: limits)
            name = spec.name
            seed = spec.seed
        } catch {
            throw Failure(message: error.description)
        }
    }

    /// Parses the file with a variant's overrides (errors name the file by ``label``).
    func parse(_ overrides: [ScenarioOverride]) throws(ScenarioError) -> ScenarioSpec {
        try ScenarioParser.parse(bytes: bytes, file: label, overrides: overrides, limits: limits)
    }
}
