#!/usr/bin/env bash
# Resident memory of natrs (natrs-mem, every runtime) and async-nats
# (bench/mem-async-nats), each program against a fresh nats-server with
# JetStream on an empty store, the four programs in turn, REPS times.
#
#   bench/mem-compare.sh [REPS]        (default 9)
#
# Prints every MEM line, then per program and stage the medians (and ranges)
# of the growth of VmRSS and of RssAnon over the stage before.
# The server is $NATS_SERVER, or the one the test harness installed under target/.
# Build first: cargo build --release -p natrs-bench, and
# (cd bench/mem-async-nats && cargo build --release --offline) once the peers
# rig has built its async-nats program.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-9}
mem=target/release/natrs-mem
peer=bench/mem-async-nats/target/release/mem-async-nats
server=${NATS_SERVER:-$(ls -d target/nats-server/*/bin/nats-server 2>/dev/null | tail -n 1)}
[[ -x "$server" ]] || { echo "no nats-server: set NATS_SERVER or run cargo test once" >&2; exit 1; }
[[ -x "$mem" ]] || { echo "no $mem: cargo build --release -p natrs-bench" >&2; exit 1; }
[[ -x "$peer" ]] || { echo "no $peer: see bench/mem-async-nats/Cargo.toml" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# One program against a server of its own; its MEM lines to stdout.
run() {
    mkdir "$work/run"
    "$server" -a 127.0.0.1 -p -1 -js -sd "$work/run" --ports_file_dir "$work/run" > "$work/log" 2>&1 &
    pid=$!
    until ls "$work"/run/*.ports >/dev/null 2>&1; do sleep 0.05; done
    url=$(sed -E 's/.*"nats":\["([^"]+)".*/\1/' "$work"/run/*.ports)
    "$@" "$url" || echo "failed: $* (its lines are kept)" >&2
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    rm -rf "$work/run"
}

for rep in $(seq "$reps"); do
    run "$mem" --runtime tokio
    run "$peer"
    run "$mem" --runtime async-std
    run "$mem" --runtime blocking
done | tee "$work/lines"

echo
echo "medians of $reps runs: growth over the stage before, KiB [min..max]"
# client stage vmrss_delta anon_delta, sorted so that each group's values are in order.
median() { sort -n | awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s [%s..%s]", m, v[1], v[NR]}'; }
fields() { sed -E 's/.* client=([^ ]+) stage=([^ ]+) .* delta_kib=(-?[0-9]+) .* anon_delta_kib=(-?[0-9]+)$/\1 \2 \3 \4/' "$work/lines"; }
fields | awk '{print $1, $2}' | awk '!seen[$0]++' | while read -r client stage; do
    vm=$(fields | awk -v c="$client" -v s="$stage" '$1 == c && $2 == s {print $3}' | median)
    anon=$(fields | awk -v c="$client" -v s="$stage" '$1 == c && $2 == s {print $4}' | median)
    printf '%-16s %-20s VmRSS %-26s RssAnon %s\n' "$client" "$stage" "$vm" "$anon"
done
