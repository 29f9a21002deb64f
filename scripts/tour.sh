#!/usr/bin/env bash
# Runs every recipe whose prerequisites are present, with its defaults, and reports one line per
# recipe: name, ok/FAILED, seconds. Prerequisites are checked first: a chapter whose
# prerequisites are missing is skipped in one line that names them, before anything is built.
# Prints a failing recipe's output only. Ends with "N passed, M failed".
# Usage: scripts/tour.sh [crate ...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac

PER_RECIPE_TIMEOUT=${PER_RECIPE_TIMEOUT:-60}

# need -> succeeds when present. Building an MPI crate needs MPICH's library and libclang,
# a GPU crate the OpenCL loader; running them needs mpiexec and a platform.
has() {
  case "$1" in
    -) return 0 ;;
    mpi) command -v mpiexec >/dev/null 2>&1 && pkg-config --exists mpich 2>/dev/null &&
      ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/*/libclang*.so* >/dev/null 2>&1 ;;
    opencl) clinfo -l 2>/dev/null | grep -q Platform ;;
    rabbitmq) timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672' 2>/dev/null ;;
    python) command -v python3 >/dev/null 2>&1 ;;
    gdb) command -v gdb >/dev/null 2>&1 && command -v gdbserver >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}
describe() {
  case "$1" in
    mpi) echo "MPICH (mpiexec, libmpich-dev) and libclang" ;;
    opencl) echo "an OpenCL platform (PoCL)" ;;
    rabbitmq) echo "RabbitMQ on 127.0.0.1:5672" ;;
    python) echo "python3" ;;
    gdb) echo "gdb and gdbserver" ;;
    *) echo "$1" ;;
  esac
}

mapfile -t recipes < <(cargo run --quiet -p recipe-index -- --list)
wanted=("$@")
selected=() skipped_chapters=()
declare -A chapter_missing=()
for line in "${recipes[@]}"; do
  read -r name chapter needs <<<"$line"
  if [ "${#wanted[@]}" -gt 0 ] && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
  missing=""
  for need in ${needs//,/ }; do has "$need" || missing="$missing, $(describe "$need")"; done
  if [ -n "$missing" ]; then
    [ -n "${chapter_missing[$chapter]:-}" ] || skipped_chapters+=("$chapter")
    chapter_missing[$chapter]="${missing#, }"
    continue
  fi
  selected+=("$name")
done
for chapter in "${skipped_chapters[@]}"; do
  printf '%-28s skipped: missing %s (run scripts/setup.sh)\n' "chapter $chapter" "${chapter_missing[$chapter]}"
done
[ "${#selected[@]}" -gt 0 ] || { echo "no recipe to run"; [ "${#skipped_chapters[@]}" -gt 0 ] || exit 2; exit 0; }

packages=()
for name in "${selected[@]}"; do packages+=(-p "$name"); done
cargo build --quiet "${packages[@]}"

# Progress on a terminal only: recipe k of N and an estimate of the time left.
progress() { [ -t 2 ] && printf '\r\033[K[%d/%d] %s%s' "$@" >&2 || true; }
passed=0 failed=0 done_count=0 started=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for name in "${selected[@]}"; do
  eta=""
  if [ "$done_count" -gt 0 ]; then
    left=$((($(date +%s) - started) * (${#selected[@]} - done_count) / done_count))
    eta=" (about ${left}s left)"
  fi
  progress $((done_count + 1)) "${#selected[@]}" "$name" "$eta"
  start=$(date +%s%N)
  if timeout --signal=KILL "$PER_RECIPE_TIMEOUT" "target/debug/$name" </dev/null >"$log" 2>&1; then
    result=ok passed=$((passed + 1))
  else
    result=FAILED failed=$((failed + 1))
  fi
  done_count=$((done_count + 1))
  centis=$((($(date +%s%N) - start) / 10000000))
  [ -t 2 ] && printf '\r\033[K' >&2
  printf '%-28s %-7s %4d.%02ds\n' "$name" "$result" $((centis / 100)) $((centis % 100))
  if [ "$result" = FAILED ]; then sed 's/^/    | /' "$log"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
