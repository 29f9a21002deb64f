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
//! - `threading.Event` → [`Event`], written here because std has none: a `Mutex<(bool, u64)>`
//!   (the flag and a generation count of `set` calls) and a `Condvar`. `set` raises the flag,
//!   counts a generation and wakes all waiters; `clear` lowers the flag; `wait` sleeps on the
//!   condvar until the flag is up *or* the generation has moved since the caller last looked.
//! - The shared `items` list → a `Mutex<List>`: Python's GIL made `append` and `pop` on a bare
//!   list safe; Rust asks for the lock. The event remains the only signal between the threads.
//! - `Thread` subclasses → named threads `Thread-1` (producer) and `Thread-2` (consumer), as
//!   Python names them.
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
//!   otherwise it exits 1. Lines are printed under the list's lock, so an item's "popped" line
//!   always comes after its "appended" line.
//! - Item counts and ranges are the editions' (ed1: 100 items in 0..=256, ed2: 5 in 0..=100);
//!   `--items` overrides the count. Sleeps are ticks of `--tick-ms` (50 ms by default; `--book`
//!   for 1 s). `--seed` makes the items repeatable.
//! - The 2nd edition writes its lines with `logging`, to stderr; here the same log lines go to
//!   stdout. The 1st edition's wording is kept, including its "Produce notify" typo, without the
//!   trailing space of its last line.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use anyhow::ensure;
use clap::Parser;
use common::output::log_info;
use common::{Edition, Pace};
use rand::RngExt;
use rand::rngs::SmallRng;

#[derive(Parser)]
#[command(about = "A producer pulses an event; a consumer wakes on it and empties a list")]
struct Args {
    /// Which edition's run to reproduce: ed1 appends 100 items in 0..=256, ed2 5 in 0..=100.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Items to append [default: the edition's count].
    #[arg(long)]
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

fn run(args: Args) -> anyhow::Result<()> {
    let edition = args.edition;
    let (default_items, largest) = match edition {
        Edition::Ed1 => (100, 256),
        Edition::Ed2 => (5, 100),
    };
    let count = args.items.unwrap_or(default_items);
    let rng = common::seeded_rng(args.seed);
    let shared = Arc::new(Shared::default());
    let pace = args.pace;

    let producer = common::spawn_named("Thread-1", {
        let shared = Arc::clone(&shared);
        move || produce(&shared, count, largest, rng, pace, edition)
    })?;
    let consumer = common::spawn_named("Thread-2", {
        let shared = Arc::clone(&shared);
        move || consume(&shared, pace, edition)
    })?;

    let appended = common::join(producer)?;
    let popped = common::join(consumer)?;
    check(appended, popped)
}

/// A thread that panicked while holding a lock is a bug in this program, not a user's doing.
const POISONED: &str = "no thread panics while holding a lock";

// ANCHOR: event
/// Python's `threading.Event`, which std does not have: a flag that threads set, clear and wait
/// for. Besides the flag, the mutex holds a generation, the number of `set` calls so far, so a
/// waiter also notices a set that was cleared again before it could look.
#[derive(Default)]
struct Event {
    state: Mutex<(bool, u64)>,
    changed: Condvar,
}

impl Event {
    /// Raises the flag, starts a new generation and wakes every waiter.
    fn set(&self) {
        let mut state = self.state.lock().expect(POISONED);
        state.0 = true;
        state.1 += 1;
        self.changed.notify_all();
    }

    /// Lowers the flag; waiters that have not woken yet still see the new generation.
    fn clear(&self) {
        self.state.lock().expect(POISONED).0 = false;
    }

    /// Blocks until the flag is up or a `set` has happened since generation `seen` (0 at first,
    /// then what the previous call returned), and returns the current generation.
    fn wait(&self, seen: u64) -> u64 {
        let state = self.state.lock().expect(POISONED);
        let state = self
            .changed
            .wait_while(state, |(flag, generation)| !*flag && *generation == seen)
            .expect(POISONED);
        state.1
    }
}
// ANCHOR_END: event

/// What the two threads share: the event, and the list it tells the consumer to look at.
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

impl Shared {
    fn list(&self) -> MutexGuard<'_, List> {
        self.list.lock().expect(POISONED)
    }
}

