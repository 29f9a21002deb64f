//! # Managing the event loop with asyncio
//!
//! Book: 1st edition §4.3 "Event loop management with Asyncio", `event.py`; 2nd edition
//! chapter 5, "Managing the event loop with asyncio", `asyncio_event_loop.py`.
//!
//! Three callbacks call each other in turn through the event loop: each prints its name and
//! asks the loop to run the next one a second later, until the next call would fall after an
//! end time fixed at the start. The 2nd edition's callbacks first sleep a random 0 to 5 seconds
//! with `time.sleep`, which blocks the loop: nothing else can run meanwhile.
//!
//! ## Run
//!
//! ```text
//! cargo run -p asyncio-event-loop                              # 1st edition: 9 calls, 50 ms ticks
//! cargo run -p asyncio-event-loop -- --book                    # the same, 1 s apart
//! cargo run -p asyncio-event-loop -- --edition ed2 --seed 3    # blocking callbacks, 60 s end
//! cargo run -p asyncio-event-loop --example heartbeat -- --seed 3 --work block
//! cargo run -p asyncio-event-loop --example heartbeat -- --seed 3 --work spawn-blocking
//! ```
//!
//! ## Python → Rust
//!
//! - `asyncio.get_event_loop()` + `run_forever()` → a current-thread tokio runtime: one thread
//!   runs every task, as asyncio's loop does.
//! - `loop.call_soon(f)` / `loop.call_later(1, f)` → the next call's due time, awaited with
//!   `tokio::time::sleep_until`; `loop.time()` → `tokio::time::Instant`; `loop.stop()` → the
//!   chain returns, and `block_on` with it.
//! - `time.sleep(n)` inside a callback (2nd edition) → `std::thread::sleep` on the loop's only
//!   thread, which blocks it exactly as in Python. The `heartbeat` example shows the block with
//!   a task that wants to run every second, and two fixes: `tokio::task::spawn_blocking`, and
//!   `tokio::time::sleep` (asyncio's `await asyncio.sleep(n)`).
//! - `random.randint(0, 5)` → `SmallRng::random_range(0..=5)`, seeded by `--seed`.
//!
//! ## Differences from the book
//!
//! - The book's seconds are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s); the
//!   period, the end time and the longest block are flags (`--period`, `--end`, `--max-block`).
//! - The three callbacks differ only in their names and their successor, so one loop runs them
//!   in turn; ed1's `function_4`, never scheduled in the book, is left out.
//! - The loop's time in the stop test (`loop.time() + 1.0 < end_time`) is the time the call was
//!   due plus the work it did, not a fresh clock reading, and each call is due exactly one
//!   period after the previous one finished its work. At the book's pace the two readings
//!   differ by a millisecond or so; with fast ticks, timer jitter could otherwise change the
//!   number of calls. The 1st edition's run prints exactly nine lines.
//! - The run checks the calls' number and order against the book's rule, then sums up in a
//!   line of its own, `Loop stopped after 9 calls, function_1 .. function_3 in turn: …`. The
//!   book's `function_2 called ` and `task_B called ` end with a space; the space is dropped.

use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::Parser;
use common::{Edition, Pace};
use rand::RngExt;
use tokio::time::{Instant, sleep_until};

/// Callbacks that schedule each other on an event loop until an end time.
#[derive(Parser)]
struct Args {
    /// Which edition: ed1 calls function_1..3 for 9 s; ed2 calls task_A..C, which block, for 60 s.
    #[arg(long, value_enum, default_value_t = Edition::Ed1)]
    edition: Edition,
    /// Book seconds between one call's end and the next call (call_later's delay), at most
    /// 3600.
    #[arg(long, value_name = "SECONDS", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3600))]
    period: u32,
    /// Book seconds from the start to the end time, at most 3600 [default: 9 (ed1), 60 (ed2)].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..=3600))]
    end: Option<u32>,
    /// ed2: each callback blocks a random 0 to this many book seconds (randint(0, 5)), at most 60.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=60))]
    max_block: u32,
    /// ed2: seed for the random block times; random when absent.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

/// One call of a callback: which, when it ran (from the start), and the book seconds it
/// blocked the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Call {
    name: &'static str,
    at: Duration,
    work: u32,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let tick = args.pace.tick();
    if tick.is_zero() {
        bail!("--tick-ms 0 leaves no time between the calls; use 1 or more");
    }
    let (names, end, max_block) = match args.edition {
        Edition::Ed1 => (["function_1", "function_2", "function_3"], 9, 0),
        Edition::Ed2 => (["task_A", "task_B", "task_C"], 60, args.max_block),
    };
    let end = args.end.unwrap_or(end);
    let mut rng = common::seeded_rng(args.seed);
    let draw = move || rng.random_range(0..=max_block);
    // ANCHOR: event_loop
    // loop = asyncio.get_event_loop(): one thread runs every callback.
    let event_loop = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let calls = event_loop.block_on(chain(names, tick, args.period, end, draw));
    // ANCHOR_END: event_loop
    check(names, args.period, end, &calls)?;
    let ([first, _, last], count) = (names, calls.len());
    println!(
        "Loop stopped after {count} calls, {first} .. {last} in turn: the next would not come before the {end} s end time"
    );
    Ok(())
}

