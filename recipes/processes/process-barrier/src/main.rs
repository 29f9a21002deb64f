//! # Synchronizing processes with a barrier and a lock
//!
//! Book: 1st edition §3.8 "How to synchronize processes", `process_barrier.py`; 2nd edition
//! chapter 3, "Synchronizing processes", `processes_barrier.py`.
//!
//! Four child processes print the time. The first two, p1 and p2, wait at a barrier for two
//! first, so neither goes on before both have arrived, and they print under a lock shared by
//! the processes; p3 and p4 use neither and print at once.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-barrier                   # p2 arrives 100 ms after p1
//! cargo run -p process-barrier -- --work-ms 0    # no work before the barrier, as in the book
//! cargo run -p process-barrier -- --parties 3 --others 1
//! ```
//!
//! ## Python → Rust
//!
//! - `multiprocessing.Process(name=..., target=test_with_barrier)` → this binary started again
//!   with a hidden subcommand, `with-barrier` or `without-barrier`, and the process's name
//!   (`common::child::self_command`); each child asks the kernel to kill it if the parent dies
//!   (`common::child::die_with_parent`).
//! - `multiprocessing.Lock()` → an exclusive `flock` on a temporary file (`nix::fcntl::Flock`).
//!   Each child opens the file itself; the kernel lets one open file hold the lock at a time,
//!   whichever process it belongs to, and releases it when the holder lets go or dies.
//! - `multiprocessing.Barrier(2)` → the parent as the barrier's keeper. Python's barrier is a
//!   counter in shared memory guarded by semaphores; `std::sync::Barrier` lives in one
//!   process's memory and cannot be shared. Each waiting child is connected to the parent by a
//!   socket pair, handed over as its stdin: `wait()` sends "arrived" and blocks reading the
//!   socket; once the parent has heard from every party, it answers "go" to all of them. This
//!   needs no shared memory and no unsafe code, and a party that dies before arriving shows up
//!   as the end of its socket instead of a barrier that waits forever.
//! - `datetime.fromtimestamp(time())` → `chrono::Local::now()`, printed with microseconds like
//!   Python's `datetime`.
//!
//! ## Differences from the book
//!
//! - Each process at the barrier also prints when it reaches the barrier, and reports both
//!   times to the parent, which checks that every party arrived before any left; otherwise it
//!   exits 1. In the book, nothing shows that the barrier held.
//! - The book's processes reach the barrier at almost the same moment, so the barrier has
//!   little to do. Here party k works `(k - 1) × --work-ms` milliseconds (100 by default)
//!   before arriving, so p1 visibly waits for p2; `--work-ms 0` is the book's run.
//! - The parent removes the lock file as soon as every party has reached the barrier (each has
//!   it open by then, and the lock lives on in their open files), so a killed run leaves no file
//!   behind.
//! - The numbers of processes with and without the barrier are flags, `--parties` (2, the
//!   book's `Barrier(2)`) and `--others` (2). The parent prints a last line once the check held.
//! - Python omits the microseconds when they are zero; they are always printed here.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, anyhow, bail, ensure};
use chrono::{DateTime, Local};
use clap::{Parser, Subcommand};
use common::child::Children;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(
    about = "Two processes meet at a barrier, two do not; a file lock guards the printing",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Processes that wait at the barrier (the book's Barrier(2)): p1, p2, ...
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    parties: u32,
    /// Processes started after them that do not use the barrier (the book's p3 and p4).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=64))]
    others: u32,
    /// Party k works (k - 1) × MS milliseconds before reaching the barrier; the book's 0 means
    /// all arrive at once.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 100,
        value_parser = clap::value_parser!(u64).range(0..=10_000)
    )]
    work_ms: u64,
    #[command(subcommand)]
    role: Option<Role>,
}

/// What a child process runs. Hidden: the parent starts them, not the reader.
#[derive(Subcommand)]
enum Role {
    /// Works, waits at the barrier (the parent, on stdin), then prints under the file lock.
    #[command(hide = true)]
    WithBarrier {
        #[arg(long)]
        name: String,
        #[arg(long)]
        lock: PathBuf,
        #[arg(long)]
        work_ms: u64,
    },
    /// Prints the time at once.
    #[command(hide = true)]
    WithoutBarrier {
        #[arg(long)]
        name: String,
    },
}

/// What a party and the parent tell each other, one JSON value per line. Times are
/// microseconds since the Unix epoch.
#[derive(Debug, Serialize, Deserialize)]
enum Message {
    /// Party → parent: I have reached the barrier.
    Arrived { at: i64 },
    /// Parent → party: everyone has arrived, go on.
    Go,
    /// Party → parent: I have left the barrier.
    Left { at: i64 },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.role {
        Some(Role::WithBarrier {
            name,
            lock,
            work_ms,
        }) => {
            common::child::die_with_parent()?;
            test_with_barrier(&name, &lock, Duration::from_millis(work_ms))
        }
        Some(Role::WithoutBarrier { name }) => {
            common::child::die_with_parent()?;
            test_without_barrier(&name);
            Ok(())
        }
        None => parent(&args),
    }
}

