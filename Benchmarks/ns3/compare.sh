#!/usr/bin/env bash
# nicsim against ns-3 on the same work, in one go (BENCHMARKS.md, "nicsim against ns-3").
#
#   Benchmarks/ns3/compare.sh [FLOWS] [DURATION_MS] [INTERVAL_US] [PAYLOAD] [RUNS]
#   defaults:                  16      10000         1000          1472      3
#
# One server sends FLOWS UDP flows through a switch to FLOWS receivers: one datagram of PAYLOAD bytes per flow
# every INTERVAL_US microseconds for DURATION_MS milliseconds of simulated time; server link 10 Gb/s, receiver
# links 1 Gb/s, 500 ns each. ns-3 (Debian's libns3-dev 3.37) runs udp_fanout.cc: CSMA links, a BridgeNetDevice
# switch, UdpClient/UdpServer. nicsim runs the scenario this script writes, through ScenarioRate (release), with every
# NIC and driver detail on: descriptors in host memory fetched by DMA, zero-copy with registered buffers (translation
# buffer), an IOMMU with its IOTLB, interrupt moderation (ITR, TIDV, TADV), checksum offload, interleaved order.
# Each side runs RUNS times with pcap off and RUNS times with pcap on (server's transmitted frames; with pcap off
# nicsim's measurement each time is NICSIM_REPEAT runs of its scenario, default 8, see below); the median
# delivered datagrams per wall-second of the run (setup excluded) is printed for each, with the ratio. nicsim runs
# twice per round: with receivers that check both checksums of every datagram and count it (what ns-3's UdpServer
# does, which reads a sequence header and counts), and with receivers that also digest every payload byte with
# stripe64 (nicsim's default, for its "intact" report; ns-3 carries no payload bytes at all).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# build_ns3 OUT: compiles udp_fanout.cc into OUT (once, and again when the source is newer); exits 2 without ns-3.
build_ns3() {
    if ! dpkg -s libns3-dev >/dev/null 2>&1; then
        echo "compare.sh: libns3-dev is not installed (apt-get install -y libns3-dev)" >&2
        exit 2
    fi
    if [ ! -x "$1/udp_fanout" ] || [ "$here/udp_fanout.cc" -nt "$1/udp_fanout" ]; then
        echo "building udp_fanout (ns-3) ..." >&2
        g++ -O2 -std=c++17 "$here/udp_fanout.cc" -o "$1/udp_fanout" \
            -lns3-core -lns3-network -lns3-internet -lns3-csma -lns3-bridge -lns3-applications
    fi
}

# write_fanout NAME FLOWS COUNT INTERVAL_US PAYLOAD FILE: the nicsim scenario of the ns-3 program's work (the same
# topology, sizes, rates and duration), with every NIC and driver detail on.
write_fanout() {
    local name=$1 flows=$2 count=$3 interval_us=$4 payload=$5 file=$6 i ip
    {
        echo "name: $name"
        echo "seed: 1"
        echo "server:"
        echo "  link: { rate: 10Gbps, delay: 500ns }"
        echo "  nic:"
        echo "    tx-ring: 1024"
        echo "    iommu: { iotlb: 64, policy: lru }"
        echo "    moderation: { interval: 50us, tx-delay: 8us, tx-absolute: 64us }"
        echo "  driver: { mode: zero-copy, order: interleaved, interrupts: per-write, mtu: 1500, register-buffers: true }"
        echo "network:"
        echo "  switch: { port-buffer: 256KiB }"
        echo "receivers:"
        for (( i = 0; i < flows; i++ )); do
            # 192.0.2.11 … for the first 243; then 198.18.0.0/15 (RFC 2544 benchmarking addresses).
            if (( i < 243 )); then ip="192.0.2.$(( 11 + i ))"; else ip="198.18.$(( (i - 243) / 250 )).$(( (i - 243) % 250 + 1 ))"; fi
            echo "  - { name: rx$(( i + 1 )), ip: $ip, link: { rate: 1Gbps, delay: 500ns } }"
        done
        echo "writes:"
        echo "  count: $count"
        echo "  interval: ${interval_us}us"
        echo "  entries:"
        echo "    - { to: all, size: $payload }"
    } > "$file"
}

