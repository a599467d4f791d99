#!/usr/bin/env bash
# How long nats-server waited for a CPU while a benchmark ran (Linux only).
#
#   bench/server-wait.sh REPS SCENARIO COUNT SIZE 'CMD' ['CMD' ...]
#
# Each CMD is a bench program's command without its last four arguments, as the
# peers rig takes them (`target/release/nats-bench --runtime tokio`, or a peer's
# binary). The commands run interleaved, REPS times each, every run against a
# fresh server (with JetStream on an empty store, as the rig starts it) on a
# free loopback port. Two builds of nats-bench given as two CMDs compare a
# change on any scenario, KV and object store included. For every command it
# prints the median rate and, from the server threads' /proc schedstat, the
# median time the server ran and the median time it was runnable but waiting
# for a CPU (on a machine with few CPUs that wait is what a client's own CPU
# use costs the server), then every run's rate, sorted, to show what the
# median hides.
#
# The server is $NATS_SERVER, or the one the test harness installed under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 5 ]]; then
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
reps=$1 scenario=$2 count=$3 size=$4
shift 4
server=${NATS_SERVER:-$(ls -d target/nats-server/*/bin/nats-server 2>/dev/null | tail -n 1)}
[[ -x "$server" ]] || { echo "no nats-server: set NATS_SERVER or run cargo test once" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# Sum of the server threads' (run ns, wait ns).
schedstat() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{r += $1; w += $2} END {print r, w}'; }

for ((rep = 0; rep < reps; rep++)); do
    k=0
    for cmd in "$@"; do
        "$server" -a 127.0.0.1 -p -1 -js -sd "$work/js" -l "$work/log" &
        pid=$!
        port=
        for _ in $(seq 100); do
            port=$(grep -oE 'client connections on 127\.0\.0\.1:[0-9]+' "$work/log" 2>/dev/null | grep -oE '[0-9]+$' || true)
            [[ -n "$port" ]] && break
            sleep 0.05
        done
        [[ -n "$port" ]] || { echo "the server did not start" >&2; exit 1; }
        read -r r0 w0 < <(schedstat "$pid")
        # shellcheck disable=SC2086 # CMD is a command line of several words
        out=$($cmd "$scenario" "nats://127.0.0.1:$port" "$count" "$size" 2>&1) ||
            { echo "$cmd failed: $out" >&2; exit 1; }
        read -r r1 w1 < <(schedstat "$pid")
        rate=$(grep -oE 'rate=[0-9.]+' <<<"$out" | cut -d= -f2 || true)
        [[ -n "$rate" ]] || { echo "no RESULT line from $cmd: $out" >&2; exit 1; }
        echo "$k $rate $(((r1 - r0) / 1000000)) $(((w1 - w0) / 1000000))" >>"$work/runs"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
        pid=
        rm -rf "$work/log" "$work/js"
        k=$((k + 1))
    done
done

python3 - "$work/runs" "$@" <<'EOF'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
rate = lambda v: f"{v / 1e6:.3f}M" if v >= 1e6 else f"{v / 1e3:.2f}k"
print(f"{'command':48} {'rate/s':>10} {'server ran':>11} {'server waited':>14}  every run's rate/s, sorted")
for k, cmd in enumerate(sys.argv[2:]):
    mine = [r for r in runs if int(r[0]) == k]
    med = lambda i: statistics.median(float(r[i]) for r in mine)
    each = " ".join(rate(v) for v in sorted(float(r[1]) for r in mine))
    print(f"{cmd[-48:]:48} {rate(med(1)):>10} {med(2):9.0f}ms {med(3):12.0f}ms  {each}")
EOF