// ANCHOR: children
/// A party: works, waits at the barrier, then prints the time it left, holding the lock.
fn test_with_barrier(name: &str, lock: &Path, work: Duration) -> anyhow::Result<()> {
    let lock = OpenOptions::new()
        .write(true)
        .open(lock)
        .with_context(|| format!("cannot open the lock file {}", lock.display()))?;
    let mut barrier = Barrier::from_stdin()?;
    std::thread::sleep(work);

    let arrived = Local::now();
    let line = format!(
        "process {name} reached the barrier ----> {}",
        stamp(arrived)
    );
    let lock = print_locked(lock, &line)?;
    barrier.wait(arrived)?;
    let left = Local::now();
    let line = format!("process {name} ----> {}", stamp(left));
    print_locked(lock, &line)?;
    barrier.report_left(left)
}

fn test_without_barrier(name: &str) {
    println!("process {name} ----> {}", stamp(Local::now()));
}

/// Prints `line` while holding an exclusive `flock` on `lock`: `with serializer:`.
fn print_locked(lock: File, line: &str) -> anyhow::Result<File> {
    let held = Flock::lock(lock, FlockArg::LockExclusive)
        .map_err(|(_, errno)| anyhow!("cannot take the lock: {errno}"))?;
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")?;
    // Out before the lock is released, or another process could print in between.
    out.flush()?;
    held.unlock()
        .map_err(|(_, errno)| anyhow!("cannot release the lock: {errno}"))
}
// ANCHOR_END: children

// ANCHOR: barrier
/// A party's side of the barrier: a socket to the parent, which keeps the count.
struct Barrier {
    from_parent: BufReader<UnixStream>,
    to_parent: UnixStream,
}

impl Barrier {
    /// The socket the parent gave this child as its stdin.
    fn from_stdin() -> anyhow::Result<Self> {
        let socket = UnixStream::from(io::stdin().as_fd().try_clone_to_owned()?);
        socket.peer_addr().context(
            "stdin is not a socket: this subcommand is started by process-barrier itself",
        )?;
        Ok(Self {
            from_parent: BufReader::new(socket.try_clone()?),
            to_parent: socket,
        })
    }

    /// `synchronizer.wait()`: says it has arrived, then blocks until the parent says go.
    fn wait(&mut self, arrived: DateTime<Local>) -> anyhow::Result<()> {
        send(
            &self.to_parent,
            &Message::Arrived {
                at: arrived.timestamp_micros(),
            },
        )?;
        match receive(&mut self.from_parent)? {
            Some(Message::Go) => Ok(()),
            Some(other) => bail!("the parent sent {other:?} instead of Go"),
            None => bail!("the parent closed the barrier"),
        }
    }

    fn report_left(&self, left: DateTime<Local>) -> anyhow::Result<()> {
        send(
            &self.to_parent,
            &Message::Left {
                at: left.timestamp_micros(),
            },
        )
    }
}
// ANCHOR_END: barrier

fn send(socket: &UnixStream, message: &Message) -> anyhow::Result<()> {
    let mut line = serde_json::to_string(message)?;
    line.push('\n');
    (&*socket)
        .write_all(line.as_bytes())
        .context("the other process closed its socket")
}

/// The next message, or `None` once the other side has closed its socket.
fn receive(socket: &mut impl BufRead) -> anyhow::Result<Option<Message>> {
    let mut line = String::new();
    if socket.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let message = serde_json::from_str(&line).with_context(|| format!("bad message {line:?}"))?;
    Ok(Some(message))
}

