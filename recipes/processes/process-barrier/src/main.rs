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
//! - `multiprocessing.Barrier(2)` → `barrier::Barrier` and `barrier::Keeper` (`src/barrier.rs`):
//!   the parent is the barrier's keeper. Python's barrier is a counter in shared memory guarded
//!   by semaphores; `std::sync::Barrier` lives in one process's memory and cannot be shared.
//!   Each party is connected to the parent by a socket pair, handed over as its stdin: `wait()`
//!   says "arrived" and blocks reading the socket; once the parent has heard from every party,
//!   it answers all of them. No shared memory, no unsafe code, and a party that dies before
//!   arriving shows up as the end of its socket instead of a barrier that waits forever.
//! - `datetime.fromtimestamp(time())` → `chrono::Local::now()`, printed with microseconds like
//!   Python's `datetime`.
//!
//! ## Differences from the book
//!
//! - Each process at the barrier also prints when it reaches the barrier (`process p1 -
//!   test_with_barrier reached the barrier ----> …`), and reports both times to the parent,
//!   which checks that every party arrived before any left; otherwise it exits 1. In the book,
//!   nothing shows that the barrier held.
//! - The book's processes reach the barrier at almost the same moment, so the barrier has
//!   little to do. Here party k works `(k - 1) × --work-ms` milliseconds (100 by default)
//!   before arriving, so p1 visibly waits for p2; `--work-ms 0` is the book's run.
//! - The parent removes the lock file as soon as every party has reached the barrier (each has
//!   it open by then, and the lock lives on in their open files), so a killed run leaves no file
//!   behind.
//! - The numbers of processes with and without the barrier are flags, `--parties` (2, the
//!   book's `Barrier(2)`) and `--others` (2), each at most 64; `--work-ms` is at most 10,000.
//!   The parent prints a last line once the check held: `Barrier held: p1 and p2 arrived before
//!   any left`.
//! - Python omits the microseconds when they are zero; they are always printed here.

mod barrier;

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, anyhow, ensure};
use barrier::{Barrier, Keeper};
use chrono::{DateTime, Local};
use clap::{Parser, Subcommand};
use common::child::{Children, die_with_parent, self_command};
use nix::fcntl::{Flock, FlockArg};

#[derive(Parser)]
#[command(
    about = "Two processes meet at a barrier, two do not; a file lock guards the printing",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Processes that wait at the barrier (the book's Barrier(2)): p1, p2, ..., at most 64.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    parties: u32,
    /// Processes started after them that do not use the barrier (the book's p3 and p4), at
    /// most 64.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=64))]
    others: u32,
    /// Party k works (k - 1) × MS milliseconds before reaching the barrier; the book's 0 means
    /// all arrive at once. At most 10000.
    #[arg(long, value_name = "MS", default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    work_ms: u64,
    #[command(subcommand)]
    role: Option<Role>,
}

/// What a child process runs. Hidden: the parent starts them, not the reader.
#[derive(Subcommand)]
enum Role {
    /// Works, waits at the barrier (kept by the parent, on stdin), prints under the file lock.
    #[command(hide = true)]
    WithBarrier {
        name: String,
        lock: PathBuf,
        /// Milliseconds of work before the barrier: (k - 1) × --work-ms, at most 63 × 10000.
        #[arg(value_parser = clap::value_parser!(u64).range(0..=630_000))]
        work: u64,
    },
    /// Prints the time at once.
    #[command(hide = true)]
    WithoutBarrier { name: String },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let Some(role) = args.role else {
        return parent(&args);
    };
    die_with_parent()?;
    match role {
        Role::WithBarrier { name, lock, work } => {
            let serializer = File::options().write(true).open(lock)?;
            let synchronizer = Barrier::from_stdin()?;
            // Party k's work before the barrier, so that p1 visibly waits for p2.
            std::thread::sleep(Duration::from_millis(work));
            test_with_barrier(&name, synchronizer, serializer)
        }
        Role::WithoutBarrier { name } => {
            test_without_barrier(&name);
            Ok(())
        }
    }
}

