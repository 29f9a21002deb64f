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
//!   relays it: once a child's `Starting` line arrives, its OS name is set, and the parent reads
//!   `/proc/<pid>/comm` to check it. (A child not yet waited for keeps its `/proc` entry, as a
//!   zombie if it has already ended, so the read cannot miss.)
//! - The 1st edition's `process_with_name.daemon = True` with no `join()` at all → Python's
//!   exit handler: SIGTERM to the daemon, then wait for the other child
//!   (`common::child::terminate`, then `Child::wait`).
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
//! - The parent prints each child's OS name as read from `/proc/<pid>/comm` and checks it is
//!   the name cut to 15 bytes; it also checks each child's `Starting`/`Exiting` lines and exit
//!   code (0, or -15 for the 1st edition's daemon). Any mismatch exits 1. Should the parent be
//!   held up for longer than the daemon's three-second sleep (a very busy machine, or
//!   `--tick-ms 0`), the daemon finishes first, as in Python; the parent reports it as "found
//!   already finished" (exit code 0) rather than failing.
//! - The parent waits for both `Starting` lines before reading the OS names, so the two lines
//!   always come first and in start order; the children's output reaches the terminal through
//!   the parent. In the 1st edition this also means the daemon is terminated once it has
//!   started, not the instant the main block ends, so its `Starting` line is always there.
//! - `--name` renames the named child. Sleeps are ticks (`--tick-ms`, 50 ms; `--book` for
//!   1 s). The blank line after each of the book's lines (and the space before it) is left out.

use std::ffi::CString;
use std::io::{BufRead, BufReader, Lines};
use std::process::{ChildStdout, Stdio};

use anyhow::{Context, bail, ensure};
use clap::builder::NonEmptyStringValueParser;
use clap::{Parser, Subcommand};
use common::child::Children;
use common::{Edition, Pace};

/// The longest name the kernel keeps for a task (`TASK_COMM_LEN` - 1).
const OS_NAME_MAX: usize = 15;

#[derive(Parser)]
#[command(
    about = "A named child process and a default-named one, names visible to the OS",
    disable_help_subcommand = true
)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Which edition's run: ed1 names the child foo_process, makes it a daemon and joins
    /// neither child; ed2 names it "myFunc process" and joins both.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Name of the named child [default: "myFunc process" for ed2, foo_process for ed1].
    #[arg(long, value_parser = NonEmptyStringValueParser::new())]
    name: Option<String>,
    #[command(flatten)]
    pace: Pace,
}

