//! # Naming a process
//!
//! Book: 1st edition §3.3 "How to name a process", `naming_process.py`; 2nd edition chapter 3,
//! "Naming a process", `naming_processes.py`.
//!
//! Two children run the same function: one is given a name (`myFunc process`, or
//! `foo_process` in the 1st edition), the other keeps the default, `Process-2`. Each prints
//! its name when it starts and again when it exits, three book seconds later. Python's name
//! lives only inside Python; here each child also gives its name to the kernel, so `ps -o comm`
//! and `/proc/<pid>/comm` show it, and the parent reads it back from there.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-name                           # 2nd edition: both children joined
//! cargo run -p process-name -- --edition ed1          # 1st edition: a daemon, never joined
//! cargo run -p process-name -- --book                 # 3 s: time to look at `ps` meanwhile
//! ps -o pid,comm --ppid "$(pgrep -n process-name)"    # (in a second terminal)
//! ```
//!
//! ## Python → Rust
//!
//! - `multiprocessing.Process(name='myFunc process', target=myFunc)` → the binary re-executed
//!   (`common::child::self_command`) with the hidden subcommand `child --name ...`; the parent
//!   generates both names, the default one the way Python counts (`Process-2`: the named one
//!   was `Process-1`).
//! - `multiprocessing.current_process().name` → the name the child got on its command line.
//!   The child also sets its OS name with `prctl(PR_SET_NAME)` (`nix::sys::prctl::set_name`).
//!   The kernel keeps at most 15 bytes of it (`TASK_COMM_LEN` is 16 with the NUL), so a longer
//!   name is cut there.
//! - `join()` → `Child::wait`. The parent reads each child's stdout through a pipe and
//!   relays it (`src/relay.rs`): once a child's `Starting` line arrives, its OS name is set,
//!   and the parent reads `/proc/<pid>/comm` to check it. (A child not yet waited for keeps its
//!   `/proc` entry, as a zombie if it has already ended, so the read cannot miss.)
//! - The 1st edition's `process_with_name.daemon = True` with no `join()` at all → Python's
//!   exit handler: SIGTERM to the daemon (`common::child::terminate`), then wait for both
//!   (`Relayed::end_daemon` in `src/relay.rs`; `process-daemon` is the recipe about it).
//!
//! ## Differences from the book
//!
//! - The 1st edition's listing makes `foo_process` a daemon and joins neither child. When its
//!   main block ends, Python's exit handler terminates the daemon, which is still sleeping, so
//!   `Exiting foo_process` is never printed; the book's output shows it anyway (it is the
//!   output of the script without the daemon line, which the translator's note says is needed
//!   for that output). `--edition ed1` reproduces what the listing really does, with a line
//!   saying the daemon was terminated; the default is the 2nd edition, which joins both (its
//!   `daemon = True` line is commented out).
//! - The parent prints each child's OS name as read from `/proc/<pid>/comm` (`OS name of PID
//!   … (/proc/…/comm): myFunc process`), to show that the name is the process's own, as the
//!   kernel sees it, and checks it is the name cut to 15 bytes; it also checks each child's
//!   `Starting`/`Exiting` lines and exit code (0, or -15 for the 1st edition's daemon). Any
//!   mismatch exits 1. Should the parent be held up for longer than the daemon's three-second
//!   sleep (a very busy machine, or `--tick-ms 0`), the daemon finishes first, as in Python;
//!   the parent reports it as "found already finished" (exit code 0) rather than failing.
//! - The parent waits for both `Starting` lines before reading the OS names, so the two lines
//!   always come first and in start order; the children's output reaches the terminal through
//!   the parent. In the 1st edition this also means the daemon is terminated once it has
//!   started, not the instant the main block ends, so its `Starting` line is always there.
//! - `--name` renames the named child. Sleeps are ticks (`--tick-ms`, 50 ms; `--book` for
//!   1 s). The blank line after each of the book's lines (and the space before it) is left out.

mod relay;

use std::ffi::CString;

use anyhow::{Context, ensure};
use clap::builder::NonEmptyStringValueParser;
use clap::{Parser, Subcommand};
use common::child::self_command;
use common::{Edition, Pace};
use relay::Relayed;

/// A named child process and a default-named one, names visible to the OS.
#[derive(Parser)]
#[command(disable_help_subcommand = true)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Which edition's run: ed1 names the child foo_process, makes it a daemon and joins
    /// neither child; ed2 names it "myFunc process" and joins both.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Name of the named child [default: "myFunc process" for ed2, foo_process for ed1].
    #[arg(long, default_value = "myFunc process")]
    #[arg(default_value_if("edition", "ed1", "foo_process"))]
    #[arg(hide_default_value = true, value_parser = NonEmptyStringValueParser::new())]
    name: String,
    #[command(flatten)]
    pace: Pace,
}

#[derive(Subcommand)]
enum Role {
    /// Child side: take the name as the OS name and run the book's function.
    #[command(hide = true)]
    Child(MyFunc),
}

