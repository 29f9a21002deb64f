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
//! - `threading.Semaphore(0)` → the small `Semaphore` below: a count in a `Mutex<usize>` and a
//!   `Condvar` to sleep on while it is 0. The standard library has no counting semaphore;
//!   `acquire` waits with `Condvar::wait_while` until the count is positive, then takes one;
//!   `release` adds one and wakes a waiter. (Async code would use `tokio::sync::Semaphore`.)
//! - The global `item` → a `Mutex<Option<u32>>` next to the semaphore. Rust will not let two
//!   threads share a plain global, so the item needs a lock of its own, but that lock only
//!   stores it: the *order* (the item exists before the consumer reads it) comes from the
//!   semaphore alone. The consumer `take`s the item, so it could never read one twice.
//! - `threading.Thread(target=...)` → named threads; Python numbers them `Thread-1`,
//!   `Thread-2`, … across the rounds, and so does this port.
//! - The 2nd edition's `logging` lines (time, thread name in 17 columns, `INFO`) →
//!   `common::output::log_info`.
//!
//! ## Differences from the book
//!
//! - Both editions in one binary: `--edition ed2` (default: 10 rounds, the producer works 3
//!   book seconds, the consumer starts first) or `ed1` (5 rounds of 10 book seconds, the
//!   producer starts first, the 1st edition's wording and final `program terminated`).
//!   `--rounds` and `--work` override the counts.
//! - The run checks itself: the consumer of each round returns the item it took, and it must be
//!   the item that round's producer made (otherwise exit 1). A last line says so.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s); `--seed` makes the
//!   items repeatable.
//! - The 2nd edition logs to stderr; here its log lines go to stdout with the rest. The 1st
//!   edition's trailing space after the consumed number is left out, and its producer line
//!   says "produced", as the listing does (its screenshot shows "producted").

use std::sync::{Arc, Condvar, Mutex, PoisonError};

use anyhow::ensure;
use clap::Parser;
use common::output::log_info;
use common::{Edition, Pace};
use rand::RngExt;
use rand::rngs::SmallRng;

#[derive(Parser)]
#[command(about = "A semaphore at 0 as a signal between a producer and a consumer")]
struct Args {
    /// Which edition's run: ed2 10 rounds of 3 book seconds, ed1 5 rounds of 10, with each
    /// edition's wording.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Rounds of one producer and one consumer [default: 10 with ed2, 5 with ed1].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: Option<u32>,
    /// Book seconds the producer works before each item [default: 3 with ed2, 10 with ed1].
    #[arg(long, value_name = "SECONDS")]
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

fn run(args: Args) -> anyhow::Result<()> {
    let (rounds, work) = match args.edition {
        Edition::Ed1 => (5, 10),
        Edition::Ed2 => (10, 3),
    };
    let rounds = args.rounds.unwrap_or(rounds);
    let work = args.work.unwrap_or(work);
    let mut rng = common::seeded_rng(args.seed);
    let shared = Arc::new(Shared {
        semaphore: Semaphore::new(0),
        item: Mutex::new(None),
    });
    let say = Say(args.edition);
    for round in 0..rounds {
        let producer_job = Producer {
            shared: Arc::clone(&shared),
            rng,
            work: f64::from(work),
            pace: args.pace,
            say,
        };
        let consumer_job = {
            let shared = Arc::clone(&shared);
            move || consume(&shared, say)
        };
        // Python numbers threads in creation order, and the editions start the pair in
        // opposite orders.
        let (first, second) = (2 * round + 1, 2 * round + 2);
        let (producer, consumer) = match args.edition {
            Edition::Ed1 => {
                let producer = common::spawn_named(&format!("Thread-{first}"), move || {
                    producer_job.produce()
                })?;
                (
                    producer,
                    common::spawn_named(&format!("Thread-{second}"), consumer_job)?,
                )
            }
            Edition::Ed2 => {
                let consumer = common::spawn_named(&format!("Thread-{first}"), consumer_job)?;
                (
                    common::spawn_named(&format!("Thread-{second}"), move || {
                        producer_job.produce()
                    })?,
                    consumer,
                )
            }
        };
        let consumed = common::join(consumer)?;
        let (produced, rng_back) = common::join(producer)?;
        rng = rng_back;
        check_round(round + 1, produced, consumed)?;
    }
    if args.edition == Edition::Ed1 {
        println!("program terminated");
    }
    println!(
        "Semaphore checked: in each of {rounds} rounds the consumer took the item its producer made"
    );
    Ok(())
}

// ANCHOR: semaphore
/// A counting semaphore: `acquire` waits until the count is positive and takes one, `release`
/// gives one back and wakes a waiter.
struct Semaphore {
    count: Mutex<usize>,
    positive: Condvar,
}

impl Semaphore {
    fn new(count: usize) -> Self {
        Self {
            count: Mutex::new(count),
            positive: Condvar::new(),
        }
    }

