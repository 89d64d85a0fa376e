#!/usr/bin/env bash
# The allocation checks of issue 8, run by Scripts/test.sh (so by CI). Malloc counts are exact and repeatable,
# so they are enforced; times are never checked anywhere.
#   1. AllocationProbe --check: every whole path and component rig allocates 0 times per packet (or operation) in
#      steady state.
#   2. The ordo-one suites' mallocCountTotal against Benchmarks/Thresholds/*.p90.json, exactly (short runs:
#      NICSIM_BENCHMARK_QUICK=1, the counts do not depend on how many samples are taken).
# Builds the Benchmarks package in release once (about 6 minutes on 2 cores from a clean clone).
# After an intended change in per-run allocations, refresh the thresholds with
#   cd Benchmarks && NICSIM_BENCHMARK_QUICK=1 swift package --disable-sandbox --allow-writing-to-package-directory \
#       benchmark thresholds update --metric mallocCountTotal
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks"
unset BENCHMARK_DISABLE_JEMALLOC BENCHMARK_DISABLE_MALLOC_INTERPOSER
swift build -c release
.build/release/AllocationProbe --check
NICSIM_BENCHMARK_QUICK=1 swift package --disable-sandbox benchmark thresholds check --metric mallocCountTotal \
    --no-progress
