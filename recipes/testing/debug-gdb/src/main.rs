//! # Interacting with a debugger: gdb for pdb
//!
//! Book: 2nd edition chapter 9, "Interacting with pdb": `pdb_test.py`,
//! `using_python_interpreter_pdb.py`, `inside_code_to_debug_pdb.py` and `postmortem.py` (the 1st
//! edition has no debugging chapter).
//!
//! A loop of ten prints `---> 0` to `---> 9`. The book runs it under pdb three ways: started by
//! the debugger with a breakpoint, stopped from inside the code with `pdb.set_trace()`, and
//! examined after a crash with `pdb.pm()`. Here gdb does all three, each driven by a command
//! file next to this crate's Cargo.toml: `break.gdb` (a breakpoint, stepping, printing `j`),
//! `trap.gdb` (the program stops itself with `--trap`) and `crash.gdb` (a post-mortem of the
//! panic of `--crash`).
//!
//! ## Run
//!
//! ```text
//! cargo run -p debug-gdb                      # ---> 0 ... ---> 9, no debugger
//!
//! cargo build -p debug-gdb
//! gdb -batch -nx -x recipes/testing/debug-gdb/break.gdb --args target/debug/debug-gdb
//! gdb -batch -nx -x recipes/testing/debug-gdb/trap.gdb  --args target/debug/debug-gdb --trap
//! gdb -batch -nx -x recipes/testing/debug-gdb/crash.gdb --args target/debug/debug-gdb --crash
//! ```
//!
//! Interactively, `gdb --args target/debug/debug-gdb` (or `rust-gdb`, which also pretty-prints
//! strings and vectors), then `break debug_gdb::show`, `run`, `print j`, `next`, `step`,
//! `finish`, `continue`, `backtrace`: pdb's `b`, `r`, `p`, `n`, `s`, `r`, `c` and `w`.
//!
//! ## Python → Rust
//!
//! - pdb, the interpreter's own debugger, → gdb on the native program. `cargo build` keeps the
//!   debug information gdb needs (file, line and variable names).
//! - `pdb.run('Pdb_test(10).go()')` → `gdb --args <binary>` with `break` and `run`.
//! - `pdb.set_trace()` → `--trap`: the program raises SIGTRAP (`nix::sys::signal::raise`),
//!   which a debugger takes as a breakpoint. Without a debugger SIGTRAP would kill the process,
//!   so `--trap` first checks `/proc/self/status` for a tracer and refuses to run without one.
//! - `pdb.pm()` after an exception → `--crash`, a panic; gdb stops in `rust_panic` (the
//!   function every panic passes through before unwinding) with the crashed frames intact.
//!
//! ## Differences from the book
//!
//! - `postmortem.py` only calls `pdb.pm()`, which fails on its own ("no traceback"): it must run
//!   in an interpreter where an exception was just raised. `--crash J` provides the crash, a
//!   panic in iteration `J` (5 when `J` is left out), after the lines before it were printed.
//! - `inside_code_to_debug_pdb.py` stops before every line; `--trap` does too, and `trap.gdb`
//!   looks at two stops and then tells gdb to let the others pass.
//! - Python prints `---> 0` with `print("--->", j)`; the lines are the same.
//! - The run checks itself: the lines printed are 0 to `counter - 1`, in order. `--counter`
//!   (10) is at most 1,000,000.

use std::hint::black_box;

use anyhow::{Context, bail, ensure};
use clap::Parser;
use nix::sys::signal::{Signal, raise};

