//! # Killing a process
//!
//! Book: 1st edition §3.5 "How to kill a process"; 2nd edition chapter 3, "Killing a process",
//! `killing_processes.py`.
//!
//! The parent starts a child that has work to do (ten book seconds of counting, or a tenth of
//! a second in the 1st edition) and terminates it at once with SIGTERM. It prints whether the
//! child is alive before it starts, while it runs, just after the signal and after joining it,
//! and finally the exit code: -15, minus the number of the signal that ended it.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-kill                     # 2nd edition: the child counts to 9
//! cargo run -p process-kill -- --edition ed1    # 1st edition: the child sleeps 0.1 s
//! ```
//!
//! ## Python → Rust
//!
//! - `multiprocessing.Process(target=foo)` → the binary re-executed with the hidden subcommand
//!   `child` (`common::child::self_command`). Python's object exists before its process does
//!   (`initial`); the `Child` only once started, so the first line is written out as is.
//! - `p.terminate()` → `common::child::terminate`, which sends SIGTERM
//!   (`nix::sys::signal::kill`). Not `Child::kill`, which sends SIGKILL: that would end the
//!   child too, but its exit code would read -9.
//! - `p.is_alive()` → `Child::try_wait`, which, like Python, reaps the child if it has ended
//!   and remembers its status; `show` prints the repr and `is_alive()` from that one look.
//!   `p.join()` → `Child::wait`.
//! - `p.exitcode` → `common::child::exit_code`: the exit code, or minus the signal number;
//!   the repr's `exitcode=-SIGTERM` names the signal as Python 3.8+ does.
//!
//! ## Differences from the book
//!
//! - The process repr follows Python 3.8 and later:
//!   `<Process name='Process-1' pid=4243 parent=4242 started>`; older Pythons, as in the
//!   book's screenshots, print `<Process(Process-1, started)>`.
//! - "Process terminated: ... True/False" depends on whether the child has died in the
//!   microseconds after the signal; in Python as here it usually still reads `True`.
//! - Whether the child's own lines appear is a race too, in Python as here: the child is
//!   signalled as soon as it is running, and it prints nothing, only `Starting function`, or
//!   that and `-->0` (then sleeps), depending on how far it got; its lines go straight to the
//!   shared stdout, so they may come before `Process running: …`. The port's child starts
//!   quicker than Python's forked bootstrap, so it shows its lines more often than the book's.
//! - The run checks itself: alive while running, exit code -15; otherwise it exits 1. If the
//!   machine is so slow that the child finishes its work before the signal arrives, that
//!   check says so.
//! - The child's work is paced in ticks like every recipe's sleeps, but here the tick defaults
//!   to the book's full second (`--tick-ms 1000`; `--book` changes nothing): the child is
//!   terminated at once, so its pace costs no time, and a long tick keeps the signal well ahead
//!   of the end of its work. (With 50 ms ticks the 1st edition's child has only 5 ms of work,
//!   and on a busy machine it sometimes finished before the signal came.) The 2nd edition's
//!   blank line after each count is left out.

use std::process::{Child, Stdio};

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::child::exit_code;
use common::{Edition, Pace};
use nix::sys::signal::Signal;

/// A running child process is terminated with SIGTERM; its exit code reads -15.
#[derive(Parser)]
#[command(disable_help_subcommand = true)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Which edition's child: ed1 sleeps 0.1 book seconds, ed2 counts 0 to 9, one per second.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Length of one of the child's book seconds, in milliseconds, at most 10000. The child is
    /// terminated at once, so the book's full second costs nothing and keeps the signal well
    /// ahead of the end of its work; with a very short tick the child may finish first.
    #[arg(long = "tick-ms", value_name = "MS", default_value_t = 1000)]
    #[arg(value_parser = clap::value_parser!(u64).range(..=common::output::MAX_TICK_MS))]
    tick_ms: u64,
    /// The book's pace, which is already the default here (accepted like in every recipe).
    #[arg(long)]
    book: bool,
}

