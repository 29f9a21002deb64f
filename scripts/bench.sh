#!/usr/bin/env bash
# Measures the timing recipes (median of --repeat runs, 3 by default) and writes
# docs/src/performance.md with its SVG plots in docs/src/performance/. Every figure is a ratio
# against an anchor of the same run: C programs doing the CPU-bound recipes' work
# (tools/bench/c/, compiled with the system's `cc -O2` into a temporary directory; the fib one
# needs libgmp-dev, the ping-pong mpicc), the recipes' own serial runs, and with --book the
# book's Python originals. A progress bar with the time left shows on a terminal only.
# Usage: scripts/bench.sh [--book <clone of the book's code>] [--repeat N] [--only crate,...]
# Not part of scripts/test.sh: it takes minutes and its figures depend on the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac
# The project's .venv (scripts/setup.sh --python-originals) runs the originals unless told otherwise.
python=()
if [ -x .venv/bin/python3 ] && [[ " $* " != *" --python"* ]]; then python=(--python "$PWD/.venv/bin/python3"); fi
exec cargo run --release --quiet -p bench -- "${python[@]}" "$@"
