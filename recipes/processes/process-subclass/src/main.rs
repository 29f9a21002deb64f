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
//! cargo run -p process-subclass -- --fail-child 3     # demo: MyProcess-3 fails
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
//! - `exitcode` → `common::child::exit_code`.
//!
//! ## Differences from the book
//!
//! - The parent collects each child's output when joining it, prints it, and checks that
//!   process `i` printed exactly its line, names in order `MyProcess-1..n`; otherwise exit 1.
//! - `--processes` changes the count (the book's 10 or 5); `--fail-child N` makes
//!   `MyProcess-N` fail on purpose: the parent reports its PID and exit code, starts no more
//!   processes and exits 1.
//! - Wording: the 2nd edition prints `called run method in MyProcess-1`, the 1st `called run
//!   method in process: MyProcess-1`; `--edition` picks which.

use std::process::{Child, Stdio};

use anyhow::{Context, bail, ensure};
use clap::{Parser, Subcommand};
use common::Edition;
use common::child::exit_code;

#[derive(Parser)]
#[command(
    about = "A Process trait: each MyProcess runs its run method in a child process",
    disable_help_subcommand = true
)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Which edition's run: ed1 starts 5 processes, ed2 10 (and words the line differently).
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Processes to start and join in turn, 1 to 1000 [default: 5 for ed1, 10 for ed2].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    processes: Option<u32>,
    /// Demo: MyProcess-N fails on purpose, to show how a failure is reported.
    #[arg(long, value_name = "N")]
    fail_child: Option<u32>,
}

#[derive(Subcommand)]
enum Role {
    /// Child side: rebuild MyProcess from its arguments and call its run method.
    #[command(hide = true)]
    Child {
        #[arg(long)]
        number: u32,
        #[arg(long, value_enum)]
        edition: Edition,
        #[arg(long)]
        fail: bool,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Child {
        number,
        edition,
        fail,
    }) = args.role
    {
        common::child::die_with_parent()?;
        return MyProcess::new(number, edition, fail).run();
    }
    let count = args.processes.unwrap_or(match args.edition {
        Edition::Ed1 => 5,
        Edition::Ed2 => 10,
    });
    if let Some(n) = args.fail_child {
        ensure!(
            (1..=count).contains(&n),
            "--fail-child {n}: there is no MyProcess-{n} (they are MyProcess-1 to MyProcess-{count})"
        );
    }
    let mut names = Vec::new();
    for number in 1..=count {
        let process = MyProcess::new(number, args.edition, args.fail_child == Some(number));
        let lines = process.start()?.join()?;
        for line in &lines {
            println!("{line}");
        }
        names.push(check_output(&process, &lines)?);
    }
    check_names(&names, count)
}

// ANCHOR: process_trait
/// What a `multiprocessing.Process` subclass is: a body, `run`, executed in a process of its
/// own. Implementors supply `run`, a name, and the arguments that rebuild them in the child;
/// `start` comes with the trait, as `start()` comes with Python's base class.
trait Process {
    /// The name the parent gave this process.
    fn name(&self) -> &str;

    /// The arguments of the hidden subcommand that rebuilds this value in the child process.
    fn child_args(&self) -> Vec<String>;

    /// The body, executed in the child process.
    fn run(&self) -> anyhow::Result<()>;

    /// Starts a child process (this binary again) that rebuilds `self` and calls its `run`.
    fn start(&self) -> anyhow::Result<Started> {
        let child = common::child::self_command(self.child_args())?
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", self.name()))?;
        Ok(Started {
            name: self.name().to_owned(),
            child,
        })
    }
}

/// A started process, waiting to be joined.
struct Started {
    name: String,
    child: Child,
}

