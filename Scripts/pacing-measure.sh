#!/usr/bin/env bash
# Real-time pacing as a real receiver sees it (issue 21). A Linux UDP socket in a network namespace of this
# script's own, behind a tap device that vde_plug2tap plugs into a vde_switch of this script's own, stamps every
# arrival (SO_TIMESTAMPNS) of a stream that nicsim paces at each RATE and, in the same run, of the same stream paced
# by a small C sender (Scripts/pacing/pace_send.c, compiled here with cc) twice: with clock_nanosleep alone, and
# spinning on the clock for the last 50 µs before each datagram (nicsim's default spin). The spinning sender's frames
# leave at their due times unless its thread is preempted, so its figures are the floor of the path itself (vde_switch,
# vde_plug2tap, the tap and the receiving stack): no pacer behind that path can do better. For each stream it prints
# the arrivals' error against their send times (offset removed: the median difference) at p50, p99, p99.9 and max,
# and the RFC 3550 interarrival jitter (Scripts/pacing/pacing.py says exactly how).
#
#   sudo bash Scripts/pacing-measure.sh [--nicsim PATH] [--seconds S] [--rates "1000 10000"]
#                                       [--real-time-priority] [--json FILE] [--set KEY=VALUE]…
#
# --nicsim: the executable to measure (default: builds and uses .build/release/nicsim). --seconds: stream length
# per rate (default 3, at most 60). --real-time-priority: nicsim runs its pacing thread under SCHED_FIFO (and the
# C sender is started under `chrt -f 50`, so both get the same, and so are vde_switch and vde_plug2tap).
# --set: passed to nicsim (e.g. --set network.vde.spin=0us). --json: all figures as one JSON object.
# Needs root, vde2 (vde_switch, vde_plug2tap), iproute2, python3 and cc with libvdeplug-dev. Traffic stays in the
# namespace and the switch, addresses 192.0.2.0/24 only; everything is removed on exit, also on failure or a
# signal. Exit status: 0 measured, 1 a run failed, 2 missing requirements.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

nicsim=""
seconds=3
rates="1000 10000"
priority=""
json_out=""
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --nicsim) nicsim=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --rates) rates=$2; shift 2 ;;
        --real-time-priority) priority=1; shift ;;
        --json) json_out=$2; shift 2 ;;
        --set) extra+=(--set "$2"); shift 2 ;;
        *) echo "pacing-measure: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$seconds" in ''|*[!0-9]*) echo "pacing-measure: --seconds wants a whole number" >&2; exit 2 ;; esac
if [ "$seconds" -lt 1 ] || [ "$seconds" -gt 60 ]; then echo "pacing-measure: --seconds must lie in 1…60" >&2; exit 2; fi
for rate in $rates; do
    case "$rate" in ''|*[!0-9]*) echo "pacing-measure: bad rate $rate" >&2; exit 2 ;; esac
    if [ "$rate" -lt 1 ] || [ "$rate" -gt 100000 ]; then echo "pacing-measure: rates must lie in 1…100000" >&2; exit 2; fi
done