#[derive(Subcommand)]
enum Role {
    /// Child side: the book's foo().
    #[command(hide = true)]
    Child {
        #[arg(long, value_enum)]
        edition: Edition,
        #[command(flatten)]
        pace: Pace,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Child { edition, pace }) = args.role {
        common::child::die_with_parent()?;
        foo(edition, pace);
        return Ok(());
    }
    let pace = Pace {
        book: args.book,
        tick_ms: Some(args.tick_ms),
    };
    // ANCHOR: parent
    let parent = std::process::id();
    // p = multiprocessing.Process(target=foo): an object, no process yet.
    println!("Process before execution: <Process name='Process-1' parent={parent} initial> False");
    let mut p = common::child::self_command(["child", "--edition", args.edition.as_arg()])?
        .args(pace.child_args())
        .stdin(Stdio::null())
        .spawn()
        .context("cannot start Process-1")?;
    let running = show("Process running", parent, &mut p)?;
    // p.terminate(): SIGTERM, not Child::kill's SIGKILL. Only while the child is not reaped:
    // until then its PID cannot belong to another process.
    if p.try_wait().context("cannot poll the child")?.is_none() {
        common::child::terminate(&p).context("cannot send SIGTERM to the child")?;
    }
    show("Process terminated", parent, &mut p)?;
    let code = exit_code(p.wait().context("cannot wait for the child")?); // p.join()
    show("Process joined", parent, &mut p)?;
    println!("Process exit code: {code}");
    // ANCHOR_END: parent
    check(running, code)
}

// ANCHOR: show
/// Prints `label`, Python 3.8+'s repr of the process and `p.is_alive()`, from one look at
/// the child (`try_wait`, which reaps it once it has ended, as Python does, and then keeps its
/// status): `<Process name='Process-1' pid=4243 parent=4242 stopped exitcode=-SIGTERM> False`.
fn show(label: &str, parent: u32, p: &mut Child) -> anyhow::Result<bool> {
    let status = p.try_wait().context("cannot poll the child")?;
    let state = match status {
        None => "started".to_owned(),
        Some(status) => format!("stopped exitcode={}", exitcode_name(exit_code(status))),
    };
    let (pid, alive) = (p.id(), if status.is_none() { "True" } else { "False" });
    println!("{label}: <Process name='Process-1' pid={pid} parent={parent} {state}> {alive}");
    Ok(status.is_none())
}

/// `-15` reads `-SIGTERM` in Python's repr; other codes read as numbers.
fn exitcode_name(code: i32) -> String {
    match Signal::try_from(-code) {
        Ok(signal) if code < 0 => format!("-{}", signal.as_str()),
        _ => code.to_string(),
    }
}
// ANCHOR_END: show

// ANCHOR: foo
/// The child's work, the book's `foo()`; it is terminated long before the end.
fn foo(edition: Edition, pace: Pace) {
    println!("Starting function");
    match edition {
        Edition::Ed1 => pace.sleep(0.1),
        Edition::Ed2 => {
            for i in 0..10 {
                println!("-->{i}");
                pace.sleep(1.0);
            }
        }
    }
    println!("Finished function");
}
// ANCHOR_END: foo

/// Alive while running, then ended by SIGTERM. (Not alive after join() holds by
/// construction: a joined child has an exit status.)
fn check(running: bool, code: i32) -> anyhow::Result<()> {
    ensure!(
        code != 0,
        "the child finished its work before SIGTERM reached it (exit code 0); \
         try a longer --tick-ms"
    );
    ensure!(running, "the child was not alive right after start()");
    ensure!(code == -15, "exit code {code}, expected -15 (SIGTERM)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_wants_minus_fifteen() {
        assert!(check(true, -15).is_ok());
        assert!(check(true, -9).is_err());
        assert!(check(false, -15).is_err());
        let error = check(true, 0).unwrap_err();
        assert!(error.to_string().contains("before SIGTERM reached it"));
    }

    #[test]
    fn exit_codes_read_like_python_reprs() {
        assert_eq!(exitcode_name(-15), "-SIGTERM");
        assert_eq!(exitcode_name(-9), "-SIGKILL");
        assert_eq!(exitcode_name(0), "0");
        assert_eq!(exitcode_name(1), "1");
    }
}
