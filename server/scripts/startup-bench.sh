#!/usr/bin/env bash
# Start-to-ready time and idle memory of the release `regulars` binary on an existing SQLite
# database. Prints figures; asserts nothing.
#
#   cargo build --release -p regulars-server && server/scripts/startup-bench.sh [runs]
set -euo pipefail
runs="${1:-10}"
bin="${CARGO_TARGET_DIR:-target}/release/regulars"
[ -x "$bin" ] || { echo "build first: cargo build --release -p regulars-server" >&2; exit 1; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
port=18089
export REGULARS_SERVER_LISTEN="127.0.0.1:$port" RUST_LOG=warn

ready() { curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; }

# First start migrates and seeds the demo chain; it is not what is measured.
"$bin" >/dev/null 2>&1 & pid=$!
until ready; do sleep 0.05; done
kill -TERM "$pid"; wait "$pid" || true

total=0
for i in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    "$bin" >/dev/null 2>&1 & pid=$!
    until ready; do sleep 0.002; done
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    total=$(( total + ms ))
    if [ "$i" -eq "$runs" ]; then
        sleep 2
        rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    fi
    kill -TERM "$pid"; wait "$pid" || true
done
echo "start to ready on an existing database: mean $(( total / runs )) ms over $runs runs"
echo "idle RSS after start: $(( rss / 1024 )) MiB ($rss KiB)"
