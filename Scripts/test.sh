#!/usr/bin/env bash
# Runs nicsim's whole test suite on a fresh machine: installs what the tests need (tshark, to judge pcaps),
# builds everything including the nicsim executable the command-line tests run, then runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

swift build --build-tests
swift test --skip-build "$@"
