#!/usr/bin/env bash
# Writes the Python 0.8 fixtures (tests/fixtures/python-mmstats-0.8) again
# with the original mmstats 0.8.0 under CPython 2.7.18 (from pyenv).
#
#   scripts/regenerate_fixtures.sh [--fresh] [OUTDIR]
#
# OUTDIR defaults to the fixture directory itself. Without --fresh the sys
# fields keep the values the fixtures recorded, so the files come out byte
# for byte the same (`git diff` shows nothing); with --fresh they hold this
# process's pid, time and Python version.
set -euo pipefail
cd "$(dirname "$0")/.."

fixtures=tests/fixtures/python-mmstats-0.8
fresh=""
if [ "${1:-}" = "--fresh" ]; then
    fresh=1
    shift
fi
outdir="${1:-$fixtures}"

py2="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")/versions/2.7.18/bin/python"
if [ ! -x "$py2" ]; then
    echo "regenerate_fixtures: CPython 2.7.18 not found at $py2 (install it with pyenv)" >&2
    exit 1
fi
package="$PWD/target/py2-mmstats"
if [ ! -f "$package/mmstats/reader.py" ]; then
    mkdir -p target
    "$py2" -m pip install --quiet --disable-pip-version-check --target "$package" mmstats==0.8.0
fi

# The pinned values are read before anything is written over them.
pinned="$(mktemp -d)"
trap 'rm -rf "$pinned"' EXIT
cp "$fixtures"/all_types.expected.json "$pinned"/
args=("$outdir")
if [ -z "$fresh" ]; then
    args+=(--sys-from "$pinned")
fi
PYTHONPATH="$package" PYTHONDONTWRITEBYTECODE=1 "$py2" tests/python/write_fixtures.py "${args[@]}"
echo "wrote the fixtures into $outdir"
