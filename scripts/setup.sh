#!/usr/bin/env bash
# Installs what the cookbook's recipes and tests need, and only what is missing.
# Safe to run again and again: each prerequisite is checked first, and what is about to change
# on the machine is printed, with why, before it changes. Debian/Ubuntu (apt); uses sudo when
# not run as root. Non-interactive. Ends with a table and exits non-zero if anything is missing.
#
# What it may change: Debian packages (apt-get install), a Python virtual environment of the
# project's own (.venv/ in this checkout, for Celery), mdbook (cargo install, when none >= 0.4.52
# is on PATH), and a RabbitMQ broker started on 127.0.0.1:5672 when nothing listens there.
#
# `scripts/setup.sh --python-originals` also installs, into the same .venv, what the book's
# Python originals import (numpy, Pyro4, mpi4py built against MPICH, pyopencl), so that
# scripts/compare.sh can run them; nothing else needs them.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

MDBOOK_MIN_VERSION=0.4.52
MDBOOK_VERSION=0.5.4 # the current line, installed when no mdbook >= MDBOOK_MIN_VERSION is found
CELERY_VERSION=5.7.0
VENV=${COOKBOOK_VENV:-$ROOT/.venv}
BROKER_HOST=127.0.0.1
BROKER_PORT=5672

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive

note() { printf 'setup: %s\n' "$*"; }
# Says what is about to change on the machine, and why, before it changes.
plan() { printf 'setup: about to %s\n' "$*"; }
started_broker=no

apt_updated=no
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    note "no apt-get on this system: install by hand: $*"
    return 1
  fi
  if [ "$apt_updated" = no ]; then
    note "apt-get update"
    "${SUDO[@]}" apt-get update -qq
    apt_updated=yes
  fi
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Debian packages, installed when any is absent.
missing_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' ||
      missing+=("$package")
  done
  printf '%s\n' "${missing[@]}"
}

# ensure_packages "why" package...: installs the absent ones, saying which and why first.
ensure_packages() {
  local why=$1 missing
  shift
  mapfile -t missing < <(missing_packages "$@" | sed '/^$/d')
  if [ "${#missing[@]}" -gt 0 ]; then
    plan "apt-get install ${missing[*]} ($why)"
    apt_install "${missing[@]}" || true
  fi
}

listening() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

ensure_broker() {
  if listening "$BROKER_HOST" "$BROKER_PORT"; then return 0; fi
  ensure_packages "the Celery recipes' broker" rabbitmq-server
  command -v rabbitmq-server >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
  plan "start RabbitMQ on $BROKER_HOST:$BROKER_PORT (the Celery recipes' broker; nothing listens there)"
  started_broker=yes
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    "${SUDO[@]}" systemctl start rabbitmq-server || true
  else
    "${SUDO[@]}" rabbitmq-server -detached || true
  fi
  # The broker takes a few seconds to open its port; poll it, bounded.
  for _ in $(seq 1 60); do
    listening "$BROKER_HOST" "$BROKER_PORT" && return 0
    sleep 1
  done
  return 1
}

# True when `mdbook --version` is at least MDBOOK_MIN_VERSION (0.4.52 and the 0.5 line both do).
mdbook_recent() {
  local version
  version=$(mdbook --version 2>/dev/null | sed -n 's/^mdbook v\{0,1\}\([0-9][0-9.]*\).*/\1/p')
  [ -n "$version" ] &&
    [ "$(printf '%s\n%s\n' "$MDBOOK_MIN_VERSION" "$version" | sort -V | head -n 1)" = "$MDBOOK_MIN_VERSION" ]
}

ensure_mdbook() {
  if mdbook_recent; then return 0; fi
  plan "cargo install --locked mdbook $MDBOOK_VERSION (builds the docs; none >= $MDBOOK_MIN_VERSION on PATH)"
  cargo install --locked --quiet mdbook --version "$MDBOOK_VERSION"
}

