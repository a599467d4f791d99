#!/usr/bin/env bash
# Two or more nats-bench binaries (say, before and after a change) on one
# scenario, interleaved REPS times, each run against a fresh nats-server with
# JetStream on an empty store.
#
#   bench/ab-compare.sh REPS SCENARIO COUNT SIZE BIN...
#   RUNTIME=blocking bench/ab-compare.sh 7 obj_put 67108864 131072 /tmp/old target/release/nats-bench
#
# Prints every run's rate, then each binary's median, min and max.
# RUNTIME (default tokio) is passed as --runtime. The server is $NATS_SERVER,
# or the one the test harness installed under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 5 ]] || { sed -n '2,11p' "$0" >&2; exit 2; }
reps=$1 scenario=$2 count=$3 size=$4
shift 4
server=${NATS_SERVER:-$(ls -d target/nats-server/*/bin/nats-server 2>/dev/null | tail -n 1)}
[[ -x "$server" ]] || { echo "no nats-server: set NATS_SERVER or run cargo test once" >&2; exit 1; }
for bin in "$@"; do [[ -x "$bin" ]] || { echo "no $bin" >&2; exit 1; }; done

work=$(mktemp -d)
pid=
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

for rep in $(seq "$reps"); do
    for i in $(seq "$#"); do
        bin=${!i}
        mkdir "$work/run"
        "$server" -a 127.0.0.1 -p -1 -js -sd "$work/run" --ports_file_dir "$work/run" > "$work/log" 2>&1 &
        pid=$!
        until ls "$work"/run/*.ports >/dev/null 2>&1; do sleep 0.05; done
        url=$(sed -E 's/.*"nats":\["([^"]+)".*/\1/' "$work"/run/*.ports)
        rate=$("$bin" --runtime "${RUNTIME:-tokio}" "$scenario" "$url" "$count" "$size" |
            sed -nE 's/^RESULT .* rate=([0-9.]+).*/\1/p')
        echo "rep $rep bin $i rate $rate"
        echo "$i $rate" >> "$work/rates"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
        pid=
        rm -rf "$work/run"
    done
done

echo
for i in $(seq "$#"); do
    awk -v i="$i" '$1 == i {print $2}' "$work/rates" | sort -g |
        awk -v bin="${!i}" '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s: median %.0f, min %.0f, max %.0f (%d runs)\n", bin, m, v[1], v[NR], NR}'
done
