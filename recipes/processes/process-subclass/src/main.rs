//! # Defining processes in a subclass
//!
//! Book: 1st edition §3.6 "How to use a process in a subclass", `subclass_process.py`; 2nd
//! edition chapter 3, "Defining processes in a subclass", `process_in_subclass.py`.
//!
//! The book subclasses `multiprocessing.Process` and overrides `run`; each instance started
//! runs that method in a new process, which prints its name. Here the subclass becomes a trait:
//! `MyProcess` implements `Process::run`, and the trait's provided `start` runs it in a real
//! child process. Ten processes (five in the 1st edition) are started and joined in turn, so
//! the names `MyProcess-1`, `MyProcess-2`, ... come out in order.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-subclass                       # 2nd edition: 10 processes
//! cargo run -p process-subclass -- --edition ed1      # 1st edition: 5, its wording
//! ```
//!
//! ## Python → Rust
//!
//! - `class MyProcess(multiprocessing.Process)` overriding `run` → `struct MyProcess`
//!   implementing the trait `Process`, whose required method is `run`. The inherited
//!   `start()` and `join()` are the trait's provided method `start` and the handle's `join`.
//! - A Python child gets the `MyProcess` object by pickling (or by `fork`, a copy of the
//!   parent's memory). Rust has neither, so a `Process` says how to rebuild it from a command
//!   line (`child_args`); `start` re-executes this binary with those arguments and the hidden
//!   subcommand builds the value again in the child and calls its `run`.
//! - Python names instances from a class-wide counter (`MyProcess-1`...). Here the parent
//!   generates the names and hands each to its child, so the child's name and the parent's
//!   idea of it cannot differ.
//!
//! ## Differences from the book
//!
//! - The parent collects each child's output when joining it, prints it, checks that process
//!   `i` printed exactly its line (so the names come in order, `MyProcess-1..n`), and prints a
//!   summary line, `10 processes started and joined in turn: MyProcess-1 to MyProcess-10`;
//!   otherwise it exits 1, naming the PID and exit code of a child that failed.
//! - `--processes` changes the count (the book's 10, or 5 in the 1st edition).
//! - Wording: the 2nd edition prints `called run method in MyProcess-1`, the 1st `called run
//!   method in process: MyProcess-1`; `--edition` picks which.

use std::process::{Child, Stdio};

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::Edition;
use common::child::exit_code;

/// A Process trait: each MyProcess runs its run method in a child process.
#[derive(Parser)]
#[command(disable_help_subcommand = true)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Which edition's run: ed1 starts 5 processes, ed2 10 (and words the line differently).
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Processes to start and join in turn, 1 to 1000 [default: 5 for ed1, 10 for ed2].
    #[arg(long, default_value_t = 10, default_value_if("edition", "ed1", "5"))]
    #[arg(hide_default_value = true, value_parser = clap::value_parser!(u32).range(1..=1000))]
    processes: u32,
}

#[derive(Subcommand)]
enum Role {
    /// Child side: rebuild MyProcess from its arguments and call its run method.
    #[command(hide = true)]
    Child(MyProcess),
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Child(process)) = args.role {
        common::child::die_with_parent()?;
        process.run();
        return Ok(());
    }
    // ANCHOR: main_block
    let (count, edition) = (args.processes, args.edition);
    for number in 1..=count {
        let output = MyProcess { number, edition }.start()?.join()?;
        print!("{output}");
        check_output(edition, number, &output)?;
    }
    println!("{count} processes started and joined in turn: MyProcess-1 to MyProcess-{count}");
    // ANCHOR_END: main_block
    Ok(())
}

// ANCHOR: process_trait
/// What a `multiprocessing.Process` subclass is: a body, `run`, executed in a process of its
/// own. Implementors supply `run`, a name, and the arguments that rebuild them in the child;
/// `start` comes with the trait, as `start()` comes with Python's base class.
trait Process {
    /// The name the parent gave this process.
    fn name(&self) -> String;

