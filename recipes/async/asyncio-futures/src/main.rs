//! # Dealing with asyncio and futures
//!
//! Book: 1st edition §4.6 "Dealing with Asyncio and Futures", `asy.py N1 N2`; 2nd edition
//! chapter 5, "Dealing with asyncio and futures", `asyncio_and_futures.py N1 N2`.
//!
//! Two coroutines each compute a number, sleep, and then complete a future with it: the first
//! sums 1..N1, the second computes N2!. A done-callback attached to each future prints the
//! result as soon as the future is complete, so the coroutine that sleeps less reports first.
//!
//! ## Run
//!
//! ```text
//! cargo run -p asyncio-futures                    # N1 = N2 = 4: 10 and 24, 50 ms ticks
//! cargo run -p asyncio-futures -- 10 10 --book    # 55 and 3628800, after 3 s and 4 s
//! cargo run -p asyncio-futures -- 3 3 --first-sleep 4 --second-sleep 3   # the book's "There's more"
//! cargo run -p asyncio-futures -- 4 4 --edition ed2
//! ```
//!
//! ## Python → Rust
//!
//! - `asyncio.Future()` → a `tokio::sync::oneshot` channel: the coroutine holds the `Sender`
//!   (`set_result` is `send`, and can happen only once because `send` consumes it), the
//!   receiving end is the future that can be awaited.
//! - `future.add_done_callback(got_result)` → a task spawned on the receiving end that runs
//!   `got_result` once the value arrives. Like asyncio, which schedules the callbacks with
//!   `call_soon` when the result is set, the callback runs on the loop soon after, not inside
//!   `send`.
//! - `@asyncio.coroutine` with `yield from asyncio.sleep(n)` → `async fn` awaiting
//!   `tokio::time::sleep`; `run_until_complete(asyncio.wait(tasks))` → `block_on` of both
//!   coroutines joined, on a current-thread runtime (one thread, like asyncio's loop).
//! - `int(sys.argv[1])` → positional clap arguments of type `u32`: a negative number or a word
//!   is refused with clap's message and exit status 2, where Python raises a `ValueError`.
//!
//! ## Differences from the book
//!
//! - The 2nd edition's `first_coroutine` counts instead of summing (`count += 1` where the 1st
//!   edition has `count = count + i`), so it reports N1 as the "sum of N ints": `4 4` prints 4,
//!   not 10. The sum here is the real sum, in both editions, and is checked against
//!   N1(N1 + 1)/2.
//! - Python's integers never overflow; here N2! is a `u128` (a `u64` would stop at 20!), so N2
//!   is at most 34. N1 and N2 default to the book's example `4 4` instead of being required.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s). `--edition` picks
//!   the sleeps (1st edition: 3 s and 4 s; 2nd: 4 s and 4 s, so the callbacks' order is up to
//!   the loop) and the wording; `--first-sleep`/`--second-sleep` swap them as "There's more"
//!   does.
//! - A final line reports the check of both results; a mismatch exits 1.

use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use common::{Edition, Pace};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

#[derive(Parser)]
#[command(about = "Two coroutines complete futures whose done-callbacks print the results")]
struct Args {
    /// first_coroutine sums the integers 1 to N1.
    #[arg(default_value_t = 4, value_parser = clap::value_parser!(u32))]
    n1: u32,
    /// second_coroutine computes N2!, for N2 from 0 to 34.
    #[arg(default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=34))]
    n2: u32,
    /// Which edition's sleeps and wording to use.
    #[arg(long, value_enum, default_value_t = Edition::Ed1)]
    edition: Edition,
    /// Book seconds first_coroutine sleeps before setting its result [default: 3 (ed1), 4 (ed2)].
    #[arg(long, value_name = "SECONDS")]
    first_sleep: Option<u32>,
    /// Book seconds second_coroutine sleeps before setting its result [default: 4].
    #[arg(long, value_name = "SECONDS")]
    second_sleep: Option<u32>,
    #[command(flatten)]
    pace: Pace,
}

/// What a coroutine sets as its future's result: the line the callback prints, and the number
/// in it for the final check.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    text: String,
    value: u128,
}

/// A callback's record: what it printed, and when, counted from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Done {
    outcome: Outcome,
    at: Duration,
}

/// The run's parameters once the edition's defaults are filled in.
#[derive(Debug, Clone, Copy)]
struct Plan {
    n1: u32,
    n2: u32,
    first_sleep: Duration,
    second_sleep: Duration,
    edition: Edition,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let first_default = match args.edition {
        Edition::Ed1 => 3,
        Edition::Ed2 => 4,
    };
    let plan = Plan {
        n1: args.n1,
        n2: args.n2,
        first_sleep: args
            .pace
            .of(args.first_sleep.unwrap_or(first_default).into()),
        second_sleep: args.pace.of(args.second_sleep.unwrap_or(4).into()),
        edition: args.edition,
    };
    let event_loop = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let [first, second] = event_loop.block_on(run_futures(plan))?;
    check(plan, &first.outcome, &second.outcome)
}

// ANCHOR: main
/// The book's main block: two futures, a done-callback on each, then both coroutines run to
/// the end on the loop.
async fn run_futures(plan: Plan) -> anyhow::Result<[Done; 2]> {
    let start = Instant::now();
    let (future1, result1) = oneshot::channel();
    let (future2, result2) = oneshot::channel();
    let callback1 = add_done_callback(result1, start);
    let callback2 = add_done_callback(result2, start);
    tokio::try_join!(
        first_coroutine(future1, plan.n1, plan.first_sleep, plan.edition),
        second_coroutine(future2, plan.n2, plan.second_sleep, plan.edition),
    )?;
    let (first, second) = tokio::try_join!(finished(callback1), finished(callback2))?;
    Ok([first, second])
}
// ANCHOR_END: main

