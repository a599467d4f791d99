#!/usr/bin/env bash
# nats-bench (natrs-tokio) over TCP and over ws://, with and without
# permessage-deflate, against one nats-server with a websocket listener
# (`compression: true`; the server compresses only for clients that offer it).
#
#   bench/ws-compare.sh [REPS]        (default 5)
#
# For `pub` (2,000,000 messages of 16 bytes) and `pubsub` (1,000,000), the three
# transports run interleaved REPS times. Prints every run (rate and the server's
# CPU seconds for it, from /proc), then medians and ratios to TCP.
# The server is $NATS_SERVER, or the one the test harness installed under target/;
# build first: cargo build --release -p natrs-bench
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-5}
bench=target/release/nats-bench
server=${NATS_SERVER:-$(ls -d target/nats-server/*/bin/nats-server 2>/dev/null | tail -n 1)}
[[ -x "$server" ]] || { echo "no nats-server: set NATS_SERVER or run cargo test once" >&2; exit 1; }
[[ -x "$bench" ]] || { echo "no $bench: cargo build --release -p natrs-bench" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
printf 'websocket {\n  host: 127.0.0.1\n  port: -1\n  no_tls: true\n  compression: true\n}\n' > "$work/s.conf"
"$server" -c "$work/s.conf" -a 127.0.0.1 -p -1 --ports_file_dir "$work" > "$work/log" 2>&1 &
pid=$!
until ls "$work"/*.ports >/dev/null 2>&1; do sleep 0.05; done
ports=$(cat "$work"/*.ports)
tcp=$(sed -E 's/.*"nats":\["([^"]+)".*/\1/' <<< "$ports")
ws=$(sed -E 's/.*"websocket":\["([^"]+)".*/\1/' <<< "$ports")
tick=$(getconf CLK_TCK)
cpu() { awk -v t="$tick" '{print ($14 + $15) / t}' "/proc/$pid/stat"; }

for rep in $(seq "$reps"); do
    for scenario in "pub 2000000" "pubsub 1000000"; do
        set -- $scenario
        for transport in "tcp $tcp 0" "ws $ws 0" "ws-deflate $ws 1"; do
            set -- "$1" "$2" $transport
            before=$(cpu)
            out=$(NATRS_BENCH_WS_COMPRESSION=$5 "$bench" --runtime tokio "$1" "$4" "$2" 16)
            after=$(cpu)
            echo "transport=$3 server_cpu=$(awk -v a="$after" -v b="$before" 'BEGIN{print a-b}') $out"
        done
    done
done | tee "$work/runs"
python3 - "$work/runs" <<'PY'
import collections, re, statistics, sys
rate = collections.defaultdict(list)
for line in open(sys.argv[1]):
    t = re.search(r"transport=(\S+)", line).group(1)
    s = re.search(r"scenario=(\S+)", line).group(1)
    rate[(s, t)].append(float(re.search(r"rate=(\d+)", line).group(1)))
for s in ("pub", "pubsub"):
    base = statistics.median(rate[(s, "tcp")])
    for t in ("tcp", "ws", "ws-deflate"):
        m = statistics.median(rate[(s, t)])
        print(f"{s:7} {t:11} median {m / 1e6:.2f} M/s ({min(rate[(s, t)]) / 1e6:.2f} to {max(rate[(s, t)]) / 1e6:.2f}), {m / base:.2f} of tcp")
PY