# --cli: what a user gets (issue 22). The `nicsim` command line (release build of the nicsim product), whole process
# (parse, build the world, run, digest every payload byte, write the JSON report), default receivers, against
# ns-3's run time alone, on the issue's work: one 10 Gb/s server, FLOWS receivers on 1 Gb/s links behind one
# switch, 1316-byte datagrams at 4 Mb/s per flow (one every 2632 us), 10 s, one multi-destination zero-copy write
# per interval, no pcap. Rounds interleave ns-3 and nicsim; each round's ratio is nicsim's delivered datagrams per
# whole-process second over ns-3's per second of its run; the median of ROUNDS rounds is printed per flow count.
#
#   Benchmarks/ns3/compare.sh --cli [FLOW_COUNTS] [ROUNDS] [EXTRA nicsim ARGS ...]
#   defaults:                        "16 64 256"   3
#   NICSIM_BIN=path  times that nicsim binary instead of building one (an A/B against a baseline build);
#   CLI_INTERVAL_US, CLI_DURATION_MS, CLI_PAYLOAD override the work.
if [ "${1:-}" = --cli ]; then
    shift
    flow_counts="${1:-16 64 256}"
    rounds="${2:-3}"
    shift $(( $# > 2 ? 2 : $# ))
    extra=("$@")
    interval_us="${CLI_INTERVAL_US:-2632}"
    duration_ms="${CLI_DURATION_MS:-10000}"
    payload="${CLI_PAYLOAD:-1316}"
    out="$here/../.build-ns3"
    mkdir -p "$out"
    build_ns3 "$out"
    nicsim="${NICSIM_BIN:-}"
    if [ -z "$nicsim" ]; then
        echo "building nicsim (release) ..." >&2
        (cd "$here/.." && swift build -c release --product nicsim >&2)
        nicsim="$(cd "$here/.." && swift build -c release --show-bin-path)/nicsim"
    fi
    count=$(( duration_ms * 1000 / interval_us ))
    echo "nicsim: $nicsim ${extra[*]:-}; ns-3: Debian libns3-dev $(dpkg-query -W -f='${Version}' libns3-dev)"
    echo "work: $payload-byte datagrams, one per flow every $interval_us us, $count per flow; whole-process nicsim vs ns-3 run time; $rounds interleaved rounds, median"
    for flows in $flow_counts; do
        scenario="$out/cli-fanout-$flows.yaml"
        write_fanout "cli-fanout-$flows" "$flows" "$count" "$interval_us" "$payload" "$scenario"
        ratios=()
        ns3_rates=()
        nicsim_rates=()
        for (( r = 0; r < rounds; r++ )); do
            ns3_line="$(cd "$out" && ./udp_fanout --flows="$flows" --duration-ms="$duration_ms" --interval-us="$interval_us" --payload="$payload")"
            ns3_rate="$(echo "$ns3_line" | sed -n 's/.* rate=\([^ ]*\).*/\1/p')"
            start=$(date +%s.%N)
            "$nicsim" run "$scenario" --format json --no-progress "${extra[@]}" > "$out/cli-report.json"
            end=$(date +%s.%N)
            delivered="$(grep -o '"datagrams" : [0-9]*' "$out/cli-report.json" | awk '{ s += $3 } END { print s + 0 }')"
            wall="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')"
            nicsim_rate="$(awk -v d="$delivered" -v w="$wall" 'BEGIN { printf "%.0f", d / w }')"
            echo "  $flows flows round $(( r + 1 )): $ns3_line | nicsim delivered=$delivered wall=$wall rate=$nicsim_rate" >&2
            ns3_rates+=("$ns3_rate")
            nicsim_rates+=("$nicsim_rate")
            ratios+=("$(awk -v a="$nicsim_rate" -v b="$ns3_rate" 'BEGIN { printf "%.3f", a / b }')")
        done
        med() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
        printf '%4s flows  ns-3 %8s datagrams/s | nicsim run (whole process) %8s datagrams/s | ratio %sx (median of the rounds'"'"' own ratios)\n' \
            "$flows" "$(printf '%s\n' "${ns3_rates[@]}" | med)" "$(printf '%s\n' "${nicsim_rates[@]}" | med)" \
            "$(printf '%s\n' "${ratios[@]}" | med | awk '{ printf "%.1f", $1 }')"
    done
    exit 0
fi
flows="${1:-16}"
duration_ms="${2:-10000}"
interval_us="${3:-1000}"
payload="${4:-1472}"
runs="${5:-3}"
# With pcap off, nicsim runs its scenario this many times per measurement (fresh worlds, totals over totals), so
# that its measurement spans about as much wall time as ns-3's single run (ns-3 is 10-15 times slower) and a slow
# phase of a shared machine lasting a second or two cannot fall on one side only. NICSIM_REPEAT=1 gives single runs.
# With pcap on, nicsim runs once per measurement, as ns-3 does: repetitions would write the capture (245 MB at 16
# flows) again and again, and the kernel's write-back throttling of so much dirty data would slow the later ones.
repeat_off="${NICSIM_REPEAT:-8}"
out="$here/../.build-ns3"
mkdir -p "$out"

build_ns3 "$out"
# NICSIM_SINGLE_THREADED=1 builds nicsim with -assume-single-threaded (non-atomic reference counting; nicsim runs
# one world on one thread, so this is sound for this program, but not a default for a library), in .build-st.
build_args=(-c release)
build_name="release"
if [ "${NICSIM_SINGLE_THREADED:-0}" = 1 ]; then
    build_args+=(--scratch-path "$here/../.build-st" -Xswiftc -Xfrontend -Xswiftc -assume-single-threaded)
    build_name="release, -assume-single-threaded"
fi
echo "building ScenarioRate ($build_name) ..." >&2
(cd "$here/.." && swift build "${build_args[@]}" --product ScenarioRate >&2)
rate_bin="$(cd "$here/.." && swift build "${build_args[@]}" --show-bin-path)/ScenarioRate"

# The nicsim scenario: the same topology, sizes, rates and duration.
count=$(( duration_ms * 1000 / interval_us ))
scenario="$out/fanout-$flows.yaml"
write_fanout "ns3-fanout-$flows" "$flows" "$count" "$interval_us" "$payload" "$scenario"

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

echo "nicsim build: $build_name; ns-3: Debian libns3-dev $(dpkg-query -W -f='${Version}' libns3-dev)"
echo "work: $flows flows, $payload-byte payloads, one per flow every ${interval_us} us, ${duration_ms} ms simulated" \
     "($(( count * flows )) datagrams); $runs runs each (nicsim: $repeat_off repetitions per run with pcap off), median; delivered datagrams per wall-second of the run"
for pcap in off on; do
    repeat="$repeat_off"
    [ "$pcap" = on ] && repeat=1
    ns3_rates=()
    counted_rates=()
    digested_rates=()
    counted_ratios=()
    digested_ratios=()
    for (( r = 0; r < runs; r++ )); do
        ns3_args=(--flows="$flows" --duration-ms="$duration_ms" --interval-us="$interval_us" --payload="$payload")
        nicsim_args=("$scenario")
        if [ "$pcap" = on ]; then
            ns3_args+=(--pcap=1 --pcap-prefix=ns3-fanout)
            nicsim_args+=(--pcap "$out/nicsim-fanout.pcap")
        fi
        # Every capture starts as a new file (overwriting a large one costs the kernel time to drop its pages).
        rm -f "$out"/ns3-fanout-*.pcap "$out/nicsim-fanout.pcap"
        ns3_line="$(cd "$out" && ./udp_fanout "${ns3_args[@]}")"
        rm -f "$out/nicsim-fanout.pcap"
        counted_line="$("$rate_bin" "${nicsim_args[@]}" --repeat "$repeat" --no-digest --label nicsim-counting)"
        rm -f "$out/nicsim-fanout.pcap"
        digested_line="$("$rate_bin" "${nicsim_args[@]}" --repeat "$repeat" --label nicsim-digesting)"
        for line in "$ns3_line" "$counted_line" "$digested_line"; do echo "  pcap $pcap run $(( r + 1 )): $line" >&2; done
        ns3_rates+=("$(echo "$ns3_line" | field rate)")
        counted_rates+=("$(echo "$counted_line" | field rate)")
        digested_rates+=("$(echo "$digested_line" | field rate)")
        # The round's own ratios: ns-3 and nicsim ran back to back, so a slow phase of a shared machine touches both.
        counted_ratios+=("$(awk -v a="${counted_rates[-1]}" -v b="${ns3_rates[-1]}" 'BEGIN { printf "%.3f", a / b }')")
        digested_ratios+=("$(awk -v a="${digested_rates[-1]}" -v b="${ns3_rates[-1]}" 'BEGIN { printf "%.3f", a / b }')")
        ns3_delivered="$(echo "$ns3_line" | field delivered)"
        nicsim_delivered="$(echo "$counted_line" | field delivered)"
    done
    ns3_rate="$(printf '%s\n' "${ns3_rates[@]}" | median)"
    counted_rate="$(printf '%s\n' "${counted_rates[@]}" | median)"
    digested_rate="$(printf '%s\n' "${digested_rates[@]}" | median)"
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
    printf 'pcap %-3s  ns-3 %9s/s (%s delivered) | nicsim %9s/s = %sx ns-3 (receivers count and check) | %9s/s = %sx (receivers also digest every byte, stripe64)\n' \
        "$pcap" "$ns3_rate" "$ns3_delivered" "$counted_rate" "$(ratio "$counted_rate" "$ns3_rate")" \
        "$digested_rate" "$(ratio "$digested_rate" "$ns3_rate")"
    printf 'pcap %-3s  median of the rounds'"'"' own ratios: %.1fx (receivers count and check), %.1fx (receivers also digest)\n' \
        "$pcap" "$(printf '%s\n' "${counted_ratios[@]}" | median)" "$(printf '%s\n' "${digested_ratios[@]}" | median)"
done
rm -f "$out"/ns3-fanout-*.pcap "$out/nicsim-fanout.pcap"
