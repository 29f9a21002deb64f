//! # How to use a thread in a subclass
//!
//! Book: 1st edition §2.5 "How to use a thread in a subclass"; 2nd edition chapter 2,
//! "Defining a thread subclass", `MyThreadClass.py` and `Thread_name_and_processes.py`.
//!
//! A thread's state and its behaviour live in one type: the fields are what the thread needs,
//! `run` is what it does, and `start` puts it on a new thread. In the 2nd edition nine threads
//! sleep a random time each, all inside one process, and the total run time shows that they
//! slept side by side rather than one after the other. The 1st edition's two threads print the
//! time five times, one and two book seconds apart (`src/ed1.rs`).
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-subclass                      # 2nd edition: 9 sleepers, 50 ms ticks
//! cargo run -p thread-subclass -- --seed 7 --book   # the book's seconds, repeatable sleeps
//! cargo run -p thread-subclass -- --edition ed1     # 1st edition: Thread-1/2 print the time
//! cargo run -p thread-subclass -- --names           # Thread_name_and_processes.py
//! ```
//!
//! ## Python → Rust
//!
//! - `class MyThreadClass(Thread)` overriding `__init__` and `run` → a `struct MyThreadClass`
//!   (one per listing: here, in `src/names.rs` and in `src/ed1.rs`) with a `run` method and a
//!   `start` that moves the struct onto a new thread built with `std::thread::Builder::name`
//!   and calls `run` there. Rust has no inheritance: what the base class's `start` did is those
//!   few lines of `start`, and whatever `run` returns comes back through `join`.
//! - `self.name = name` → the name given to the builder, which `thread::current().name()` and
//!   panic messages then use.
//! - `os.getpid()` → `std::process::id()`; `time.ctime(time.time())` →
//!   `common::output::ctime(SystemTime::now())`; `randint(1, 10)` → `rng.random_range(1..=10)`
//!   on a `SmallRng` seeded by `--seed`; `time.time()` differences → `common::timing::Stopwatch`
//!   (a monotonic clock).
//!
//! ## Differences from the book
//!
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for whole seconds). The 2nd
//!   edition's total, `--- 10.02 seconds ---`, is printed in **book seconds** (the measured time
//!   divided by the tick), so it reads like the book's figure at any pace; `--tick-ms 0` is
//!   refused there, since it leaves nothing to measure.
//! - The runs check themselves and exit 1 otherwise, then print one line saying what held:
//!   1st edition, every thread printed the time `--times` times, each at least its delay after
//!   the last; 2nd edition, every thread saw this process's ID, and the longest sleep ≤ the
//!   total < the sum of the sleeps (the threads overlapped), in a line such as `Checked: one
//!   process ID … for 9 threads; longest sleep 10 <= total 10.01 < sum of sleeps 58 (sleeps: …)`.
//!   With `--threads 1` there is nothing to overlap, and only the first half is checked.
//! - 1st edition: `print_time`'s `exitFlag` test calls Python 2's `thread.exit()` and can never
//!   fire (the flag is never set): it is dropped, and so is `threadID`, stored but never read.
//!   The listing never joins its threads, although its screenshot prints `Exiting Main Thread`
//!   last; the translated edition adds the two joins, and so does the port.
//! - 2nd edition: the names are `"Thread#1 "` with a trailing space, which is why the book's
//!   lines have two spaces before `running` and `over`; the threads are named `Thread#1` here and
//!   the lines keep the two spaces. The blank line after each line (strings ending in `"\n"`) is
//!   left out. The total has two decimals instead of Python's full float.
//! - `Thread_name_and_processes.py` (`--names`) comments out the process ID in its print, which
//!   leaves nothing to compare; the port prints it and checks it.
//! - `--threads`, `--times` and `--max-sleep` make the listings' constants flags.

use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use common::timing::Stopwatch;
use common::{Edition, Pace};
use rand::RngExt;

mod ed1;
mod names;

