#!/usr/bin/env bash
# Takes recipes home as a reader would: runs the commands of each recipe page's "Use it in your
# own project" box (docs/generated/home/<crate>.md, generated from the manifests) in a fresh
# folder outside the workspace, so the crate builds and runs with only what the box says.
# Usage: scripts/take-home.sh [crate ...]   (default: one recipe each of threads, async, gpu)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac
COOKBOOK=$PWD
export COOKBOOK
crates=("$@")
[ "${#crates[@]}" -gt 0 ] || crates=(thread-queue asyncio-tasks gpu-array-scale)
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# One target folder for the crates taken home, so their common dependencies build once.
export CARGO_TARGET_DIR="$home/target"
for crate in "${crates[@]}"; do
  box="docs/generated/home/$crate.md"
  [ -f "$box" ] || { echo "no box for $crate: $box (run cargo run -p recipe-index)"; exit 2; }
  echo "==> $crate"
  (
    cd "$home"
    while IFS= read -r command; do
      echo "  \$ $command"
      # The last command runs the recipe: built first, then run bounded like every run here.
      case "$command" in "cargo run") command="cargo build --quiet && timeout 120 cargo run --quiet" ;; esac
      eval "$command" >"$home/$crate.log" 2>&1 || { cat "$home/$crate.log"; exit 1; }
    done < <(sed -n 's/^\$ //p' "$COOKBOOK/$box")
    tail -n 3 "$home/$crate.log" | sed 's/^/    | /'
  )
done
echo "${#crates[@]} recipes taken home: built and ran outside the workspace"
