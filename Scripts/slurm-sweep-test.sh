#!/usr/bin/env bash
# Runs a sweep on a one-node Slurm cluster brought up on this machine and checks that the merged result is
# byte-identical to the same sweep run locally (issue 20).
#
# The cluster: munged, slurmctld and slurmd (Debian's munge and slurm-wlm, installed by Scripts/install-deps.sh
# test when missing), configured in a temporary directory, inside a network namespace of their own with only a
# loopback interface (no traffic anywhere else), started and stopped here; everything is removed on exit.
# Needs root. Usage: slurm-sweep-test.sh [NICSIM]   (default .build/debug/nicsim; build it first)
# Bounded: about 20 s on an idle machine, at most SLURM_TEST_TIMEOUT seconds (default 100) of waiting for the jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
nicsim=$(realpath "${1:-.build/debug/nicsim}")
[ -x "$nicsim" ] || { echo "slurm-sweep-test: no nicsim executable at $nicsim (swift build first)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "slurm-sweep-test: needs root (daemons, a network namespace)" >&2; exit 2; }
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    bash Scripts/install-deps.sh test
fi

work=$(mktemp -d /tmp/nicsim-slurm.XXXXXX)
chmod 700 "$work"
ns="nicsim-slurm-$$"
pids=()
cleanup() {
    status=$?
    set +e
    if [ -f "$work/slurm.conf" ] && [ -e "/run/netns/$ns" ]; then
        in_ns scancel --quiet --user=root >/dev/null 2>&1
    fi
    # Stop what this script started, by the process ids it recorded; SIGKILL after two seconds.
    for f in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
        [ -s "$f" ] && pids+=("$(cat "$f")")
    done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for _ in $(seq 20); do
        alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    if [ $status -ne 0 ]; then
        for log in "$work"/slurmctld.log "$work"/slurmd.log "$work"/cluster/logs/*.out; do
            [ -f "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 15 "$log" >&2; }
        done
    fi
    ip netns del "$ns" 2>/dev/null
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns"
ip -n "$ns" link set lo up
# Slurm resolves its listening address with AI_ADDRCONFIG, which wants one configured address besides loopback:
# a veth pair with both ends inside the namespace (no wire to anywhere else) and an address from the documentation
# range on one end.
ip -n "$ns" link add nicsim0 type veth peer name nicsim1
ip -n "$ns" addr add 192.0.2.1/24 dev nicsim0
ip -n "$ns" link set nicsim0 up
ip -n "$ns" link set nicsim1 up
# nsenter enters the network namespace only (ip netns exec would also remount /sys, hiding the cgroup file
# systems slurmd looks for).
in_ns() { nsenter --net="/run/netns/$ns" env SLURM_CONF="$work/slurm.conf" "$@"; }

# munge: a key of our own and a socket in the temporary directory.
mkdir -m 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
in_ns munged --force --socket="$work/munge/munge.sock" --key-file="$work/munge/munge.key" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed"

cpus=$(nproc)
mkdir -p "$work/state" "$work/spool"
cat >"$work/slurm.conf" <<EOF
ClusterName=nicsimtest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1024 State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

in_ns slurmctld -f "$work/slurm.conf"
in_ns slurmd -f "$work/slurm.conf" -N localhost
for i in $(seq 150); do
    state=$(in_ns sinfo -h -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    [ "$i" = 150 ] && { echo "slurm-sweep-test: the node did not come up (state: ${state:-none})" >&2; exit 1; }
    sleep 0.2
done

# The sweep: 2 × 3 variants × 2 seeds of a small scenario, in 3 shards of one CPU each, and the same locally.
args=(Fixtures/scenarios/two-receivers.yaml --set server.driver.mode=copy,zero-copy --set writes.count=1,2,3
      --seeds 2)
"$nicsim" sweep "${args[@]}" --out "$work/cluster" --slurm --shards 3 --slurm-cpus 1 --slurm-mem 256M \
    --slurm-time 00:05:00 >/dev/null
grep -q -- '--array=1-3' "$work/cluster/submit.sh"
in_ns bash "$work/cluster/submit.sh"
deadline=$((SECONDS + ${SLURM_TEST_TIMEOUT:-100}))
while [ -n "$(in_ns squeue -h -o %i 2>/dev/null || echo pending)" ]; do
    [ $SECONDS -lt $deadline ] || { echo "slurm-sweep-test: the jobs did not end in time" >&2; in_ns squeue >&2; exit 1; }
    sleep 0.5
done
[ -f "$work/cluster/results.jsonl" ] || { echo "slurm-sweep-test: the merge job wrote no results" >&2; exit 1; }

"$nicsim" sweep "${args[@]}" --out "$work/local" --no-progress >/dev/null
for f in sweep.json results.jsonl summary.csv summary.html; do
    cmp "$work/local/$f" "$work/cluster/$f" || { echo "slurm-sweep-test: $f differs" >&2; exit 1; }
done
runs=$(wc -l <"$work/cluster/results.jsonl")
[ "$runs" = 12 ] || { echo "slurm-sweep-test: $runs results, expected 12" >&2; exit 1; }
echo "slurm-sweep-test: 12 runs in 3 Slurm array tasks, merged: byte-identical to the local sweep"
