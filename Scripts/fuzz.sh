#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Fuzzers/, over Sources/NICSimFuzzing) and runs each for a bounded time, one after
# the other, then prints the iterations and executions per second of each.
#
#   bash Scripts/fuzz.sh [SECONDS-PER-HARNESS] [HARNESS ...]      (default: 60 s each, all four harnesses)
#
# Harnesses: vde-frames, mpeg-ts, scenario, driver. Each starts from its seeds and past findings in
# Fixtures/fuzz/<harness>/ (the scenario harness also from Fixtures/scenarios), uses Fuzzers/<harness>.dict as its
# dictionary when there is one, and keeps what it learns in .build-fuzz/corpus/<harness>/. An input that crashes,
# hangs, exhausts memory or breaks a harness check is written to .build-fuzz/findings/ and the script exits 1; fix
# the bug, then copy the input to Fixtures/fuzz/<harness>/ so that FuzzReplayTests replays it from then on.
#
# Environment: NICSIM_FUZZ_DIR (default .build-fuzz) moves the corpus and findings; NICSIM_FUZZ_FLAGS adds
# libFuzzer flags (e.g. "-jobs=2"); NICSIM_FUZZ_ASAN=1 builds with AddressSanitizer as well (in
# Fuzzers/.build-asan; slower, and it also checks the unsafe-pointer code in HostMemory and VDEPort).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then harnesses=(vde-frames mpeg-ts scenario driver); fi
dir=${NICSIM_FUZZ_DIR:-.build-fuzz}

# The largest input each harness reads (FuzzHarness.maximumInputBytes).
max_len() {
    case "$1" in
        vde-frames) echo 16384 ;;
        mpeg-ts) echo 65536 ;;
        scenario) echo 16384 ;;
        driver) echo 8192 ;;
        *) echo "fuzz.sh: unknown harness $1 (expected vde-frames, mpeg-ts, scenario or driver)" >&2; exit 2 ;;
    esac
}
for h in "${harnesses[@]}"; do max_len "$h" > /dev/null; done

sanitizers=(--sanitize fuzzer)
scratch=Fuzzers/.build
if [ "${NICSIM_FUZZ_ASAN:-0}" = 1 ]; then
    sanitizers+=(--sanitize address)
    scratch=Fuzzers/.build-asan
fi
echo "== building the fuzzers (release, ${sanitizers[*]})"
start=$(date +%s)
# Manifest caching would miss source files added to the root package since the last fuzz build.
swift build --package-path Fuzzers --scratch-path "$scratch" -c release "${sanitizers[@]}" \
    --disable-build-manifest-caching
echo "== built in $(( $(date +%s) - start )) s"

mkdir -p "$dir/findings" "$dir/logs"
failed=()
summary=()
for h in "${harnesses[@]}"; do
    if [ "${NICSIM_FUZZ_ASAN:-0}" = 1 ] && [ "$h" = vde-frames ]; then
        # libvdeplug loads its plugins with dlopen(RTLD_DEEPBIND), which AddressSanitizer refuses.
        summary+=("$(printf '%-11s skipped under AddressSanitizer (libvdeplug dlopens with RTLD_DEEPBIND)' "$h")")
        continue
    fi
    mkdir -p "$dir/corpus/$h"
    seeds=("Fixtures/fuzz/$h")
    if [ "$h" = scenario ]; then seeds+=(Fixtures/scenarios); fi
    dict=()
    if [ -f "Fuzzers/$h.dict" ]; then dict=(-dict="Fuzzers/$h.dict"); fi
    log="$dir/logs/$h.log"
    echo "== fuzzing $h for $seconds s"
    status=0
    # shellcheck disable=SC2086  # NICSIM_FUZZ_FLAGS is a list of flags
    "$scratch/release/fuzz-$h" -max_total_time="$seconds" -max_len="$(max_len "$h")" -timeout=30 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/findings/$h-" "${dict[@]}" ${NICSIM_FUZZ_FLAGS:-} \
        "$dir/corpus/$h" "${seeds[@]}" > "$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ "$status" -eq 0 ]; then
        result=ok
    else
        result="FAILED (exit $status)"
        failed+=("$h")
        grep -E "^fuzz-$h:|ERROR: libFuzzer|^==[0-9]+==|Fatal error|Test unit written" "$log" | head -20 \
            || tail -5 "$log"
    fi
    summary+=("$(printf '%-11s %12s iterations %8s exec/s  corpus %5s  %s' "$h" "${runs:-?}" "${rate:-?}" \
        "$(ls "$dir/corpus/$h" | wc -l)" "$result")")
done

echo "== fuzzing summary ($seconds s per harness; logs in $dir/logs)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: findings in $dir/findings for: ${failed[*]}" >&2
    exit 1
fi
