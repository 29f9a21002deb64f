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
//! cargo run -p process-spawn --example spawn_cost   # the cost of one child, mean of 100
//! cargo run -p process-spawn --example failing_child -- --fail-child 3   # child 3 fails
//! ```
//!
//! ## Python → Rust
//!
//! - `multiprocessing.Process(target=myFunc, args=(i,))` + `start()` → the binary re-executes
//!   itself (`common::child::self_command`) with the hidden subcommand `child --index i`; the
//!   subcommand picks the target function and the argument travels on the command line, where
//!   Python pickles both for the child.
//! - `join()` → `Child::wait_with_output`: waits for the exit and collects what the child
//!   printed, which the parent relays to its own stdout and checks.
//! - `from myFunc import myFunc` (`spawning_processes_namespace.py`) → `mod my_func;`. Python
//!   needs that split (or the `if __name__ == '__main__'` guard) because its child re-imports
//!   the main script; here the hidden subcommand decides what a child runs, so the module is
//!   only a matter of layout.
//!
//! ## Differences from the book
//!
//! - The parent prints each child's output after the child has finished (one child at a time,
//!   so the order is the book's), checks that child `i` printed exactly its lines and that the
//!   total is right (5 lines for the 1st edition, 21 for the 2nd: 6 greetings and
//!   0 + 1 + ... + 5 numbers), and prints a summary line, `6 child processes started and joined
//!   in turn: 21 lines, in order`; otherwise it exits 1.
//! - `--processes` changes the number of children (at most 1000). The examples are additions:
//!   `spawn_cost` times spawn + wait of one child (`--runs`, at most 1000); `failing_child`
//!   shows a child failing and the parent reporting its PID and exit code and starting no
//!   further child.
//! - The 1st edition's `foo` (moved to `target_function.py` in the book's second listing) stays
//!   here; the 2nd edition's `myFunc` lives in `src/my_func.rs`.

mod my_func;

use std::process::Stdio;

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::Edition;
use common::child::{exit_code, self_command};

/// Child processes started and joined one after another.
#[derive(Parser)]
#[command(disable_help_subcommand = true)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Which edition's run: ed1 starts 5 children that print one line each, ed2 6 that call
    /// myFunc(i).
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Children to start and join in turn, 1 to 1000 [default: 5 for ed1, 6 for ed2].
    #[arg(long, default_value_t = 6, default_value_if("edition", "ed1", "5"))]
    #[arg(hide_default_value = true, value_parser = clap::value_parser!(u32).range(1..=1000))]
    processes: u32,
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
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Child { index, edition }) = args.role {
        return child(index, edition);
    }
    let edition = args.edition;
    let count = args.processes;
    // ANCHOR: spawn_in_turn
    let mut printed = 0;
    for i in 0..count {
        // Process(target=myFunc, args=(i,)).start(): this binary again, as `child --index i`.
        let index = i.to_string();
        let process = self_command(["child", "--index", &index, "--edition", edition.as_arg()])?
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start child process {i}"))?;
        // join(): wait for it to end, and take what it printed.
        let pid = process.id();
        let output = process
            .wait_with_output()
            .with_context(|| format!("lost child process {i} (PID {pid})"))?;
        ensure!(
            output.status.success(),
            "child process {i} (PID {pid}) failed with exit code {}",
            exit_code(output.status)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        print!("{stdout}");
        let lines: Vec<&str> = stdout.lines().collect();
        let expected = expected_lines(edition, i);
        ensure!(
            lines == expected,
            "child {i} printed {lines:?}, not {expected:?}"
        );
        printed += lines.len();
    }
    // ANCHOR_END: spawn_in_turn
    check_total(edition, count, printed)
}

// ANCHOR: child
/// The hidden `child` subcommand: the body of child process `i`.
fn child(i: u32, edition: Edition) -> anyhow::Result<()> {
    common::child::die_with_parent()?;
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
}