#[derive(Parser)]
#[command(about = "A loop of ten prints, to debug with gdb's break.gdb, trap.gdb and crash.gdb")]
struct Args {
    /// Iterations of the loop (the book's `Pdb_test(10)`), at most 1000000.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    counter: u32,
    /// Stop in the debugger before each line, as `pdb.set_trace()` does (raises SIGTRAP).
    /// Refused unless a debugger is attached.
    #[arg(long)]
    trap: bool,
    /// Panic in iteration J, at most 999999 (the last of the longest loop) [5 when J is left
    /// out], for a post-mortem in gdb.
    #[arg(long, value_name = "J", num_args = 0..=1, default_missing_value = "5", value_parser = clap::value_parser!(u32).range(..=999_999))]
    crash: Option<u32>,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if args.trap {
        ensure!(
            debugger_attached()?,
            "--trap stops in a debugger and none is attached: run it under gdb, e.g. \
             gdb -x recipes/testing/debug-gdb/trap.gdb --args target/debug/debug-gdb --trap"
        );
    }
    let test = PdbTest {
        counter: args.counter,
    };
    let printed = test.go(args.trap, args.crash)?;
    check(&printed, args.counter)
}

// ANCHOR: go
/// The book's `Pdb_test`: a counter and a loop that prints up to it.
struct PdbTest {
    counter: u32,
}

impl PdbTest {
    /// Prints `---> j` for each `j` below the counter and returns what it printed. With `trap`,
    /// stops in the debugger before each line; with `crash`, panics in that iteration.
    fn go(&self, trap: bool, crash: Option<u32>) -> anyhow::Result<Vec<u32>> {
        let mut printed = Vec::new();
        for j in 0..self.counter {
            // Keeps `j` in a register or on the stack, where gdb can read it, at any opt-level.
            let j = black_box(j);
            if trap {
                set_trace()?; // trap.gdb stops here
            }
            if crash == Some(j) {
                panic!("deliberate crash in iteration j = {j} (--crash)"); // crash.gdb: the crash
            }
            show(j);
            printed.push(j);
        }
        Ok(printed)
    }
}

/// One line of output; `break.gdb` breaks here. Out of line so it is a function to stop in.
#[inline(never)]
fn show(j: u32) {
    println!("---> {j}"); // break.gdb stops here
}
// ANCHOR_END: go

// ANCHOR: trap
/// `pdb.set_trace()`: SIGTRAP is what a debugger's breakpoints raise, so gdb stops here as if
/// at a breakpoint, and `continue` resumes the loop. Out of line, so that gdb's `frame function
/// debug_gdb::PdbTest::go` finds the caller's frame apart from this one.
#[inline(never)]
fn set_trace() -> anyhow::Result<()> {
    raise(Signal::SIGTRAP).context("cannot raise SIGTRAP")
}

/// Whether a debugger traces this process: Linux shows the tracer's PID in /proc/self/status.
fn debugger_attached() -> anyhow::Result<bool> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("cannot read /proc/self/status")?;
    tracer_pid(&status).map(|pid| pid != 0)
}
// ANCHOR_END: trap

fn tracer_pid(status: &str) -> anyhow::Result<u32> {
    let Some(value) = status
        .lines()
        .find_map(|line| line.strip_prefix("TracerPid:"))
    else {
        bail!("/proc/self/status has no TracerPid line");
    };
    value
        .trim()
        .parse()
        .with_context(|| format!("bad TracerPid {value:?}"))
}

fn check(printed: &[u32], counter: u32) -> anyhow::Result<()> {
    let expected: Vec<u32> = (0..counter).collect();
    ensure!(
        printed == expected,
        "printed {printed:?}, expected 0 to {} in order",
        counter - 1
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_prints_up_to_the_counter() {
        let printed = PdbTest { counter: 4 }.go(false, None).unwrap();
        assert_eq!(printed, [0, 1, 2, 3]);
        assert!(check(&printed, 4).is_ok());
        assert!(check(&printed, 5).is_err());
    }

    #[test]
    #[should_panic(expected = "deliberate crash in iteration j = 2")]
    fn go_crashes_where_asked() {
        let _ = PdbTest { counter: 4 }.go(false, Some(2));
    }

    #[test]
    fn the_tracer_pid_is_read_from_the_status_file() {
        let status = "Name:\tx\nTracerPid:\t4242\nUid:\t0\n";
        assert_eq!(tracer_pid(status).unwrap(), 4242);
        assert!(tracer_pid("Name:\tx\n").is_err());
        // The unit tests themselves run without a debugger.
        assert!(!debugger_attached().unwrap());
    }
}
