//! # Thread synchronization with semaphores
//!
//! Book: 1st edition §2.7 "Thread synchronization with semaphores"; 2nd edition chapter 2, same
//! title, `Semaphore.py`.
//!
//! A semaphore that starts at 0 is a signal: `acquire` waits until someone calls `release`.
//! Each round a consumer thread waits on it while a producer thread works, makes a random item,
//! stores it and releases the semaphore; the consumer wakes up and takes the item.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-semaphore                        # 2nd edition: 10 rounds of 3 book s
//! cargo run -p thread-semaphore -- --edition ed1       # 1st edition: 5 rounds of 10 book s
//! cargo run -p thread-semaphore -- --seed 7 --rounds 3 --tick-ms 10
//! cargo run -p thread-semaphore -- --book              # the book's real seconds (30 s)
//! ```
//!
//! ## Python → Rust
//!
//! - `threading.Semaphore(0)` → the small `Semaphore` in `src/semaphore.rs`: a count in a
//!   `Mutex<usize>` and a `Condvar` to sleep on while it is 0. The standard library has no
//!   counting semaphore; `acquire` waits with `Condvar::wait_while` until the count is
//!   positive, then takes one; `release` adds one and wakes a waiter. (Async code would use
//!   `tokio::sync::Semaphore`.)
//! - The global `item` → a `Mutex<Option<u32>>` next to the semaphore. Rust will not let two
//!   threads share a plain global, so the item needs a lock of its own, but that lock only
//!   stores it: the *order* (the item exists before the consumer reads it) comes from the
//!   semaphore alone. The consumer `take`s the item, so it could never read one twice.
//! - `threading.Thread(target=...)` → `thread::Builder::new().name(..).spawn_scoped(..)` in a
//!   `thread::scope` per round, which joins the pair; Python numbers the threads `Thread-1`,
//!   `Thread-2`, … across the rounds, and so does this port. The threads hand back their
//!   items by assigning to variables of `run`, which scoped threads may borrow.
//! - The 2nd edition's `logging` lines (time, thread name in 17 columns, `INFO`) →
//!   `common::output::log_info`.
//!
//! ## Differences from the book
//!
//! - Both editions in one binary: `--edition ed2` (default: 10 rounds, the producer works 3
//!   book seconds, the consumer starts first) or `ed1` (5 rounds of 10 book seconds, the
//!   producer is created first, the 1st edition's wording and final `program terminated`). Both
//!   start the consumer first here, which changes nothing: it waits for the producer anyway.
//!   `--rounds` and `--work` override the counts.
//! - The run checks itself: the consumer of each round returns the item it took, and it must be
//!   the item that round's producer made (otherwise exit 1). A last line says so: `Semaphore
//!   checked: in each of 10 rounds the consumer took the item its producer made`.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s); `--seed` makes the
//!   items repeatable.
//! - The 2nd edition logs to stderr; here its log lines go to stdout with the rest. The 1st
//!   edition's trailing space after the consumed number is left out, and its producer line
//!   says "produced", as the listing does (its screenshot shows "producted").

use std::sync::{Mutex, PoisonError};
use std::thread;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use common::output::log_info;
use common::{Edition, Pace};
use rand::RngExt;
use rand::rngs::SmallRng;

mod semaphore;
use semaphore::Semaphore;

