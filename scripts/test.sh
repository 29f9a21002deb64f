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

step "cargo build (the whole workspace, every target)"
cargo build --workspace --all-targets --locked

step "one build serves every command"
# workspace-hack (kept by `cargo hakari generate`) gives shared dependencies one feature set,
# so a command that selects fewer packages reuses the workspace build. A dependency compiled
# again here means a new dependency or feature is missing from workspace-hack.
for command in "build" "build -p thread-queue" "test -p thread-queue --no-run"; do
  rebuilt=$(cargo $command --locked -v 2>&1 | grep -E '^ *Compiling ' | grep -vF "($PWD/" || true)
  if [ -n "$rebuilt" ]; then
    printf 'cargo %s compiled dependencies again:\n%s\n' "$command" "$rebuilt"
    echo "run: cargo install cargo-hakari --locked && cargo hakari generate && cargo hakari manage-deps"
    exit 1
  fi
  echo "cargo $command: no dependency compiled again"
done

step "cargo test"
# Each test bounds its own runs; this outer limit only guards against a stuck build.
timeout --signal=KILL 40m cargo test --workspace --locked

step "fault suite, short form (scripts/faults.sh --quick; the full form is a pre-release check)"
cargo run --quiet --locked -p faults -- --quick

step "take three recipes home (scripts/take-home.sh)"
scripts/take-home.sh

step "cargo doc (no warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked --quiet

step "recipe index"
cargo run --quiet --locked -p recipe-index -- --check

step "mdbook build docs"
mdbook build docs

step "doc-check links docs/book"
# The short form: links, images and fragments of the built pages, without a browser;
# scripts/check-docs.sh loads every page in headless Chromium.
cargo run --quiet --locked -p doc-check -- links docs/book
