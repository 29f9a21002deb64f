//! # Thread synchronization with an event
//!
//! Book: 1st edition §2.9 "Thread synchronization with an event"; 2nd edition chapter 2, same
//! title, `Event.py`.
//!
//! A producer thread appends random numbers to a list, one every two book seconds, and after each
//! one sets an event and clears it at once: a pulse. A consumer thread waits for the event and
//! pops what the list holds. The event carries no data; it only says "look now".
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-event                          # 2nd edition: 5 items, 50 ms ticks
//! cargo run -p thread-event -- --edition ed1         # 1st edition: 100 items (10 s) and wording
//! cargo run -p thread-event -- --book --seed 7       # the book's 2 s pace, repeatable items
//! ```
//!
//! ## Python → Rust
//!
//! - `threading.Event` → `Event` in `src/event.rs`, because std has none: a `Mutex<(bool, u64)>`
//!   (the flag and a generation count of `set` calls) and a `Condvar`. `set` raises the flag,
//!   counts a generation and wakes all waiters; `clear` lowers the flag; `wait` sleeps on the
//!   condvar until the flag is up *or* the generation has moved since the caller last looked.
//! - The shared `items` list → a `Mutex<List>`: Python's GIL made `append` and `pop` on a bare
//!   list safe; Rust asks for the lock. The event remains the only signal between the threads.
//! - `Thread` subclasses → threads built with `thread::Builder::name` and started with
//!   `spawn_scoped` in a `thread::scope`, which joins them: `Thread-1` (producer) and
//!   `Thread-2` (consumer), as Python names them. The consumer hands back what it popped by
//!   assigning to a variable of `run`, which a scoped thread may borrow.
//!
//! ## Differences from the book
//!
//! - The originals never end: the consumer loops forever and the program must be killed. Here
//!   the producer, after its last item, marks the list finished (under the list's lock) and sets
//!   the event for good; the consumer, woken by that, empties the list, sees the mark and
//!   returns. No sleep is involved in stopping.
//! - The originals can lose items. Python's `set(); clear()` pulse wakes only a thread already
//!   blocked in `wait()`; the consumer spends most of its time in `sleep(2)`, misses the pulse,
//!   and then pops one item per pulse it does catch, so items pile up, are popped late or never.
//!   Here the generation count makes a missed pulse visible to the next `wait`, and each
//!   wake-up drains the whole list.
//! - The run checks itself: the items popped must be exactly the items appended, each once;
//!   otherwise it exits 1, and its last line reports the check: `List drained: 5 items
//!   appended, 5 popped, each exactly once`. Lines are printed under the list's lock, so an
//!   item's "popped" line always comes after its "appended" line.
//! - Item counts and ranges are the editions' (ed1: 100 items in 0..=256, ed2: 5 in 0..=100);
//!   `--items` overrides the count. The items are drawn before the threads start, so that the
//!   check knows them; the producer appends them one by one as in the book. Sleeps are ticks
//!   of `--tick-ms` (50 ms by default; `--book` for 1 s). `--seed` makes the items repeatable.
//! - The 2nd edition writes its lines with `logging`, to stderr; here the same log lines go to
//!   stdout. The 1st edition's wording is kept, including its "Produce notify" typo, without the
//!   trailing space of its last line.

use std::sync::Mutex;
use std::thread;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use common::output::{log_info, thread_name};
use common::{Edition, Pace};
use rand::RngExt;

mod event;
use event::Event;

#[derive(Parser)]
#[command(about = "A producer pulses an event; a consumer wakes on it and empties a list")]
struct Args {
    /// Which edition's run to reproduce: ed1 appends 100 items in 0..=256, ed2 5 in 0..=100.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Items to append, at most 100 [default: the edition's count].
    #[arg(long, value_parser = clap::value_parser!(u32).range(..=100))]
    items: Option<u32>,
    /// Seed for the random items; random when absent, as in the book.
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
    let (count, largest) = match edition {
        Edition::Ed1 => (args.items.unwrap_or(100), 256),
        Edition::Ed2 => (args.items.unwrap_or(5), 100),
    };
    let mut rng = common::seeded_rng(args.seed);
    let items: Vec<u32> = (0..count).map(|_| rng.random_range(0..=largest)).collect();
    let shared = Shared::default();
    let mut popped = Vec::new();
    thread::scope(|scope| {
        let named = |name: &str| thread::Builder::new().name(name.to_owned());
        named("Thread-1").spawn_scoped(scope, || produce(&shared, &items, pace, edition))?;
        named("Thread-2").spawn_scoped(scope, || popped = consume(&shared, pace, edition))?;
        std::io::Result::Ok(())
    })
    .context("cannot start a thread")?; // The scope has joined both threads.
    check(items, popped)
}
// ANCHOR_END: main