/// Python's `datetime` shape: `2015-05-09 11:11:33.291229`.
fn stamp(at: DateTime<Local>) -> String {
    at.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// `"p1 - test_with_barrier"` → `"p1"`.
fn short_name(name: &str) -> &str {
    name.split(' ').next().unwrap_or(name)
}

/// `["p1", "p2", "p3"]` → `"p1, p2 and p3"`.
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn process_name(number: u32, parties: u32) -> String {
    if number <= parties {
        format!("p{number} - test_with_barrier")
    } else {
        format!("p{number} - test_without_barrier")
    }
}

// ANCHOR: parent
/// Starts the processes p1..pn, keeps the barrier for the parties, then checks their times.
fn parent(args: &Args) -> anyhow::Result<()> {
    let lock = tempfile::Builder::new()
        .prefix("process-barrier-")
        .suffix(".lock")
        .tempfile()
        .context("cannot create the lock file")?;
    let lock_path = lock
        .path()
        .to_str()
        .context("the temp dir's path is not UTF-8")?;

    let mut children = Children::new();
    let mut parties = Vec::new();
    for number in 1..=args.parties + args.others {
        let name = process_name(number, args.parties);
        if number <= args.parties {
            let (ours, theirs) = UnixStream::pair().context("cannot create a socket pair")?;
            let work_ms = (u64::from(number - 1) * args.work_ms).to_string();
            let role = [
                "with-barrier",
                "--name",
                &name,
                "--lock",
                lock_path,
                "--work-ms",
                &work_ms,
            ];
            let socket = Stdio::from(OwnedFd::from(theirs));
            spawn(&mut children, &name, &role, socket)?;
            parties.push(Party::new(name, ours)?);
        } else {
            let role = ["without-barrier", "--name", &name];
            spawn(&mut children, &name, &role, Stdio::null())?;
        }
    }

    let arrivals = collect(&mut parties, &mut children, "reaching the barrier")?;
    // Every party has the file open by now, and the lock lives in those open files.
    lock.close().context("cannot remove the lock file")?;
    for party in &parties {
        send(&party.socket, &Message::Go)
            .with_context(|| format!("cannot release {}", party.name))?;
    }
    let departures = collect(&mut parties, &mut children, "leaving the barrier")?;
    children.wait_all()?;
    check(&arrivals, &departures)?;
    let names: Vec<&str> = parties
        .iter()
        .map(|party| short_name(&party.name))
        .collect();
    println!("Barrier held: {} arrived before any left", and_list(&names));
    Ok(())
}
// ANCHOR_END: parent

/// The parent's end of one party's socket.
struct Party {
    name: String,
    socket: UnixStream,
    reader: BufReader<UnixStream>,
}

impl Party {
    fn new(name: String, socket: UnixStream) -> anyhow::Result<Self> {
        let reader = BufReader::new(socket.try_clone()?);
        Ok(Self {
            name,
            socket,
            reader,
        })
    }
}

/// Reads the next message of every party (`Arrived` or `Left`, whichever `stage` expects) and
/// returns the times they carry. A party whose socket ends first has died: that is an error
/// naming it and its exit status.
fn collect(
    parties: &mut [Party],
    children: &mut Children,
    stage: &str,
) -> anyhow::Result<Vec<i64>> {
    let mut times = Vec::new();
    for party in parties {
        match receive(&mut party.reader)? {
            Some(Message::Arrived { at } | Message::Left { at }) => times.push(at),
            Some(Message::Go) => bail!("{} sent Go, which only the parent sends", party.name),
            None => {
                let code = children.wait(&party.name)?;
                bail!("{} exited with status {code} before {stage}", party.name);
            }
        }
    }
    Ok(times)
}

// ANCHOR: check
fn check(arrivals: &[i64], departures: &[i64]) -> anyhow::Result<()> {
    if let (Some(last_in), Some(first_out)) = (arrivals.iter().max(), departures.iter().min()) {
        ensure!(
            last_in <= first_out,
            "a party left the barrier at {first_out} µs, before the last arrived at {last_in} µs"
        );
    }
    Ok(())
}
// ANCHOR_END: check

/// Starts this binary with `args` as the child called `name`, reading `stdin`. The command
/// is dropped on return, so the parent keeps no copy of a party's end of its socket: when the
/// party dies, the parent's end reads as closed.
fn spawn(children: &mut Children, name: &str, args: &[&str], stdin: Stdio) -> anyhow::Result<()> {
    children.spawn(name, common::child::self_command(args)?.stdin(stdin))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_book() {
        assert_eq!(process_name(1, 2), "p1 - test_with_barrier");
        assert_eq!(process_name(2, 2), "p2 - test_with_barrier");
        assert_eq!(process_name(3, 2), "p3 - test_without_barrier");
    }

    #[test]
    fn party_lists_read_like_english() {
        assert_eq!(and_list(&["p1"]), "p1");
        assert_eq!(and_list(&["p1", "p2"]), "p1 and p2");
        assert_eq!(and_list(&["p1", "p2", "p3"]), "p1, p2 and p3");
        assert_eq!(short_name("p12 - test_with_barrier"), "p12");
    }

    #[test]
    fn stamps_have_pythons_datetime_shape() {
        let at = DateTime::from_timestamp_micros(1_431_169_893_291_229)
            .unwrap()
            .with_timezone(&Local);
        let text = stamp(at);
        assert_eq!(text.len(), "2015-05-09 11:11:33.291229".len(), "{text}");
        assert!(text.ends_with(":33.291229"), "{text}");
    }

    #[test]
    fn messages_round_trip_as_json_lines() {
        let (a, b) = UnixStream::pair().unwrap();
        send(&a, &Message::Arrived { at: 42 }).unwrap();
        send(&a, &Message::Go).unwrap();
        drop(a);
        let mut reader = BufReader::new(b);
        assert!(matches!(
            receive(&mut reader).unwrap(),
            Some(Message::Arrived { at: 42 })
        ));
        assert!(matches!(receive(&mut reader).unwrap(), Some(Message::Go)));
        assert!(
            receive(&mut reader).unwrap().is_none(),
            "closed socket: no more messages"
        );
    }

    #[test]
    fn check_wants_every_arrival_before_every_departure() {
        assert!(check(&[10, 30], &[30, 31]).is_ok());
        let error = check(&[10, 30], &[29, 31]).unwrap_err();
        assert!(
            error.to_string().contains("before the last arrived"),
            "{error}"
        );
    }
}
