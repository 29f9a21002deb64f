//! # Model checking the synchronization recipes with loom
//!
//! Not in the book: an addition to its testing chapter. It checks the core of three recipes of
//! the threads chapter: `thread-lock` (a counter under a lock), `thread-condition` (a bounded
//! buffer on a mutex and a condition variable) and `thread-semaphore` (a counting semaphore
//! built from the same two).
//!
//! A test that runs threads sees one interleaving per run, the one the scheduler happened to
//! pick. loom runs a test again and again, and each time it chooses differently at every point
//! where threads could switch: the lock, the condition variable, each atomic access. It reports
//! any interleaving that breaks an assertion, and any in which every thread waits (a deadlock).
//! The unit tests at the bottom of this file are such models; one of them checks a racy counter
//! and expects loom to find the lost update. The binary runs the same types once with real
//! threads.
//!
//! ## Run
//!
//! ```text
//! cargo run -p testing-loom                       # the three recipes' cores, real threads
//! cargo test -p testing-loom --bin testing-loom   # the loom models (a few seconds)
//! cargo test -p testing-loom --bin testing-loom -- --nocapture   # with each model's size
//! LOOM_MAX_PREEMPTIONS=4 cargo test -p testing-loom --bin testing-loom  # explore more
//! ```
//!
//! ## Python → Rust
//!
//! - Python has no counterpart: its threads interleave at the interpreter's whim, and a race is
//!   found by luck. loom makes the scheduler a parameter and walks through its choices.
//! - The `sync` module below picks `std::sync` for the program and `loom::sync` for the unit
//!   tests: the same `Counter`, `BoundedBuffer` and `Semaphore` code (`src/cores.rs`) runs on
//!   both.
//! - `threading.Lock` → `Mutex<i64>`; `threading.Condition` → `Mutex` + `Condvar`;
//!   `threading.Semaphore` → a count in a `Mutex` and a `Condvar` to wait for it (std has no
//!   semaphore).
//!
//! ## Differences from the book
//!
//! - The recipe is not in the book.
//! - loom's usual switch is `#[cfg(loom)]`, set with `RUSTFLAGS="--cfg loom"`, which rebuilds
//!   every crate of the build. Here the models are this crate's own unit tests, so `cfg(test)`
//!   is the switch: a plain `cargo test` runs them.
//! - Each model is bounded to 3 preemptions (loom's `preemption_bound`; `LOOM_MAX_PREEMPTIONS`
//!   overrides it). Bugs need few preemptions to show, and the bound keeps each model to a few
//!   thousand interleavings or less.
//! - The models are small: two threads and two or three operations each. A real run of the
//!   binary uses the book's sizes: 100,000 additions, 20 items on a shelf of 10, 10 signals.
//!   The flags stop at sizes a run finishes in seconds: 10,000,000 additions, 1,000,000 items
//!   or places on the shelf, 10,000 signals.

use std::thread;

use anyhow::{Context, ensure};
use clap::Parser;

use cores::{BoundedBuffer, Counter, RacyCounter, Semaphore};
use sync::Mutex;

mod cores;

// ANCHOR: sync
/// The primitives: std's in the program, loom's in the unit tests (every one of them a model).
mod sync {
    #[cfg(test)]
    pub(crate) use loom::sync::{Condvar, Mutex, atomic::AtomicI64};
    #[cfg(not(test))]
    pub(crate) use std::sync::{Condvar, Mutex, atomic::AtomicI64};
}
// ANCHOR_END: sync

#[derive(Parser)]
#[command(about = "The lock, condition and semaphore recipes' cores; cargo test model-checks them")]
struct Args {
    /// Additions and subtractions per thread on the counters (thread-lock's COUNT), at most
    /// 10000000.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    count: u32,
    /// Items through the bounded buffer (thread-condition's 20), at most 1000000: the consumer
    /// keeps each one for the check.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    items: u32,
    /// Capacity of the bounded buffer (thread-condition's 10), at most 1000000.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    capacity: u32,
    /// Signals through the semaphore (thread-semaphore's 10 rounds), at most 10000: each round
    /// starts a thread.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    rounds: u32,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let locked = Counter::new();
    add_and_subtract(args.count, |delta| locked.add(delta))?;
    println!(
        "the value of shared variable with lock management is {}",
        locked.get()
    );
    ensure!(locked.get() == 0, "the locked counter lost updates");
    let racy = RacyCounter::new();
    add_and_subtract(args.count, |delta| racy.add(delta))?;
    println!(
        "the value of shared variable with race condition is {} (lost updates make it non-zero, when the threads overlap)",
        racy.get()
    );

