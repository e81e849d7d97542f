#!/usr/bin/env python3
"""Prints the medians of the last `cargo bench` run as the tables of
BENCHMARKS.md: every benchmark's median, then the ratios the targets are
about. Reads target/criterion/<group>/<function>/new/estimates.json.

    cargo bench --bench write --bench read --bench create
    python3 scripts/bench_table.py
"""

import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "criterion")

GROUPS = ["incr", "incr_fields", "incr2", "gauge", "timer", "text", "create", "read", "read_all", "slurp"]

# (what, numerator, denominator, target description)
RATIOS = [
    ("incr/mmstats vs incr/floor", "incr/mmstats", "incr/floor", "<= 1.5x"),
    ("incr/mmstats vs incr/rmw_floor", "incr/mmstats", "incr/rmw_floor", "(context)"),
    ("incr/prometheus vs incr/mmstats", "incr/prometheus", "incr/mmstats", ">= 2x"),
    ("incr/metrics vs incr/mmstats", "incr/metrics", "incr/mmstats", ">= 2x"),
    ("incr/atomic vs incr/mmstats", "incr/atomic", "incr/mmstats", "(context)"),
    ("incr_fields/100 vs incr_fields/10", "incr_fields/100", "incr_fields/10", "~1x"),
    ("incr2/atomic vs incr2/mmstats", "incr2/atomic", "incr2/mmstats", ">= 20x"),
    ("incr2/mmstats vs incr2/floor", "incr2/mmstats", "incr2/floor", "(context)"),
    ("incr2/atomic vs incr2/floor", "incr2/atomic", "incr2/floor", "(context: the best ratio possible)"),
    ("incr2/prometheus vs incr2/mmstats", "incr2/prometheus", "incr2/mmstats", "(context)"),
    ("gauge/mmstats vs gauge/floor", "gauge/mmstats", "gauge/floor", "<= 2x"),
    ("timer/mmstats vs timer/instant", "timer/mmstats", "timer/instant", "<= 1.0x"),
    ("timer/prometheus vs timer/mmstats", "timer/prometheus", "timer/mmstats", "(context)"),
    ("text/mmstats vs text/floor", "text/mmstats", "text/floor", "<= 2x"),
    ("create/100 vs create/10", "create/100", "create/10", "(context)"),
    ("read/1000 vs read/10", "read/1000", "read/10", "~100x (linear)"),
    ("read_all/1000 vs read_all/10", "read_all/1000", "read_all/10", "~100x (linear)"),
    ("slurp/1000x50 vs slurp/100x50", "slurp/1000x50", "slurp/100x50", "~10x (linear)"),
]

# Elements per iteration, for throughput rows.
ELEMENTS = {
    "read/10": 10,
    "read/100": 100,
    "read/1000": 1000,
    "read_all/10": 10,
    "read_all/100": 100,
    "read_all/1000": 1000,
    "slurp/100x50": 5_000,
    "slurp/1000x50": 50_000,
}


def medians():
    found = {}
    for group in GROUPS:
        gdir = os.path.join(ROOT, group)
        if not os.path.isdir(gdir):
            continue
        for function in sorted(os.listdir(gdir)):
            path = os.path.join(gdir, function, "new", "estimates.json")
            if os.path.isfile(path):
                with open(path) as f:
                    found[f"{group}/{function}"] = json.load(f)["median"]["point_estimate"]
    return found


def show_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.2f} ns"


def main():
    m = medians()
    if not m:
        sys.exit(f"no criterion results under {ROOT}: run cargo bench first")
    print("| benchmark | median | throughput |")
    print("|---|---|---|")
    for name, ns in m.items():
        rate = ""
        if name in ELEMENTS:
            rate = f"{ELEMENTS[name] / ns * 1e3:.1f} M fields/s"
        elif name.startswith("incr2/"):
            rate = f"{1e3 / ns:.0f} M increment pairs/s"
        print(f"| `{name}` | {show_ns(ns)} | {rate} |")
    print()
    print("| ratio | value | target |")
    print("|---|---|---|")
    for what, num, den, target in RATIOS:
        if num in m and den in m:
            print(f"| {what} | {m[num] / m[den]:.2f}x | {target} |")


if __name__ == "__main__":
    main()
