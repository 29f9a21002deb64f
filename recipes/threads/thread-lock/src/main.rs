//! # Thread synchronization with a lock
//!
//! Book: 1st edition §2.6 "Thread synchronization with Lock and RLock" (the Lock part); 2nd
//! edition chapter 2, "Thread synchronization with a lock", `MyThreadClass_lock.py` and
//! `MyThreadClass_lock_2.py`.
//!
//! Three parts. `counter` (1st edition): two threads add and subtract 1 a hundred thousand times
//! on a counter kept behind a lock, two more do the same on a counter without one; the first ends
//! at 0, the second usually does not. `whole` and `print-only` (2nd edition): nine threads each
//! take one lock, print, sleep and print again. Holding the lock for the whole run makes them run
//! one after another; holding it only while printing lets their sleeps overlap.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-lock                           # all three parts, 50 ms ticks
//! cargo run -p thread-lock -- --part counter         # only the 1st edition's counters
//! cargo run -p thread-lock -- --part whole --seed 3  # repeatable sleeps
//! cargo run -p thread-lock -- --book                 # sleeps of 1..=10 real seconds
//! ```
//!
//! ## Python → Rust
//!
//! - `threading.Lock()` guarding a global → `Mutex<i64>`: the counter lives *inside* the lock,
//!   so it cannot be touched without taking it. `acquire()`…`release()` → the guard returned by
//!   `lock()`, released when it is dropped (at the end of its statement, its scope, or an
//!   explicit `drop(guard)`, which is how `print-only` releases the lock before sleeping).
//! - The unlocked global → an `AtomicI64` read and written in two separate steps. Python's
//!   `x += 1` is a load, an add and a store, and another thread can run between the load and
//!   the store; that is the race the book shows. A plain shared `i64` written by two threads is
//!   a data race, which safe Rust refuses to compile; two atomic steps lose updates the same way
//!   without being undefined behaviour.
//! - A lock that guards no data (the 2nd edition's, which only orders the threads) → `Mutex<()>`.
//! - `Thread` subclasses named `Thread#1 `… → closures given to `std::thread::Builder` with
//!   those names; `os.getpid()` → `std::process::id()`; `time.time()` → a monotonic `Instant`.
//!
//! ## Differences from the book
//!
//! - The three programs are one binary; `--part counter|whole|print-only|all` picks (all by
//!   default), and a line `== <part> ==` heads each part's output.
//! - The run checks itself (exit 1 otherwise): the locked counter ends at 0; with the lock held
//!   for the whole run, the total time is at least the sum of the sleeps (each sleep lasts at
//!   least its duration and no two overlap); with the lock held only to print, the total is less
//!   than that sum. The last check has a margin: the threads sleep side by side, so the run takes
//!   about the longest sleep plus the time to start nine threads and print (1 to 9 ms, measured
//!   on a busy two-core machine), while the sum exceeds the longest sleep by the other sleeps,
//!   at least one tick each: 8 × 50 ms = 400 ms by default. The check is made only when that
//!   margin is at least 20 ms, and the run says so when it is not (`--tick-ms 0`).
//! - The value of the unlocked counter is printed, not checked: it depends on the interleaving,
//!   and it may be 0. It always lies between −COUNT and COUNT.
//! - The unlocked loop calls `thread::yield_now()` between its read and its write, inviting a
//!   switch to the other thread exactly where Python's interpreter may switch. Without it a
//!   Rust loop of 100 000 steps ends within one time slice, quicker than the next thread
//!   starts, and the race hardly ever shows: on the two-core machine this port was written on,
//!   most runs printed 0 (7 in 8 when idle, 19 in 20 when busy); with it, none in 20 did.
//! - Both 2nd-edition parts use the same nine durations, drawn once (`--seed` repeats them), so
//!   the two totals compare like with like; the book's two programs draw their own.
//! - The sleeps are `randint(1, MAX)` book seconds with `MAX` = 4 by default (the book's 10 with
//!   `--book` or `--max-sleep 10`), in ticks of `--tick-ms` (50 ms by default; `--book` for 1 s).
//! - Thread names are `Thread#1`… without the book's trailing space, so the lines read
//!   `---> Thread#1 running, …` with one space; the blank line after each line (the book's
//!   `"\n"` inside `print`) is left out, and the seconds have six decimals.
//! - The 1st edition's last line says "with race condition" in the listing and "without lock
//!   management" in its screenshot; the listing's wording is kept.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::ensure;
use clap::{Parser, ValueEnum};
use common::Pace;
use common::output::thread_name;
use common::timing::Stopwatch;
use rand::RngExt;

