#!/usr/bin/env bash
# The one test command: set-up, formatting, lints, every test, the generated index, the docs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac

step() { printf '\n==> %s\n' "$*"; }

step "scripts/setup.sh"
scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
# Each test bounds its own runs; this outer limit only guards against a stuck build.
timeout --signal=KILL 40m cargo test --workspace --locked

step "recipe index"
cargo run --quiet --locked -p recipe-index -- --check

step "mdbook build docs"
mdbook build docs