// ANCHOR: chain
/// The callbacks in turn: `call_soon` the first; each prints its name, does its work
/// (`draw()` book seconds of `time.sleep`, 0 in the 1st edition), and then either schedules
/// the next `period` later or stops the loop.
async fn chain(
    names: [&'static str; 3],
    tick: Duration,
    period: u32,
    end: u32,
    mut draw: impl FnMut() -> u32,
) -> Vec<Call> {
    let start = Instant::now();
    let end_time = start + tick * end; // end_loop = loop.time() + 60
    let mut due = start; // loop.call_soon(task_A, end_loop, loop)
    let mut calls = Vec::new();
    for &name in names.iter().cycle() {
        sleep_until(due).await;
        let at = Instant::now() - start;
        println!("{name} called");
        // time.sleep(randint(0, 5)): blocks the loop's only thread, as in the book.
        let work = draw();
        std::thread::sleep(tick * work);
        calls.push(Call { name, at, work });
        // if (loop.time() + 1.0) < end_time: loop.call_later(1, next) else: loop.stop(),
        // where loop.time() is when this call was due plus its work
        due += tick * (work + period);
        if due >= end_time {
            break;
        }
    }
    calls
}
// ANCHOR_END: chain

/// How many calls the book's rule makes, counted in whole book seconds: a call starting at `t`
/// that works `w` seconds is followed by another when `t + w + period < end`. `work` holds
/// the work of the calls made; if the rule wants another, the answer is more than were made.
fn expected_calls(period: u32, end: u32, work: &[u32]) -> usize {
    let mut t = 0;
    for (k, &w) in work.iter().enumerate() {
        if t + w + period >= end {
            return k + 1;
        }
        t += w + period;
    }
    // The rule wants one more call than were made.
    work.len() + 1
}

/// The callbacks ran in the book's order, as many as the book's rule allows.
fn check(names: [&str; 3], period: u32, end: u32, calls: &[Call]) -> anyhow::Result<()> {
    for (k, call) in calls.iter().enumerate() {
        ensure!(call.name == names[k % 3], "call {k} was {}", call.name);
    }
    let work: Vec<u32> = calls.iter().map(|call| call.work).collect();
    let (count, expected) = (calls.len(), expected_calls(period, end, &work));
    ensure!(count == expected, "{count} calls, expected {expected}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);
    const ED1: [&str; 3] = ["function_1", "function_2", "function_3"];

    /// The 1st edition's nine calls, exactly one second apart, on tokio's paused clock.
    #[tokio::test(start_paused = true)]
    async fn the_first_edition_calls_nine_times_a_second_apart() {
        let calls = chain(ED1, SECOND, 1, 9, || 0).await;
        let expected: Vec<Call> = (0..9)
            .map(|k| Call {
                name: ED1[k % 3],
                at: SECOND * k as u32,
                work: 0,
            })
            .collect();
        assert_eq!(calls, expected);
        check(ED1, 1, 9, &calls).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_longer_period_makes_fewer_calls() {
        let calls = chain(ED1, SECOND, 2, 9, || 0).await;
        let at: Vec<u64> = calls.iter().map(|call| call.at.as_secs()).collect();
        assert_eq!(at, [0, 2, 4, 6, 8]);
        check(ED1, 2, 9, &calls).unwrap();
    }

    /// Blocking work delays the next call by its length: each call is due one period after
    /// the previous one's work. (The block takes real time, during which the paused clock
    /// does not move, so a short tick keeps the test fast and the schedule exact.)
    #[tokio::test(start_paused = true)]
    async fn blocking_work_delays_the_chain() {
        let tick = Duration::from_millis(2);
        let mut work = [2, 1, 3].into_iter();
        let calls = chain(["task_A", "task_B", "task_C"], tick, 1, 9, move || {
            work.next().expect("three calls")
        })
        .await;
        let at: Vec<Duration> = calls.iter().map(|call| call.at).collect();
        assert_eq!(at, [Duration::ZERO, tick * 3, tick * 5]);
        check(["task_A", "task_B", "task_C"], 1, 9, &calls).unwrap();
    }

    #[test]
    fn expected_calls_follows_the_books_rule() {
        assert_eq!(expected_calls(1, 9, &[0; 20]), 9);
        assert_eq!(expected_calls(2, 9, &[0; 20]), 5);
        assert_eq!(expected_calls(1, 20, &[3, 0, 5, 2, 5, 9]), 5);
        assert_eq!(expected_calls(1, 1, &[0]), 1);
        assert_eq!(
            expected_calls(1, 60, &[5; 3]),
            4,
            "the rule wants a fourth call"
        );
    }

    #[test]
    fn check_rejects_a_wrong_order_or_count() {
        let call = |name, k: u32| Call {
            name,
            at: SECOND * k,
            work: 0,
        };
        let good = [call(ED1[0], 0), call(ED1[1], 1), call(ED1[2], 2)];
        assert!(check(ED1, 1, 3, &good).is_ok());
        let swapped = [call(ED1[0], 0), call(ED1[2], 1), call(ED1[1], 2)];
        assert_eq!(
            check(ED1, 1, 3, &swapped).unwrap_err().to_string(),
            "call 1 was function_3"
        );
        assert!(check(ED1, 1, 3, &good[..2]).is_err());
    }
}
