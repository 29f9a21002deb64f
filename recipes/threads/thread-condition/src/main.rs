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
//! cargo run -p thread-condition -- --edition ed1     # 1st edition: 1 s / 2 s and its wording
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
//! - The global `items` list → a `Vec<u32>` in the mutex, shared by the two threads through an
//!   `Arc`; Python's GIL made the global safe to share, Rust's type system requires the lock.
//! - `Thread` subclasses → named threads: `Producer`/`Consumer` as the 2nd edition names them,
//!   `Thread-1`/`Thread-2` (Python's defaults) for the 1st.
//!
//! ## Differences from the book
//!
//! - Both originals check their condition once, with `if`, before `wait()`; a spurious wake-up or
//!   a notification for a state that has changed again would let the consumer pop an empty list
//!   or the producer overfill it. `wait_while` re-checks the predicate after every wake-up.
//! - The run checks itself: the list never held more than its capacity (its longest length is
//!   recorded inside the critical section), every item produced was consumed once, and the list
//!   ends empty; otherwise it exits 1.
//! - The items are numbered 1, 2, 3… instead of all being `1`, so that the check can tell them
//!   apart.
//! - The book's constants are flags: `--items` (20), `--capacity` (10; 0 is refused because the
//!   producer would wait forever), `--producer-delay` and `--consumer-delay` in book seconds.
//!   Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s).
//! - The 2nd edition writes its lines with `logging`, to stderr; here the same log lines
//!   (timestamp, thread name in 17 columns, `INFO`, message) go to stdout.
//! - Lines are printed while the lock is held, so their order is the order in which the list
//!   changed. The 1st edition's wording is kept, typo ("producted") included.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use anyhow::ensure;
use clap::Parser;
use common::output::log_info;
use common::{Edition, Pace};

#[derive(Parser)]
#[command(about = "A bounded producer/consumer on one condition variable")]
struct Args {
    /// Which edition's run to reproduce: its delays, thread names and wording.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Items the producer makes and the consumer takes.
    #[arg(long, default_value_t = 20)]
    items: u32,
    /// Most items the list holds; the producer waits while it is full (0 would wait forever).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    capacity: u32,
    /// Book seconds the producer works before each item [default: 1 with ed1, 0.5 with ed2].
    #[arg(long, value_name = "SECONDS", value_parser = book_seconds)]
    producer_delay: Option<f64>,
    /// Book seconds the consumer works before each item [default: 2].
    #[arg(long, value_name = "SECONDS", value_parser = book_seconds)]
    consumer_delay: Option<f64>,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let edition = args.edition;
    let producer_delay = args.producer_delay.unwrap_or(match edition {
        Edition::Ed1 => 1.0,
        Edition::Ed2 => 0.5,
    });
    let consumer_delay = args.consumer_delay.unwrap_or(2.0);
    let (producer_name, consumer_name) = match edition {
        Edition::Ed1 => ("Thread-1", "Thread-2"),
        Edition::Ed2 => ("Producer", "Consumer"),
    };
    let buffer = Arc::new(Buffer::new(args.capacity as usize));
    let (items, pace) = (args.items, args.pace);

    let producer = common::spawn_named(producer_name, {
        let buffer = Arc::clone(&buffer);
        move || {
            for item in 1..=items {
                pace.sleep(producer_delay);
                produce(&buffer, item, edition);
            }
        }
    })?;
    let consumer = common::spawn_named(consumer_name, {
        let buffer = Arc::clone(&buffer);
        move || {
            (0..items)
                .map(|_| {
                    pace.sleep(consumer_delay);
                    consume(&buffer, edition)
                })
                .collect::<Vec<_>>()
        }
    })?;

    common::join(producer)?;
    let consumed = common::join(consumer)?;
    check(&buffer.lock(), buffer.capacity, items, consumed)
}

/// Parses a duration in book seconds: a number from 0 to 3600.
fn book_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if (0.0..=3600.0).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!("`{text}` is not between 0 and 3600 seconds"))
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

struct Items {
    list: Vec<u32>,
    /// The longest the list has been, measured inside the critical section after each append.
    longest: usize,
}
// ANCHOR_END: buffer