#[derive(Parser)]
#[command(
    about = "A counter with and without a lock; a lock held for a whole run or only to print"
)]
struct Args {
    /// Which part to run: the 1st edition's counters, or the 2nd edition's sleepers holding the
    /// lock for their whole run or only while printing.
    #[arg(long, value_enum, default_value_t = Part::All)]
    part: Part,
    /// Increments (and decrements) each counter thread makes: the book's COUNT.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    count: u32,
    /// Sleeping threads in the whole and print-only parts (at least 2, or nothing can overlap).
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(2..))]
    sleepers: u32,
    /// Longest sleep in book seconds: each sleeper draws randint(1, MAX) [default: 4, or the
    /// book's 10 with --book].
    #[arg(long, value_name = "MAX", value_parser = clap::value_parser!(u32).range(1..))]
    max_sleep: Option<u32>,
    /// Seed for the sleep durations; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    /// All three parts, one after another.
    All,
    /// 1st edition: a counter with a lock and one without.
    Counter,
    /// 2nd edition, MyThreadClass_lock.py: the lock is held for each thread's whole run.
    Whole,
    /// 2nd edition, MyThreadClass_lock_2.py: the lock is held only while printing.
    PrintOnly,
}

/// Below this gap between the sum of the sleeps and the longest one, starting the threads and
/// printing could take longer than the gap, so `print-only` is not compared with the sum.
const MIN_MARGIN: Duration = Duration::from_millis(20);

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let wants = |part| args.part == Part::All || args.part == part;
    if wants(Part::Counter) {
        println!("== counter ==");
        counters(args.count)?;
    }
    if !(wants(Part::Whole) || wants(Part::PrintOnly)) {
        return Ok(());
    }
    let max_sleep = args
        .max_sleep
        .unwrap_or(if args.pace.book { 10 } else { 4 });
    let mut rng = common::seeded_rng(args.seed);
    let sleeps: Vec<u32> = (0..args.sleepers)
        .map(|_| rng.random_range(1..=max_sleep))
        .collect();
    if wants(Part::Whole) {
        println!("== whole ==");
        let took = sleepers(hold_for_whole_run, &sleeps, args.pace)?;
        check_whole(took, &sleeps, args.pace)?;
    }
    if wants(Part::PrintOnly) {
        println!("== print-only ==");
        let took = sleepers(hold_while_printing, &sleeps, args.pace)?;
        check_print_only(took, &sleeps, args.pace)?;
    }
    Ok(())
}

/// The 1st edition's four threads, all at once: +1 and −1 `count` times each, on a locked
/// counter and on an unlocked one.
fn counters(count: u32) -> anyhow::Result<()> {
    let with_lock = Arc::new(Mutex::new(0_i64));
    let without_lock = Arc::new(AtomicI64::new(0));
    let mut threads = Vec::new();
    for (name, step) in [("Thread-1", 1), ("Thread-2", -1)] {
        let counter = Arc::clone(&with_lock);
        threads.push(common::spawn_named(name, move || {
            add_with_lock(&counter, step, count);
        })?);
    }
    for (name, step) in [("Thread-3", 1), ("Thread-4", -1)] {
        let counter = Arc::clone(&without_lock);
        threads.push(common::spawn_named(name, move || {
            add_without_lock(&counter, step, count);
        })?);
    }
    for thread in threads {
        common::join(thread)?;
    }
    let locked = *with_lock.lock().expect("the counter threads did not panic");
    let raced = without_lock.load(Ordering::Relaxed);
    println!("the value of shared variable with lock management is {locked}");
    println!("the value of shared variable with race condition is {raced}");
    ensure!(
        locked == 0,
        "{count} increments and {count} decrements under the lock left {locked}, not 0"
    );
    Ok(())
}

