#!/usr/bin/env bash
# The full docs check: builds the book and loads every page in headless Chromium, served from
# 127.0.0.1 (doc-check browser): every page loads without a failed resource or a console error,
# every image renders, every same-site link target loads and has the link's #fragment.
# Usage: scripts/check-docs.sh [--timeout SECONDS] [--page-timeout SECONDS] [--chromium PATH]
# Takes about a minute; scripts/test.sh runs the short form (doc-check links, no browser).
# Installs Debian's chromium when it is missing (apt-get, with sudo when not root), saying so
# first; nothing else on the machine changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x /usr/bin/chromium ] && [ ! -x /usr/bin/chromium-browser ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "check-docs: no chromium and no apt-get: install Chromium, then pass --chromium PATH" >&2
    exit 1
  fi
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  printf 'setup: about to apt-get install chromium (the browser check of the docs; not installed)\n'
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
command -v mdbook >/dev/null 2>&1 || { echo "check-docs: no mdbook: run scripts/setup.sh" >&2; exit 1; }

step "mdbook build docs"
mdbook build docs

step "doc-check's own tests, the browser's included"
cargo test --quiet --locked -p doc-check -- --include-ignored

step "doc-check browser docs/book"
cargo run --quiet --locked -p doc-check -- browser docs/book "$@"
