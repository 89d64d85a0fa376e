#!/bin/sh
# Runs the nicsim benchmarks (release) and the allocation probe. Extra arguments go to `swift package benchmark`,
# e.g. ./run.sh --filter 'whole-path.*'
#
# No environment variable is needed: Package.swift enables ordo-one/benchmark's "MallocInterposer" trait
# explicitly, so malloc counts come from the preloaded malloc-interposer and jemalloc is never used.
# BENCHMARK_DISABLE_JEMALLOC / BENCHMARK_DISABLE_MALLOC_INTERPOSER would only matter for the default trait set
# (at 1.38.1 both mean "no malloc interposer"); they are cleared here so an inherited value cannot confuse anyone.
set -eu
cd "$(dirname "$0")"
unset BENCHMARK_DISABLE_JEMALLOC BENCHMARK_DISABLE_MALLOC_INTERPOSER
swift package --disable-sandbox benchmark "$@"
swift run -c release AllocationProbe
