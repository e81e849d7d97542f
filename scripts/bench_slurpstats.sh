#!/usr/bin/env bash
# slurpstats over 1,000 files of 50 fields against `cat` over the same
# files, timed side by side by hyperfine (Debian package `hyperfine`).
#
#     scripts/bench_slurpstats.sh [COUNT]
#
# Both commands run under `sh -c` with the same shell glob, so shell start
# and glob expansion weigh equally on both.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000}"
if ! command -v hyperfine >/dev/null; then
    echo "hyperfine is not installed (apt-get install hyperfine)" >&2
    exit 1
fi
cargo build --quiet --release --bin slurpstats --example populate
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
target/release/examples/populate "$dir" "$count"
hyperfine -N --warmup 5 --runs 50 --export-json "$dir/times.json" \
    --command-name cat "sh -c 'cat $dir/*.mmstats > /dev/null'" \
    --command-name "slurpstats --json" "sh -c 'target/release/slurpstats --json $dir/*.mmstats > /dev/null'" \
    --command-name slurpstats "sh -c 'target/release/slurpstats $dir/*.mmstats > /dev/null'"
# The medians, and each command's against cat's.
python3 - "$dir/times.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
cat = next(r["median"] for r in results if r["command"] == "cat")
print()
print("| command | median | vs cat |")
print("|---|---|---|")
for r in results:
    print(f"| `{r['command']}` | {r['median'] * 1e3:.1f} ms | {r['median'] / cat:.2f}x |")
PY
