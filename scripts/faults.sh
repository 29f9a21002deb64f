#!/usr/bin/env bash
# The fault suite: every recipe's numeric flags fed 0, -1, huge and non-numeric values (read
# from clap's --help), every recipe that starts child processes signalled with INT, TERM and
# KILL mid-run and checked for survivors, the servers hit with resets, garbage, never-reading
# and 500 idle clients before a real one, the MPI recipes at other rank counts, a Celery worker
# signalled mid-task. One table of figures; exit 1 on any panic, hang, orphan, lost task or
# server brought down by one client.
# Usage: scripts/faults.sh [--quick] [--parts flags,signals,servers,mpi,celery] [--only crate,...]
# The full form takes some minutes (a pre-release check); --quick is what scripts/test.sh runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac
cargo build --quiet --workspace --locked
exec cargo run --quiet --locked -p faults -- "$@"
