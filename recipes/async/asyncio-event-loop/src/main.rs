//! # Managing the event loop with asyncio
//!
//! Book: 1st edition §4.3 "Event loop management with Asyncio", `event.py`; 2nd edition
//! chapter 5, "Managing the event loop with asyncio", `asyncio_event_loop.py`.
//!
//! Three callbacks call each other in turn through the event loop: each prints its name and
//! asks the loop to run the next one a second later, until the next call would fall after an
//! end time fixed at the start. The 2nd edition's callbacks first sleep a random 0 to 5 seconds
//! with `time.sleep`, which blocks the loop: nothing else can run meanwhile. A heartbeat task
//! that wants to run every second makes that visible, and two fixes keep the loop free.
//!
//! ## Run
//!
//! ```text
//! cargo run -p asyncio-event-loop                              # 1st edition: 9 calls, 50 ms ticks
//! cargo run -p asyncio-event-loop -- --book                    # the same, 1 s apart
//! cargo run -p asyncio-event-loop -- --edition ed2 --seed 3    # blocking callbacks, 60 s end
//! cargo run -p asyncio-event-loop -- --edition ed2 --seed 3 --work spawn-blocking
//! cargo run -p asyncio-event-loop -- --edition ed2 --seed 3 --work async-sleep
//! ```
//!
//! ## Python → Rust
//!
//! - `asyncio.get_event_loop()` + `run_forever()` → a current-thread tokio runtime: one thread
//!   runs every task, as asyncio's loop does.
//! - `loop.call_soon(f)` / `loop.call_later(1, f)` → the next call's due time, awaited with
//!   `tokio::time::sleep_until`; `loop.time()` → `tokio::time::Instant`; `loop.stop()` → the
//!   chain returns, and `block_on` with it.
//! - `time.sleep(n)` inside a callback (2nd edition) → `--work block`: `std::thread::sleep` on
//!   the loop's only thread, which blocks it exactly as in Python. The fixes:
//!   `--work spawn-blocking` moves the blocking call to tokio's blocking-thread pool and awaits
//!   it (the way to run blocking or CPU-heavy code from async code), and `--work async-sleep`
//!   awaits `tokio::time::sleep` (asyncio's `await asyncio.sleep(n)`). Either way the chain
//!   keeps the book's timing, and the heartbeat runs on time.
//! - `random.randint(0, 5)` → `SmallRng::random_range(0..=5)`, seeded by `--seed`.
//!
//! ## Differences from the book
//!
//! - The book's seconds are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s); the
//!   period, the end time and the longest block are flags (`--period`, `--end`, `--max-block`).
//! - The three callbacks differ only in their names and their successor, so one `async fn`
//!   runs them in turn; ed1's `function_4`, never scheduled in the book, is left out.
//! - The loop's time in the stop test (`loop.time() + 1.0 < end_time`) is the time the call was
//!   due plus the work it did, not a fresh clock reading, and each call is due exactly one
//!   period after the previous one finished its work. At the book's pace the two readings
//!   differ by a millisecond or so; with fast ticks, timer jitter could otherwise change the number
//!   of calls. The 1st edition's run prints exactly nine lines.
//! - The heartbeat is not in the book: in the 2nd edition's run it beats every book second
//!   until the end time and reports each beat that ran half a second or more late; the lines
//!   `task_A works 3 s ...` say how each callback spends its sleep. A final line sums up (the
//!   1st edition prints the book's nine lines, then that line), and the run checks the calls'
//!   number and order.
//! - The book's `function_2 called ` and `task_B called ` end with a space; the space is
//!   dropped.

use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::{Parser, ValueEnum};
use common::{Edition, Pace};
use rand::RngExt;
use tokio::time::{Instant, sleep_until};

#[derive(Parser)]
#[command(about = "Callbacks that schedule each other on an event loop until an end time")]
struct Args {
    /// Which edition: ed1 calls function_1..3 for 9 s; ed2 calls task_A..C, which block, for 60 s.
    #[arg(long, value_enum, default_value_t = Edition::Ed1)]
    edition: Edition,
    /// Book seconds between one call's end and the next call (call_later's delay).
    #[arg(long, value_name = "SECONDS", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3600))]
    period: u32,
    /// Book seconds from the start to the end time [default: 9 (ed1), 60 (ed2)].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..=3600))]
    end: Option<u32>,
    /// ed2: each callback works a random 0 to this many book seconds (randint(0, 5)).
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=60))]
    max_block: u32,
    /// ed2: how a callback spends that time.
    #[arg(long, value_enum, default_value_t = Work::Block)]
    work: Work,
    /// ed2: seed for the random work times; random when absent.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

