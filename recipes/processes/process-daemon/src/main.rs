//! # Running processes in the background (daemon processes)
//!
//! Book: 1st edition §3.4 "How to run a process in the background", `background_process.py`;
//! 2nd edition chapter 3, "Running processes in the background", `run_background_processes.py`
//! and `run_background_processes_no_daemons.py`.
//!
//! The parent starts two children and ends at once. One child is a daemon: it belongs to its
//! parent and is terminated when the parent exits, before it can print its `Exiting` line. The
//! other is not: the parent waits for it before exiting, so its output is complete. With
//! `--no-daemons` (the 2nd edition's second script) both are waited for and both say `Exiting`.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-daemon                          # 2nd edition: counts 0-4 and 5-9
//! cargo run -p process-daemon -- --no-daemons          # run_background_processes_no_daemons.py
//! cargo run -p process-daemon -- --edition ed1 --book  # 1st edition: 3 s of sleep each
//! cargo run -p process-daemon -- --show-pids           # children print their PIDs
//! ```
//!
//! ## Python → Rust
//!
//! - `multiprocessing.Process(name=..., target=foo)` → the binary re-executed
//!   (`common::child::self_command`) with the hidden subcommand `child --name ...`; the child
//!   decides what to count from its name, as the book's `foo` does.
//! - `daemon = True` has no OS counterpart: it is a promise of Python's exit handler
//!   (`multiprocessing.util._exit_function`), which first calls `terminate()` on every daemon
//!   child and then joins all children. The port does the same when its main body is over:
//!   SIGTERM to each daemon (`common::child::terminate`), then `Child::wait` for every child,
//!   all held in a `common::child::Children` set that kills and reaps them on an error path.
//! - Should the parent die abruptly (killed, crashed), neither Python nor its exit handler
//!   runs. Here every child also asks the kernel to kill it when its parent dies
//!   (`common::child::die_with_parent`, `PR_SET_PDEATHSIG`), so no child is ever left behind.
//! - `exitcode` → `common::child::exit_code`: -15 for the terminated daemon, 0 for the other.
//!
//! ## Differences from the book
//!
//! - After the exit handler the parent prints one line per child (terminated or joined, PID,
//!   exit code) and checks them: the daemon ended by SIGTERM (-15), the other exited 0;
//!   otherwise it exits 1. The daemon has one book second (three in the 1st edition) of work
//!   before its `Exiting` line and is signalled a millisecond or so after its start. Only if
//!   the parent is held up for longer than that (a very busy machine, or `--tick-ms 0`) does
//!   the daemon finish first, as it would in Python; the parent then says so (exit code 0,
//!   "found already finished") and does not count it as a failure: the scheduler, not the
//!   recipe, decided. The tests run with 200 ms ticks and demand -15.
//! - What the daemon prints before the signal, if anything, depends on timing, as in Python
//!   (the book's output shows nothing of it). The children print to the parent's stdout
//!   directly, so their lines interleave as they are written.
//! - Sleeps are ticks (`--tick-ms`, 50 ms; `--book` for 1 s). `--show-pids` makes each child
//!   add its PID to its `Starting` line (the tests use it to check no child outlives the
//!   recipe). The blank line after each of the 2nd edition's lines is left out.

use std::process::Stdio;

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::child::Children;
use common::{Edition, Pace};

#[derive(Parser)]
#[command(
    about = "A daemon child is terminated when its parent exits; a non-daemon child is waited for",
    disable_help_subcommand = true
)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Which edition's children: ed1 sleep 3 book seconds, ed2 count (0-4 or 5-9) and sleep 1.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Make background_process a normal child too (run_background_processes_no_daemons.py).
    #[arg(long)]
    no_daemons: bool,
    /// Each child adds its PID to its Starting line.
    #[arg(long)]
    show_pids: bool,
    #[command(flatten)]
    pace: Pace,
}

#[derive(Subcommand)]
enum Role {
    /// Child side: the book's foo(), for the process called NAME.
    #[command(hide = true)]
    Child {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        edition: Edition,
        #[arg(long)]
        show_pid: bool,
        #[command(flatten)]
        pace: Pace,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Child {
        name,
        edition,
        show_pid,
        pace,
    }) = args.role
    {
        common::child::die_with_parent()?;
        foo(&name, edition, show_pid, pace);
        return Ok(());
    }
    let options = ChildOptions {
        edition: args.edition,
        show_pid: args.show_pids,
        pace: args.pace,
    };
    let ended = main_block(!args.no_daemons, options)?;
    for end in &ended {
        println!("{end}");
    }
    check(&ended)
}

// ANCHOR: main_block
/// The book's main block (`daemon` false: the `_no_daemons` script), then what Python runs
/// when the main module ends.
fn main_block(daemon: bool, options: ChildOptions) -> anyhow::Result<Vec<Ended>> {
    let mut children = Children::new();
    let background_process = start(&mut children, "background_process", daemon, options)?;
    let no_background_process = start(&mut children, "NO_background_process", false, options)?;
    // The book's main block ends here; what follows is Python's exit handler.
    exit_handler(&mut children, &[background_process, no_background_process])
}
// ANCHOR_END: main_block

