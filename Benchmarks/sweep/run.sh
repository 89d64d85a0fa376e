#!/usr/bin/env bash
# Runs per second of `nicsim sweep` with --jobs 1 and 2, and its overhead per run against the same runs started one
# after another from a shell (what a sweep's children run), interleaved (A, B, C, A, B, C, …) so that a drifting
# machine moves all three alike. Prints the median wall time of each and the medians of the pair ratios.
# Usage (from the repository root, after `swift build -c release --product nicsim`): Benchmarks/sweep/run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-9}
nicsim=$PWD/.build/release/nicsim
file=$PWD/Fixtures/scenarios/two-receivers.yaml
out=$(mktemp -d /tmp/nicsim-sweep-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
# 5 write counts × 2 modes × 4 seeds = 40 runs of about 15 ms of CPU each.
sweep() {
    rm -rf "$out/s$1"
    "$nicsim" sweep "$file" --set writes.count=1,2,3,4,5 --set server.driver.mode=copy,zero-copy --seeds 4 \
        --jobs "$1" --no-progress --out "$out/s$1" >/dev/null 2>&1
}
alone() {
    for c in 1 2 3 4 5; do for m in copy zero-copy; do for s in 42 43 44 45; do
        "$nicsim" run "$file" --set writes.count=$c --set server.driver.mode=$m --seed $s --format json --no-progress >/dev/null
    done; done; done
}
now() { date +%s.%N; }
sweep 1; alone  # warm-up
for _ in $(seq "$rounds"); do
    t0=$(now); sweep 1; t1=$(now); alone; t2=$(now); sweep 2; t3=$(now)
    echo "$t0 $t1 $t2 $t3"
done | awk '
    { j1[NR] = $2 - $1; a[NR] = $3 - $2; j2[NR] = $4 - $3; r1[NR] = j1[NR] / a[NR]; r2[NR] = j2[NR] / j1[NR] }
    function median(v, n,   i, j, t, s) { for (i = 1; i <= n; i++) s[i] = v[i]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
        return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2 }
    END { n = NR
        printf "40 runs, median of %d rounds\n", n
        printf "sweep --jobs 1   %.3f s  %.1f runs/s\n", median(j1, n), 40 / median(j1, n)
        printf "sweep --jobs 2   %.3f s  %.1f runs/s\n", median(j2, n), 40 / median(j2, n)
        printf "40 × nicsim run  %.3f s  %.1f runs/s\n", median(a, n), 40 / median(a, n)
        printf "jobs 1 / alone   %.3f  (overhead per run %.1f ms)\n", median(r1, n), (median(j1, n) - median(a, n)) / 40 * 1000
        printf "jobs 2 / jobs 1  %.3f\n", median(r2, n) }'
