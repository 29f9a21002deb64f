//! Port addition to `asyncio-event-loop`: what the 2nd edition's blocking callbacks do to the
//! loop, and two fixes. The callbacks `task_A`, `task_B`, `task_C` run in turn as in the
//! recipe, each working a random 0 to 5 book seconds; beside them a heartbeat task wants to run
//! every book second. It can only run when the loop's one thread is free, so a blocked loop
//! shows up as late beats.
//!
//! ```text
//! cargo run -p asyncio-event-loop --example heartbeat -- --seed 3                  # block
//! cargo run -p asyncio-event-loop --example heartbeat -- --seed 3 --work spawn-blocking
//! cargo run -p asyncio-event-loop --example heartbeat -- --seed 3 --work async-sleep
//! ```
//!
//! `--work block` is the book's `time.sleep` (`std::thread::sleep` on the loop's thread);
//! `spawn-blocking` hands the blocking call to tokio's blocking-thread pool and awaits it (the
//! way to run blocking or CPU-heavy code from async code); `async-sleep` awaits
//! `tokio::time::sleep` (asyncio's `await asyncio.sleep(n)`). With either fix the chain keeps
//! the book's schedule and the heartbeat runs on time.

use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::{Parser, ValueEnum};
use common::Pace;
use rand::RngExt;
use tokio::time::{Instant, sleep_until};

/// The 2nd edition's blocking callbacks beside a heartbeat task, and two fixes.
#[derive(Parser)]
struct Args {
    /// How a callback spends its random work time.
    #[arg(long, value_enum, default_value_t = Work::Block)]
    work: Work,
    /// Book seconds between one call's end and the next call (call_later's delay), at most
    /// 3600.
    #[arg(long, value_name = "SECONDS", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3600))]
    period: u32,
    /// Book seconds from the start to the end time, at most 3600.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=3600))]
    end: u32,
    /// Each callback works a random 0 to this many book seconds (randint(0, 5)), at most 60.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=60))]
    max_block: u32,
    /// Seed for the random work times; random when absent.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

/// How a callback spends its `time.sleep(randint(0, 5))`.
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
    tick: Duration,
    period: u32,
    end: u32,
    work: Work,
}

const NAMES: [&str; 3] = ["task_A", "task_B", "task_C"];

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
    let plan = Plan {
        tick,
        period: args.period,
        end: args.end,
        work: args.work,
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

/// The chain of callbacks, with the heartbeat beside it until the end time.
async fn run_loop(plan: Plan, draw: impl FnMut() -> u32) -> anyhow::Result<(Vec<Call>, Vec<Beat>)> {
    let start = Instant::now();
    let end_time = start + plan.tick * plan.end;
    let heartbeat = tokio::spawn(heartbeat(start, plan.tick, end_time));
    let calls = chain(start, plan, draw).await;
    let beats = heartbeat.await.context("the heartbeat task failed")?;
    Ok((calls?, beats))
}

/// The recipe's chain, with the work done the way `plan.work` says.
async fn chain(
    start: Instant,
    plan: Plan,
    mut draw: impl FnMut() -> u32,
) -> anyhow::Result<Vec<Call>> {
    let end_time = start + plan.tick * plan.end;
    let mut due = start;
    let mut calls = Vec::new();
    for &name in NAMES.iter().cycle() {
        sleep_until(due).await;
        let at = Instant::now();
        println!("{name} called");
        let work = draw();
        spend(plan.work, name, work, plan.tick).await?;
        calls.push(Call {
            name,
            due: due - start,
            at: at - start,
            work,
        });
        // As in the recipe: the loop's time is when the call was due plus its work.
        due += plan.tick * (work + plan.period);
        if due >= end_time {
            break;
        }
    }
    Ok(calls)
}

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
/// ran. Beats missed while the loop was blocked are skipped, as a metronome would.
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

/// How many calls the book's rule makes (as in the recipe).
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

/// The callbacks ran in the book's order, none early, and as many as the book's rule allows.
fn check(plan: &Plan, calls: &[Call]) -> anyhow::Result<()> {
    for (k, call) in calls.iter().enumerate() {
        let expected = NAMES[k % 3];
        ensure!(
            call.name == expected,
            "call {k} was {}, not {expected}",
            call.name
        );
        ensure!(call.at >= call.due, "{} ran before it was due", call.name);
    }
    let work: Vec<u32> = calls.iter().map(|call| call.work).collect();
    let expected = expected_calls(plan.period, plan.end, &work);
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
        "Loop stopped after {} calls, task_A .. task_C in turn: the next would not come before the {} s end time",
        calls.len(),
        plan.end
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn plan(end: u32, work: Work, tick: Duration) -> Plan {
        Plan {
            tick,
            period: 1,
            end,
            work,
        }
    }

    /// The work times to hand out, in order.
    fn scripted<const N: usize>(work: [u32; N]) -> impl FnMut() -> u32 {
        let mut work = work.into_iter();
        move || work.next().expect("more calls than scripted work")
    }

    /// With the work awaited, each call comes one period after the previous one's work, and the
    /// heartbeat is never late: the loop was free the whole time.
    #[tokio::test(start_paused = true)]
    async fn async_work_delays_the_chain_but_not_the_loop() {
        let plan = plan(20, Work::AsyncSleep, SECOND);
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
        let plan = plan(9, Work::SpawnBlocking, tick);
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
        let plan = plan(10, Work::Block, tick);
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
}
