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
//!   `child` (`common::child::self_command`), wrapped in `PyProcess`, which keeps the life
//!   cycle Python's object shows: initial, started, stopped.
//! - `p.terminate()` → `common::child::terminate`, which sends SIGTERM
//!   (`nix::sys::signal::kill`). Not `Child::kill`, which sends SIGKILL: that would end the
//!   child too, but its exit code would read -9.
//! - `p.is_alive()` → `Child::try_wait`, which, like Python, reaps the child if it has ended
//!   and remembers its status. `p.join()` → `Child::wait`.
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
//! - The run checks itself: not alive before start, alive while running, not alive after
//!   join, exit code -15; otherwise it exits 1. If the machine is so slow that the child
//!   finishes its work before the signal arrives, that check says so.
//! - The child's work is paced in ticks like every recipe's sleeps, but here the tick defaults
//!   to the book's full second (`--tick-ms 1000`; `--book` changes nothing): the child is
//!   terminated at once, so its pace costs no time, and a long tick keeps the signal well ahead
//!   of the end of its work. (With 50 ms ticks the 1st edition's child has only 5 ms of work,
//!   and on a busy machine it sometimes finished before the signal came.) The 2nd edition's
//!   blank line after each count is left out.

use std::fmt;
use std::process::{Child, Stdio};

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::child::exit_code;
use common::{Edition, Pace};
use nix::sys::signal::Signal;

#[derive(Parser)]
#[command(
    about = "A running child process is terminated with SIGTERM; its exit code reads -15",
    disable_help_subcommand = true
)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Which edition's child: ed1 sleeps 0.1 book seconds, ed2 counts 0 to 9, one per second.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Length of one of the child's book seconds, in milliseconds. The child is terminated at
    /// once, so the book's full second costs nothing and keeps the signal well ahead of the
    /// end of its work; with a very short tick the child may finish first.
    #[arg(long = "tick-ms", value_name = "MS", default_value_t = 1000)]
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
    let seen = start_and_terminate(args.edition, pace)?;
    check(&seen)
}

// ANCHOR: parent
/// What the parent saw: `is_alive()` before start, while running and after join, and the
/// exit code. (Just after the signal, alive or not is a race; it is printed, not checked.)
#[derive(Debug, PartialEq)]
struct Seen {
    before: bool,
    running: bool,
    joined: bool,
    exit_code: i32,
}

/// The book's main block: start, terminate at once, join, and report at each step.
fn start_and_terminate(edition: Edition, pace: Pace) -> anyhow::Result<Seen> {
    let mut p = PyProcess::new("Process-1");
    let before = p.is_alive()?;
    println!("Process before execution: {p} {}", py_bool(before));
    p.start(edition, pace)?;
    let running = p.is_alive()?;
    println!("Process running: {p} {}", py_bool(running));
    p.terminate()?;
    let terminated = p.is_alive()?;
    println!("Process terminated: {p} {}", py_bool(terminated));
    let exit_code = p.join()?;
    let joined = p.is_alive()?;
    println!("Process joined: {p} {}", py_bool(joined));
    println!("Process exit code: {exit_code}");
    Ok(Seen {
        before,
        running,
        joined,
        exit_code,
    })
}
// ANCHOR_END: parent

// ANCHOR: py_process
/// A child process with the life cycle of Python's `Process` object.
struct PyProcess {
    name: String,
    parent: u32,
    child: Option<Child>,
    exitcode: Option<i32>,
}

