#!/usr/bin/env bash
# Runs every recipe whose prerequisites are present, with its defaults, and reports one line per
# recipe: name, ok/FAILED/skipped, seconds. Prints a failing recipe's output only.
# Ends with "N passed, M failed". Usage: scripts/tour.sh [crate ...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac

PER_RECIPE_TIMEOUT=${PER_RECIPE_TIMEOUT:-60}

has() { # need -> succeeds when present
  case "$1" in
    -) return 0 ;;
    mpi) command -v mpiexec >/dev/null 2>&1 ;;
    opencl) clinfo -l 2>/dev/null | grep -q Platform ;;
    rabbitmq) timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672' 2>/dev/null ;;
    python) command -v python3 >/dev/null 2>&1 ;;
    gdb) command -v gdb >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

mapfile -t recipes < <(cargo run --quiet -p recipe-index -- --list)
wanted=("$@")
selected=()
for line in "${recipes[@]}"; do
  name=${line%% *}
  if [ "${#wanted[@]}" -gt 0 ] && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
  selected+=("$line")
done

packages=()
for line in "${selected[@]}"; do packages+=(-p "${line%% *}"); done
[ "${#packages[@]}" -gt 0 ] || { echo "no recipe matches: ${wanted[*]}"; exit 2; }
cargo build --quiet "${packages[@]}"

passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for line in "${selected[@]}"; do
  name=${line%% *}
  needs=${line#* }
  missing=""
  for need in ${needs//,/ }; do has "$need" || missing="$missing $need"; done
  if [ -n "$missing" ]; then
    printf '%-28s skipped (missing:%s; run scripts/setup.sh)\n' "$name" "$missing"
    continue
  fi
  start=$(date +%s%N)
  if timeout --signal=KILL "$PER_RECIPE_TIMEOUT" "target/debug/$name" </dev/null >"$log" 2>&1; then
    result=ok passed=$((passed + 1))
  else
    result=FAILED failed=$((failed + 1))
  fi
  centis=$((($(date +%s%N) - start) / 10000000))
  printf '%-28s %-7s %4d.%02ds\n' "$name" "$result" $((centis / 100)) $((centis % 100))
  if [ "$result" = FAILED ]; then sed 's/^/    | /' "$log"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
