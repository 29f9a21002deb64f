//! # Spawning a process
//!
//! Book: 1st edition §3.2 "How to spawn a process", `spawn_a_process.py` and
//! `target_function.py`; 2nd edition chapter 3, "Spawning a process", `spawning_processes.py`,
//! `spawning_processes_namespace.py` and `myFunc.py`.
//!
//! The parent starts a child process, waits for it to finish, and only then starts the next:
//! five children that print one line each (1st edition) or six that call `myFunc(i)`, which
//! prints a greeting and the numbers below `i` (2nd edition). Each child is a real OS process
//! with its own PID; since each is joined before the next starts, the output is in order.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-spawn                        # 2nd edition: 6 children, 21 lines
//! cargo run -p process-spawn -- --edition ed1       # 1st edition: 5 children
//! cargo run -p process-spawn -- --measure-spawn     # and the cost of one child, mean of 100
//! cargo run -p process-spawn -- --fail-child 3      # demo: child 3 fails, the run stops
//! ```
//!
//! ## Python → Rust
//!
//! - `multiprocessing.Process(target=myFunc, args=(i,))` + `start()` → the binary re-executes
//!   itself (`common::child::self_command`) with the hidden subcommand `child --index i`; the
//!   target function is chosen by the subcommand and its argument travels on the command line,
//!   where Python pickles the target and its arguments for the child.
//! - `join()` → `Child::wait_with_output`: waits for the exit and collects what the child
//!   printed, which the parent relays to its own stdout and checks.
//! - `spawning_processes_namespace.py`, which imports `myFunc` from `myFunc.py` → the module
//!   `src/my_func.rs`. Python needs that split (or the `if __name__ == '__main__'` guard)
//!   because its child re-imports the main script; the Rust child runs from `main` too, but the
//!   hidden subcommand decides what it does, so no guard is needed and the module is only a
//!   matter of layout.
//! - `exitcode` → `common::child::exit_code` (exit code, or minus the signal).
//!
//! ## Differences from the book
//!
//! - The parent collects each child's output and prints it after the child has finished
//!   (the children run one at a time, so the order is the book's). It then checks that child
//!   `i` printed exactly its lines, and that the total is right: 5 lines for the 1st edition,
//!   21 for the 2nd (6 greetings and 0 + 1 + ... + 5 numbers); otherwise it exits 1.
//! - `--processes` changes the number of children; `--fail-child N` makes child `N` fail on
//!   purpose: the parent reports its PID and exit code and stops (no later child is started)
//!   with exit status 1.
//! - `--measure-spawn [RUNS]` adds the cost of one child process: spawn + wait of a child of
//!   this binary that exits at once, averaged over RUNS (100).
//! - The 1st edition's `foo`, moved to `target_function.py` in the book's second listing,
//!   stays in `main.rs`; the 2nd edition's `myFunc` lives in `src/my_func.rs`.

mod my_func;

use std::process::{Child, Stdio};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::{Parser, Subcommand};
use common::Edition;
use common::child::exit_code;
use common::timing::{Stopwatch, seconds_line};

#[derive(Parser)]
#[command(
    about = "Child processes started and joined one after another",
    disable_help_subcommand = true
)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Which edition's run: ed1 starts 5 children that print one line each, ed2 6 that call
    /// myFunc(i).
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Children to start and join in turn, 1 to 1000 [default: 5 for ed1, 6 for ed2].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    processes: Option<u32>,
    /// Demo: child N (counting from 0) fails on purpose, to show how a failure is reported.
    #[arg(long, value_name = "N")]
    fail_child: Option<u32>,
    /// Also measure one child process: spawn + wait of a child that exits at once, averaged
    /// over RUNS runs [RUNS: 100 when omitted].
    #[arg(
        long,
        value_name = "RUNS",
        num_args = 0..=1,
        default_missing_value = "100",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    measure_spawn: Option<u32>,
}

#[derive(Subcommand)]
enum Role {
    /// Child side: run the edition's function for process `index`.
    #[command(hide = true)]
    Child {
        #[arg(long)]
        index: u32,
        #[arg(long, value_enum)]
        edition: Edition,
        /// Fail instead of running the function.
        #[arg(long)]
        fail: bool,
    },
    /// Child side of --measure-spawn: exit at once.
    #[command(hide = true)]
    Exit,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.role {
        Some(Role::Child {
            index,
            edition,
            fail,
        }) => return child(index, edition, fail),
        Some(Role::Exit) => return common::child::die_with_parent(),
        None => {}
    }
    let count = args.processes.unwrap_or(match args.edition {
        Edition::Ed1 => 5,
        Edition::Ed2 => 6,
    });
    if let Some(n) = args.fail_child {
        ensure!(
            n < count,
            "--fail-child {n}: there is no such child (they are numbered 0 to {})",
            count - 1
        );
    }
    let printed = spawn_in_turn(args.edition, count, args.fail_child)?;
    check_total(args.edition, count, printed)?;
    if let Some(runs) = args.measure_spawn {
        let mean = measure_spawn(runs)?;
        let label = format!("Spawn + wait of one child process (mean of {runs})");
        println!("{}", seconds_line(&label, mean));
    }
    Ok(())
}