#[derive(Subcommand)]
enum Role {
    /// Child side: take NAME as the OS name and run the book's function.
    #[command(hide = true)]
    Child {
        #[arg(long)]
        name: String,
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
    if let Some(Role::Child {
        name,
        edition,
        pace,
    }) = args.role
    {
        common::child::die_with_parent()?;
        set_os_name(&name)?;
        my_func(&name, edition, pace);
        return Ok(());
    }
    let edition = args.edition;
    let name = args.name.unwrap_or_else(|| match edition {
        Edition::Ed1 => "foo_process".to_owned(),
        Edition::Ed2 => "myFunc process".to_owned(),
    });
    parent(&name, edition, args.pace)
}

// ANCHOR: parent
/// Starts the named and the default-named child, relays their `Starting` lines, checks their
/// OS names, then joins both (ed2) or lets Python's exit handler end them (ed1).
fn parent(name: &str, edition: Edition, pace: Pace) -> anyhow::Result<()> {
    // Only the 1st edition makes the named child a daemon.
    let daemon = edition == Edition::Ed1;
    let mut children = [
        Started::start(name, daemon, edition, pace)?,
        Started::start("Process-2", false, edition, pace)?,
    ];
    for child in &mut children {
        child.relay_starting_line()?;
    }
    for child in &children {
        child.check_os_name()?;
    }
    match edition {
        Edition::Ed2 => {
            for child in &mut children {
                child.join()?;
            }
        }
        Edition::Ed1 => exit_handler(&mut children)?,
    }
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: child
/// Gives this process `name` as its OS name (what `ps -o comm` shows); the kernel keeps the
/// first 15 bytes.
fn set_os_name(name: &str) -> anyhow::Result<()> {
    let name = CString::new(name).context("a process name cannot contain a NUL byte")?;
    nix::sys::prctl::set_name(&name).context("prctl(PR_SET_NAME) failed")
}

/// The book's `myFunc` (`foo` in the 1st edition).
fn my_func(name: &str, edition: Edition, pace: Pace) {
    println!("{}", starting_line(edition, name));
    pace.sleep(3.0);
    println!("{}", exiting_line(edition, name));
}
// ANCHOR_END: child

fn starting_line(edition: Edition, name: &str) -> String {
    match edition {
        Edition::Ed1 => format!("Starting {name}"),
        Edition::Ed2 => format!("Starting process name = {name}"),
    }
}

fn exiting_line(edition: Edition, name: &str) -> String {
    match edition {
        Edition::Ed1 => format!("Exiting {name}"),
        Edition::Ed2 => format!("Exiting process name = {name}"),
    }
}

/// What the kernel keeps of `name`: its first 15 bytes.
fn os_name(name: &str) -> &[u8] {
    &name.as_bytes()[..name.len().min(OS_NAME_MAX)]
}

// ANCHOR: started
/// A running child whose stdout the parent relays line by line. Its process is held in a
/// `Children` set of its own (the two children may have the same name): dropped before it was
/// reaped (on an error path), it is killed and reaped, so an error never leaves it running.
struct Started {
    name: String,
    daemon: bool,
    edition: Edition,
    pid: u32,
    process: Children,
    stdout: Lines<BufReader<ChildStdout>>,
    printed: Vec<String>,
}

impl Started {
    fn start(name: &str, daemon: bool, edition: Edition, pace: Pace) -> anyhow::Result<Self> {
        let mut command =
            common::child::self_command(["child", "--name", name, "--edition", edition.as_arg()])?;
        command
            .args(pace.child_args())
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        let mut process = Children::new();
        let child = process.spawn(name, &mut command)?;
        let pid = child.id();
        let stdout = child.stdout.take().expect("stdout was piped");
        Ok(Self {
            name: name.to_owned(),
            daemon,
            edition,
            pid,
            process,
            stdout: BufReader::new(stdout).lines(),
            printed: Vec::new(),
        })
    }

    fn pid(&self) -> u32 {
        self.pid
    }

    /// Relays the child's next line; `None` once it has closed its stdout (it has ended).
    fn relay_line(&mut self) -> anyhow::Result<Option<String>> {
        let Some(line) = self.stdout.next() else {
            return Ok(None);
        };
        let line = line.with_context(|| format!("cannot read the output of {}", self.name))?;
        println!("{line}");
        self.printed.push(line.clone());
        Ok(Some(line))
    }

    /// Relays the first line, which the child prints after setting its OS name.
    fn relay_starting_line(&mut self) -> anyhow::Result<()> {
        let expected = starting_line(self.edition, &self.name);
        match self.relay_line()? {
            Some(line) if line == expected => Ok(()),
            Some(line) => bail!("{} printed {line:?}, expected {expected:?}", self.name),
            None => {
                let code = self.wait()?;
                bail!(
                    "{} (PID {}) ended before starting, exit code {code}",
                    self.name,
                    self.pid()
                )
            }
        }
    }

    /// Reads the child's OS name from `/proc/<pid>/comm`, prints it and checks it. The child
    /// is not reaped yet, so the entry exists even if it has already ended.
    fn check_os_name(&self) -> anyhow::Result<()> {
        let pid = self.pid();
        let path = format!("/proc/{pid}/comm");
        let comm = std::fs::read(&path).with_context(|| format!("cannot read {path}"))?;
        let comm = comm.strip_suffix(b"\n").unwrap_or(&comm);
        let expected = os_name(&self.name);
        let cut = if expected.len() < self.name.len() {
            format!(" (cut to {OS_NAME_MAX} bytes)")
        } else {
            String::new()
        };
        println!(
            "OS name of PID {pid} ({path}): {}{cut}",
            String::from_utf8_lossy(comm)
        );
        ensure!(
            comm == expected,
            "{path} reads {:?}, expected {:?}",
            String::from_utf8_lossy(comm),
            String::from_utf8_lossy(expected)
        );
        Ok(())
    }

    /// Python's `join()`: relays the rest of the output, waits, and checks the child printed
    /// its `Exiting` line and exited 0.
    fn join(&mut self) -> anyhow::Result<()> {
        while self.relay_line()?.is_some() {}
        let code = self.wait()?;
        ensure!(
            code == 0,
            "{} (PID {}) failed with exit code {code}",
            self.name,
            self.pid()
        );
        let expected = exiting_line(self.edition, &self.name);
        ensure!(
            self.printed.last() == Some(&expected),
            "{} printed {:?}, expected it to end with {expected:?}",
            self.name,
            self.printed
        );
        Ok(())
    }

    /// SIGTERM, as Python's `terminate()` sends; like it, leaves alone a child that has
    /// already ended (possible only if the parent was held up longer than the child's work).
    fn terminate(&mut self) -> anyhow::Result<()> {
        let child = self.process.get_mut(&self.name)?;
        if child.try_wait().context("cannot poll a child")?.is_some() {
            return Ok(());
        }
        // Not reaped yet, so the PID is still this child's (at worst a zombie).
        common::child::terminate(child).with_context(|| format!("cannot terminate {}", self.name))
    }

    /// Waits for the child; its exit code, Python style.
    fn wait(&mut self) -> anyhow::Result<i32> {
        self.process.wait(&self.name)
    }
}
// ANCHOR_END: started

// ANCHOR: exit_handler
/// The 1st edition joins no child: Python's exit handler terminates the daemon (its `Exiting`
/// line is lost) and then waits for the other child.
fn exit_handler(children: &mut [Started]) -> anyhow::Result<()> {
    for child in children.iter_mut().filter(|child| child.daemon) {
        child.terminate()?;
    }
    for child in children.iter_mut() {
        if !child.daemon {
            child.join()?;
            continue;
        }
        while child.relay_line()?.is_some() {}
        let code = child.wait()?;
        let (name, pid) = (&child.name, child.pid());
        match code {
            -15 => println!("Exit handler terminated daemon {name} (PID {pid}): exit code -15"),
            // The parent was held up longer than the daemon's sleep: it finished, as a Python
            // daemon would have, and its Exiting line was printed after all.
            0 => println!(
                "Exit handler found already finished daemon {name} (PID {pid}): exit code 0 \
                 (its work was done before the parent exited)"
            ),
            _ => bail!("daemon {name} (PID {pid}) failed with exit code {code}"),
        }
    }
    Ok(())
}
// ANCHOR_END: exit_handler

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
            starting_line(Edition::Ed2, "Process-2"),
            "Starting process name = Process-2"
        );
        assert_eq!(
            exiting_line(Edition::Ed1, "foo_process"),
            "Exiting foo_process"
        );
    }

    #[test]
    fn the_empty_name_is_refused_by_the_parser() {
        assert!(Args::try_parse_from(["process-name", "--name", ""]).is_err());
    }
}
