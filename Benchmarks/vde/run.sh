#!/usr/bin/env bash
# Frames per second into vde_switch (vde://) and over ptp://: a C sender calling libvdeplug directly (the
# transport's own limit) side by side with nicsim's Swift paths, in one run.
#
#   Benchmarks/vde/run.sh [COUNT] [REPEATS]        (defaults: 500000 frames of 1514 bytes, 3 repeats)
#
# Senders that never wait (a full socket queue is a counted drop, as in a simulation run):
#   c                 Benchmarks/vde/vde_send_bench.c
#   swift-blast       VDEConnection.blast, a plain Swift loop over send
#   swift-port        a simulation in as-fast-as-possible mode feeding a send-only VDEPort, one event per frame
# Senders that wait for room and retry (the transport's lossless limit; compared with each other):
#   c-wait            vde_send_bench.c with "wait"
#   swift-blast-wait  VDEConnection.blast(waitForRoom: true)
# The Swift paths run through `swift test -c release --filter VDEThroughput` (Tests/VDEPortTests/VDEThroughput.swift).
# Set NICSIM_PACKAGE_PATH to build them from another checkout; SWIFT_SCRATCH (default <package>/.build-vde-release).
#
# Every run gets a fresh receiver (vde_recv_bench.c) that counts what arrives; vde:// runs also get a fresh
# vde_switch. Everything lives in one temporary directory and is stopped and removed on exit. Only Unix sockets
# are used: no network interface is touched.
#
# Reported per URL kind and sender, as medians over the repeats: accepted frames/s (vde_send succeeded),
# attempted frames/s, frames delivered to the receiver and the receiver's rate, and the ratio of accepted frames/s
# to the C sender of the same kind (c for the senders that never wait, c-wait for those that wait).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
package=${NICSIM_PACKAGE_PATH:-$root}
scratch=${SWIFT_SCRATCH:-$package/.build-vde-release}
count=${1:-500000}
repeats=${2:-3}
length=1514

work=$(mktemp -d /tmp/nicsim-vdebench-XXXXXX)
switch_pid=""
receiver_pid=""

stop_pid() {  # SIGTERM, then SIGKILL after 2 s; only the pid given
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    stop_pid "$receiver_pid"
    stop_pid "$switch_pid"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkfifo "$work/console"
exec 3<>"$work/console"
command -v vde_switch >/dev/null || { echo "vde_switch (package vde2) is required" >&2; exit 2; }
cc -O2 -Wall -o "$work/vde_send_bench" "$here/vde_send_bench.c" -lvdeplug
cc -O2 -Wall -o "$work/vde_recv_bench" "$here/vde_recv_bench.c" -lvdeplug

echo "building the Swift paths (release)..." >&2
# -enable-testing: other test targets of the package use @testable imports, and the tests build as one bundle.
swift build -c release -Xswiftc -enable-testing --package-path "$package" --scratch-path "$scratch" --build-tests \
    >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log" >&2; echo "swift build failed (log above)" >&2; exit 2; }

start_switch() {
    rm -rf "$work/switch"
    # The switch's console reads stdin and the switch exits at its end: feed it a FIFO this script holds open.
    vde_switch -s "$work/switch" <"$work/console" >/dev/null 2>&1 &
    switch_pid=$!
    for _ in $(seq 250); do [ -S "$work/switch/ctl" ] && break; sleep 0.02; done
    [ -S "$work/switch/ctl" ] || { echo "vde_switch did not start" >&2; exit 2; }
    sleep 0.05
}

start_receiver() {  # $1 URL
    rm -f "$work/ready"
    "$work/vde_recv_bench" "$1" 500 60 "$work/ready" >"$work/received" &
    receiver_pid=$!
    for _ in $(seq 250); do [ -f "$work/ready" ] && break; sleep 0.02; done
    [ -f "$work/ready" ] || { echo "receiver did not open $1" >&2; exit 2; }
    sleep 0.1
}

finish_receiver() {  # waits for the idle timeout, prints "frames frames-per-second"
    for _ in $(seq 500); do kill -0 "$receiver_pid" 2>/dev/null || break; sleep 0.02; done
    stop_pid "$receiver_pid"
    receiver_pid=""
    echo "$(field frames <"$work/received") $(field received_per_s <"$work/received")"
}

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

send() {  # $1 sender, $2 URL; prints the sender's key=value line
    case $1 in
    c) "$work/vde_send_bench" "$2" "$count" "$length" || true ;;
    c-wait) "$work/vde_send_bench" "$2" "$count" "$length" wait || true ;;
    swift-*)
        NICSIM_VDE_BENCH_URL=$2 NICSIM_VDE_BENCH_COUNT=$count NICSIM_VDE_BENCH_LENGTH=$length \
            NICSIM_VDE_BENCH_PATH=${1#swift-} \
            swift test -c release -Xswiftc -enable-testing --skip-build --package-path "$package" \
            --scratch-path "$scratch" --filter VDEThroughput 2>&1 | grep '^sender=' || echo "sender=$1 failed"
        ;;
    esac
}

senders="c swift-blast swift-port c-wait swift-blast-wait"
: >"$work/results"
for kind in vde ptp; do
    for run in $(seq "$repeats"); do
        for sender in $senders; do
            if [ "$kind" = vde ]; then
                start_switch
                url="vde://$work/switch"
            else
                rm -f "$work/link" "$work/link+"
                url="ptp://$work/link"
            fi
            start_receiver "$url"
            line=$(send "$sender" "$url")
            read -r delivered delivered_rate <<<"$(finish_receiver)"
            if [ "$kind" = vde ]; then stop_pid "$switch_pid"; switch_pid=""; fi
            sent=$(echo "$line" | field sent_per_s)
            attempted=$(echo "$line" | field attempted_per_s)
            echo "$kind $sender ${sent:-0} ${attempted:-0} ${delivered:-0} ${delivered_rate:-0}" >>"$work/results"
            echo "$kind run $run: $line delivered=${delivered:-0} delivered_per_s=${delivered_rate:-0}" >&2
        done
    done
done

median() {
    sort -n | awk '{ v[NR] = $1 }
        END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]
              else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

median_of() {  # $1 kind, $2 sender, $3 column number: the median
    awk -v k="$1" -v s="$2" -v c="$3" '$1 == k && $2 == s { print $c }' "$work/results" | median
}

echo
echo "VDE throughput: $count frames of $length bytes per run, median of $repeats runs, $(nproc) cores"
printf '%-6s %-17s %13s %13s %10s %13s %9s\n' url sender "accepted/s" "attempted/s" delivered "delivered/s" "vs C"
for kind in vde ptp; do
    for sender in $senders; do
        reference=c
        case $sender in *-wait) reference=c-wait ;; esac
        sent=$(median_of $kind $sender 3)
        c_sent=$(median_of $kind $reference 3)
        ratio=$(awk -v a="$sent" -v b="$c_sent" 'BEGIN { if (b > 0) printf "%.0f %%", 100 * a / b; else print "-" }')
        printf '%-6s %-17s %13.0f %13.0f %10.0f %13.0f %9s\n' "$kind://" "$sender" "$sent" \
            "$(median_of $kind $sender 4)" "$(median_of $kind $sender 5)" "$(median_of $kind $sender 6)" "$ratio"
    done
done
