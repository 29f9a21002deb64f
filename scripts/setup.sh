#!/usr/bin/env bash
# Installs what the cookbook's recipes and tests need, and only what is missing.
# Safe to run again and again: each prerequisite is checked first. Debian/Ubuntu (apt);
# uses sudo when not run as root. Ends with a table and exits non-zero if anything is missing.
set -euo pipefail

MDBOOK_VERSION=0.4.52
CELERY_VERSION=5.7.0
BROKER_HOST=127.0.0.1
BROKER_PORT=5672

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive

note() { printf 'setup: %s\n' "$*"; }

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
  note "installing $*"
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

ensure_packages() {
  local missing
  mapfile -t missing < <(missing_packages "$@" | sed '/^$/d')
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}" || true; fi
}

listening() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

ensure_broker() {
  if listening "$BROKER_HOST" "$BROKER_PORT"; then return 0; fi
  ensure_packages rabbitmq-server
  command -v rabbitmq-server >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
  note "starting RabbitMQ"
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

ensure_mdbook() {
  if mdbook --version 2>/dev/null | grep -q "v$MDBOOK_VERSION"; then return 0; fi
  note "installing mdbook $MDBOOK_VERSION (cargo install --locked)"
  cargo install --locked --quiet mdbook --version "$MDBOOK_VERSION"
}

ensure_celery() {
  if python3 -c 'import celery' 2>/dev/null; then return 0; fi
  python3 -m pip --version >/dev/null 2>&1 || ensure_packages python3-pip
  note "installing celery $CELERY_VERSION with pip"
  # Debian's own python3 refuses pip installs outside a venv (PEP 668) unless told otherwise.
  python3 -m pip install --quiet "celery==$CELERY_VERSION" 2>/dev/null ||
    python3 -m pip install --quiet --break-system-packages "celery==$CELERY_VERSION"
}

command -v cargo >/dev/null 2>&1 || { note "cargo not found: install Rust (rustup) first"; exit 1; }
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac

ensure_packages build-essential pkg-config \
  mpich libmpich-dev libclang-dev \
  pocl-opencl-icd ocl-icd-opencl-dev clinfo \
  gdb gdbserver python3
command -v python3 >/dev/null 2>&1 && { ensure_celery || true; }
ensure_broker || true
ensure_mdbook || true
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
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
check "python3 + celery" python3 -c 'import celery'
check "mdbook $MDBOOK_VERSION" bash -c "mdbook --version | grep -q v$MDBOOK_VERSION"
if [ "$status" -ne 0 ]; then
  note "something is missing (see above); the recipes that need it will fail with a message"
fi
exit "$status"
