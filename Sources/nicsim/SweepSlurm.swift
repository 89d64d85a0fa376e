import Foundation
import Scenarios

extension SweepStart {
    /// Writes `OUT/sweep.sbatch` (a Slurm job array, one task per shard), `OUT/merge.sbatch` (the merge) and
    /// `OUT/submit.sh` (submits the array, then the merge as a job that depends on it).
    func writeSlurmJob(sweep: Sweep, file: SweepFile, runs: Int) throws(Failure) {
        let count = shards ?? min(runs, 32)
        guard count >= 1, count <= runs else {
            throw Failure(message: "--shards \(count): expected 1 to \(runs) (the number of runs)")
        }
        guard slurmCPUs >= 1 else { throw Failure(message: "--slurm-cpus \(slurmCPUs): expected at least 1") }
        let words = [
            ("--slurm-mem", slurmMemory), ("--slurm-time", slurmTime), ("--slurm-partition", slurmPartition ?? "x"),
        ]
        for (name, value) in words
        where value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == "'" }) {
            throw Failure(message: "\(name) \(value): expected one word")
        }
        try SweepOutput.create(out)
        let dir = URL(fileURLWithPath: out).standardizedFileURL.path
        let binary =
            slurmBinary.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? SweepRunner.ownExecutable()
        let q = shellQuote
        // The jobs run where the sweep was written, so paths a scenario gives relative to the working directory
        // (stream files) mean what they mean in a local run.
        let cwd = FileManager.default.currentDirectoryPath
        guard !cwd.contains(where: { $0.isWhitespace }) else {
            throw Failure(
                message: "--slurm: the working directory \(cwd) has a space, which #SBATCH --chdir cannot hold")
        }
        var sweepArguments: [String] = []
        for d in sweep.dimensions { sweepArguments += ["--set", "\(d.key)=\(d.values.joined(separator: ","))"] }
        sweepArguments += ["--seeds", "\(sweep.seeds)"]
        for l in sweep.limits { sweepArguments += ["--limit", l] }
        sweepArguments += ["--limit", "runs=\(runs)"]
        if allowVDECommand { sweepArguments.append("--allow-vde-command") }
        if let timeout { sweepArguments += ["--timeout", "\(timeout)"] }
        let name = sweep.scenario.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        let partition = slurmPartition.map { "#SBATCH --partition=\($0)\n" } ?? ""
        let header = """
            # Written by `nicsim sweep --slurm`: \(sweep.scenario), \(runs) runs
            # (\(sweep.variantCount) variants × \(sweep.seeds) seeds) in \(count) shards. \
            Submit everything with `bash \(q(dir + "/submit.sh"))`.
            #
            # Paths: the nicsim binary, the scenario file and this directory must be visible at the same path on every
            # node (shared storage). Where the binary is not, build one that needs no Swift libraries on the nodes,
            #   swift build -c release --static-swift-stdlib
            # copy .build/release/nicsim and the scenario file to the same path on every node (the nodes also need
            # libvdeplug.so.2: Debian's libvdeplug2), and submit with NICSIM=/that/path/nicsim
            # SCENARIO=/that/path/scenario.yaml in the environment (sbatch passes it on).
            # Where this directory is not shared, copy each node's \(dir)/shards/K back here before the merge runs.

            """
        let array = """
            #!/bin/bash
            \(header)#SBATCH --job-name=nicsim-sweep-\(name)
            #SBATCH --array=1-\(count)
            #SBATCH --ntasks=1
            #SBATCH --cpus-per-task=\(slurmCPUs)
            #SBATCH --mem=\(slurmMemory)
            #SBATCH --time=\(slurmTime)
            #SBATCH --output=\(dir)/logs/shard-%a.out
            #SBATCH --chdir=\(cwd)
            \(partition)set -euo pipefail
            NICSIM=${NICSIM:-\(q(binary))}
            SCENARIO=${SCENARIO:-\(q(file.absolutePath))}
            # One shard per array task, its runs on the task's CPUs; a rerun resumes from what the shard's
            # directory holds.
            exec "$NICSIM" sweep "$SCENARIO" \(sweepArguments.map(q).joined(separator: " ")) \\
                --jobs "${SLURM_CPUS_PER_TASK:-\(slurmCPUs)}" --shard "${SLURM_ARRAY_TASK_ID}/\(count)" \\
                --out \(q(dir))/shards/"${SLURM_ARRAY_TASK_ID}"

            """
        let shardList = (1...count).map { "\(q(dir))/shards/\($0)" }.joined(separator: " ")
        let merge = """
            #!/bin/bash
            \(header)#SBATCH --job-name=nicsim-merge-\(name)
            #SBATCH --ntasks=1
            #SBATCH --cpus-per-task=1
            #SBATCH --mem=\(slurmMemory)
            #SBATCH --time=\(slurmTime)
            #SBATCH --output=\(dir)/logs/merge.out
            #SBATCH --chdir=\(cwd)
            \(partition)set -euo pipefail
            NICSIM=${NICSIM:-\(q(binary))}
            # The shards' results as one sweep: the same bytes a run of the whole product in one place writes.
            exec "$NICSIM" sweep merge \(shardList) --out \(q(dir))

            """
        let submit = """
            #!/bin/bash
            \(header)set -euo pipefail
            mkdir -p \(q(dir))/logs
            array=$(sbatch --parsable --array=1-\(count) \(q(dir))/sweep.sbatch)
            array=${array%%;*}
            # afterany: the merge runs when every task has ended, and itself names a shard that left no results.
            merge=$(sbatch --parsable --dependency=afterany:"$array" \(q(dir))/merge.sbatch)
            merge=${merge%%;*}
            echo "nicsim sweep: job array $array (\(count) tasks), merge job $merge; results in \(dir)/results.jsonl"

            """
        try SweepOutput.replace(out, "sweep.sbatch", array)
        try SweepOutput.replace(out, "merge.sbatch", merge)
        try SweepOutput.replace(out, "submit.sh", submit)
        for script in ["sweep.sbatch", "merge.sbatch", "submit.sh"] { chmod(dir + "/" + script, 0o755) }
        try SweepOutput.create(dir + "/logs")
        print("""
            Slurm job written for \(runs) runs in \(count) array tasks (\(slurmCPUs) CPU\(slurmCPUs == 1 ? "" : "s"), \
            \(slurmMemory), \(slurmTime) each):
              \(dir)/sweep.sbatch   the job array (sbatch --array=1-\(count)), one shard per task
              \(dir)/merge.sbatch   the merge, a job that depends on the array
              \(dir)/submit.sh      submits both
            Submit with:
              bash \(q(dir + "/submit.sh"))
            The binary (\(binary)), the scenario and \(dir) must be on storage every node sees; see the scripts' header.
            """)
    }
}

/// Quotes a word for a POSIX shell (single quotes; plain words stay as they are).
func shellQuote(_ s: String) -> String {
    let plain = !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=,:+@%".contains($0)) }
    return plain ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