/// How a 2nd-edition callback spends its `time.sleep(randint(0, 5))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Work {
    /// std::thread::sleep on the loop's thread: the loop is blocked (the book)
    Block,
    /// std::thread::sleep on tokio's blocking pool, awaited: the loop stays free
    SpawnBlocking,
    /// tokio::time::sleep, awaited: the loop stays free
    AsyncSleep,
}

/// The run's parameters, in book seconds and in ticks.
#[derive(Debug, Clone, Copy)]
struct Plan {
    names: [&'static str; 3],
    tick: Duration,
    period: u32,
    end: u32,
    /// `None` in the 1st edition, whose callbacks do no work.
    work: Option<Work>,
}

impl Plan {
    fn book_seconds(&self, seconds: u32) -> Duration {
        self.tick * seconds
    }
}

/// One call of a callback: which, when it was due and when it ran (from the start), and the
/// book seconds of work it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Call {
    name: &'static str,
    due: Duration,
    at: Duration,
    work: u32,
}

/// One heartbeat: when it was due (from the start) and how late it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Beat {
    due: Duration,
    late: Duration,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let tick = args.pace.tick();
    if tick.is_zero() {
        bail!("--tick-ms 0 leaves no time between the calls; use 1 or more");
    }
    let plan = match args.edition {
        Edition::Ed1 => Plan {
            names: ["function_1", "function_2", "function_3"],
            tick,
            period: args.period,
            end: args.end.unwrap_or(9),
            work: None,
        },
        Edition::Ed2 => Plan {
            names: ["task_A", "task_B", "task_C"],
            tick,
            period: args.period,
            end: args.end.unwrap_or(60),
            work: Some(args.work),
        },
    };
    let mut rng = common::seeded_rng(args.seed);
    let max_block = args.max_block;
    let event_loop = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let (calls, beats) =
        event_loop.block_on(run_loop(plan, move || rng.random_range(0..=max_block)))?;
    check(&plan, &calls)?;
    summarize(&plan, &calls, &beats);
    Ok(())
}

// ANCHOR: run_loop
/// The book's main block: note the end time, `call_soon` the first callback, run the loop until
/// a callback stops it. In the 2nd edition a heartbeat runs beside the chain until the end time.
async fn run_loop(plan: Plan, draw: impl FnMut() -> u32) -> anyhow::Result<(Vec<Call>, Vec<Beat>)> {
    let start = Instant::now();
    let heartbeat = plan.work.map(|_| {
        tokio::spawn(heartbeat(
            start,
            plan.tick,
            start + plan.book_seconds(plan.end),
        ))
    });
    let calls = chain(start, plan, draw).await;
    let beats = match heartbeat {
        Some(handle) => handle.await.context("the heartbeat task failed")?,
        None => Vec::new(),
    };
    Ok((calls?, beats))
}
// ANCHOR_END: run_loop

// ANCHOR: chain
/// Runs the callbacks in turn: each is due `period` after the previous one finished its work,
/// and the chain stops at the first call after which the next would not come before the end.
async fn chain(
    start: Instant,
    plan: Plan,
    mut draw: impl FnMut() -> u32,
) -> anyhow::Result<Vec<Call>> {
    let end_time = start + plan.book_seconds(plan.end);
    let period = plan.book_seconds(plan.period);
    let mut due = start; // call_soon: as soon as the loop runs
    let mut calls = Vec::new();
    for &name in plan.names.iter().cycle() {
        sleep_until(due).await;
        let at = Instant::now();
        println!("{name} called");
        let work = match plan.work {
            Some(how) => {
                let seconds = draw();
                spend(how, name, seconds, plan.tick).await?;
                seconds
            }
            None => 0,
        };
        calls.push(Call {
            name,
            due: due - start,
            at: at - start,
            work,
        });
        // `if (loop.time() + 1.0) < end_time: loop.call_later(1, next) else: loop.stop()`
        let loop_time = due + plan.book_seconds(work);
        if loop_time + period < end_time {
            due = loop_time + period;
        } else {
            break;
        }
    }
    Ok(calls)
}
// ANCHOR_END: chain

// ANCHOR: spend
/// The 2nd edition's `time.sleep(randint(0, 5))`, done the way `how` says.
async fn spend(how: Work, name: &str, seconds: u32, tick: Duration) -> anyhow::Result<()> {
    let duration = tick * seconds;
    match how {
        Work::Block => {
            println!("  {name} works {seconds} s with std::thread::sleep: the loop is blocked");
            std::thread::sleep(duration);
        }
        Work::SpawnBlocking => {
            println!("  {name} works {seconds} s on the blocking pool: the loop is free");
            tokio::task::spawn_blocking(move || std::thread::sleep(duration))
                .await
                .context("the blocking work failed")?;
        }
        Work::AsyncSleep => {
            println!("  {name} works {seconds} s in an async sleep: the loop is free");
            tokio::time::sleep(duration).await;
        }
    }
    Ok(())
}
// ANCHOR_END: spend

