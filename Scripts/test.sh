#!/usr/bin/env bash
# Runs nicsim's whole test suite on a fresh machine: installs what the build and tests need (Scripts/install-deps.sh),
# checks the sources against .swift-format and the 120-column limit (Scripts/format-check.sh, a few seconds; its
# `--fix` shortens long lines), builds everything including the nicsim executable the command-line tests run, then
# runs the tests, then builds the DocC documentation of every library module and fails on any DocC warning
# (Scripts/docs.sh, about 3 minutes after the build; NICSIM_SKIP_DOCS=1 skips it), then the allocation checks of the
# benchmarks (Scripts/check-allocations.sh; NICSIM_SKIP_ALLOCATION_CHECKS=1 skips them).
set -euo pipefail
cd "$(dirname "$0")/.."

bash Scripts/install-deps.sh test
bash Scripts/format-check.sh

swift build --build-tests
swift test --skip-build "$@"
[ "${NICSIM_SKIP_DOCS:-0}" = 1 ] || bash Scripts/docs.sh
[ "${NICSIM_SKIP_ALLOCATION_CHECKS:-0}" = 1 ] || bash Scripts/check-allocations.sh