#[derive(Parser)]
#[command(about = "Threads as a type with its own run: time printers (ed1) or sleepers (ed2)")]
struct Args {
    /// Which edition's listing: ed1 `myThread` prints the time, ed2 `MyThreadClass` sleeps.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Run the 2nd edition's Thread_name_and_processes.py instead: threads print their name
    /// and process ID, no sleeping.
    #[arg(long, conflicts_with = "edition")]
    names: bool,
    /// Threads to start, at most 100 [default: ed1 2, ed2 9, --names 2].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    threads: Option<u32>,
    /// ed1: how many times each thread prints the time, at most 30; thread N waits N book
    /// seconds first.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=30))]
    times: u32,
    /// ed2: each thread sleeps randint(1, MAX_SLEEP) book seconds; MAX_SLEEP is at most 60.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=60))]
    max_sleep: u32,
    /// ed2: seed for the random sleeps; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::report(run(Args::parse()))
}

// ANCHOR: ed2_main
fn run(args: Args) -> Result<()> {
    if args.names {
        return names::main(args.threads.unwrap_or(2));
    }
    if args.edition == Edition::Ed1 {
        return ed1::main(args.threads.unwrap_or(2), args.times, args.pace);
    }
    let pace = args.pace;
    ensure!(
        !pace.tick().is_zero(),
        "--tick-ms 0 leaves nothing to time: the 2nd edition measures its sleeps; use 1 or more"
    );
    let mut rng = common::seeded_rng(args.seed);
    let sleeps: Vec<u32> = (0..args.threads.unwrap_or(9))
        .map(|_| rng.random_range(1..=args.max_sleep))
        .collect();

    // The book's `main`: create the threads, start them all, join them all, show the time.
    let clock = Stopwatch::start();
    let mut handles = Vec::new();
    for (n, &duration) in (1..).zip(&sleeps) {
        let name = format!("Thread#{n}");
        handles.push(MyThreadClass { name, duration }.start(pace)?);
    }
    let mut pids = Vec::new();
    for handle in handles {
        pids.push(common::join(handle)?);
    }
    let total = clock.elapsed();
    println!("End");
    println!("--- {:.2} seconds ---", book_seconds(total, pace));
    println!("{}", check(&sleeps, &pids, total, pace)?);
    Ok(())
}
// ANCHOR_END: ed2_main

// ANCHOR: ed2
/// The 2nd edition's `MyThreadClass(Thread)`: a name and a time to sleep.
struct MyThreadClass {
    name: String,
    duration: u32,
}

impl MyThreadClass {
    /// What `Thread.start()` gives the subclass: `run` on a new thread, under the thread's name.
    fn start(self, pace: Pace) -> Result<JoinHandle<u32>> {
        let builder = thread::Builder::new().name(self.name.clone());
        builder
            .spawn(move || self.run(pace))
            .context("cannot start a thread")
    }

    /// Returns the process ID the thread saw.
    fn run(self, pace: Pace) -> u32 {
        let pid = std::process::id();
        // Two spaces: the book's names end in one ("Thread#1 ").
        println!("---> {}  running, belonging to process ID {pid}", self.name);
        pace.sleep(self.duration.into());
        println!("---> {}  over", self.name);
        pid
    }
}
// ANCHOR_END: ed2

fn book_seconds(real: Duration, pace: Pace) -> f64 {
    real.as_secs_f64() / pace.tick().as_secs_f64()
}

