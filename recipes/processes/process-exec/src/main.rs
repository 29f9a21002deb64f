//! # Start working with processes: replacing a program with `exec`
//!
//! Book: 1st edition §1.10 "Start working with processes in Python", `calling_Process.py` and
//! `called_Process.py` (the 2nd edition has no such section).
//!
//! The calling program prints a line, then asks the kernel to replace its code with another
//! program (`exec`). The process stays the same, with the same PID, but nothing of the calling
//! program is left: the line after the `exec` call, "Good Bye!!", is never printed. The called
//! program greets, waits for ENTER when a person sits at the terminal, and says goodbye.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-exec                   # at a terminal: press ENTER at the prompt
//! cargo run -p process-exec < /dev/null       # stdin is no terminal: no waiting
//! ```
//!
//! ## Python → Rust
//!
//! - `os.execvp("python", ("python", "called_Process.py"))` →
//!   `std::os::unix::process::CommandExt::exec` on a `Command` from
//!   `common::child::self_command`: this same binary, run with the hidden subcommand `called`,
//!   plays `called_Process.py`. `exec` returns only when it fails, so its return type is a bare
//!   `io::Error`; the code after it is reachable only as error handling.
//! - `raw_input("Press ENTER to exit")` → `std::io::stdin().read_line`, only when
//!   `std::io::IsTerminal` says stdin is a terminal.
//! - The PID, which the book only implies stays the same: `std::process::id()` before the
//!   `exec`, handed to the called program as `--caller-pid` and compared with its own.
//! - Python flushes `sys.stdout` when it exits, not when it execs, so buffered output would be
//!   lost; the port flushes stdout explicitly before the `exec`.
//!
//! ## Differences from the book
//!
//! - The called program is this binary's hidden `called` subcommand, not a second script run
//!   by whatever `python` is on `PATH`: nothing else has to be installed or found.
//! - `called_Process.py` is Python 2 (`raw_input`) and always waits for ENTER. Here it waits
//!   only when stdin is a terminal; otherwise it says so and goes on, so a run in a pipe, in CI
//!   or with stdin closed never blocks.
//! - Both sides print the PID, and the called program checks it is the caller's (exit 1 if
//!   not). The book runs the caller from IDLE, where the called program shows in a separate
//!   console window; here both print to the same terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::os::unix::process::CommandExt;

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    about = "A process replaces its program with another one (exec): same PID, new code",
    disable_help_subcommand = true
)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
}

#[derive(Subcommand)]
enum Role {
    /// The program exec'd in place of the caller (the book's called_Process.py).
    #[command(hide = true)]
    Called {
        /// The PID the caller had before the exec.
        #[arg(long)]
        caller_pid: u32,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.role {
        None => calling_process(),
        Some(Role::Called { caller_pid }) => called_process(caller_pid),
    }
}

// ANCHOR: calling
/// The book's `calling_Process.py`. Returns only if the `exec` failed.
fn calling_process() -> anyhow::Result<()> {
    let pid = std::process::id();
    println!("Process calling");
    println!("PID before exec: {pid}");
    // exec throws away this program's memory, unflushed output included.
    std::io::stdout().flush().context("cannot flush stdout")?;

    let mut program = common::child::self_command(["called", "--caller-pid", &pid.to_string()])?;
    let error = program.exec();
    // Reached only when the kernel refused the exec: the book's "Good Bye!!" line is never
    // printed because, after a successful exec, this code no longer exists.
    Err(error).context("exec of the called program failed")
}
// ANCHOR_END: calling

// ANCHOR: called
/// The book's `called_Process.py`, running in the same process the caller was.
fn called_process(caller_pid: u32) -> anyhow::Result<()> {
    println!("Hello Python Parallel Cookbook!!");
    let pid = std::process::id();
    println!("PID after exec: {pid}");
    ensure!(
        pid == caller_pid,
        "exec should keep the process: the caller had PID {caller_pid}, the called program has {pid}"
    );
    println!("Same process: PID {pid} before and after exec");
    wait_for_enter()?;
    println!("Closing calledProcess");
    Ok(())
}

/// Waits for ENTER, but only when someone can press it: on a pipe, a file or a closed stdin
/// the prompt would block forever or read a line meant for something else.
fn wait_for_enter() -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        println!("(stdin is not a terminal: not waiting for ENTER)");
        return Ok(());
    }
    print!("Press ENTER to exit");
    std::io::stdout().flush().context("cannot flush stdout")?;
    stdin
        .lock()
        .read_line(&mut String::new())
        .context("cannot read from stdin")?;
    Ok(())
}
// ANCHOR_END: called

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_called_program_refuses_a_different_pid() {
        let error = called_process(std::process::id().wrapping_add(1)).unwrap_err();
        assert!(error.to_string().contains("exec should keep the process"));
    }

    #[test]
    fn the_called_subcommand_parses_its_pid() {
        let args = Args::try_parse_from(["process-exec", "called", "--caller-pid", "42"]).unwrap();
        assert!(matches!(args.role, Some(Role::Called { caller_pid: 42 })));
    }
}