/// What every child is told, besides its name.
#[derive(Clone, Copy)]
struct ChildOptions {
    edition: Edition,
    show_pid: bool,
    pace: Pace,
}

/// A started child, as the exit handler needs to know it; the process itself is in the
/// parent's `Children`, under this name.
struct Started {
    name: &'static str,
    daemon: bool,
}

fn start(
    children: &mut Children,
    name: &'static str,
    daemon: bool,
    options: ChildOptions,
) -> anyhow::Result<Started> {
    let edition = options.edition.as_arg();
    let mut command = common::child::self_command(["child", "--name", name, "--edition", edition])?;
    command.args(options.pace.child_args());
    if options.show_pid {
        command.arg("--show-pid");
    }
    children.spawn(name, command.stdin(Stdio::null()))?;
    Ok(Started { name, daemon })
}

// ANCHOR: exit_handler
/// How a child ended, as the exit handler saw it.
#[derive(Debug, PartialEq)]
struct Ended {
    name: &'static str,
    daemon: bool,
    pid: u32,
    exit_code: i32,
}

/// Python's `_exit_function`: SIGTERM to every daemon child first, then wait for all of them.
fn exit_handler(children: &mut Children, started: &[Started]) -> anyhow::Result<Vec<Ended>> {
    for daemon in started.iter().filter(|started| started.daemon) {
        let child = children.get_mut(daemon.name)?;
        // Like Python's terminate(), leave alone a daemon that has already ended (possible
        // only if the parent was held up longer than the daemon's work).
        let ended = child.try_wait().context("cannot poll a daemon")?;
        if ended.is_none() {
            // Not reaped yet, so the PID is still this child's (at worst a zombie).
            common::child::terminate(child)
                .with_context(|| format!("cannot terminate {}", daemon.name))?;
        }
    }
    let mut ended = Vec::new();
    for started in started {
        let pid = children.get_mut(started.name)?.id();
        ended.push(Ended {
            name: started.name,
            daemon: started.daemon,
            pid,
            exit_code: children.wait(started.name)?,
        });
    }
    Ok(ended)
}
// ANCHOR_END: exit_handler

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match (self.daemon, self.exit_code) {
            (false, _) => "joined",
            (true, 0) => "found already finished daemon",
            (true, _) => "terminated daemon",
        };
        write!(
            f,
            "Exit handler {what} {} (PID {}): exit code {}",
            self.name, self.pid, self.exit_code
        )?;
        if self.daemon && self.exit_code == 0 {
            write!(f, " (its work was done before the parent exited)")?;
        }
        Ok(())
    }
}

// ANCHOR: foo
/// The book's `foo()`, run by both children; what it counts depends on its name.
fn foo(name: &str, edition: Edition, show_pid: bool, pace: Pace) {
    if show_pid {
        println!("Starting {name} (PID {})", std::process::id());
    } else {
        println!("Starting {name}");
    }
    match edition {
        Edition::Ed1 => pace.sleep(3.0),
        Edition::Ed2 => {
            let counts = if name == "background_process" {
                0..5
            } else {
                5..10
            };
            for i in counts {
                println!("---> {i}");
            }
            pace.sleep(1.0);
        }
    }
    println!("Exiting {name}");
}
// ANCHOR_END: foo

/// Every child was reaped by the exit handler; the others finished normally, and each daemon
/// was ended by its SIGTERM (or, if the parent was held up for longer than the daemon's work,
/// had finished normally before the parent exited, as a Python daemon would).
fn check(ended: &[Ended]) -> anyhow::Result<()> {
    for end in ended {
        if end.daemon {
            ensure!(
                end.exit_code == -15 || end.exit_code == 0,
                "daemon {} failed with exit code {} (expected -15, terminated at exit)",
                end.name,
                end.exit_code
            );
        } else {
            ensure!(
                end.exit_code == 0,
                "{} failed with exit code {}",
                end.name,
                end.exit_code
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(daemon: bool, exit_code: i32) -> Ended {
        Ended {
            name: "background_process",
            daemon,
            pid: 4243,
            exit_code,
        }
    }

    #[test]
    fn a_daemon_is_terminated_or_had_finished_before() {
        assert!(check(&[ended(true, -15), ended(false, 0)]).is_ok());
        assert!(check(&[ended(true, 0)]).is_ok());
        assert!(check(&[ended(true, 1)]).is_err());
        assert!(check(&[ended(true, -9)]).is_err());
    }

    #[test]
    fn a_normal_child_must_exit_zero() {
        assert!(check(&[ended(false, 0), ended(false, 0)]).is_ok());
        assert!(check(&[ended(false, -15)]).is_err());
        assert!(check(&[ended(false, 1)]).is_err());
    }

    #[test]
    fn the_summary_lines_name_what_happened() {
        assert_eq!(
            ended(true, -15).to_string(),
            "Exit handler terminated daemon background_process (PID 4243): exit code -15"
        );
        assert!(
            ended(true, 0)
                .to_string()
                .starts_with("Exit handler found already finished daemon background_process")
        );
        assert_eq!(
            ended(false, 0).to_string(),
            "Exit handler joined background_process (PID 4243): exit code 0"
        );
    }
}