    fn acquire(&self) {
        // A panic elsewhere cannot leave a bare counter half-changed, so poisoning is ignored.
        let count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        let mut count = self
            .positive
            .wait_while(count, |count| *count == 0)
            .unwrap_or_else(PoisonError::into_inner);
        *count -= 1;
    }

    fn release(&self) {
        *self.count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.positive.notify_one();
    }
}
// ANCHOR_END: semaphore

/// What the rounds share: the signal, and the place the item is left in.
struct Shared {
    semaphore: Semaphore,
    item: Mutex<Option<u32>>,
}

/// A producer's belongings for one round. It hands the random generator back when done, so
/// the next round continues the same (seeded) sequence.
struct Producer {
    shared: Arc<Shared>,
    rng: SmallRng,
    work: f64,
    pace: Pace,
    say: Say,
}

// ANCHOR: produce
impl Producer {
    /// Works, leaves a new item, then signals it; returns the item.
    fn produce(mut self) -> (u32, SmallRng) {
        self.pace.sleep(self.work);
        let item = self.rng.random_range(0..=1000);
        *self
            .shared
            .item
            .lock()
            .expect("no thread panics while holding the item") = Some(item);
        self.say.produced(item);
        self.shared.semaphore.release();
        (item, self.rng)
    }
}

/// Waits for the signal, then takes the item; returns what it found.
fn consume(shared: &Shared, say: Say) -> Option<u32> {
    say.waiting();
    shared.semaphore.acquire();
    let item = shared
        .item
        .lock()
        .expect("no thread panics while holding the item")
        .take();
    if let Some(item) = item {
        say.consumed(item);
    }
    item
}
// ANCHOR_END: produce

fn check_round(round: u32, produced: u32, consumed: Option<u32>) -> anyhow::Result<()> {
    ensure!(
        consumed == Some(produced),
        "round {round}: the producer made item {produced} but the consumer took {}",
        consumed.map_or("nothing".to_owned(), |item| item.to_string())
    );
    Ok(())
}

/// The lines each edition prints.
#[derive(Debug, Clone, Copy)]
struct Say(Edition);

impl Say {
    fn waiting(self) {
        match self.0 {
            Edition::Ed1 => println!("consumer is waiting."),
            Edition::Ed2 => log_info("Consumer is waiting"),
        }
    }

    fn produced(self, item: u32) {
        match self.0 {
            Edition::Ed1 => println!("producer notify : produced item number {item}"),
            Edition::Ed2 => log_info(&format!("Producer notify: item number {item}")),
        }
    }

    fn consumed(self, item: u32) {
        match self.0 {
            Edition::Ed1 => println!("Consumer notify : consumed item number {item}"),
            Edition::Ed2 => log_info(&format!("Consumer notify: item number {item}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_released_permit_is_kept_for_a_later_acquire() {
        let semaphore = Semaphore::new(0);
        semaphore.release();
        semaphore.release();
        semaphore.acquire();
        semaphore.acquire();
        assert_eq!(*semaphore.count.lock().unwrap(), 0);
    }

    #[test]
    fn acquire_waits_for_a_release() {
        let semaphore = Arc::new(Semaphore::new(0));
        let (done, finished) = mpsc::channel();
        let waiter = {
            let semaphore = Arc::clone(&semaphore);
            std::thread::spawn(move || {
                semaphore.acquire();
                done.send(()).unwrap();
            })
        };
        // Not a synchronization: a bound on how long we accept to see nothing happen.
        assert!(finished.recv_timeout(Duration::from_millis(50)).is_err());
        semaphore.release();
        finished.recv().unwrap();
        waiter.join().unwrap();
    }

    #[test]
    fn check_round_wants_the_produced_item() {
        assert!(check_round(1, 5, Some(5)).is_ok());
        let error = check_round(2, 5, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "round 2: the producer made item 5 but the consumer took nothing"
        );
    }

    #[test]
    fn a_round_hands_over_the_item_and_leaves_nothing_behind() {
        let shared = Arc::new(Shared {
            semaphore: Semaphore::new(0),
            item: Mutex::new(None),
        });
        let producer = Producer {
            shared: Arc::clone(&shared),
            rng: SmallRng::seed_from_u64(1),
            work: 0.0,
            pace: Pace::default(),
            say: Say(Edition::Ed1),
        };
        let consumer = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || consume(&shared, Say(Edition::Ed1)))
        };
        let (produced, _) = producer.produce();
        assert_eq!(consumer.join().unwrap(), Some(produced));
        assert_eq!(*shared.item.lock().unwrap(), None);
        assert_eq!(*shared.semaphore.count.lock().unwrap(), 0);
    }
}