    /// The arguments of the hidden subcommand that rebuilds this value in the child process.
    fn child_args(&self) -> Vec<String>;

    /// The body, executed in the child process.
    fn run(&self);

    /// Starts a child process (this binary again) that rebuilds `self` and calls its `run`.
    fn start(&self) -> anyhow::Result<Started> {
        let child = common::child::self_command(self.child_args())?
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", self.name()))?;
        Ok(Started(self.name(), child))
    }
}

/// A started process (its name and child), waiting to be joined.
struct Started(String, Child);

impl Started {
    /// Waits for the process to end; returns what it printed, or an error with its PID and
    /// exit code when it failed.
    fn join(self) -> anyhow::Result<String> {
        let Self(name, child) = self;
        let pid = child.id();
        let output = child.wait_with_output();
        let output = output.with_context(|| format!("lost {name} (PID {pid})"))?;
        let code = exit_code(output.status);
        ensure!(code == 0, "{name} (PID {pid}) failed with exit code {code}");
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}
// ANCHOR_END: process_trait

// ANCHOR: my_process
/// The book's `MyProcess`: the `number` of its name `MyProcess-<number>`, and the edition.
/// The child parses it from the arguments `child_args` gives.
#[derive(clap::Args)]
struct MyProcess {
    #[arg(long)]
    number: u32,
    #[arg(long, value_enum)]
    edition: Edition,
}

impl Process for MyProcess {
    fn name(&self) -> String {
        format!("MyProcess-{}", self.number)
    }

    fn child_args(&self) -> Vec<String> {
        let (number, edition) = (self.number, self.edition.as_arg());
        let args = format!("child --number {number} --edition {edition}");
        args.split(' ').map(str::to_owned).collect()
    }

    fn run(&self) {
        match self.edition {
            Edition::Ed1 => println!("called run method in process: {}", self.name()),
            Edition::Ed2 => println!("called run method in {}", self.name()),
        }
    }
}
// ANCHOR_END: my_process

/// Process `number` printed exactly its line, written out apart from `run`.
fn check_output(edition: Edition, number: u32, output: &str) -> anyhow::Result<()> {
    let expected = match edition {
        Edition::Ed1 => format!("called run method in process: MyProcess-{number}"),
        Edition::Ed2 => format!("called run method in MyProcess-{number}"),
    };
    ensure!(
        output.lines().eq([expected.as_str()]),
        "MyProcess-{number} printed {output:?}, expected {expected:?}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_child_arguments_rebuild_the_same_process() {
        let process = MyProcess {
            number: 7,
            edition: Edition::Ed1,
        };
        let mut argv = vec!["process-subclass".to_owned()];
        argv.extend(process.child_args());
        let Some(Role::Child(rebuilt)) = Args::try_parse_from(argv).unwrap().role else {
            panic!("child_args must select the child subcommand");
        };
        assert_eq!(rebuilt.name(), "MyProcess-7");
        assert_eq!(rebuilt.edition, Edition::Ed1);
    }

    #[test]
    fn each_edition_has_its_wording() {
        let ed1 = "called run method in process: MyProcess-2\n";
        assert!(check_output(Edition::Ed1, 2, ed1).is_ok());
        assert!(check_output(Edition::Ed2, 2, "called run method in MyProcess-2\n").is_ok());
        assert!(check_output(Edition::Ed2, 3, "called run method in MyProcess-2\n").is_err());
        assert!(check_output(Edition::Ed2, 2, "").is_err());
    }

    #[test]
    fn the_count_follows_the_edition() {
        let parse = |argv: &[&str]| Args::try_parse_from(argv).unwrap().processes;
        assert_eq!(parse(&["p"]), 10);
        assert_eq!(parse(&["p", "--edition", "ed1"]), 5);
        assert_eq!(parse(&["p", "--edition", "ed1", "--processes", "7"]), 7);
    }
}