// ANCHOR: check
/// Every thread saw this process's ID (threads share their process), and the run took at least
/// the longest sleep but less than all the sleeps end to end (the book's point).
///
/// Neither side needs a margin. `longest <= total` cannot fail: a sleep never returns early,
/// and the stopwatch runs from before the first thread is built to after the last join.
/// `total < sum` has slack built in: sum − longest ≥ n − 1 book seconds, because each other
/// thread sleeps at least one. Starting, waking and joining nine threads cost 0.3 to 1 ms in
/// all on a busy 2-core machine (measured at load average 3.7), well below the slack: 400 ms
/// at the default 50 ms tick, 8 ms even at `--tick-ms 1`. A failure therefore means the sleeps
/// ran one after the other.
fn check(sleeps: &[u32], pids: &[u32], total: Duration, pace: Pace) -> Result<String> {
    let pid = check_one_process(pids)?;
    let longest = sleeps.iter().copied().max().unwrap_or(0);
    let sum: u32 = sleeps.iter().sum();
    let shown = book_seconds(total, pace);
    ensure!(
        pace.of(longest.into()) <= total,
        "the run took {shown:.2} book seconds, less than its longest sleep {longest}"
    );
    let threads = n_threads(sleeps.len());
    let head = format!("Checked: one process ID {pid} for {threads}; longest sleep {longest}");
    let head = format!("{head} <= total {shown:.2}");
    let list: Vec<String> = sleeps.iter().map(u32::to_string).collect();
    let list = list.join(", ");
    if sleeps.len() < 2 {
        return Ok(format!(
            "{head} (one thread: nothing to overlap; sleeps: {list})"
        ));
    }
    ensure!(
        total < pace.of(sum.into()),
        "the run took {shown:.2} book seconds, not less than the sum of its sleeps {sum}: \
         the threads did not overlap"
    );
    Ok(format!("{head} < sum of sleeps {sum} (sleeps: {list})"))
}

/// Every thread must have reported this process's ID: threads share their process.
fn check_one_process(seen: &[u32]) -> Result<u32> {
    let pid = std::process::id();
    ensure!(
        seen.iter().all(|&id| id == pid),
        "threads saw process IDs {seen:?}, but this process is {pid}"
    );
    Ok(pid)
}

/// "1 thread", "9 threads".
fn n_threads(count: usize) -> String {
    format!("{count} thread{}", if count == 1 { "" } else { "s" })
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;

    fn tick_ms(ms: u64) -> Pace {
        Pace {
            book: false,
            tick_ms: Some(ms),
        }
    }

    #[test]
    fn started_threads_carry_their_names_and_see_this_process() {
        let sleeper = MyThreadClass {
            name: "Thread#4".to_owned(),
            duration: 1,
        };
        let handle = sleeper.start(tick_ms(0)).unwrap();
        assert_eq!(handle.thread().name(), Some("Thread#4"));
        assert_eq!(common::join(handle).unwrap(), std::process::id());
    }

    fn check_ms(sleeps: &[u32], ms: u64) -> Result<String> {
        let pids = vec![std::process::id(); sleeps.len()];
        check(sleeps, &pids, Duration::from_millis(ms), tick_ms(10))
    }

    #[test]
    fn check_accepts_a_parallel_total() {
        assert_eq!(
            check_ms(&[3, 7, 1], 72).unwrap(),
            format!(
                "Checked: one process ID {} for 3 threads; longest sleep 7 <= total 7.20 < sum \
                 of sleeps 11 (sleeps: 3, 7, 1)",
                std::process::id()
            )
        );
    }

    #[test]
    fn check_rejects_a_serial_total_and_a_short_one() {
        let serial = check_ms(&[3, 7, 1], 110).unwrap_err();
        assert!(serial.to_string().contains("did not overlap"));
        let short = check_ms(&[3, 7, 1], 69).unwrap_err();
        assert!(short.to_string().contains("longest sleep 7"));
    }

    #[test]
    fn one_thread_has_nothing_to_overlap() {
        let line = check_ms(&[4], 41).unwrap();
        assert!(line.contains("for 1 thread; "), "{line}");
        assert!(line.contains("nothing to overlap"), "{line}");
    }

    #[test]
    fn a_foreign_process_id_is_rejected() {
        let pid = std::process::id();
        assert_eq!(check_one_process(&[pid, pid]).unwrap(), pid);
        assert!(check_one_process(&[pid, pid.wrapping_add(1)]).is_err());
    }
}
