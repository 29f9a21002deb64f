#!/usr/bin/env bash
# Runs recipes next to the book's Python originals and prints both outputs side by side
# (normalised), the differences, and each side's wall time and peak memory.
# Usage: scripts/compare.sh <crate>... --book <clone of the book's code>
#        scripts/compare.sh --all --book <dir> [--summary-only]
# See docs/src/comparing.md; `scripts/compare.sh --help` lists every option.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac
# The project's .venv (scripts/setup.sh --python-originals) runs the originals unless told otherwise.
python=()
if [ -x .venv/bin/python3 ] && [[ " $* " != *" --python"* ]]; then python=(--python "$PWD/.venv/bin/python3"); fi
exec cargo run --release --quiet -p compare -- "${python[@]}" "$@"