/// What the two threads share: the event, and the list it tells the consumer to look at. The
/// list's lock is poisoned only if a thread panicked while holding it, a bug: hence `unwrap`.
#[derive(Default)]
struct Shared {
    event: Event,
    list: Mutex<List>,
}

#[derive(Default)]
struct List {
    items: Vec<u32>,
    /// Set by the producer after its last item: nothing more will be appended.
    finished: bool,
}

// ANCHOR: produce
/// Appends the items, pulsing the event after each, then marks the list finished and leaves
/// the event set.
fn produce(shared: &Shared, items: &[u32], pace: Pace, edition: Edition) {
    let name = thread_name("producer");
    for &item in items {
        pace.sleep(2.0);
        let mut list = shared.list.lock().unwrap();
        list.items.push(item);
        // Printed under the lock, so it comes before the consumer's line for this item.
        say(
            edition,
            &format!("Producer notify : item N° {item} appended to list by {name}"),
            &format!("Producer notify: item {item} appended by {name}"),
        );
        drop(list);
        if edition == Edition::Ed1 {
            println!("Producer notify : event set by {name}");
        }
        shared.event.set();
        if edition == Edition::Ed1 {
            println!("Produce notify : event cleared by {name}");
        }
        shared.event.clear();
    }
    shared.list.lock().unwrap().finished = true;
    // Set and not cleared: every later wait returns at once, and the consumer finds the mark.
    shared.event.set();
}
// ANCHOR_END: produce

// ANCHOR: consume
/// Waits for the event and pops everything the list holds, until the list is finished and
/// empty. Returns the items popped.
fn consume(shared: &Shared, pace: Pace, edition: Edition) -> Vec<u32> {
    let name = thread_name("consumer");
    let mut popped = Vec::new();
    let mut seen = 0;
    loop {
        pace.sleep(2.0);
        seen = shared.event.wait(seen);
        let mut list = shared.list.lock().unwrap();
        // One pulse may stand for several items (appended while this thread slept): take all.
        while let Some(item) = list.items.pop() {
            say(
                edition,
                &format!("Consumer notify : {item} popped from list by {name}"),
                &format!("Consumer notify: {item} popped by {name}"),
            );
            popped.push(item);
        }
        if list.finished {
            return popped;
        }
    }
}
// ANCHOR_END: consume

/// Each edition's wording: the 1st prints, the 2nd logs with time and thread name.
fn say(edition: Edition, ed1: &str, ed2: &str) {
    match edition {
        Edition::Ed1 => println!("{ed1}"),
        Edition::Ed2 => log_info(ed2),
    }
}

fn check(mut appended: Vec<u32>, mut popped: Vec<u32>) -> Result<()> {
    appended.sort_unstable();
    popped.sort_unstable();
    ensure!(
        appended == popped,
        "items lost or popped twice: appended {appended:?}, popped {popped:?}"
    );
    let (appended, popped) = (appended.len(), popped.len());
    println!("List drained: {appended} items appended, {popped} popped, each exactly once");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    const NO_SLEEP: Pace = Pace {
        book: false,
        tick_ms: Some(0),
    };

    #[test]
    fn the_consumer_gets_every_item_and_stops() {
        for seed in 0..20 {
            let shared = Shared::default();
            let mut rng = SmallRng::seed_from_u64(seed);
            let items: Vec<u32> = (0..30).map(|_| rng.random_range(0..=100)).collect();
            let popped = thread::scope(|scope| {
                let consumer = scope.spawn(|| consume(&shared, NO_SLEEP, Edition::Ed2));
                produce(&shared, &items, NO_SLEEP, Edition::Ed2);
                consumer.join().unwrap()
            });
            assert!(check(items, popped).is_ok(), "seed {seed}");
        }
    }

    #[test]
    fn check_rejects_a_lost_or_doubled_item() {
        assert!(check(vec![1, 2, 3], vec![3, 1]).is_err());
        assert!(check(vec![1, 2], vec![1, 2, 2]).is_err());
        assert!(check(vec![2, 1, 2], vec![2, 2, 1]).is_ok());
    }
}
