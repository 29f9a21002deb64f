#!/usr/bin/env bash
# Measures the timing recipes (median of --repeat runs, 3 by default) with a progress bar and
# writes docs/src/performance.md with its SVG plots in docs/src/performance/.
# Usage: scripts/bench.sh [--book <clone of the book's code>] [--repeat N] [--only crate,...]
# Not part of scripts/test.sh: it takes minutes and its figures depend on the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac
exec cargo run --release --quiet -p bench -- "$@"
