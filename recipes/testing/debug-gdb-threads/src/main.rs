//! # Debugging a multithreaded program with gdb
//!
//! Book: 2nd edition chapter 9, "Debugging using Winpdb Reborn",
//! `winpdb_reborn_code_example.py` (the 1st edition has no debugging chapter).
//!
//! Three named threads each announce themselves, sleep a random one to ten book seconds and say
//! they are over; the main thread joins them and prints the elapsed time. The program is the
//! target, the recipe is the debugger session: `threads.gdb`, next to this crate's Cargo.toml,
//! stops the program once all three threads are at work, lists them by name and prints every
//! thread's backtrace, then lets the program run to its end.
//!
//! ## Run
//!
//! ```text
//! cargo run -p debug-gdb-threads                      # 50 ms ticks: done in half a second
//! cargo run -p debug-gdb-threads -- --book --seed 3   # the book's 1-10 s sleeps, repeatable
//!
//! # The debugger session (gdb reads the commands, then exits):
//! cargo build -p debug-gdb-threads
//! gdb -batch -nx -x recipes/testing/debug-gdb-threads/threads.gdb \
//!     --args target/debug/debug-gdb-threads --tick-ms 200 --seed 3
//! ```
//!
//! Interactively: `gdb --args target/debug/debug-gdb-threads --book`, then `break
//! debug_gdb_threads::work`, `run`, `info threads`, `thread 3`, `bt`, `continue`.
//!
//! ## Python → Rust
//!
//! - Winpdb Reborn, a graphical debugger for Python, → gdb, which debugs the native threads a
//!   Rust program runs on. gdb's Rust support prints Rust paths (`debug_gdb_threads::work`),
//!   values and types; the build needs only debug information, which `cargo build` keeps.
//! - `Thread` subclasses named with `self.name` → `std::thread::Builder::name`. The name is also
//!   given to the operating system thread (`pthread_setname_np`), which is where gdb's `info
//!   threads` reads it: in Python only the interpreter knows a thread's name.
//! - `randint(1, 10)` → `rand`'s `random_range(1..=10)`, seeded with `--seed`.
//!
//! ## Differences from the book
//!
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for whole seconds); the range
//!   is `--min-sleep`/`--max-sleep` (at most 60) and the thread count `--threads` (at most
//!   1000).
//! - The book names its threads `"Thread#1 "`, with a trailing space, so its lines read
//!   `---> Thread#1  running`. The lines keep that double space; the thread names drop the
//!   trailing space, which gdb would show as part of the name.
//! - The book prints a blank line after each thread's line; it is left out.
//! - The run checks itself: every thread started and finished, and the whole run lasted at
//!   least the longest sleep. A last line lists each thread's sleep: `Threads joined, book
//!   seconds slept: Thread#1 6, Thread#2 1, Thread#3 3` (the sleeps are random).
//! - Linux keeps at most 15 bytes of a thread's name; names here are 8 to 11 bytes long.

use std::thread;
use std::time::Instant;

use anyhow::{Context, ensure};
use clap::Parser;
use common::Pace;
use rand::RngExt;

#[derive(Parser)]
#[command(about = "Three named threads with random sleeps: a target for gdb's threads.gdb")]
struct Args {
    /// Threads to start, named Thread#1, Thread#2, ... (threads.gdb expects the book's 3), at
    /// most 1000.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    threads: u32,
    /// Shortest sleep of a thread, in book seconds, at most 60.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=60))]
    min_sleep: u32,
    /// Longest sleep of a thread, in book seconds, at most 60.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=60))]
    max_sleep: u32,
    /// Seed for the random sleeps; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

// ANCHOR: run
fn run(args: Args) -> anyhow::Result<()> {
    ensure!(
        args.min_sleep <= args.max_sleep,
        "--min-sleep {} is longer than --max-sleep {}",
        args.min_sleep,
        args.max_sleep
    );
    let mut rng = common::seeded_rng(args.seed);
    let start = Instant::now();
    let mut workers = Vec::new();
    for i in 1..=args.threads {
        let name = format!("Thread#{i}");
        let duration = rng.random_range(args.min_sleep..=args.max_sleep);
        let pace = args.pace;
        let worker = thread::Builder::new()
            .name(name.clone())
            .spawn(move || work(&name, duration, pace))
            .with_context(|| format!("cannot start thread Thread#{i}"))?;
        workers.push(worker);
    }
    let mut slept = Vec::new();
    for worker in workers {
        slept.push(common::join(worker)?);
    }
    println!("End");
    let elapsed = start.elapsed();
    println!("--- {} seconds ---", elapsed.as_secs_f64());
    check(&slept, args.threads, elapsed, args.pace)
}
// ANCHOR_END: run

// ANCHOR: work
/// One thread's life: announce, sleep `duration` book seconds, say it is over. `threads.gdb`
/// breaks here; kept out of line so the breakpoint has a function of its own to stop in.
#[inline(never)]
fn work(name: &str, duration: u32, pace: Pace) -> (String, u32) {
    let pid = std::process::id(); // threads.gdb stops here
    println!("---> {name}  running, belonging to process ID {pid}");
    pace.sleep(f64::from(duration));
    println!("---> {name}  over");
    (name.to_owned(), duration)
}
// ANCHOR_END: work

/// Every thread came back once, in start order, and the run lasted at least the longest sleep.
fn check(
    slept: &[(String, u32)],
    threads: u32,
    elapsed: std::time::Duration,
    pace: Pace,
) -> anyhow::Result<()> {
    let names: Vec<&str> = slept.iter().map(|(name, _)| name.as_str()).collect();
    let expected: Vec<String> = (1..=threads).map(|i| format!("Thread#{i}")).collect();
    ensure!(
        names == expected,
        "threads came back as {names:?}, expected {expected:?}"
    );
    let longest = slept.iter().map(|&(_, duration)| duration).max();
    let longest = pace.of(f64::from(longest.unwrap_or(0)));
    ensure!(
        elapsed >= longest,
        "the run took {elapsed:?}, less than the longest sleep {longest:?}"
    );
    let sleeps: Vec<String> = slept
        .iter()
        .map(|(name, duration)| format!("{name} {duration}"))
        .collect();
    println!("Threads joined, book seconds slept: {}", sleeps.join(", "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn fast() -> Pace {
        Pace {
            book: false,
            tick_ms: Some(10),
        }
    }

    #[test]
    fn work_returns_its_name_and_sleep() {
        assert_eq!(work("Thread#9", 2, fast()), ("Thread#9".to_owned(), 2));
    }

    #[test]
    fn check_accepts_every_thread_in_order() {
        let slept = [("Thread#1".to_owned(), 3), ("Thread#2".to_owned(), 1)];
        assert!(check(&slept, 2, Duration::from_millis(30), fast()).is_ok());
    }

    #[test]
    fn check_rejects_a_missing_thread_or_a_short_run() {
        let slept = [("Thread#1".to_owned(), 3)];
        let error = check(&slept, 2, Duration::from_secs(1), fast()).unwrap_err();
        assert!(error.to_string().contains("expected"), "{error}");
        let error = check(&slept, 1, Duration::from_millis(29), fast()).unwrap_err();
        assert!(error.to_string().contains("longest sleep"), "{error}");
    }
}