impl Started {
    /// Waits for the process to end; returns the lines it printed, or an error with its PID,
    /// exit code and own message when it failed.
    fn join(self) -> anyhow::Result<Vec<String>> {
        let Self { name, child } = self;
        let pid = child.id();
        let output = child
            .wait_with_output()
            .with_context(|| format!("lost {name} (PID {pid})"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr.lines().next().unwrap_or("no message");
            bail!(
                "{name} (PID {pid}) failed with exit code {}: {}; no further process started",
                exit_code(output.status),
                reason.strip_prefix("error: ").unwrap_or(reason),
            );
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        Ok(stdout.lines().map(str::to_owned).collect())
    }
}
// ANCHOR_END: process_trait

// ANCHOR: my_process
/// The book's `MyProcess`, with its name `MyProcess-<number>`.
struct MyProcess {
    number: u32,
    name: String,
    edition: Edition,
    /// Demo of a failing child (--fail-child).
    fail: bool,
}

impl MyProcess {
    fn new(number: u32, edition: Edition, fail: bool) -> Self {
        Self {
            number,
            name: format!("MyProcess-{number}"),
            edition,
            fail,
        }
    }
}

impl Process for MyProcess {
    fn name(&self) -> &str {
        &self.name
    }

    fn child_args(&self) -> Vec<String> {
        let mut args = vec![
            "child".to_owned(),
            "--number".to_owned(),
            self.number.to_string(),
            "--edition".to_owned(),
            self.edition.as_arg().to_owned(),
        ];
        if self.fail {
            args.push("--fail".to_owned());
        }
        args
    }

    fn run(&self) -> anyhow::Result<()> {
        ensure!(!self.fail, "{} fails on purpose (--fail-child)", self.name);
        match self.edition {
            Edition::Ed1 => println!("called run method in process: {}", self.name),
            Edition::Ed2 => println!("called run method in {}", self.name),
        }
        Ok(())
    }
}
// ANCHOR_END: my_process

/// The one line the process must have printed, naming it; returns the name it printed.
fn check_output(process: &MyProcess, lines: &[String]) -> anyhow::Result<String> {
    let prefix = match process.edition {
        Edition::Ed1 => "called run method in process: ",
        Edition::Ed2 => "called run method in ",
    };
    let printed = match lines {
        [line] => line.strip_prefix(prefix),
        _ => None,
    };
    match printed {
        Some(name) if name == process.name => Ok(name.to_owned()),
        _ => bail!(
            "{} printed {lines:?}, expected \"{prefix}{}\"",
            process.name,
            process.name
        ),
    }
}

/// The names the processes printed, in the order they ran: MyProcess-1 to MyProcess-count.
fn check_names(names: &[String], count: u32) -> anyhow::Result<()> {
    let in_order = names
        .iter()
        .zip(1..)
        .all(|(name, n): (&String, u32)| *name == format!("MyProcess-{n}"));
    ensure!(
        in_order && names.len() == count as usize,
        "the processes ran as {names:?}, expected MyProcess-1 to MyProcess-{count}"
    );
    println!("{count} processes started and joined in turn: MyProcess-1 to MyProcess-{count}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_child_arguments_rebuild_the_same_process() {
        let process = MyProcess::new(7, Edition::Ed1, true);
        let mut argv = vec!["process-subclass".to_owned()];
        argv.extend(process.child_args());
        let Some(Role::Child {
            number,
            edition,
            fail,
        }) = Args::try_parse_from(argv).unwrap().role
        else {
            panic!("child_args must select the child subcommand");
        };
        let rebuilt = MyProcess::new(number, edition, fail);
        assert_eq!(rebuilt.name(), "MyProcess-7");
        assert_eq!((rebuilt.edition, rebuilt.fail), (Edition::Ed1, true));
    }

    #[test]
    fn names_must_count_up_from_one() {
        let names: Vec<String> = (1..=3).map(|n| format!("MyProcess-{n}")).collect();
        assert!(check_names(&names, 3).is_ok());
        let swapped = [names[1].clone(), names[0].clone(), names[2].clone()];
        assert!(check_names(&swapped, 3).is_err());
        assert!(check_names(&names[..2], 3).is_err());
    }

    #[test]
    fn each_edition_has_its_wording() {
        let ed1 = MyProcess::new(2, Edition::Ed1, false);
        let ed2 = MyProcess::new(2, Edition::Ed2, false);
        assert!(check_output(&ed1, &["called run method in process: MyProcess-2".into()]).is_ok());
        assert!(check_output(&ed2, &["called run method in MyProcess-2".into()]).is_ok());
        assert!(check_output(&ed2, &["called run method in MyProcess-3".into()]).is_err());
    }

    #[test]
    fn a_failing_process_refuses_to_run() {
        let error = MyProcess::new(3, Edition::Ed2, true).run().unwrap_err();
        assert_eq!(
            error.to_string(),
            "MyProcess-3 fails on purpose (--fail-child)"
        );
    }
}