// ANCHOR: counters
/// Adds `step` to the counter `count` times, taking the lock for each addition.
fn add_with_lock(counter: &Mutex<i64>, step: i64, count: u32) {
    for _ in 0..count {
        // The guard lives until the end of the statement: acquire, add, release.
        *counter
            .lock()
            .expect("no thread panics while holding the counter") += step;
    }
}

/// Adds `step` to the counter `count` times with no lock: a read, then a write, as Python's
/// `x += 1` does. A write from the other thread between the two is lost.
fn add_without_lock(counter: &AtomicI64, step: i64, count: u32) {
    for _ in 0..count {
        let seen = counter.load(Ordering::Relaxed);
        // Where Python may switch threads mid-`+=`; invites the other thread to run here.
        thread::yield_now();
        counter.store(seen + step, Ordering::Relaxed);
    }
}
// ANCHOR_END: counters

/// Starts one thread per sleep duration, all running `body` on one lock, joins them, and
/// returns the time from the first start to the last join, as the book's `main` measures it.
fn sleepers(
    body: fn(&Mutex<()>, u32, Pace),
    sleeps: &[u32],
    pace: Pace,
) -> anyhow::Result<Duration> {
    let lock = Arc::new(Mutex::new(()));
    let clock = Stopwatch::start();
    let threads = sleeps
        .iter()
        .enumerate()
        .map(|(i, &seconds)| {
            let lock = Arc::clone(&lock);
            common::spawn_named(&format!("Thread#{}", i + 1), move || {
                body(&lock, seconds, pace);
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for thread in threads {
        common::join(thread)?;
    }
    println!("End");
    let took = clock.elapsed();
    println!("--- {:.6} seconds ---", took.as_secs_f64());
    Ok(took)
}

// ANCHOR: hold
/// `MyThreadClass_lock.py`: the lock is held from the first print to the last, sleep included.
fn hold_for_whole_run(lock: &Mutex<()>, seconds: u32, pace: Pace) {
    let name = thread_name("Thread#?");
    let _guard = lock
        .lock()
        .expect("no thread panics while holding the lock");
    println!(
        "---> {name} running, belonging to process ID {}",
        std::process::id()
    );
    pace.sleep(f64::from(seconds));
    println!("---> {name} over");
} // The guard is dropped here: release.

/// `MyThreadClass_lock_2.py`: the lock is released right after the first print.
fn hold_while_printing(lock: &Mutex<()>, seconds: u32, pace: Pace) {
    let name = thread_name("Thread#?");
    let guard = lock
        .lock()
        .expect("no thread panics while holding the lock");
    println!(
        "---> {name} running, belonging to process ID {}",
        std::process::id()
    );
    drop(guard);
    pace.sleep(f64::from(seconds));
    println!("---> {name} over");
}
// ANCHOR_END: hold

/// The time the threads slept in all, counted as they slept it (tick by tick).
fn sum_of_sleeps(sleeps: &[u32], pace: Pace) -> Duration {
    sleeps.iter().map(|&s| pace.of(f64::from(s))).sum()
}

// ANCHOR: checks
fn check_whole(took: Duration, sleeps: &[u32], pace: Pace) -> anyhow::Result<()> {
    let sum = sum_of_sleeps(sleeps, pace);
    let book_seconds: u32 = sleeps.iter().sum();
    ensure!(
        took >= sum,
        "holding the lock for the whole run took {:.3} s, less than the {:.3} s of sleeps: \
         two threads held the lock at once",
        took.as_secs_f64(),
        sum.as_secs_f64()
    );
    println!(
        "Lock held for the whole run: {:.3} s >= {:.3} s, the sum of the sleeps \
         ({book_seconds} book seconds): one thread at a time",
        took.as_secs_f64(),
        sum.as_secs_f64()
    );
    Ok(())
}

fn check_print_only(took: Duration, sleeps: &[u32], pace: Pace) -> anyhow::Result<()> {
    let sum = sum_of_sleeps(sleeps, pace);
    let longest = sleeps.iter().map(|&s| pace.of(f64::from(s))).max();
    let margin = sum - longest.unwrap_or_default();
    let book_seconds: u32 = sleeps.iter().sum();
    if margin < MIN_MARGIN {
        println!(
            "Lock held only to print: {:.3} s; not compared with the sum of the sleeps \
             ({book_seconds} book seconds): they exceed the longest by {:.3} s, under {} ms",
            took.as_secs_f64(),
            margin.as_secs_f64(),
            MIN_MARGIN.as_millis()
        );
        return Ok(());
    }
    ensure!(
        took < sum,
        "holding the lock only to print took {:.3} s, not less than the {:.3} s of sleeps: \
         the sleeps did not overlap",
        took.as_secs_f64(),
        sum.as_secs_f64()
    );
    println!(
        "Lock held only to print: {:.3} s < {:.3} s, the sum of the sleeps \
         ({book_seconds} book seconds): the sleeps overlapped",
        took.as_secs_f64(),
        sum.as_secs_f64()
    );
    Ok(())
}
// ANCHOR_END: checks

#[cfg(test)]
mod tests {
    use super::*;

    fn pace(tick_ms: u64) -> Pace {
        Pace {
            book: false,
            tick_ms: Some(tick_ms),
        }
    }

    #[test]
    fn the_locked_counter_returns_to_zero() {
        let counter = Arc::new(Mutex::new(0_i64));
        let up = {
            let counter = Arc::clone(&counter);
            thread::spawn(move || add_with_lock(&counter, 1, 10_000))
        };
        add_with_lock(&counter, -1, 10_000);
        up.join().unwrap();
        assert_eq!(*counter.lock().unwrap(), 0);
    }

    #[test]
    fn the_unlocked_counter_counts_right_when_alone() {
        let counter = AtomicI64::new(0);
        add_without_lock(&counter, 1, 500);
        add_without_lock(&counter, -1, 200);
        assert_eq!(counter.load(Ordering::Relaxed), 300);
    }

    #[test]
    fn the_sum_of_sleeps_counts_ticks() {
        assert_eq!(
            sum_of_sleeps(&[1, 4, 2], pace(10)),
            Duration::from_millis(70)
        );
    }

    #[test]
    fn whole_must_last_at_least_the_sum() {
        let sleeps = [2, 3];
        assert!(check_whole(Duration::from_millis(50), &sleeps, pace(10)).is_ok());
        let error = check_whole(Duration::from_millis(49), &sleeps, pace(10)).unwrap_err();
        assert!(error.to_string().contains("two threads held the lock"));
    }

    #[test]
    fn print_only_must_beat_the_sum_when_the_margin_allows() {
        let sleeps = [3, 3, 3];
        assert!(check_print_only(Duration::from_millis(310), &sleeps, pace(100)).is_ok());
        let error = check_print_only(Duration::from_millis(900), &sleeps, pace(100)).unwrap_err();
        assert!(error.to_string().contains("did not overlap"));
        // With zero-length ticks there is no margin, and no verdict.
        assert!(check_print_only(Duration::from_millis(5), &sleeps, pace(0)).is_ok());
    }
}
