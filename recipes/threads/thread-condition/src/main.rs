//! # Thread synchronization with a condition
//!
//! Book: 1st edition §2.8 "Thread synchronization with a condition"; 2nd edition chapter 2, same
//! title, `Condition.py`.
//!
//! A producer thread appends items to a list that holds at most 10; a consumer thread removes
//! them, more slowly. Each side waits on the same condition variable when it cannot go on (the
//! list full, the list empty) and notifies it after changing the list, which wakes the other.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-condition                      # 2nd edition: 0.5 s / 2 s, 50 ms ticks
//! cargo run -p thread-condition -- --edition ed1     # 1st edition: 1 s / 2 s, src/ed1.rs
//! cargo run -p thread-condition -- --book            # the book's real seconds (about 40 s)
//! cargo run -p thread-condition -- --capacity 3 --items 8 --tick-ms 10
//! ```
//!
//! ## Python → Rust
//!
//! - `threading.Condition()` → a `Mutex` and a `Condvar` used together. Python's condition owns
//!   its lock; in Rust the list lives *inside* the `Mutex`, so it cannot be touched without the
//!   lock, and `Condvar::wait_while` takes the guard, releases the lock while asleep and hands it
//!   back on waking, as `condition.wait()` does.
//! - `with condition:` / `acquire()`…`release()` → the guard's scope.
//! - `condition.notify()` → `Condvar::notify_one`: only one thread can be waiting at a time (the
//!   producer waits on a full list, the consumer on an empty one), so waking one is enough.
//! - The global `items` list → a `Vec<u32>` in the mutex, borrowed by the two threads of a
//!   `thread::scope`; Python's GIL made the global safe to share, Rust's type system requires
//!   the lock.
//! - `Thread` subclasses → threads built with `thread::Builder::name` and started with
//!   `spawn_scoped`: `Producer`/`Consumer` as the 2nd edition names them, `Thread-1`/`Thread-2`
//!   (Python's defaults) for the 1st.
//!
//! ## Differences from the book
//!
//! - Both originals check their condition once, with `if`, before `wait()`; a spurious wake-up or
//!   a notification for a state that has changed again would let the consumer pop an empty list
//!   or the producer overfill it. `wait_while` re-checks the predicate after every wake-up.
//! - The run checks itself: the list never held more than its capacity (its longest length is
//!   recorded inside the critical section), and every item produced was consumed once (so none
//!   is left in the list); otherwise it exits 1. Its last line says what held: `List checked:
//!   20 items produced, 20 consumed, none left; at most 10 of 10 held at once`.
//! - The items are numbered 1, 2, 3… instead of all being `1`, so that the check can tell them
//!   apart.
//! - The book's constants are flags: `--items` (20), `--capacity` (10; 0 is refused because the
//!   producer would wait forever), `--producer-delay` and `--consumer-delay` in book seconds.
//!   Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s).
//! - The 2nd edition writes its lines with `logging`, to stderr; here the same log lines
//!   (timestamp, thread name in 17 columns, `INFO`, message) go to stdout.
//! - Lines are printed while the lock is held, so their order is the order in which the list
//!   changed. The 1st edition's wording is kept, typo ("producted") included.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use common::output::log_info;
use common::{Edition, Pace};

mod ed1;

#[derive(Parser)]
#[command(about = "A bounded producer/consumer on one condition variable")]
struct Args {
    /// Which edition's run to reproduce: its delays, thread names and wording.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Items the producer makes and the consumer takes, at most 30: a minute at the book's pace.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(..=30))]
    items: u32,
    /// Most items the list holds, at most 1000; the producer waits while it is full (0 would
    /// wait forever).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    capacity: u32,
    /// Book seconds the producer works before each item, at most 60 [default: 1 with ed1, 0.5
    /// with ed2].
    #[arg(long, value_name = "SECONDS", value_parser = book_seconds)]
    producer_delay: Option<f64>,
    /// Book seconds the consumer works before each item, at most 60 [default: 2].
    #[arg(long, value_name = "SECONDS", value_parser = book_seconds)]
    consumer_delay: Option<f64>,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

// ANCHOR: main
fn run(args: Args) -> Result<()> {
    let (edition, items, pace) = (args.edition, args.items, args.pace);
    let (names, producer_delay) = match edition {
        Edition::Ed1 => (["Thread-1", "Thread-2"], 1.0),
        Edition::Ed2 => (["Producer", "Consumer"], 0.5),
    };
    let (produce, consume): (Produce, Consume) = match edition {
        Edition::Ed1 => (ed1::produce, ed1::consume),
        Edition::Ed2 => (produce, consume),
    };
    let producer_delay = args.producer_delay.unwrap_or(producer_delay);
    let consumer_delay = args.consumer_delay.unwrap_or(2.0);
    let buffer = Buffer {
        items: Mutex::default(),
        changed: Condvar::new(),
        capacity: args.capacity as usize,
    };
    let mut consumed = Vec::new();
    thread::scope(|scope| {
        let producer = thread::Builder::new().name(names[0].to_owned());
        producer.spawn_scoped(scope, || {
            for item in 1..=items {
                pace.sleep(producer_delay);
                produce(&buffer, item);
            }
        })?;
        let consumer = thread::Builder::new().name(names[1].to_owned());
        consumer.spawn_scoped(scope, || {
            for _ in 0..items {
                pace.sleep(consumer_delay);
                consumed.push(consume(&buffer));
            }
        })?;
        std::io::Result::Ok(())
    })
    .context("cannot start a thread")?; // The scope has joined both threads.
    check(&buffer.lock(), buffer.capacity, items, consumed)
}
// ANCHOR_END: main

/// Parses a duration in book seconds: a number from 0 to 60.
fn book_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if (0.0..=60.0).contains(&seconds) => Ok(seconds),
        Ok(_) => Err(format!("`{text}` is not between 0 and 60 seconds")),
        Err(_) => Err(format!("`{text}` is not a number of seconds")),
    }
}