// ANCHOR: heartbeat
/// A task that wants to run once a book second until `end_time`, and notes how late each beat
/// ran. It can only run when the loop's thread is free, so a blocked loop shows up as late
/// beats. Beats missed while blocked are skipped, as a metronome would.
async fn heartbeat(start: Instant, tick: Duration, end_time: Instant) -> Vec<Beat> {
    let mut beats = Vec::new();
    let mut due = start + tick;
    while due < end_time {
        sleep_until(due).await;
        let now = Instant::now();
        let beat = Beat {
            due: due - start,
            late: now - due,
        };
        if beat.late >= tick / 2 {
            println!(
                "  heartbeat due at {:.0} s ran {:.1} s late",
                in_book_seconds(beat.due, tick),
                in_book_seconds(beat.late, tick)
            );
        }
        beats.push(beat);
        while due <= now {
            due += tick;
        }
    }
    beats
}
// ANCHOR_END: heartbeat

fn in_book_seconds(duration: Duration, tick: Duration) -> f64 {
    duration.as_secs_f64() / tick.as_secs_f64()
}

/// How many calls the book's rule makes, counted in whole book seconds: a call starting at `t`
/// that works `w` seconds is followed by another when `t + w + period < end`.
fn expected_calls(period: u32, end: u32, work: &[u32]) -> usize {
    let mut t = 0;
    for (k, &w) in work.iter().enumerate() {
        if t + w + period >= end {
            return k + 1;
        }
        t += w + period;
    }
    work.len()
}

/// The callbacks ran in the book's order, none early, and as many as the book's rule allows.
fn check(plan: &Plan, calls: &[Call]) -> anyhow::Result<()> {
    for (k, call) in calls.iter().enumerate() {
        let expected = plan.names[k % 3];
        ensure!(
            call.name == expected,
            "call {k} was {}, not {expected}",
            call.name
        );
        ensure!(call.at >= call.due, "{} ran before it was due", call.name);
    }
    let work: Vec<u32> = calls.iter().map(|call| call.work).collect();
    let expected = if plan.work.is_none() {
        // 1st edition: one call per period from 0 for as long as the next one fits.
        plan.end.div_ceil(plan.period).max(1) as usize
    } else {
        expected_calls(plan.period, plan.end, &work)
    };
    ensure!(
        calls.len() == expected,
        "{} calls before the {} s end time, expected {expected}",
        calls.len(),
        plan.end
    );
    Ok(())
}

