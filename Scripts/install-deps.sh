#!/usr/bin/env bash
# Installs the Debian packages nicsim needs, if any is missing.
#   build:  libvdeplug-dev (the VDE port's C library)
#   tests:  tshark (judges pcaps), vde2 (vde_switch, vde_plug2tap), iproute2 (network namespaces), ffmpeg (ffprobe),
#           chromium (renders the HTML report headless), util-linux (script: a terminal for the progress test),
#           slurm-wlm and munge (a one-node Slurm cluster for Scripts/slurm-sweep-test.sh)
# Usage: install-deps.sh build|test
set -euo pipefail
want=(libvdeplug-dev)
[ "${1:-build}" = test ] && want+=(tshark vde2 iproute2 ffmpeg iputils-ping python3 chromium util-linux slurm-wlm munge)
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