// ANCHOR: coroutines
async fn first_coroutine(
    future: oneshot::Sender<Outcome>,
    n: u32,
    sleep: Duration,
    edition: Edition,
) -> anyhow::Result<()> {
    let mut count: u64 = 0;
    for i in 1..=u64::from(n) {
        count += i;
    }
    tokio::time::sleep(sleep).await;
    let label = match edition {
        Edition::Ed1 => "first coroutine (sum of N integers)",
        Edition::Ed2 => "First coroutine (sum of N ints)",
    };
    set_result(future, label, count.into())
}

async fn second_coroutine(
    future: oneshot::Sender<Outcome>,
    n: u32,
    sleep: Duration,
    edition: Edition,
) -> anyhow::Result<()> {
    let mut count: u128 = 1;
    for i in 2..=u128::from(n) {
        count *= i;
    }
    tokio::time::sleep(sleep).await;
    let label = match edition {
        Edition::Ed1 => "second coroutine (factorial)",
        Edition::Ed2 => "Second coroutine (factorial)",
    };
    set_result(future, label, count)
}

/// `future.set_result(...)`: completes the future; its callback then runs on the loop.
fn set_result(future: oneshot::Sender<Outcome>, label: &str, value: u128) -> anyhow::Result<()> {
    let outcome = Outcome {
        text: format!("{label} result = {value}"),
        value,
    };
    future
        .send(outcome)
        .map_err(|_| anyhow::anyhow!("{label}: nobody is waiting for the future"))
}
// ANCHOR_END: coroutines

// ANCHOR: callback
/// `future.add_done_callback(got_result)`: a task that waits until the future has its result,
/// then calls the callback with it.
fn add_done_callback(
    future: oneshot::Receiver<Outcome>,
    start: Instant,
) -> JoinHandle<anyhow::Result<Done>> {
    tokio::spawn(async move {
        let outcome = future
            .await
            .context("the future was dropped without a result")?;
        got_result(&outcome);
        Ok(Done {
            outcome,
            at: start.elapsed(),
        })
    })
}

fn got_result(outcome: &Outcome) {
    println!("{}", outcome.text);
}
// ANCHOR_END: callback

async fn finished(callback: JoinHandle<anyhow::Result<Done>>) -> anyhow::Result<Done> {
    callback.await.context("a done-callback failed")?
}

/// The sum against Gauss's formula, the factorial against a product counted down.
fn check(plan: Plan, first: &Outcome, second: &Outcome) -> anyhow::Result<()> {
    let n1 = u128::from(plan.n1);
    let sum = n1 * (n1 + 1) / 2;
    let factorial = (1..=u128::from(plan.n2)).rev().product::<u128>();
    ensure!(
        first.value == sum,
        "the sum of 1..={n1} came out as {}, expected {sum}",
        first.value
    );
    ensure!(
        second.value == factorial,
        "{}! came out as {}, expected {factorial}",
        plan.n2,
        second.value
    );
    println!(
        "Checked: 1 + ... + {n1} = {sum} = {n1}·{}/2, and {}! = {factorial}",
        n1 + 1,
        plan.n2
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(n1: u32, n2: u32, first: u64, second: u64) -> Plan {
        Plan {
            n1,
            n2,
            first_sleep: Duration::from_secs(first),
            second_sleep: Duration::from_secs(second),
            edition: Edition::Ed1,
        }
    }

    /// On tokio's paused clock: each callback fires exactly when its coroutine's sleep ends.
    #[tokio::test(start_paused = true)]
    async fn callbacks_fire_when_their_futures_complete() {
        let plan = plan(4, 4, 3, 4);
        let [first, second] = run_futures(plan).await.unwrap();
        assert_eq!(
            first.outcome.text,
            "first coroutine (sum of N integers) result = 10"
        );
        assert_eq!(
            second.outcome.text,
            "second coroutine (factorial) result = 24"
        );
        assert_eq!(first.at, Duration::from_secs(3));
        assert_eq!(second.at, Duration::from_secs(4));
        check(plan, &first.outcome, &second.outcome).unwrap();
    }

    /// The book's "There's more": swap the sleeps and the second callback fires first.
    #[tokio::test(start_paused = true)]
    async fn swapped_sleeps_swap_the_callbacks() {
        let [first, second] = run_futures(plan(10, 10, 4, 3)).await.unwrap();
        assert_eq!((first.outcome.value, second.outcome.value), (55, 3_628_800));
        assert!(second.at < first.at);
    }

    #[tokio::test(start_paused = true)]
    async fn the_second_edition_words_its_results_differently() {
        let plan = Plan {
            edition: Edition::Ed2,
            ..plan(3, 3, 4, 4)
        };
        let [first, second] = run_futures(plan).await.unwrap();
        assert_eq!(
            first.outcome.text,
            "First coroutine (sum of N ints) result = 6"
        );
        assert_eq!(
            second.outcome.text,
            "Second coroutine (factorial) result = 6"
        );
        assert_eq!(first.at, second.at);
    }

    #[test]
    fn check_catches_the_second_editions_count() {
        let counted = Outcome {
            text: String::new(),
            value: 4,
        };
        let factorial = Outcome {
            text: String::new(),
            value: 24,
        };
        let error = check(plan(4, 4, 0, 0), &counted, &factorial).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the sum of 1..=4 came out as 4, expected 10"
        );
    }
}
