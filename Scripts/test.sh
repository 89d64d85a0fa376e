#!/usr/bin/env bash
# Runs nicsim's whole test suite on a fresh machine: installs what the build and tests need (Scripts/install-deps.sh),
# builds everything including the nicsim executable the command-line tests run, then runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash Scripts/install-deps.sh test

swift build --build-tests
swift test --skip-build "$@"