    let longest = producer_and_consumer(args.items, args.capacity)?;
    println!(
        "bounded buffer: {} items passed in order, at most {longest} of {} at once",
        args.items, args.capacity
    );
    signals(args.rounds)?;
    println!(
        "semaphore: {} signals, each item consumed after it was produced",
        args.rounds
    );
    println!("Model checks of these types: cargo test -p testing-loom --bin testing-loom");
    Ok(())
}

/// Two named threads, one adding 1 and one adding -1, `count` times each. Whether their loops
/// overlap, and so whether a race shows, is up to the scheduler: loom's models do not leave it
/// to chance.
fn add_and_subtract(count: u32, add: impl Fn(i64) + Sync) -> anyhow::Result<()> {
    thread::scope(|scope| {
        let workers = [("Thread-1", 1), ("Thread-2", -1)].map(|(name, delta)| {
            let add = &add;
            thread::Builder::new()
                .name(name.into())
                .spawn_scoped(scope, move || (0..count).for_each(|_| add(delta)))
                .with_context(|| format!("cannot start {name}"))
        });
        for worker in workers {
            worker?
                .join()
                .map_err(|_| anyhow::anyhow!("a counting thread panicked"))?;
        }
        Ok(())
    })
}

/// Passes 1..=items through a buffer of `capacity`; returns the longest the buffer got.
fn producer_and_consumer(items: u32, capacity: u32) -> anyhow::Result<usize> {
    let buffer = BoundedBuffer::new(capacity as usize);
    let (longest, taken) = thread::scope(|scope| -> anyhow::Result<_> {
        let producer = thread::Builder::new()
            .name("Producer".into())
            .spawn_scoped(scope, || (1..=items).map(|item| buffer.put(item)).max())
            .context("cannot start the producer")?;
        let taken: Vec<u32> = (0..items).map(|_| buffer.take()).collect();
        let longest = producer
            .join()
            .map_err(|_| anyhow::anyhow!("the producer panicked"))?;
        Ok((longest.unwrap_or(0), taken))
    })?;
    ensure!(
        longest <= capacity as usize,
        "the buffer held {longest} items"
    );
    ensure!(
        taken.iter().copied().eq(1..=items),
        "items came out as {taken:?}"
    );
    ensure!(buffer.len() == 0, "items left in the buffer");
    Ok(longest)
}

/// `thread-semaphore`'s rounds: in each, a consumer thread acquires the semaphore (at 0, so it
/// waits) and a producer thread stores an item and releases it; the consumer must find the item.
fn signals(rounds: u32) -> anyhow::Result<()> {
    for round in 1..=rounds {
        let semaphore = Semaphore::new(0);
        let item = Mutex::new(None);
        let consumed = thread::scope(|scope| -> anyhow::Result<_> {
            let consumer = thread::Builder::new()
                .name("Consumer".into())
                .spawn_scoped(scope, || {
                    semaphore.acquire();
                    item.lock()
                        .expect("no thread panics holding the lock")
                        .take()
                })
                .context("cannot start the consumer")?;
            *item.lock().expect("no thread panics holding the lock") = Some(round);
            semaphore.release();
            consumer
                .join()
                .map_err(|_| anyhow::anyhow!("the consumer panicked"))
        })?;
        ensure!(
            consumed == Some(round),
            "round {round} consumed {consumed:?}"
        );
    }
    Ok(())
}

// ANCHOR: models
/// Every test here is a loom model: `check` runs its body once per interleaving.
#[cfg(test)]
mod tests {
    use super::*;
    use loom::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::time::Instant;