// ANCHOR: spawn_in_turn
/// Starts child 0, waits for it, relays and checks its output, then child 1, and so on.
/// Returns the number of lines the children printed.
fn spawn_in_turn(edition: Edition, count: u32, fail_child: Option<u32>) -> anyhow::Result<usize> {
    let mut printed = 0;
    for i in 0..count {
        let process = start(i, edition, fail_child == Some(i))?;
        let lines = join(i, count, process)?;
        for line in &lines {
            println!("{line}");
        }
        check_child(edition, i, &lines)?;
        printed += lines.len();
    }
    Ok(printed)
}

/// Python's `Process(target=..., args=(i,)).start()`: this binary again, as `child --index i`.
fn start(i: u32, edition: Edition, fail: bool) -> anyhow::Result<Child> {
    let mut command = common::child::self_command([
        "child",
        "--index",
        &i.to_string(),
        "--edition",
        edition.as_arg(),
    ])?;
    if fail {
        command.arg("--fail");
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start child process {i}"))
}

/// Python's `join()`: waits for the child and returns the lines it printed, or an error with
/// its PID, exit code and own error message when it failed.
fn join(i: u32, count: u32, process: Child) -> anyhow::Result<Vec<String>> {
    let pid = process.id();
    let output = process
        .wait_with_output()
        .with_context(|| format!("lost child process {i} (PID {pid})"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr.lines().next().unwrap_or("no message");
        let not_started = match count - 1 - i {
            0 => String::new(),
            1 => format!("; child {} was not started", i + 1),
            _ => format!("; children {} to {} were not started", i + 1, count - 1),
        };
        bail!(
            "child process {i} (PID {pid}) failed with exit code {}: {}{not_started}",
            exit_code(output.status),
            reason.strip_prefix("error: ").unwrap_or(reason),
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(stdout.lines().map(str::to_owned).collect())
}
// ANCHOR_END: spawn_in_turn

// ANCHOR: child
/// The hidden `child` subcommand: the body of child process `i`.
fn child(i: u32, edition: Edition, fail: bool) -> anyhow::Result<()> {
    common::child::die_with_parent()?;
    ensure!(
        !fail,
        "child process {i} fails on purpose (--fail-child {i})"
    );
    match edition {
        Edition::Ed1 => foo(i),
        Edition::Ed2 => my_func::my_func(i),
    }
    Ok(())
}

/// The 1st edition's `foo(i)` (`target_function.function` in its second listing).
fn foo(i: u32) {
    println!("called function in process: {i}");
}
// ANCHOR_END: child

/// What child `i` must print, written out independently of the functions the children run.
fn expected_lines(edition: Edition, i: u32) -> Vec<String> {
    match edition {
        Edition::Ed1 => vec![format!("called function in process: {i}")],
        Edition::Ed2 => std::iter::once(format!("calling myFunc from process n°: {i}"))
            .chain((0..i).map(|j| format!("output from myFunc is :{j}")))
            .collect(),
    }
}

fn check_child(edition: Edition, i: u32, lines: &[String]) -> anyhow::Result<()> {
    let expected = expected_lines(edition, i);
    ensure!(
        lines == expected,
        "child process {i} printed {lines:?}, expected {expected:?}"
    );
    Ok(())
}

/// The total line count, by formula: one line per child (ed1), or one greeting per child and
/// 0 + 1 + ... + (count - 1) numbers (ed2).
fn check_total(edition: Edition, count: u32, printed: usize) -> anyhow::Result<()> {
    let count = count as usize;
    let expected = match edition {
        Edition::Ed1 => count,
        Edition::Ed2 => count + count * (count - 1) / 2,
    };
    ensure!(
        printed == expected,
        "the children printed {printed} lines, expected {expected}"
    );
    println!("{count} child processes started and joined in turn: {printed} lines, in order");
    Ok(())
}

// ANCHOR: measure_spawn
/// The cost of one child process: spawn this binary with a subcommand that exits at once,
/// wait for it, `runs` times; the mean of one spawn + wait.
fn measure_spawn(runs: u32) -> anyhow::Result<Duration> {
    let clock = Stopwatch::start();
    for _ in 0..runs {
        let status = common::child::self_command(["exit"])?
            .status()
            .context("cannot start a child process to measure")?;
        ensure!(
            status.success(),
            "measuring child failed with exit code {}",
            exit_code(status)
        );
    }
    Ok(clock.elapsed() / runs)
}
// ANCHOR_END: measure_spawn

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_edition_expects_21_lines_from_six_children() {
        let total: usize = (0..6).map(|i| expected_lines(Edition::Ed2, i).len()).sum();
        assert_eq!(total, 21);
        assert!(check_total(Edition::Ed2, 6, 21).is_ok());
        assert!(check_total(Edition::Ed2, 6, 20).is_err());
    }

    #[test]
    fn child_three_prints_a_greeting_and_zero_to_two() {
        assert_eq!(
            expected_lines(Edition::Ed2, 3),
            [
                "calling myFunc from process n°: 3",
                "output from myFunc is :0",
                "output from myFunc is :1",
                "output from myFunc is :2",
            ]
        );
    }

    #[test]
    fn the_first_edition_expects_one_line_per_child() {
        assert_eq!(
            expected_lines(Edition::Ed1, 4),
            ["called function in process: 4"]
        );
        assert!(check_total(Edition::Ed1, 5, 5).is_ok());
    }

    #[test]
    fn check_child_rejects_lines_out_of_order() {
        let mut lines = expected_lines(Edition::Ed2, 3);
        lines.swap(1, 2);
        assert!(check_child(Edition::Ed2, 3, &lines).is_err());
    }
}
