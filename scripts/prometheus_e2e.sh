#!/usr/bin/env bash
# End to end: a real Prometheus server scrapes mmash, and its query API
# returns the counter a writer published.
#
#   bash scripts/prometheus_e2e.sh
#
# Runs the update_emails example (it leaves a stats file with done = 123),
# mmash on a free loopback port serving that file, and Prometheus (Debian
# package `prometheus`) on another, scraping every second; then asks
# Prometheus for mmstats_done_total until it answers 123. Everything runs
# on 127.0.0.1 in a temporary directory and is stopped on exit. Gives up
# after $E2E_TIMEOUT seconds (default 60). Prints a SKIP line and exits 0
# if prometheus is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."

timeout_secs="${E2E_TIMEOUT:-60}"
count=123

if ! command -v prometheus >/dev/null; then
    echo "SKIP: prometheus is not installed (Debian package prometheus); no end-to-end scrape"
    exit 0
fi

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "prometheus_e2e: FAILED: $*" >&2
    for log in "$work"/*.log; do
        [ -f "$log" ] || continue
        echo "--- $log (last lines)" >&2
        tail -n 20 "$log" >&2
    done
    exit 1
}

# A free loopback port: bound by the kernel, then let go.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cargo build --quiet --bin mmash --example update_emails
target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
mmash="$target_dir/debug/mmash"
writer="$target_dir/debug/examples/update_emails"

# The writer: its file stays behind with done = $count.
mkdir "$work/stats"
file="$(MMSTATS_PATH="$work/stats" MMSTATS_FILES= "$writer" "$count")"
[ -f "$file" ] || fail "the writer left no file ($file)"

# mmash on any free port; its first line says which.
"$mmash" --bind 127.0.0.1:0 --glob "$work/stats/*.mmstats" >"$work/mmash.out" 2>"$work/mmash.log" &
pids+=("$!")
deadline=$((SECONDS + timeout_secs))
until grep -q '^listening on ' "$work/mmash.out" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "mmash did not start"
    sleep 0.1
done
mmash_url="$(sed -n '1s/^listening on //p' "$work/mmash.out")"
mmash_addr="${mmash_url#http://}"
mmash_addr="${mmash_addr%/}"
curl -fsS "${mmash_url}metrics" | grep -q "^mmstats_done_total{.*} $count\$" ||
    fail "mmash does not export done = $count"

prom_port="$(free_port)"
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: mmash
    static_configs:
      - targets: ['$mmash_addr']
EOF
prometheus \
    --config.file="$work/prometheus.yml" \
    --storage.tsdb.path="$work/data" \
    --web.listen-address="127.0.0.1:$prom_port" \
    >"$work/prometheus.log" 2>&1 &
pids+=("$!")

query='mmstats_done_total{job="mmash",cmd="update_emails"}'
answer=""
until [ "$SECONDS" -ge "$deadline" ]; do
    answer="$(curl -fsS -G "http://127.0.0.1:$prom_port/api/v1/query" \
        --data-urlencode "query=$query" 2>/dev/null || true)"
    if printf '%s' "$answer" | python3 -c '
import json, sys
want = sys.argv[1]
result = json.load(sys.stdin)["data"]["result"]
sys.exit(0 if result and all(r["value"][1] == want for r in result) else 1)
' "$count" 2>/dev/null; then
        echo "prometheus_e2e: ok: Prometheus scraped mmash and answers $query = $count"
        exit 0
    fi
    sleep 0.5
done
fail "after ${timeout_secs}s Prometheus still answers: ${answer:-nothing}"