# Celery for the interoperability tests, in a virtual environment the project owns, so the
# system's Python is left as it is. Tests and scripts look for $VENV/bin/python3 first.
ensure_celery() {
  if "$VENV/bin/python3" -c 'import celery' 2>/dev/null; then return 0; fi
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    ensure_packages "Python virtual environments" python3-venv
  fi
  plan "create $VENV and pip install celery==$CELERY_VERSION into it (the Celery interoperability tests)"
  [ -x "$VENV/bin/python3" ] || python3 -m venv "$VENV"
  "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check "celery==$CELERY_VERSION"
}

# What the book's originals import, for scripts/compare.sh (asked for with --python-originals).
ensure_python_originals() {
  if "$VENV/bin/python3" -c 'import numpy, Pyro4, mpi4py, pyopencl' 2>/dev/null; then return 0; fi
  plan "pip install numpy Pyro4 pyopencl and mpi4py (built against MPICH) into $VENV (the book's originals, for scripts/compare.sh)"
  "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check numpy Pyro4 pyopencl
  "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check --no-binary mpi4py mpi4py
}

python_originals=no
for arg in "$@"; do
  case "$arg" in
    --python-originals) python_originals=yes ;;
    *) note "unknown option $arg (known: --python-originals)"; exit 2 ;;
  esac
done

command -v cargo >/dev/null 2>&1 || { note "cargo not found: install Rust (rustup) first"; exit 1; }
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac

ensure_packages "C toolchain for crates that build C" build-essential pkg-config
ensure_packages "scripts/bench.sh's C reference of big-integer Fibonacci (GMP)" libgmp-dev
ensure_packages "MPI recipes: MPICH, and libclang for the mpi crate's bindings" \
  mpich libmpich-dev libclang-dev
ensure_packages "GPU recipes: OpenCL on the CPU through PoCL" pocl-opencl-icd ocl-icd-opencl-dev clinfo libclblast-dev
ensure_packages "debugging recipes" gdb gdbserver
command -v python3 >/dev/null 2>&1 || ensure_packages "Celery interoperability, compare tool" python3
command -v python3 >/dev/null 2>&1 && { ensure_celery || true; }
if [ "$python_originals" = yes ]; then ensure_python_originals || true; fi
ensure_broker || true
ensure_mdbook || true
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  plan "rustup component add rustfmt clippy (the test command's format and lint checks)"
  rustup component add rustfmt clippy || true
fi

# What is present now, and whether anything is still missing.
status=0
row() { printf '  %-22s %s\n' "$1" "$2"; }
check() { # name, command that succeeds when present
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then row "$name" ok; else row "$name" MISSING; status=1; fi
}
printf 'setup: prerequisites\n'
check "cargo fmt, clippy" bash -c 'cargo fmt --version && cargo clippy --version'
check "mpiexec (MPICH)" bash -c 'mpiexec --version | grep -qi hydra'
check "libclang" bash -c 'ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/*/libclang*.so*'
check "OpenCL platform" bash -c 'clinfo -l | grep -q Platform'
check "gdb, gdbserver" bash -c 'command -v gdb && command -v gdbserver'
check "RabbitMQ $BROKER_HOST:$BROKER_PORT" listening "$BROKER_HOST" "$BROKER_PORT"
check "celery (.venv)" "$VENV/bin/python3" -c 'import celery'
check "mdbook >= $MDBOOK_MIN_VERSION" mdbook_recent
if [ "$python_originals" = yes ]; then
  check "the originals' modules" "$VENV/bin/python3" -c 'import numpy, Pyro4, mpi4py, pyopencl'
fi
if [ "$started_broker" = yes ]; then
  note "RabbitMQ was started here and keeps running; stop it with: rabbitmqctl stop"
fi
if [ "$status" -ne 0 ]; then
  note "something is missing (see above); the recipes that need it will fail with a message"
fi
exit "$status"
