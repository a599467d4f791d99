#!/usr/bin/env bash
# Builds `ceiling-digest`: the peers rig's raw-socket ceiling with
# bench/ceiling-digest.patch applied, whose `obj_get` also does what the
# scenario asks of every client and the plain ceiling skips: the SHA-256 of
# the object's bytes, checked, and the bytes copied into one buffer. It reads,
# hashes and copies on one thread, as the ceiling reads. Prints the binary's
# path, for the rig:
#
#   bin=$(bench/ceiling-digest.sh [RIG])      (RIG defaults to ../shared/peers)
#   cd RIG && ./run.sh --scenarios obj_get --extra ceiling-digest="$bin"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rig=$(cd "${1:-$here/../../shared/peers}" && pwd)
out=${CARGO_TARGET_DIR:-$here/../target}/ceiling-digest
rm -rf "$out/src"
mkdir -p "$out"
cp -r "$rig/ceiling/src" "$rig/ceiling/Cargo.toml" "$rig/ceiling/Cargo.lock" "$out/"
patch -s -d "$out" -p1 < "$here/ceiling-digest.patch"
# A workspace of its own, though it is built under this one's target/.
printf '\n[workspace]\n' >> "$out/Cargo.toml"
cargo build -q --release --manifest-path "$out/Cargo.toml" --target-dir "$out/target" >&2
echo "$out/target/release/bench-ceiling"