// ANCHOR: children
/// A party: waits at the barrier, then prints the time it left, holding the lock.
fn test_with_barrier(
    name: &str,
    mut synchronizer: Barrier,
    serializer: File,
) -> anyhow::Result<()> {
    let arrived = Local::now();
    let line = format!(
        "process {name} reached the barrier ----> {}",
        stamp(arrived)
    );
    let serializer = print_locked(serializer, &line)?;
    synchronizer.wait(arrived.timestamp_micros())?;
    let left = Local::now();
    print_locked(serializer, &format!("process {name} ----> {}", stamp(left)))?;
    synchronizer.left(left.timestamp_micros())
}

fn test_without_barrier(name: &str) {
    println!("process {name} ----> {}", stamp(Local::now()));
}

/// Prints `line` while holding an exclusive `flock` on `lock`: `with serializer:`.
fn print_locked(lock: File, line: &str) -> anyhow::Result<File> {
    let held = Flock::lock(lock, FlockArg::LockExclusive)
        .map_err(|(_, errno)| anyhow!("cannot take the lock: {errno}"))?;
    let mut out = io::stdout().lock();
    // Out before the lock is released, or another process could print in between.
    writeln!(out, "{line}")?;
    out.flush()?;
    (held.unlock()).map_err(|(_, errno)| anyhow!("cannot release the lock: {errno}"))
}

/// Python's `datetime` shape: `2015-05-09 11:11:33.291229`.
fn stamp(at: DateTime<Local>) -> String {
    at.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}
// ANCHOR_END: children

// ANCHOR: parent
/// Starts the processes p1..pn, keeps the barrier for the parties, then checks their times.
fn parent(args: &Args) -> anyhow::Result<()> {
    let lock = tempfile::Builder::new()
        .prefix("process-barrier-")
        .suffix(".lock")
        .tempfile()
        .context("cannot create the lock file")?;
    let mut synchronizer = Keeper::default();
    let mut children = Children::new();
    for number in 1..=args.parties + args.others {
        if number <= args.parties {
            let name = format!("p{number} - test_with_barrier");
            let work_ms = u64::from(number - 1) * args.work_ms;
            let mut party = self_command(["with-barrier", &name])?;
            party.arg(lock.path()).arg(work_ms.to_string());
            // The command, which holds the party's end of its socket, is dropped at once.
            children.spawn(&name, party.stdin(synchronizer.add(&name)?))?;
        } else {
            let name = format!("p{number} - test_without_barrier");
            let mut other = self_command(["without-barrier", &name])?;
            children.spawn(&name, other.stdin(Stdio::null()))?;
        }
    }
    let arrivals = synchronizer.times(&mut children, "reaching the barrier")?;
    // Every party has the file open by now, and the lock lives in those open files.
    lock.close().context("cannot remove the lock file")?;
    synchronizer.release()?;
    let departures = synchronizer.times(&mut children, "leaving the barrier")?;
    children.wait_all()?;
    check(&arrivals, &departures)
}
// ANCHOR_END: parent

/// Every party arrived before any left, by the parties' own clocks.
fn check(arrivals: &[i64], departures: &[i64]) -> anyhow::Result<()> {
    let (last_in, first_out) = (arrivals.iter().max(), departures.iter().min());
    ensure!(
        last_in <= first_out,
        "a party left the barrier before the last arrived (µs: in {arrivals:?}, out {departures:?})"
    );
    let names: Vec<String> = (1..=arrivals.len()).map(|k| format!("p{k}")).collect();
    let names = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    };
    println!("Barrier held: {names} arrived before any left");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn check_wants_every_arrival_before_every_departure() {
        assert!(check(&[10, 30], &[30, 31]).is_ok());
        let error = check(&[10, 30], &[29, 31]).unwrap_err();
        assert!(
            error.to_string().contains("before the last arrived"),
            "{error}"
        );
    }
}