missing=()
[ "$(id -u)" = 0 ] || missing+=("root (network namespaces and tap devices)")
for tool in vde_switch vde_plug2tap ip python3 cc; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -e /usr/include/libvdeplug.h ] || missing+=("libvdeplug-dev (libvdeplug.h)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "pacing-measure: missing: ${missing[*]}" >&2
    exit 2
fi
if [ -z "$nicsim" ]; then
    nice -n 5 swift build -c release --product nicsim >/dev/null
    nicsim=.build/release/nicsim
fi
[ -x "$nicsim" ] || { echo "pacing-measure: $nicsim is not an executable" >&2; exit 2; }

dir=$(mktemp -d /tmp/nicsim-pacing-XXXXXX)
namespace="nicsim-pace-$$"
tap="npace$$"
tap=${tap:0:15}
plug_pid=""
receiver_pid=""
# stop PID: SIGTERM, then SIGKILL after a second (a caller may have left SIGTERM blocked, and children inherit that).
stop() {
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 20); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
    kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
    [ -n "$receiver_pid" ] && stop "$receiver_pid"
    [ -n "$plug_pid" ] && stop "$plug_pid"
    [ -f "$dir/switch.pid" ] && stop "$(cat "$dir/switch.pid")"
    ip netns delete "$namespace" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cc -O2 -o "$dir/pace_send" Scripts/pacing/pace_send.c -lvdeplug
# With --real-time-priority the path's own processes (vde_switch, vde_plug2tap) run under SCHED_FIFO too: on a busy
# machine they would otherwise add the scheduler's delays of normal threads to both senders' figures.
rt=()
[ -n "$priority" ] && rt=(chrt -f 50)
# The daemons write to files, never to this script's output: a caller reading that to its end would wait for them.
"${rt[@]}" vde_switch -s "$dir/switch" -d -p "$dir/switch.pid" </dev/null >"$dir/switch.log" 2>&1
for _ in $(seq 50); do [ -e "$dir/switch/ctl" ] && break; sleep 0.1; done
ip netns add "$namespace"
ip netns exec "$namespace" "${rt[@]}" vde_plug2tap -s "$dir/switch" "$tap" </dev/null >"$dir/plug.log" 2>&1 &
plug_pid=$!
for _ in $(seq 100); do ip -n "$namespace" link show "$tap" >/dev/null 2>&1 && break; sleep 0.05; done
ip -n "$namespace" link show "$tap" >/dev/null 2>&1 || { echo "pacing-measure: vde_plug2tap made no $tap" >&2; exit 1; }
ip netns exec "$namespace" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || true
ip -n "$namespace" link set lo up
ip -n "$namespace" link set "$tap" address 02:00:00:00:00:77
ip -n "$namespace" addr add 192.0.2.1/24 dev "$tap"
ip -n "$namespace" link set "$tap" up

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "pacing-measure: $(nproc) cores, load average $load; ${seconds} s per stream; nicsim $nicsim${priority:+, real-time priority}; namespace $namespace, tap $tap, switch $dir/switch"
results=()
failed=0

# receive LABEL COUNT: starts the receiver in the namespace and waits until it is ready.
receive() {
    ip netns exec "$namespace" python3 Scripts/pacing/pacing.py receive 192.0.2.1 5000 "$2" $((seconds + 10)) \
        "$dir/$1.arrivals" > "$dir/$1.ready" &
    receiver_pid=$!
    for _ in $(seq 100); do grep -q ready "$dir/$1.ready" 2>/dev/null && return 0; sleep 0.05; done
    echo "pacing-measure: the receiver did not start" >&2
    return 1
}

for rate in $rates; do
    count=$((rate * seconds))
    interval_ps=$((1000000000000 / rate))

    label="nicsim-$rate"
    receive "$label" "$count"
    args=(run Fixtures/pacing/stream.yaml --set "network.vde.url=vde://$dir/switch"
          --set "writes.interval=${interval_ps}ps" --set "writes.count=$count"
          --set "duration=$((seconds * 1000 + 300))ms" --pcap "$dir/$label.pcap" --format json --no-progress)
    [ -n "$priority" ] && args+=(--real-time-priority)
    args+=("${extra[@]}")
    sleep 0.1  # vde_switch loses frames from a plug that sends at once; the run opens its plug and starts at once
    if ! "$nicsim" "${args[@]}" > "$dir/$label.json" 2> "$dir/$label.err"; then
        echo "pacing-measure: nicsim failed:" >&2; cat "$dir/$label.err" >&2; failed=1
    fi
    cat "$dir/$label.err" >&2
    wait "$receiver_pid" || true
    receiver_pid=""
    python3 Scripts/pacing/pacing.py analyze "$dir/$label.arrivals" --pcap "$dir/$label.pcap" "$label" \
        --json "$dir/$label.result" || failed=1
    python3 - "$dir/$label.json" <<'PY' || true
import json, sys
v = json.load(open(sys.argv[1])).get("vde") or {}
print(f"{'':<28} nicsim's own lateness at the send: p50 {v.get('latenessP50Ns', 0) / 1e3:.1f} us  p99 "
      f"{v.get('latenessP99Ns', 0) / 1e3:.1f} us  p99.9 {v.get('latenessP999Ns', 0) / 1e3:.1f} us  max "
      f"{v.get('latenessMaxNs', 0) / 1e3:.1f} us; {v.get('achievedFramesPerSecond', 0):.0f}/s; "
      f"{v.get('framesOverLimit', 0)} over the limit; priority {v.get('realTimePriority', 'normal')}")
PY
    results+=("$label")

    label="c-sender-$rate"
    receive "$label" "$count"
    sender=("$dir/pace_send" "vde://$dir/switch" "$rate" "$count")
    [ -n "$priority" ] && sender=(chrt -f 50 "${sender[@]}")
    "${sender[@]}" > "$dir/$label.out" || failed=1
    wait "$receiver_pid" || true
    receiver_pid=""
    python3 Scripts/pacing/pacing.py analyze "$dir/$label.arrivals" --sequenced "$label" \
        --json "$dir/$label.result" || failed=1
    results+=("$label")

    label="c-spin-$rate"
    receive "$label" "$count"
    sender=("$dir/pace_send" "vde://$dir/switch" "$rate" "$count" 50)
    [ -n "$priority" ] && sender=(chrt -f 50 "${sender[@]}")
    "${sender[@]}" > "$dir/$label.out" || failed=1
    wait "$receiver_pid" || true
    receiver_pid=""
    python3 Scripts/pacing/pacing.py analyze "$dir/$label.arrivals" --sequenced "$label" \
        --json "$dir/$label.result" || failed=1
    results+=("$label")
done

if [ -n "$json_out" ]; then
    python3 - "$dir" "$load" "$seconds" "${priority:-0}" "${results[@]}" > "$json_out" <<'PY'
import json, os, sys
folder, load, seconds, priority, labels = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5:]
runs = {}
for label in labels:
    path = os.path.join(folder, label + ".result")
    runs[label] = json.load(open(path)) if os.path.exists(path) else {"error": "no result"}
    report = os.path.join(folder, label + ".json")
    if os.path.exists(report):
        try:
            runs[label]["nicsim"] = json.load(open(report)).get("vde")
        except ValueError:
            pass
print(json.dumps({"cores": os.cpu_count(), "load": load, "seconds": seconds, "realTimePriority": priority,
                  "runs": runs}, indent=1))
PY
fi
echo "pacing-measure: load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
exit $failed
