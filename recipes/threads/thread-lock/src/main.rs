//! # Thread synchronization with a lock
//!
//! Book: 1st edition §2.6 "Thread synchronization with Lock and RLock" (the Lock part); 2nd
//! edition chapter 2, "Thread synchronization with a lock", `MyThreadClass_lock.py` and
//! `MyThreadClass_lock_2.py`.
//!
//! Three parts. `counter` (1st edition, `src/ed1.rs`): two threads add and subtract 1 a hundred
//! thousand times on a counter kept behind a lock, two more do the same on a counter without
//! one; the first ends at 0, the second usually does not. `whole` and `print-only` (2nd edition): nine threads each
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
//!   those names, in a `thread::scope` that joins them; `os.getpid()` → `std::process::id()`;
//!   `time.time()` → a monotonic `Stopwatch`.
//!
//! ## Differences from the book
//!
//! - The three programs are one binary; `--part counter|whole|print-only|all` picks (all by
//!   default), and a line such as `== counter ==` or `== whole ==` heads each part's output.
//! - The run checks itself (exit 1 otherwise): the locked counter ends at 0; with the lock held
//!   for the whole run, the total time is at least the sum of the sleeps (each sleep lasts at
//!   least its duration and no two overlap); with the lock held only to print, the total is less
//!   than that sum. The last check has a margin: the threads sleep side by side, so the run takes
//!   about the longest sleep plus the time to start nine threads and print (1 to 9 ms, measured
//!   on a busy two-core machine), while the sum exceeds the longest sleep by the other sleeps,
//!   at least one tick each: 8 × 50 ms = 400 ms by default. The check is made only when that
//!   margin is at least 20 ms, and the run says so when it is not (`--tick-ms 0`). Each 2nd
//!   edition part ends with a line giving its times and the verdict, `Lock held for the whole
//!   run: …` or `Lock held only to print: …`.
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

use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use clap::{Parser, ValueEnum};
use common::Pace;
use common::output::thread_name;
use common::timing::Stopwatch;
use rand::RngExt;

mod ed1;

#[derive(Parser)]
#[command(
    about = "A counter with and without a lock; a lock held for a whole run or only to print"
)]
struct Args {
    /// Which part to run: the 1st edition's counters, or the 2nd edition's sleepers holding the
    /// lock for their whole run or only while printing.
    #[arg(long, value_enum, default_value_t = Part::All)]
    part: Part,
    /// Increments (and decrements) each counter thread makes: the book's COUNT; at most
    /// 10000000.
    #[arg(
        long,
        default_value_t = 100_000,
        value_parser = clap::value_parser!(u32).range(1..=10_000_000)
    )]
    count: u32,
    /// Sleeping threads in the whole and print-only parts: at least 2, or nothing can overlap;
    /// at most 100, since the whole part sleeps them one after another.
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(2..=100))]
    sleepers: u32,
    /// Longest sleep in book seconds, at most 60: each sleeper draws randint(1, MAX) [default:
    /// 4, or the book's 10 with --book].
    #[arg(long, value_name = "MAX", value_parser = clap::value_parser!(u32).range(1..=60))]
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

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> Result<()> {
    let wants = |part| args.part == Part::All || args.part == part;
    if wants(Part::Counter) {
        println!("== counter ==");
        ed1::counters(args.count)?;
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
        println!("{}", check(Part::Whole, took, &sleeps, args.pace)?);
    }
    if wants(Part::PrintOnly) {
        println!("== print-only ==");
        let took = sleepers(hold_while_printing, &sleeps, args.pace)?;
        println!("{}", check(Part::PrintOnly, took, &sleeps, args.pace)?);
    }
    Ok(())
}

// ANCHOR: sleepers
/// The 2nd edition's `main`: one thread per sleep, all running `body` on one lock, all joined;
/// returns the time from the first start to the last join.
fn sleepers(body: fn(&Mutex<()>, u32, Pace), sleeps: &[u32], pace: Pace) -> Result<Duration> {
    let lock = &Mutex::new(());
    let clock = Stopwatch::start();
    thread::scope(|scope| {
        for (n, &seconds) in (1..).zip(sleeps) {
            thread::Builder::new()
                .name(format!("Thread#{n}"))
                .spawn_scoped(scope, move || body(lock, seconds, pace))
                .with_context(|| format!("cannot start Thread#{n}"))?;
        }
        anyhow::Ok(())
    })?; // The scope joins every thread before it returns.
    println!("End");
    let took = clock.elapsed();
    println!("--- {:.6} seconds ---", took.as_secs_f64());
    Ok(took)
}
// ANCHOR_END: sleepers