/// What a child running the book's `myFunc` is told: its name, and how to word and pace it.
#[derive(clap::Args)]
struct MyFunc {
    #[arg(long)]
    name: String,
    #[arg(long, value_enum)]
    edition: Edition,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Child(child)) = args.role {
        common::child::die_with_parent()?;
        set_os_name(&child.name)?;
        my_func(&child);
        return Ok(());
    }
    let edition = args.edition;
    // ANCHOR: parent
    // Process(name='myFunc process', target=myFunc), and Process(target=myFunc), which Python
    // calls Process-2; start() both.
    let start = |name: &str| -> anyhow::Result<Relayed> {
        let mut command = self_command(["child", "--name", name, "--edition", edition.as_arg()])?;
        command.args(args.pace.child_args());
        Relayed::spawn(name, command)
    };
    let mut children = [start(&args.name)?, start("Process-2")?];
    // Each child prints its Starting line once it has named itself: relay both lines, then
    // read the names the kernel holds.
    for child in &mut children {
        child.relay_line(&book_line(edition, "Starting", &child.name))?;
    }
    for child in &children {
        check_os_name(&child.name, child.pid)?;
    }
    if edition == Edition::Ed1 {
        // The 1st edition makes the named child a daemon and joins neither: Python's exit
        // handler terminates the daemon (its Exiting line is lost), then waits for the other.
        let [daemon, other] = &mut children;
        daemon.end_daemon()?;
        return other.join(&book_line(edition, "Exiting", &other.name));
    }
    for child in &mut children {
        child.join(&book_line(edition, "Exiting", &child.name))?;
    }
    // ANCHOR_END: parent
    Ok(())
}

// ANCHOR: child
/// Gives this process `name` as its OS name (what `ps -o comm` shows); the kernel keeps the
/// first 15 bytes.
fn set_os_name(name: &str) -> anyhow::Result<()> {
    let name = CString::new(name).context("a process name cannot contain a NUL byte")?;
    nix::sys::prctl::set_name(&name).context("prctl(PR_SET_NAME) failed")
}

/// The book's `myFunc` (`foo` in the 1st edition).
fn my_func(child: &MyFunc) {
    println!("{}", book_line(child.edition, "Starting", &child.name));
    child.pace.sleep(3.0);
    println!("{}", book_line(child.edition, "Exiting", &child.name));
}
// ANCHOR_END: child

/// `Starting process name = Process-2` (2nd edition) or `Starting Process-2` (1st).
fn book_line(edition: Edition, what: &str, name: &str) -> String {
    match edition {
        Edition::Ed1 => format!("{what} {name}"),
        Edition::Ed2 => format!("{what} process name = {name}"),
    }
}

// ANCHOR: os_name
/// Reads the child's OS name from `/proc/<pid>/comm`, prints it and checks it is `name` cut
/// to 15 bytes. The child is not reaped yet, so the entry exists even if it has ended.
fn check_os_name(name: &str, pid: u32) -> anyhow::Result<()> {
    let path = format!("/proc/{pid}/comm");
    let comm = std::fs::read(&path).with_context(|| format!("cannot read {path}"))?;
    let comm = String::from_utf8_lossy(comm.strip_suffix(b"\n").unwrap_or(&comm)).into_owned();
    let expected = String::from_utf8_lossy(os_name(name));
    let cut = (expected.len() < name.len()).then_some(" (cut to 15 bytes)");
    let cut = cut.unwrap_or_default();
    println!("OS name of PID {pid} ({path}): {comm}{cut}");
    ensure!(comm == expected, "{path} reads {comm:?}, not {expected:?}");
    Ok(())
}

/// What the kernel keeps of `name`: its first 15 bytes (`TASK_COMM_LEN` is 16 with the NUL).
fn os_name(name: &str) -> &[u8] {
    &name.as_bytes()[..name.len().min(15)]
}
// ANCHOR_END: os_name

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_names_keep_fifteen_bytes() {
        assert_eq!(os_name("myFunc process"), b"myFunc process");
        assert_eq!(os_name("Process-2"), b"Process-2");
        assert_eq!(os_name("a-very-long-process-name"), b"a-very-long-pro");
        assert_eq!(os_name("exactly-15-byte").len(), 15);
    }

    #[test]
    fn each_edition_has_its_wording() {
        assert_eq!(
            book_line(Edition::Ed2, "Starting", "Process-2"),
            "Starting process name = Process-2"
        );
        assert_eq!(
            book_line(Edition::Ed1, "Exiting", "foo_process"),
            "Exiting foo_process"
        );
    }

    #[test]
    fn the_empty_name_is_refused_by_the_parser() {
        assert!(Args::try_parse_from(["process-name", "--name", ""]).is_err());
        let name = |argv: &[&str]| Args::try_parse_from(argv).unwrap().name;
        assert_eq!(name(&["process-name"]), "myFunc process");
        assert_eq!(name(&["process-name", "--edition", "ed1"]), "foo_process");
    }
}
