//! # Thread communication using a queue
//!
//! Book: 1st edition §2.11 "Thread communication using a queue"; 2nd edition chapter 2, same
//! title, `Threading_with_queue.py`.
//!
//! One producer thread puts random numbers on a FIFO queue, one per book second; three consumer
//! threads take them off and print which thread got which item. The queue is the only thing the
//! threads share: no lock, no condition, no shared list.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-queue                      # 2nd edition: 5 items, 50 ms ticks
//! cargo run -p thread-queue -- --edition ed1     # 1st edition: 10 items
//! cargo run -p thread-queue -- --book --seed 7   # the book's 1 s pace, repeatable items
//! ```
//!
//! ## Python → Rust
//!
//! - `queue.Queue()` → an unbounded `crossbeam_channel`: `put` is `send`, `get` is `recv`. The
//!   channel's two ends are separate values, so "the producer is done" is something the type
//!   system can express: the producer drops its `Sender`.
//! - `Thread` subclasses with `run` → closures given to `std::thread::Builder`, named
//!   `Thread-1`..`Thread-4` as Python names them.
//! - `task_done()` has no counterpart: nothing calls `queue.join()` in the recipe, and the end of
//!   the stream is signalled by the channel closing instead.
//!
//! ## Differences from the book
//!
//! - The originals never end: the consumers block in `get()` forever once the producer is done,
//!   so the program must be killed. Here the producer's `Sender` is dropped when it finishes, each
//!   consumer's `recv()` then fails once the queue is drained, and every thread is joined.
//! - The run checks itself: the items consumed, whichever thread took them, must be exactly the
//!   items produced; otherwise it exits 1. Its last line reports that: `Queue drained: 5 items
//!   produced, 5 consumed, the same items`.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s). `--seed` makes the
//!   items repeatable; the consumer that takes each item still varies from run to run.
//! - The 2nd edition's producer prints an extra blank line after each item; it is left out.

use std::thread;

use anyhow::{Context, ensure};
use clap::Parser;
use common::{Edition, Pace};
use crossbeam_channel::{Receiver, Sender};
use rand::RngExt;
use rand::rngs::SmallRng;

#[derive(Parser)]
#[command(about = "One producer, three consumers, one FIFO queue")]
struct Args {
    /// Which edition's run to reproduce: ed1 produces 10 items, ed2 5.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Items to produce, at most 100: one a book second [default: the edition's count].
    #[arg(long, value_parser = clap::value_parser!(u32).range(..=100))]
    items: Option<u32>,
    /// Consumer threads taking items off the queue, at most 64.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=64))]
    consumers: u32,
    /// Seed for the random items (0..=256); random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let items = args.items.unwrap_or(match args.edition {
        Edition::Ed1 => 10,
        Edition::Ed2 => 5,
    });
    let rng = common::seeded_rng(args.seed);
    // ANCHOR: spawn
    let (sender, receiver) = crossbeam_channel::unbounded();
    let producer = thread::Builder::new()
        .name("Thread-1".into())
        .spawn(move || produce(sender, items, rng, args.pace))
        .context("cannot start the producer thread")?;
    let consumers = (0..args.consumers)
        .map(|i| {
            let receiver = receiver.clone();
            thread::Builder::new()
                .name(format!("Thread-{}", i + 2))
                .spawn(move || consume(receiver))
                .context("cannot start a consumer thread")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Only the consumers' clones may keep the queue open for reading.
    drop(receiver);
    // ANCHOR_END: spawn

    let mut produced = common::join(producer)?;
    let mut consumed = Vec::new();
    for consumer in consumers {
        consumed.extend(common::join(consumer)?);
    }
    check(&mut produced, &mut consumed)
}

// ANCHOR: produce
/// Puts `items` random numbers on the queue, one per book second, and returns them. Returning
/// drops `queue`, which closes the channel for the consumers.
fn produce(queue: Sender<u32>, items: u32, mut rng: SmallRng, pace: Pace) -> Vec<u32> {
    let name = common::output::thread_name("producer");
    let mut produced = Vec::new();
    for _ in 0..items {
        let item = rng.random_range(0..=256);
        // The consumers outlive the producer, so the channel cannot be closed here.
        queue.send(item).expect("consumers hold the queue open");
        println!("Producer notify : item N°{item} appended to queue by {name}");
        produced.push(item);
        pace.sleep(1.0);
    }
    produced
}
// ANCHOR_END: produce

// ANCHOR: consume
/// Takes items until the queue is closed and empty, and returns what it took.
fn consume(queue: Receiver<u32>) -> Vec<u32> {
    let name = common::output::thread_name("consumer");
    let mut consumed = Vec::new();
    for item in queue.iter() {
        println!("Consumer notify : {item} popped from queue by {name}");
        consumed.push(item);
    }
    consumed
}
// ANCHOR_END: consume

fn check(produced: &mut [u32], consumed: &mut [u32]) -> anyhow::Result<()> {
    produced.sort_unstable();
    consumed.sort_unstable();
    ensure!(
        produced == consumed,
        "items lost or duplicated: produced {produced:?}, consumed {consumed:?}"
    );
    println!(
        "Queue drained: {} items produced, {} consumed, the same items",
        produced.len(),
        consumed.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn check_accepts_the_same_items_in_any_order() {
        assert!(check(&mut [3, 1, 2], &mut [2, 3, 1]).is_ok());
    }

    #[test]
    fn check_rejects_a_lost_item() {
        let error = check(&mut [1, 2, 2], &mut [1, 2]).unwrap_err();
        assert!(error.to_string().contains("lost or duplicated"));
    }

    #[test]
    fn a_seeded_producer_is_repeatable() {
        let pace = Pace {
            book: false,
            tick_ms: Some(0),
        };
        let run = || {
            let (sender, receiver) = crossbeam_channel::unbounded();
            let items = produce(sender, 4, SmallRng::seed_from_u64(9), pace);
            assert_eq!(receiver.iter().collect::<Vec<_>>(), items);
            items
        };
        assert_eq!(run(), run());
    }
}
