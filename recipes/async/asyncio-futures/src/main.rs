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
//!   is at most 34. N1 is at most 100,000,000, so the sum's loop stays short. N1 and N2 default
//!   to the book's example `4 4` instead of being required.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s). `--edition` picks
//!   the sleeps (1st edition: 3 s and 4 s; 2nd: 4 s and 4 s, so the callbacks' order is up to
//!   the loop) and the wording; `--first-sleep`/`--second-sleep` (0 to 60 book seconds) swap
//!   them as "There's more" does.
//! - A final line reports the check of both results, `Checked: 1 + ... + 4 = 10 = 4·5/2, and
//!   4! = 24`; a mismatch exits 1.

use anyhow::{Context, ensure};
use clap::Parser;
use common::{Edition, Pace};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

#[derive(Parser)]
#[command(about = "Two coroutines complete futures whose done-callbacks print the results")]
struct Args {
    /// first_coroutine sums the integers 1 to N1, for N1 from 0 to 100000000 (a loop of a
    /// fraction of a second).
    #[arg(default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=100_000_000))]
    n1: u32,
    /// second_coroutine computes N2!, for N2 from 0 to 34.
    #[arg(default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=34))]
    n2: u32,
    /// Which edition's sleeps and wording to use.
    #[arg(long, value_enum, default_value_t = Edition::Ed1)]
    edition: Edition,
    /// Book seconds first_coroutine sleeps before setting its result, at most 60 [default: 3
    /// (ed1), 4 (ed2)].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(..=60))]
    first_sleep: Option<u32>,
    /// Book seconds second_coroutine sleeps before setting its result, at most 60 [default: 4].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(..=60))]
    second_sleep: Option<u32>,
    #[command(flatten)]
    pace: Pace,
}

/// A done-callback's record: what it printed, and when.
type Fired = (String, Instant);

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let event_loop = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let (sum, factorial, _fired) = event_loop.block_on(run_futures(&args))?;
    check(&args, sum, factorial)
}

// ANCHOR: main
/// The book's main block: two futures, a done-callback on each, then both coroutines run to
/// the end on the loop. Returns their numbers, and what each callback printed and when.
async fn run_futures(args: &Args) -> anyhow::Result<(u128, u128, [Fired; 2])> {
    let (future1, result1) = oneshot::channel();
    let (future2, result2) = oneshot::channel();
    let callback1 = add_done_callback(result1);
    let callback2 = add_done_callback(result2);
    let (sum, factorial) = tokio::try_join!(
        first_coroutine(future1, args),
        second_coroutine(future2, args)
    )?;
    let (fired1, fired2) = tokio::try_join!(callback1, callback2).context("a callback panicked")?;
    Ok((sum, factorial, [fired1?, fired2?]))
}
// ANCHOR_END: main

// ANCHOR: coroutines
async fn first_coroutine(future: oneshot::Sender<String>, args: &Args) -> anyhow::Result<u128> {
    let mut count: u128 = 0;
    for i in 1..=u128::from(args.n1) {
        count += i;
    }
    let (default_sleep, label) = match args.edition {
        Edition::Ed1 => (3, "first coroutine (sum of N integers)"),
        Edition::Ed2 => (4, "First coroutine (sum of N ints)"),
    };
    let sleep = args.first_sleep.unwrap_or(default_sleep);
    tokio::time::sleep(args.pace.of(sleep.into())).await;
    set_result(future, format!("{label} result = {count}"))?;
    Ok(count)
}

async fn second_coroutine(future: oneshot::Sender<String>, args: &Args) -> anyhow::Result<u128> {
    let mut count: u128 = 1;
    for i in 2..=u128::from(args.n2) {
        count *= i;
    }
    let label = match args.edition {
        Edition::Ed1 => "second coroutine (factorial)",
        Edition::Ed2 => "Second coroutine (factorial)",
    };
    let sleep = args.second_sleep.unwrap_or(4);
    tokio::time::sleep(args.pace.of(sleep.into())).await;
    set_result(future, format!("{label} result = {count}"))?;
    Ok(count)
}

/// `future.set_result(...)`: completes the future; its callback then runs on the loop.
fn set_result(future: oneshot::Sender<String>, result: String) -> anyhow::Result<()> {
    future
        .send(result)
        .map_err(|result| anyhow::anyhow!("nobody is waiting for the future of {result:?}"))
}
// ANCHOR_END: coroutines

// ANCHOR: callback
/// `future.add_done_callback(got_result)`: a task that waits until the future has its result,
/// then calls the callback with it.
fn add_done_callback(future: oneshot::Receiver<String>) -> JoinHandle<anyhow::Result<Fired>> {
    tokio::spawn(async move {
        let result = future
            .await
            .context("the future was dropped without a result")?;
        got_result(&result);
        Ok((result, Instant::now()))
    })
}

fn got_result(result: &str) {
    println!("{result}");
}
// ANCHOR_END: callback

/// The sum against Gauss's formula, the factorial against a product counted down.
fn check(args: &Args, sum: u128, factorial: u128) -> anyhow::Result<()> {
    let (n1, n2) = (u128::from(args.n1), args.n2);
    let gauss = n1 * (n1 + 1) / 2;
    let product = (1..=u128::from(n2)).rev().product::<u128>();
    ensure!(
        sum == gauss,
        "the sum of 1..={n1} came out as {sum}, expected {gauss}"
    );
    ensure!(
        factorial == product,
        "{n2}! came out as {factorial}, expected {product}"
    );
    println!(
        "Checked: 1 + ... + {n1} = {gauss} = {n1}·{}/2, and {n2}! = {product}",
        n1 + 1
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The arguments of a run in book seconds (`--book`), on tokio's paused clock.
    fn args(extra: &[&str]) -> Args {
        let book = ["asyncio-futures", "--book"].into_iter();
        Args::parse_from(book.chain(extra.iter().copied()))
    }

    /// Each callback fires exactly when its coroutine's sleep ends.
    #[tokio::test(start_paused = true)]
    async fn callbacks_fire_when_their_futures_complete() {
        let (start, args) = (Instant::now(), args(&[]));
        let (sum, factorial, [first, second]) = run_futures(&args).await.unwrap();
        assert_eq!(first.0, "first coroutine (sum of N integers) result = 10");
        assert_eq!(second.0, "second coroutine (factorial) result = 24");
        assert_eq!(first.1 - start, Duration::from_secs(3));
        assert_eq!(second.1 - start, Duration::from_secs(4));
        check(&args, sum, factorial).unwrap();
    }

    /// The book's "There's more": swap the sleeps and the second callback fires first.
    #[tokio::test(start_paused = true)]
    async fn swapped_sleeps_swap_the_callbacks() {
        let swapped = args(&["10", "10", "--first-sleep", "4", "--second-sleep", "3"]);
        let (sum, factorial, [first, second]) = run_futures(&swapped).await.unwrap();
        assert_eq!((sum, factorial), (55, 3_628_800));
        assert!(second.1 < first.1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_second_edition_words_its_results_differently() {
        let (_, _, [first, second]) = run_futures(&args(&["3", "3", "--edition", "ed2"]))
            .await
            .unwrap();
        assert_eq!(first.0, "First coroutine (sum of N ints) result = 6");
        assert_eq!(second.0, "Second coroutine (factorial) result = 6");
        assert_eq!(first.1, second.1);
    }

    #[test]
    fn check_catches_the_second_editions_count() {
        let error = check(&args(&[]), 4, 24).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the sum of 1..=4 came out as 4, expected 10"
        );
    }
}