// ANCHOR: buffer
/// The book's global `items` list and its `Condition`, kept together: the condition variable is
/// only ever used with this mutex, and the list can only be reached through it.
struct Buffer {
    items: Mutex<Items>,
    changed: Condvar,
    capacity: usize,
}

#[derive(Default)]
struct Items {
    list: Vec<u32>,
    /// The longest the list has been, measured inside the critical section after each append.
    longest: usize,
}

impl Buffer {
    /// Poisoned only if a thread panicked while holding the list: a bug here, hence `unwrap`.
    fn lock(&self) -> MutexGuard<'_, Items> {
        self.items.lock().unwrap()
    }
}
// ANCHOR_END: buffer

/// The two threads' steps: this edition's, or the 1st edition's wording in `src/ed1.rs`.
type Produce = fn(&Buffer, u32);
type Consume = fn(&Buffer) -> Option<u32>;

// ANCHOR: produce
/// Appends `item`, first waiting while the list is full, then wakes the consumer.
fn produce(buffer: &Buffer, item: u32) {
    let items = buffer.lock();
    if items.list.len() >= buffer.capacity {
        log_info(&format!("items produced {}. Stopped", items.list.len()));
    }
    // A wake-up is only a hint (it may be spurious, or the list may have filled again), so the
    // predicate is checked again each time, where the book's `if` checks it once.
    let full = |items: &mut Items| items.list.len() >= buffer.capacity;
    let mut items = buffer.changed.wait_while(items, full).unwrap();
    items.list.push(item);
    items.longest = items.longest.max(items.list.len());
    log_info(&format!("total items {}", items.list.len()));
    buffer.changed.notify_one();
}
// ANCHOR_END: produce

// ANCHOR: consume
/// Removes the newest item, first waiting while the list is empty, then wakes the producer.
fn consume(buffer: &Buffer) -> Option<u32> {
    let items = buffer.lock();
    if items.list.is_empty() {
        log_info("no items to consume");
    }
    let empty = |items: &mut Items| items.list.is_empty();
    let mut items = buffer.changed.wait_while(items, empty).unwrap();
    let item = items.list.pop();
    log_info("consumed 1 item");
    buffer.changed.notify_one();
    item
}
// ANCHOR_END: consume

// ANCHOR: check
fn check(items: &Items, capacity: usize, produced: u32, consumed: Vec<Option<u32>>) -> Result<()> {
    let longest = items.longest;
    ensure!(
        longest <= capacity,
        "the list held {longest} items, more than its capacity of {capacity}"
    );
    // Every item consumed exactly once also means that none is left in the list.
    let mut consumed: Vec<u32> = consumed.into_iter().flatten().collect();
    consumed.sort_unstable();
    ensure!(
        consumed.iter().copied().eq(1..=produced),
        "items lost or duplicated: produced 1..={produced}, consumed {consumed:?}"
    );
    let count = consumed.len();
    println!(
        "List checked: {produced} items produced, {count} consumed, none left; at most {longest} of {capacity} held at once"
    );
    Ok(())
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(capacity: usize) -> Buffer {
        Buffer {
            items: Mutex::default(),
            changed: Condvar::new(),
            capacity,
        }
    }

    #[test]
    fn a_tiny_list_never_overflows_and_ends_empty() {
        let buffer = buffer(1);
        let consumed = thread::scope(|scope| {
            scope.spawn(|| (1..=50).for_each(|item| ed1::produce(&buffer, item)));
            let consumer = scope.spawn(|| (0..50).map(|_| ed1::consume(&buffer)).collect());
            consumer.join().unwrap()
        });
        let items = buffer.lock();
        assert_eq!(items.longest, 1);
        assert!(items.list.is_empty());
        assert!(check(&items, 1, 50, consumed).is_ok());
    }

    #[test]
    fn the_list_fills_up_when_the_consumer_is_absent() {
        let buffer = buffer(3);
        (1..=3).for_each(|item| produce(&buffer, item));
        assert_eq!(buffer.lock().list, [1, 2, 3]);
        assert_eq!(consume(&buffer), Some(3), "the list pops its newest item");
    }

    #[test]
    fn check_rejects_an_overfull_list_and_lost_items() {
        let items = |longest| Items {
            list: Vec::new(),
            longest,
        };
        let error = check(&items(11), 10, 2, vec![Some(2), Some(1)]).unwrap_err();
        assert!(error.to_string().contains("more than its capacity"));
        assert!(check(&items(1), 10, 3, vec![Some(1), Some(2)]).is_err());
        assert!(check(&items(1), 10, 3, vec![Some(1), Some(1), Some(2)]).is_err());
        assert!(check(&items(1), 10, 3, vec![Some(3), None, Some(1), Some(2)]).is_ok());
    }

    #[test]
    fn book_seconds_accepts_fractions_and_refuses_nonsense() {
        assert_eq!(book_seconds("0.5"), Ok(0.5));
        assert_eq!(book_seconds("0"), Ok(0.0));
        assert!(book_seconds("-1").is_err());
        assert!(book_seconds("NaN").is_err());
        assert!(book_seconds("inf").is_err());
        assert!(book_seconds("soon").is_err());
    }
}