// ANCHOR: produce
/// Appends `count` random items in `0..=largest`, pulsing the event after each, then marks the
/// list finished and leaves the event set. Returns the items appended.
fn produce(
    shared: &Shared,
    count: u32,
    largest: u32,
    mut rng: SmallRng,
    pace: Pace,
    edition: Edition,
) -> Vec<u32> {
    let name = common::output::thread_name("producer");
    let mut appended = Vec::new();
    for _ in 0..count {
        pace.sleep(2.0);
        let item = rng.random_range(0..=largest);
        {
            let mut list = shared.list();
            list.items.push(item);
            // Printed under the lock, so it comes before the consumer's line for this item.
            match edition {
                Edition::Ed1 => {
                    println!("Producer notify : item N° {item} appended to list by {name}");
                }
                Edition::Ed2 => {
                    log_info(&format!("Producer notify: item {item} appended by {name}"))
                }
            }
        }
        appended.push(item);
        if edition == Edition::Ed1 {
            println!("Producer notify : event set by {name}");
        }
        shared.event.set();
        if edition == Edition::Ed1 {
            println!("Produce notify : event cleared by {name}");
        }
        shared.event.clear();
    }
    shared.list().finished = true;
    // Set and not cleared: every later wait returns at once, and the consumer finds the mark.
    shared.event.set();
    appended
}
// ANCHOR_END: produce

// ANCHOR: consume
/// Waits for the event and pops everything the list holds, until the list is finished and
/// empty. Returns the items popped.
fn consume(shared: &Shared, pace: Pace, edition: Edition) -> Vec<u32> {
    let name = common::output::thread_name("consumer");
    let mut popped = Vec::new();
    let mut seen = 0;
    loop {
        pace.sleep(2.0);
        seen = shared.event.wait(seen);
        let mut list = shared.list();
        // One pulse may stand for several items (appended while this thread slept): take all.
        while let Some(item) = list.items.pop() {
            match edition {
                Edition::Ed1 => {
                    println!("Consumer notify : {item} popped from list by {name}");
                }
                Edition::Ed2 => log_info(&format!("Consumer notify: {item} popped by {name}")),
            }
            popped.push(item);
        }
        if list.finished {
            return popped;
        }
    }
}
// ANCHOR_END: consume

fn check(mut appended: Vec<u32>, mut popped: Vec<u32>) -> anyhow::Result<()> {
    appended.sort_unstable();
    popped.sort_unstable();
    ensure!(
        appended == popped,
        "items lost or popped twice: appended {appended:?}, popped {popped:?}"
    );
    println!(
        "List drained: {} items appended, {} popped, each exactly once",
        appended.len(),
        popped.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use rand::SeedableRng;

    const NO_SLEEP: Pace = Pace {
        book: false,
        tick_ms: Some(0),
    };

    #[test]
    fn a_pulse_missed_while_busy_is_still_seen() {
        let event = Event::default();
        event.set();
        event.clear();
        // Nobody was waiting during the pulse; the generation remembers it.
        assert_eq!(event.wait(0), 1);
    }

    #[test]
    fn wait_blocks_until_the_next_set() {
        let event = Event::default();
        let seen = std::thread::scope(|scope| {
            let waiter = scope.spawn(|| event.wait(0));
            std::thread::sleep(Duration::from_millis(20));
            assert!(!waiter.is_finished(), "nothing was set yet");
            event.set();
            waiter.join().unwrap()
        });
        assert_eq!(seen, 1);
    }

    #[test]
    fn a_set_flag_lets_every_wait_through() {
        let event = Event::default();
        event.set();
        assert_eq!(event.wait(1), 1);
        assert_eq!(event.wait(1), 1);
    }

    #[test]
    fn the_consumer_gets_every_item_and_stops() {
        for seed in 0..20 {
            let shared = Shared::default();
            let (appended, popped) = std::thread::scope(|scope| {
                let consumer = scope.spawn(|| consume(&shared, NO_SLEEP, Edition::Ed2));
                let rng = SmallRng::seed_from_u64(seed);
                let appended = produce(&shared, 30, 100, rng, NO_SLEEP, Edition::Ed2);
                (appended, consumer.join().unwrap())
            });
            assert!(check(appended, popped).is_ok(), "seed {seed}");
        }
    }

    #[test]
    fn check_rejects_a_lost_or_doubled_item() {
        assert!(check(vec![1, 2, 3], vec![3, 1]).is_err());
        assert!(check(vec![1, 2], vec![1, 2, 2]).is_err());
        assert!(check(vec![2, 1, 2], vec![2, 2, 1]).is_ok());
    }
}