// ANCHOR: hold
/// `MyThreadClass_lock.py`: the lock is held from the first print to the last, sleep included.
fn hold_for_whole_run(lock: &Mutex<()>, seconds: u32, pace: Pace) {
    let name = thread_name("Thread#?");
    let _guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    println!("---> {name} running, belonging to process ID {pid}");
    pace.sleep(seconds.into());
    println!("---> {name} over");
} // The guard is dropped here: release.

/// `MyThreadClass_lock_2.py`: the lock is released right after the first print.
fn hold_while_printing(lock: &Mutex<()>, seconds: u32, pace: Pace) {
    let name = thread_name("Thread#?");
    let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    println!("---> {name} running, belonging to process ID {pid}");
    drop(guard);
    pace.sleep(seconds.into());
    println!("---> {name} over");
}
// ANCHOR_END: hold

// ANCHOR: check
/// Below this gap between the sum of the sleeps and the longest one, starting the threads and
/// printing could take longer than the gap, so `print-only` is not compared with the sum.
const MIN_MARGIN: Duration = Duration::from_millis(20);

/// Holding the lock throughout, the run cannot be shorter than the sum of the sleeps; holding
/// it only to print, it takes about the longest sleep, well under the sum. Returns the line
/// that says which held.
fn check(part: Part, took: Duration, sleeps: &[u32], pace: Pace) -> Result<String> {
    let book_seconds: u32 = sleeps.iter().sum();
    let sum: Duration = sleeps.iter().map(|&s| pace.of(s.into())).sum();
    let margin = sum - pace.of(sleeps.iter().copied().max().unwrap_or(0).into());
    let (took_s, sum_s) = (took.as_secs_f64(), sum.as_secs_f64());
    let sum_line = format!("the sum of the sleeps ({book_seconds} book seconds)");
    if part == Part::Whole {
        ensure!(
            took >= sum,
            "holding the lock for the whole run took {took_s:.3} s, less than the {sum_s:.3} s \
             of sleeps: two threads held the lock at once"
        );
        return Ok(format!(
            "Lock held for the whole run: {took_s:.3} s >= {sum_s:.3} s, {sum_line}: \
             one thread at a time"
        ));
    }
    if margin < MIN_MARGIN {
        return Ok(format!(
            "Lock held only to print: {took_s:.3} s; not compared with {sum_line}: they exceed the \
             longest by {:.3} s, under {} ms",
            margin.as_secs_f64(),
            MIN_MARGIN.as_millis()
        ));
    }
    ensure!(
        took < sum,
        "holding the lock only to print took {took_s:.3} s, not less than the {sum_s:.3} s of \
         sleeps: the sleeps did not overlap"
    );
    Ok(format!(
        "Lock held only to print: {took_s:.3} s < {sum_s:.3} s, {sum_line}: the sleeps overlapped"
    ))
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;

    fn pace(tick_ms: u64) -> Pace {
        Pace {
            book: false,
            tick_ms: Some(tick_ms),
        }
    }

    fn check_ms(part: Part, ms: u64, sleeps: &[u32], tick_ms: u64) -> Result<String> {
        check(part, Duration::from_millis(ms), sleeps, pace(tick_ms))
    }

    #[test]
    fn whole_must_last_at_least_the_sum() {
        let line = check_ms(Part::Whole, 50, &[2, 3], 10).unwrap();
        assert_eq!(
            line,
            "Lock held for the whole run: 0.050 s >= 0.050 s, the sum of the sleeps \
             (5 book seconds): one thread at a time"
        );
        let error = check_ms(Part::Whole, 49, &[2, 3], 10).unwrap_err();
        assert!(error.to_string().contains("two threads held the lock"));
    }

    #[test]
    fn print_only_must_beat_the_sum_when_the_margin_allows() {
        assert!(check_ms(Part::PrintOnly, 310, &[3, 3, 3], 100).is_ok());
        let error = check_ms(Part::PrintOnly, 900, &[3, 3, 3], 100).unwrap_err();
        assert!(error.to_string().contains("did not overlap"));
        // With zero-length ticks there is no margin, and no verdict.
        let line = check_ms(Part::PrintOnly, 5, &[3, 3, 3], 0).unwrap();
        assert!(line.contains("not compared"), "{line}");
    }

    #[test]
    fn the_sleepers_share_one_lock_and_are_all_joined() {
        let took = sleepers(hold_for_whole_run, &[1, 1, 1], pace(5)).unwrap();
        assert!(took >= Duration::from_millis(15), "{took:?}");
    }
}