#[derive(Parser)]
#[command(about = "A semaphore at 0 as a signal between a producer and a consumer")]
struct Args {
    /// Which edition's run: ed2 10 rounds of 3 book seconds, ed1 5 rounds of 10, with each
    /// edition's wording.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Rounds of one producer and one consumer, at most 20 [default: 10 with ed2, 5 with ed1].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=20))]
    rounds: Option<u32>,
    /// Book seconds the producer works before each item, at most 60 [default: 3 with ed2, 10
    /// with ed1].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(..=60))]
    work: Option<u32>,
    /// Seed for the items, randint(0, 1000); random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

// ANCHOR: main
fn run(args: Args) -> Result<()> {
    let (edition, pace) = (args.edition, args.pace);
    let (rounds, work) = match edition {
        Edition::Ed1 => (args.rounds.unwrap_or(5), args.work.unwrap_or(10)),
        Edition::Ed2 => (args.rounds.unwrap_or(10), args.work.unwrap_or(3)),
    };
    let mut rng = common::seeded_rng(args.seed);
    let semaphore = Semaphore::new(0);
    // The book's global `item`. Its lock only stores it: the order comes from the semaphore.
    let item = Mutex::new(None);
    for round in 1..=rounds {
        // Python numbers threads in creation order: the 2nd edition creates the consumer first,
        // the 1st the producer.
        let (c, p) = match edition {
            Edition::Ed1 => (2 * round, 2 * round - 1),
            Edition::Ed2 => (2 * round - 1, 2 * round),
        };
        let named = |n: u32| thread::Builder::new().name(format!("Thread-{n}"));
        let (mut produced, mut consumed) = (0, None);
        thread::scope(|scope| {
            named(c).spawn_scoped(scope, || consumed = consume(&semaphore, &item, edition))?;
            named(p).spawn_scoped(scope, || {
                produced = produce(&semaphore, &item, &mut rng, work, pace, edition);
            })?;
            std::io::Result::Ok(())
        })
        .context("cannot start a thread")?; // The scope has joined both threads.
        let took = consumed.map_or("nothing".to_owned(), |item| item.to_string());
        ensure!(
            consumed == Some(produced),
            "round {round}: the producer made item {produced} but the consumer took {took}"
        );
    }
    if edition == Edition::Ed1 {
        println!("program terminated");
    }
    println!(
        "Semaphore checked: in each of {rounds} rounds the consumer took the item its producer made"
    );
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: produce
/// Works, leaves a new item, then signals it; returns the item.
fn produce(
    semaphore: &Semaphore,
    item: &Mutex<Option<u32>>,
    rng: &mut SmallRng,
    work: u32,
    pace: Pace,
    edition: Edition,
) -> u32 {
    pace.sleep(work.into());
    let made = rng.random_range(0..=1000);
    *item.lock().unwrap_or_else(PoisonError::into_inner) = Some(made);
    say(
        edition,
        &format!("producer notify : produced item number {made}"),
        &format!("Producer notify: item number {made}"),
    );
    semaphore.release();
    made
}

/// Waits for the signal, then takes the item; returns what it found.
fn consume(semaphore: &Semaphore, item: &Mutex<Option<u32>>, edition: Edition) -> Option<u32> {
    say(edition, "consumer is waiting.", "Consumer is waiting");
    semaphore.acquire();
    let taken = item.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(taken) = taken {
        say(
            edition,
            &format!("Consumer notify : consumed item number {taken}"),
            &format!("Consumer notify: item number {taken}"),
        );
    }
    taken
}
// ANCHOR_END: produce

/// Each edition's wording: the 1st prints, the 2nd logs with time and thread name.
fn say(edition: Edition, ed1: &str, ed2: &str) {
    match edition {
        Edition::Ed1 => println!("{ed1}"),
        Edition::Ed2 => log_info(ed2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_round_hands_over_the_item_and_leaves_nothing_behind() {
        let (semaphore, item) = (Semaphore::new(0), Mutex::new(None));
        let mut rng = SmallRng::seed_from_u64(1);
        let (produced, consumed) = thread::scope(|scope| {
            let consumer = scope.spawn(|| consume(&semaphore, &item, Edition::Ed1));
            let produced = produce(
                &semaphore,
                &item,
                &mut rng,
                0,
                Pace::default(),
                Edition::Ed1,
            );
            (produced, consumer.join().unwrap())
        });
        assert_eq!(consumed, Some(produced));
        assert_eq!(*item.lock().unwrap(), None);
        assert_eq!(semaphore.permits(), 0);
    }
}