impl PyProcess {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            parent: std::process::id(),
            child: None,
            exitcode: None,
        }
    }

    fn start(&mut self, edition: Edition, pace: Pace) -> anyhow::Result<()> {
        let child = common::child::self_command(["child", "--edition", edition.as_arg()])?
            .args(pace.child_args())
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", self.name))?;
        self.child = Some(child);
        Ok(())
    }

    /// Started and not yet ended. Like Python, reaps an ended child and keeps its exit code.
    fn is_alive(&mut self) -> anyhow::Result<bool> {
        let Some(child) = &mut self.child else {
            return Ok(false);
        };
        if self.exitcode.is_none()
            && let Some(status) = child.try_wait().context("cannot poll the child")?
        {
            self.exitcode = Some(exit_code(status));
        }
        Ok(self.exitcode.is_none())
    }

    /// SIGTERM, as Python's `terminate()` sends; a child already reaped is left alone.
    fn terminate(&self) -> anyhow::Result<()> {
        if let (Some(child), None) = (&self.child, self.exitcode) {
            // Not yet reaped, so the PID still belongs to our child (at worst a zombie).
            common::child::terminate(child).context("cannot send SIGTERM to the child")?;
        }
        Ok(())
    }

    /// Waits for the child and returns its exit code, Python style.
    fn join(&mut self) -> anyhow::Result<i32> {
        let child = self
            .child
            .as_mut()
            .context("join() of a process never started")?;
        if self.exitcode.is_none() {
            let status = child.wait().context("cannot wait for the child")?;
            self.exitcode = Some(exit_code(status));
        }
        Ok(self.exitcode.expect("set just above"))
    }
}

/// Python 3.8+'s repr: `<Process name='Process-1' pid=4243 parent=4242 stopped exitcode=-SIGTERM>`.
impl fmt::Display for PyProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Process name='{}'", self.name)?;
        if let Some(child) = &self.child {
            write!(f, " pid={}", child.id())?;
        }
        write!(f, " parent={}", self.parent)?;
        match (&self.child, self.exitcode) {
            (None, _) => write!(f, " initial>"),
            (Some(_), None) => write!(f, " started>"),
            (Some(_), Some(code)) => write!(f, " stopped exitcode={}>", exitcode_name(code)),
        }
    }
}

/// `-15` reads `-SIGTERM` in Python's repr; other codes read as numbers.
fn exitcode_name(code: i32) -> String {
    match Signal::try_from(-code) {
        Ok(signal) if code < 0 => format!("-{}", signal.as_str()),
        _ => code.to_string(),
    }
}

fn py_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}
// ANCHOR_END: py_process

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

fn check(seen: &Seen) -> anyhow::Result<()> {
    ensure!(!seen.before, "the process was alive before start()");
    ensure!(
        seen.exit_code != 0,
        "the child finished its work before SIGTERM reached it (exit code 0); \
         try a longer --tick-ms"
    );
    ensure!(
        seen.running,
        "the child was not alive right after start() (exit code {})",
        seen.exit_code
    );
    ensure!(!seen.joined, "the process was still alive after join()");
    ensure!(
        seen.exit_code == -15,
        "exit code {}, expected -15 (ended by SIGTERM)",
        seen.exit_code
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(exit_code: i32) -> Seen {
        Seen {
            before: false,
            running: true,
            joined: false,
            exit_code,
        }
    }

    #[test]
    fn check_wants_minus_fifteen() {
        assert!(check(&seen(-15)).is_ok());
        assert!(check(&seen(-9)).is_err());
        let error = check(&seen(0)).unwrap_err();
        assert!(error.to_string().contains("before SIGTERM reached it"));
    }

    #[test]
    fn exit_codes_read_like_python_reprs() {
        assert_eq!(exitcode_name(-15), "-SIGTERM");
        assert_eq!(exitcode_name(-9), "-SIGKILL");
        assert_eq!(exitcode_name(0), "0");
        assert_eq!(exitcode_name(1), "1");
    }

    #[test]
    fn an_unstarted_process_shows_initial() {
        let mut p = PyProcess::new("Process-1");
        assert!(!p.is_alive().unwrap());
        assert_eq!(
            p.to_string(),
            format!("<Process name='Process-1' parent={} initial>", p.parent)
        );
        assert!(p.terminate().is_ok());
        assert!(p.join().is_err());
    }
}