    /// Runs `body` under loom with at most 3 preemptions (unless `LOOM_MAX_PREEMPTIONS` says
    /// otherwise), and returns how many interleavings it ran.
    fn check(name: &str, body: impl Fn() + Sync + Send + 'static) -> usize {
        let runs = std::sync::Arc::new(AtomicUsize::new(0));
        let counted = std::sync::Arc::clone(&runs);
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound.get_or_insert(3);
        let start = Instant::now();
        builder.check(move || {
            counted.fetch_add(1, SeqCst);
            body();
        });
        let runs = runs.load(SeqCst);
        eprintln!(
            "model {name}: {runs} interleavings in {:?}",
            start.elapsed()
        );
        runs
    }

    #[test]
    fn locked_counter_loses_no_update() {
        let runs = check("thread-lock counter", || {
            let counter = Arc::new(Counter::new());
            let workers: Vec<_> = [1, -1]
                .map(|delta| {
                    let counter = Arc::clone(&counter);
                    loom::thread::spawn(move || {
                        counter.add(delta);
                        counter.add(delta);
                    })
                })
                .into();
            counter.add(10);
            for worker in workers {
                worker.join().expect("a worker does not panic");
            }
            assert_eq!(counter.get(), 10, "lost update");
        });
        assert!(runs > 1, "loom tried {runs} interleavings");
    }

    #[test]
    #[should_panic(expected = "lost update")]
    fn racy_counter_loses_an_update_and_loom_finds_it() {
        check("racy counter (expected to fail)", || {
            let counter = Arc::new(RacyCounter::new());
            let other = Arc::clone(&counter);
            let adder = loom::thread::spawn(move || other.add(1));
            counter.add(1);
            adder.join().expect("the adder does not panic");
            assert_eq!(counter.get(), 2, "lost update");
        });
    }

    #[test]
    fn bounded_buffer_never_overflows_and_never_deadlocks() {
        let runs = check("thread-condition bounded buffer", || {
            let buffer = Arc::new(BoundedBuffer::new(1));
            // Two producers, so that a wake-up can go to the wrong waiter.
            let producers: Vec<_> = [vec![1, 2], vec![3]]
                .map(|items| {
                    let shelf = Arc::clone(&buffer);
                    loom::thread::spawn(move || items.iter().map(|&item| shelf.put(item)).max())
                })
                .into();
            let mut taken: Vec<u32> = (0..3).map(|_| buffer.take()).collect();
            for producer in producers {
                let longest = producer.join().expect("a producer does not panic");
                assert_eq!(longest, Some(1), "the buffer overflowed");
            }
            let first = |item| taken.iter().position(|&taken| taken == item);
            assert!(
                first(1) < first(2),
                "one producer's items out of order: {taken:?}"
            );
            taken.sort_unstable();
            assert_eq!(taken, [1, 2, 3]);
            assert_eq!(buffer.len(), 0);
        });
        assert!(runs > 1, "loom tried {runs} interleavings");
    }

    #[test]
    fn semaphore_hands_over_the_item_it_signals() {
        let runs = check("thread-semaphore signal", || {
            let semaphore = Arc::new(Semaphore::new(0));
            let item = Arc::new(Mutex::new(None));
            let (signal, slot) = (Arc::clone(&semaphore), Arc::clone(&item));
            let producer = loom::thread::spawn(move || {
                *slot.lock().expect("no panic") = Some(237);
                signal.release();
            });
            semaphore.acquire();
            assert_eq!(item.lock().expect("no panic").take(), Some(237));
            producer.join().expect("the producer does not panic");
        });
        assert!(runs > 1, "loom tried {runs} interleavings");
    }

    #[test]
    fn semaphore_admits_no_more_threads_than_permits() {
        let runs = check("counting semaphore, 1 permit", || {
            let semaphore = Arc::new(Semaphore::new(1));
            let inside = Arc::new(Mutex::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let (semaphore, inside) = (Arc::clone(&semaphore), Arc::clone(&inside));
                    loom::thread::spawn(move || {
                        semaphore.acquire();
                        *inside.lock().expect("no panic") += 1;
                        assert_eq!(*inside.lock().expect("no panic"), 1, "two inside");
                        *inside.lock().expect("no panic") -= 1;
                        semaphore.release();
                    })
                })
                .collect();
            for worker in workers {
                worker.join().expect("a worker does not panic");
            }
        });
        assert!(runs > 1, "loom tried {runs} interleavings");
    }
}
// ANCHOR_END: models
