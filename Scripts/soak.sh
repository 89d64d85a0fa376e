#!/usr/bin/env bash
# A long real-time run (outside CI): 10,000 frames per second through a VDE port for MINUTES minutes, with the
# nicsim process's resident memory sampled every 10 s. Prints the samples and first/last/peak RSS.
# Usage: Scripts/soak.sh [MINUTES=10] [nicsim options…]   (needs vde2; builds nicsim in release)
# e.g. Scripts/soak.sh 2 --real-time-priority
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
shift || true
bash Scripts/install-deps.sh test >/dev/null
swift build -c release --product nicsim >/dev/null
dir=/tmp/nicsim-soak
rm -rf "$dir"; mkdir -p "$dir"
vde_switch -s "$dir/switch" -d -p "$dir/switch.pid"
trap 'kill "$(cat "$dir/switch.pid")" 2>/dev/null || true; rm -rf "$dir"' EXIT
sleep 0.5
writes=$((minutes * 60 * 1000))
.build/release/nicsim run Fixtures/soak/realtime-10k.yaml --set duration=$((minutes * 60 + 1))s \
    --set writes.count=$writes --format json --no-progress "$@" > "$dir/report.json" &
pid=$!
echo "seconds  rss_kib"
samples=()
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo "")
    [ -n "$rss" ] && { echo "$(( $(date +%s) - start ))  $rss"; samples+=("$rss"); }
    sleep 10
done
wait "$pid"
first=${samples[1]:-${samples[0]}}
last=${samples[-1]}
peak=$(printf '%s\n' "${samples[@]}" | sort -n | tail -1)
echo "RSS after 10 s: $first KiB; at the end: $last KiB; peak: $peak KiB"
python3 - "$dir/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
v = r["vde"]
print(f"frames sent through VDE: {v['framesSent']}, send drops: {v['sendDrops']}, errors: {v['sendErrors']}, "
      f"frame lateness p50/p99/p99.9/max: {v['latenessP50Ns']}/{v['latenessP99Ns']}/{v.get('latenessP999Ns', 0)}/"
      f"{v['latenessMaxNs']} ns, achieved {v.get('achievedFramesPerSecond', 0)}/s of "
      f"{v.get('scheduledFramesPerSecond', 0)}/s, behind {v.get('behindEpisodes', 0)} times for "
      f"{v.get('behindNs', 0)} ns ({v.get('framesOverLimit', 0)} frames over the limit, slipped {v.get('slipNs', 0)} ns), "
      f"outcome: {r['outcome']}")
PY
