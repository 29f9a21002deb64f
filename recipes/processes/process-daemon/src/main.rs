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
//!   SIGTERM to each daemon (`common::child::terminate`), then a wait for every child, all
//!   held in a `common::child::Children` set that kills and reaps them on an error path.
//! - Should the parent die abruptly (killed, crashed), neither Python nor its exit handler
//!   runs. Here every child also asks the kernel to kill it when its parent dies
//!   (`common::child::die_with_parent`, `PR_SET_PDEATHSIG`), so no child is ever left behind.
//! - `exitcode` → `common::child::exit_code`: -15 for the terminated daemon, 0 for the other.
//!
//! ## Differences from the book
//!
//! - The exit handler checks each child it joins and then prints one line for each
//!   (terminated or joined, PID, exit code): the daemon ended by SIGTERM (-15), the other exited 0;
//!   otherwise it exits 1. The lines, `Exit handler terminated daemon background_process (PID
//!   …): exit code -15` and `Exit handler joined NO_background_process (PID …): exit code 0`,
//!   make visible what Python's exit handler does silently. The daemon has one book second
//!   (three in the 1st edition) of work before its `Exiting` line and is signalled a
//!   millisecond or so after its start. Only if the parent is held up for longer than that (a
//!   very busy machine, or `--tick-ms 0`) does the daemon finish first, as it would in Python;
//!   the parent then says so (exit code 0, "found already finished") and does not count it as
//!   a failure: the scheduler, not the recipe, decided. The tests run with 200 ms ticks and
//!   demand -15.
//! - What the daemon prints before the signal depends on timing, as in Python, but the odds
//!   differ. Python's `start()` only forks, the main block ends at once and the exit handler's
//!   SIGTERM often lands before the forked child has got through its bootstrap into `foo`: the
//!   daemon prints nothing, or only its `Starting` line (and, block-buffered into a pipe,
//!   whatever it printed dies with it). Here `spawn` returns only once the daemon has exec'd,
//!   and starting the second child keeps the parent busy for a millisecond or so, time enough
//!   for the daemon to write its first lines, each flushed at once, and enter its sleep; so
//!   nearly every run shows `Starting background_process` and `---> 0` … `---> 4`, never
//!   `Exiting background_process`. The children print to the parent's stdout directly, so
//!   their lines interleave as they are written.
//! - Sleeps are ticks (`--tick-ms`, 50 ms; `--book` for 1 s). `--show-pids` makes each child
//!   add its PID to its `Starting` line (the tests use it to check no child outlives the
//!   recipe). The blank line after each of the 2nd edition's lines is left out.

use std::process::Stdio;

use anyhow::bail;
use clap::{Parser, Subcommand};
use common::child::{Children, self_command};
use common::{Edition, Pace};

/// A daemon child is terminated when its parent exits; a non-daemon child is waited for.
#[derive(Parser)]
#[command(disable_help_subcommand = true)]
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
    /// Child side: the book's foo().
    #[command(hide = true)]
    Child(Foo),
}

/// What a child running the book's `foo()` is told.
#[derive(clap::Args)]
struct Foo {
    /// The process's name, which decides what it counts.
    #[arg(long)]
    name: String,
    #[arg(long, value_enum)]
    edition: Edition,
    #[arg(long)]
    show_pid: bool,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Child(child)) = args.role {
        common::child::die_with_parent()?;
        foo(&child);
        return Ok(());
    }
    // ANCHOR: main_block
    let daemon = !args.no_daemons; // background_process.daemon = True
    let names = ["background_process", "NO_background_process"];
    let mut children = Children::new();
    for name in names {
        let mut command =
            self_command(["child", "--name", name, "--edition", args.edition.as_arg()])?;
        command.args(args.pace.child_args()).stdin(Stdio::null());
        if args.show_pids {
            command.arg("--show-pid");
        }
        children.spawn(name, &mut command)?;
    }
    // ANCHOR_END: main_block
    // ANCHOR: exit_handler
    // The book's main block ends here. Python's exit handler follows: SIGTERM to each daemon
    // (unless it has ended already, as Python's terminate() does), then join every child.
    let background_process = children.get_mut(names[0])?;
    if daemon && matches!(background_process.try_wait(), Ok(None)) {
        // Not reaped yet, so the PID is still this child's (at worst a zombie).
        common::child::terminate(background_process)?;
    }
    let mut lines = Vec::new();
    for (name, daemon) in names.into_iter().zip([daemon, false]) {
        let pid = children.get_mut(name)?.id();
        let code = children.wait(name)?;
        lines.push(ended(name, daemon, pid, code)?);
    }
    println!("{}", lines.join("\n"));
    // ANCHOR_END: exit_handler
    Ok(())
}

// ANCHOR: foo
/// The book's `foo()`, run by both children; what it counts depends on its name.
fn foo(child: &Foo) {
    let name = &child.name;
    let pid = format!(" (PID {})", std::process::id());
    println!("Starting {name}{}", if child.show_pid { &pid } else { "" });
    match child.edition {
        Edition::Ed1 => child.pace.sleep(3.0),
        Edition::Ed2 => {
            let first = if name == "background_process" { 0 } else { 5 };
            for i in first..first + 5 {
                println!("---> {i}");
            }
            child.pace.sleep(1.0);
        }
    }
    println!("Exiting {name}");
}
// ANCHOR_END: foo

/// The exit handler's line for a child that ended with exit code `code`, or an error if
/// that is not how it should have ended: a daemon by its SIGTERM (-15), the others normally.
fn ended(name: &str, daemon: bool, pid: u32, code: i32) -> anyhow::Result<String> {
    let what = match (daemon, code) {
        (false, 0) => "joined",
        (true, -15) => "terminated daemon",
        // The parent was held up longer than the daemon's work: it had finished, as a Python
        // daemon would have. The scheduler decided, so this is no failure.
        (true, 0) => "found already finished daemon",
        (true, _) => bail!("daemon {name} (PID {pid}) failed with exit code {code}, not -15"),
        (false, _) => bail!("{name} (PID {pid}) failed with exit code {code}"),
    };
    let line = format!("Exit handler {what} {name} (PID {pid}): exit code {code}");
    if what.starts_with("found") {
        return Ok(line + " (its work was done before the parent exited)");
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daemon_is_terminated_or_had_finished_before() {
        assert!(ended("background_process", true, 4243, -15).is_ok());
        assert!(ended("background_process", true, 4243, 0).is_ok());
        assert!(ended("background_process", true, 4243, 1).is_err());
        assert!(ended("background_process", true, 4243, -9).is_err());
    }

    #[test]
    fn a_normal_child_must_exit_zero() {
        assert!(ended("NO_background_process", false, 4243, 0).is_ok());
        assert!(ended("NO_background_process", false, 4243, -15).is_err());
        assert!(ended("NO_background_process", false, 4243, 1).is_err());
    }

    #[test]
    fn the_summary_lines_name_what_happened() {
        assert_eq!(
            ended("background_process", true, 4243, -15).unwrap(),
            "Exit handler terminated daemon background_process (PID 4243): exit code -15"
        );
        assert_eq!(
            ended("background_process", true, 4243, 0).unwrap(),
            "Exit handler found already finished daemon background_process (PID 4243): \
             exit code 0 (its work was done before the parent exited)"
        );
        assert_eq!(
            ended("background_process", false, 4243, 0).unwrap(),
            "Exit handler joined background_process (PID 4243): exit code 0"
        );
    }
}