impl Buffer {
    fn new(capacity: usize) -> Self {
        Self {
            items: Mutex::new(Items {
                list: Vec::new(),
                longest: 0,
            }),
            changed: Condvar::new(),
            capacity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Items> {
        self.items.lock().expect(POISONED)
    }
}

/// A thread that panicked while holding the lock is a bug in this program, not a user's doing.
const POISONED: &str = "no thread panics while holding the list's lock";

// ANCHOR: produce
/// Appends `item`, first waiting while the list is full, then wakes the consumer.
fn produce(buffer: &Buffer, item: u32, edition: Edition) {
    let items = buffer.lock();
    let was_full = items.list.len() >= buffer.capacity;
    if was_full && edition == Edition::Ed2 {
        log_info(&format!("items produced {}. Stopped", items.list.len()));
    }
    // A wake-up is only a hint (it may be spurious, or the list may have filled again), so the
    // predicate is checked again each time, where the book's `if` checks it once.
    let mut items = buffer
        .changed
        .wait_while(items, |items| items.list.len() >= buffer.capacity)
        .expect(POISONED);
    if was_full && edition == Edition::Ed1 {
        println!("Producer notify : items producted are {}", items.list.len());
        println!("Producer notify : stop the production!!");
    }
    items.list.push(item);
    items.longest = items.longest.max(items.list.len());
    match edition {
        Edition::Ed1 => println!(
            "Producer notify : total items producted {}",
            items.list.len()
        ),
        Edition::Ed2 => log_info(&format!("total items {}", items.list.len())),
    }
    buffer.changed.notify_one();
}
// ANCHOR_END: produce

// ANCHOR: consume
/// Removes the newest item, first waiting while the list is empty, then wakes the producer.
fn consume(buffer: &Buffer, edition: Edition) -> u32 {
    let items = buffer.lock();
    let was_empty = items.list.is_empty();
    if was_empty && edition == Edition::Ed2 {
        log_info("no items to consume");
    }
    let mut items = buffer
        .changed
        .wait_while(items, |items| items.list.is_empty())
        .expect(POISONED);
    if was_empty && edition == Edition::Ed1 {
        println!("Consumer notify : no item to consume");
    }
    let item = items
        .list
        .pop()
        .expect("wait_while returns only once the list has an item");
    match edition {
        Edition::Ed1 => {
            println!("Consumer notify : consumed 1 item");
            println!(
                "Consumer notify : items to consume are {}",
                items.list.len()
            );
        }
        Edition::Ed2 => log_info("consumed 1 item"),
    }
    buffer.changed.notify_one();
    item
}
// ANCHOR_END: consume

// ANCHOR: check
fn check(
    items: &Items,
    capacity: usize,
    produced: u32,
    mut consumed: Vec<u32>,
) -> anyhow::Result<()> {
    ensure!(
        items.longest <= capacity,
        "the list held {} items, more than its capacity of {capacity}",
        items.longest
    );
    ensure!(
        items.list.is_empty(),
        "{} items were left in the list: {:?}",
        items.list.len(),
        items.list
    );
    consumed.sort_unstable();
    ensure!(
        consumed.iter().copied().eq(1..=produced),
        "items lost or duplicated: produced 1..={produced}, consumed {consumed:?}"
    );
    println!(
        "List checked: {produced} items produced, {} consumed, none left; at most {} of {capacity} held at once",
        consumed.len(),
        items.longest
    );
    Ok(())
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet_run(capacity: usize, items: u32) -> (Buffer, Vec<u32>) {
        let buffer = Buffer::new(capacity);
        let consumed = std::thread::scope(|scope| {
            scope.spawn(|| (1..=items).for_each(|item| produce(&buffer, item, Edition::Ed1)));
            scope
                .spawn(|| (0..items).map(|_| consume(&buffer, Edition::Ed1)).collect())
                .join()
                .unwrap()
        });
        (buffer, consumed)
    }

    #[test]
    fn a_tiny_list_never_overflows_and_ends_empty() {
        let (buffer, consumed) = quiet_run(1, 50);
        let items = buffer.lock();
        assert_eq!(items.longest, 1);
        assert!(check(&items, 1, 50, consumed).is_ok());
    }

    #[test]
    fn the_list_fills_up_when_the_consumer_is_absent() {
        let buffer = Buffer::new(3);
        (1..=3).for_each(|item| produce(&buffer, item, Edition::Ed2));
        assert_eq!(buffer.lock().list, [1, 2, 3]);
        assert_eq!(
            consume(&buffer, Edition::Ed2),
            3,
            "the list pops its newest item"
        );
    }

    #[test]
    fn check_rejects_an_overfull_list() {
        let items = Items {
            list: Vec::new(),
            longest: 11,
        };
        let error = check(&items, 10, 2, vec![2, 1]).unwrap_err();
        assert!(error.to_string().contains("more than its capacity"));
    }

    #[test]
    fn check_rejects_leftovers_and_lost_items() {
        let left = Items {
            list: vec![3],
            longest: 1,
        };
        assert!(check(&left, 10, 3, vec![1, 2]).is_err());
        let empty = Items {
            list: Vec::new(),
            longest: 1,
        };
        assert!(check(&empty, 10, 3, vec![1, 1, 2]).is_err());
        assert!(check(&empty, 10, 3, vec![3, 1, 2]).is_ok());
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
