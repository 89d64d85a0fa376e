#!/usr/bin/env bash
# Runs the shipped two-receiver scenario and writes its frames to out/two-receivers.pcap.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/install-deps.sh build
mkdir -p out
swift run -c release nicsim run Fixtures/scenarios/two-receivers.yaml --pcap out/two-receivers.pcap "$@"
echo "pcap written to out/two-receivers.pcap"