fn summarize(plan: &Plan, calls: &[Call], beats: &[Beat]) {
    let last = calls.last().expect("the chain makes at least one call");
    println!(
        "Loop stopped after {} calls, {} .. {} in turn: the next would not come before the {} s end time",
        calls.len(),
        plan.names[0],
        plan.names[2],
        plan.end
    );
    if plan.work.is_some() {
        let worked: u32 = calls.iter().map(|call| call.work).sum();
        let worst = beats.iter().map(|beat| beat.late).max().unwrap_or_default();
        println!(
            "Callbacks worked {worked} s in all; the last call came at {:.1} s; \
             {} heartbeats, the latest {:.1} s late",
            in_book_seconds(last.at, plan.tick),
            beats.len(),
            in_book_seconds(worst, plan.tick)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn plan(edition: Edition, end: u32, work: Work, tick: Duration) -> Plan {
        Plan {
            names: match edition {
                Edition::Ed1 => ["function_1", "function_2", "function_3"],
                Edition::Ed2 => ["task_A", "task_B", "task_C"],
            },
            tick,
            period: 1,
            end,
            work: (edition == Edition::Ed2).then_some(work),
        }
    }

    /// The work times to hand out, in order.
    fn scripted<const N: usize>(work: [u32; N]) -> impl FnMut() -> u32 {
        let mut work = work.into_iter();
        move || work.next().expect("more calls than scripted work")
    }

    /// The 1st edition's nine calls, exactly one second apart, on tokio's paused clock.
    #[tokio::test(start_paused = true)]
    async fn the_first_edition_calls_nine_times_a_second_apart() {
        let plan = plan(Edition::Ed1, 9, Work::Block, SECOND);
        let (calls, beats) = run_loop(plan, || unreachable!("ed1 draws nothing"))
            .await
            .unwrap();
        assert!(beats.is_empty());
        let names = ["function_1", "function_2", "function_3"];
        let expected: Vec<Call> = (0..9)
            .map(|k| Call {
                name: names[k % 3],
                due: SECOND * k as u32,
                at: SECOND * k as u32,
                work: 0,
            })
            .collect();
        assert_eq!(calls, expected);
        check(&plan, &calls).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_longer_period_makes_fewer_calls() {
        let plan = Plan {
            period: 2,
            ..plan(Edition::Ed1, 9, Work::Block, SECOND)
        };
        let (calls, _) = run_loop(plan, || 0).await.unwrap();
        let at: Vec<u64> = calls.iter().map(|call| call.at.as_secs()).collect();
        assert_eq!(at, [0, 2, 4, 6, 8]);
        check(&plan, &calls).unwrap();
    }

    /// With the work awaited, each call comes one period after the previous one's work, and the
    /// heartbeat is never late: the loop was free the whole time.
    #[tokio::test(start_paused = true)]
    async fn async_work_delays_the_chain_but_not_the_loop() {
        let plan = plan(Edition::Ed2, 20, Work::AsyncSleep, SECOND);
        let (calls, beats) = run_loop(plan, scripted([3, 0, 5, 2, 5])).await.unwrap();
        let at: Vec<u64> = calls.iter().map(|call| call.at.as_secs()).collect();
        // 0 +3+1 → 4 +0+1 → 5 +5+1 → 11 +2+1 → 14; there 14 + 5 + 1 is not before 20: stop.
        assert_eq!(at, [0, 4, 5, 11, 14]);
        assert!(calls.iter().all(|call| call.at == call.due));
        check(&plan, &calls).unwrap();
        assert_eq!(beats.len(), 19, "a beat at each second from 1 to 19");
        assert!(beats.iter().all(|beat| beat.late.is_zero()), "{beats:?}");
    }

    /// The blocking work runs on another thread and takes real time, during which tokio does
    /// not advance its paused clock: the schedule and the heartbeat stay exact.
    #[tokio::test(start_paused = true)]
    async fn spawn_blocking_keeps_the_loop_free() {
        let tick = Duration::from_millis(2);
        let plan = plan(Edition::Ed2, 9, Work::SpawnBlocking, tick);
        let (calls, beats) = run_loop(plan, scripted([2, 1, 3])).await.unwrap();
        let at: Vec<Duration> = calls.iter().map(|call| call.at).collect();
        assert_eq!(at, [Duration::ZERO, tick * 3, tick * 5]);
        check(&plan, &calls).unwrap();
        assert!(beats.iter().all(|beat| beat.late.is_zero()), "{beats:?}");
    }

    /// On the real clock: a callback that blocks the loop for `w` ticks makes a heartbeat due
    /// around the call at least `w - 1` ticks late. A lower bound, whatever the machine's load:
    /// the beat due a tick after the call cannot run before the block ends, unless a beat due
    /// earlier ran even later and the heartbeat skipped it.
    #[tokio::test]
    async fn blocking_work_makes_the_heartbeat_late() {
        let tick = Duration::from_millis(5);
        let plan = plan(Edition::Ed2, 10, Work::Block, tick);
        let (calls, beats) = run_loop(plan, scripted([4, 0, 3])).await.unwrap();
        assert_eq!(calls.len(), 3);
        check(&plan, &calls).unwrap();
        for call in calls.iter().filter(|call| call.work >= 2) {
            let blocked = call.due.saturating_sub(tick)..call.due + tick * call.work;
            let latest = beats
                .iter()
                .filter(|beat| blocked.contains(&beat.due))
                .map(|beat| beat.late)
                .max()
                .expect("beats fall due while the loop is blocked");
            assert!(
                latest >= tick * (call.work - 1),
                "{call:?} blocked the loop, yet {beats:?}"
            );
        }
    }

    #[test]
    fn expected_calls_follows_the_books_rule() {
        assert_eq!(expected_calls(1, 9, &[0; 20]), 9);
        assert_eq!(expected_calls(1, 20, &[3, 0, 5, 2, 5, 9]), 5);
        assert_eq!(expected_calls(1, 1, &[0]), 1);
        assert_eq!(expected_calls(1, 60, &[5; 3]), 3, "runs out of calls");
    }

    #[test]
    fn check_rejects_a_wrong_order_or_count() {
        let plan = plan(Edition::Ed1, 3, Work::Block, SECOND);
        let call = |name, k: u32| Call {
            name,
            due: SECOND * k,
            at: SECOND * k,
            work: 0,
        };
        let good = [
            call("function_1", 0),
            call("function_2", 1),
            call("function_3", 2),
        ];
        assert!(check(&plan, &good).is_ok());
        let swapped = [
            call("function_1", 0),
            call("function_3", 1),
            call("function_2", 2),
        ];
        assert_eq!(
            check(&plan, &swapped).unwrap_err().to_string(),
            "call 1 was function_3, not function_2"
        );
        assert!(check(&plan, &good[..2]).is_err());
    }
}
