//! # Thread synchronization with RLock
//!
//! Book: 1st edition §2.6 "Thread synchronization with Lock and RLock" (the RLock part); 2nd
//! edition chapter 2, "Thread synchronization with RLock", `Rlock.py`.
//!
//! A box counts its items. Its public `add` and `remove` take the box's lock and then call a
//! helper, `execute`, which takes the same lock again. With an ordinary lock the thread would
//! wait for itself forever; a re-entrant lock lets the thread that holds it take it again. An
//! adder thread and a remover thread work on one box, one item per book second.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-rlock                             # 1st edition: 5 adds, 5 removes
//! cargo run -p thread-rlock -- --edition ed2 --seed 4   # 2nd edition: random counts
//! cargo run -p thread-rlock -- --lock mutex             # the usual Rust shape, no re-entry
//! cargo run -p thread-rlock -- --book                   # one real second per item
//! ```
//!
//! ## Python → Rust
//!
//! - `threading.RLock()` → `parking_lot::ReentrantMutex` (the standard library has none).
//!   `lock()` returns a guard; the thread holding the lock may lock it again, and the lock is
//!   free once all its guards are dropped, as an RLock is free once every `acquire` has had its
//!   `release`. A guard cannot be sent to another thread, so "only the owner releases" holds by
//!   construction.
//! - Two guards of one thread may be alive at once, so a re-entrant lock hands out only shared
//!   references: the count is a `Cell<i32>` inside the lock, changed with `get`/`set`.
//! - The 1st edition's `Box.lock` is a class attribute, one lock for every box; the 2nd
//!   edition's is an instance attribute. A Rust lock owns the data it guards, so the class-wide
//!   lock is a `static` owning every box's count (one slot per box, a `RefCell<Vec<i32>>`), and
//!   the per-box lock is a field owning that box's count.
//! - What a Rust programmer usually does instead: take the lock once, in the public method, and
//!   pass the locked data (`&mut i32`, or the guard) to the helper, which then cannot lock
//!   again. `--lock mutex` runs that shape on a `std::sync::Mutex`; locking a `std` mutex twice
//!   from one thread would deadlock or panic, and the types make the helper unable to try.
//!   `ReentrantMutex` remains for when the shape must stay, e.g. public methods calling each
//!   other, or callbacks that re-enter.
//!
//! ## Differences from the book
//!
//! - Both editions in one binary: `--edition ed1` (default) or `ed2`. The book's counts are
//!   flags, `--adds` and `--removes` (5 and 5; `randint(10, 20)` and `randint(1, 10)` with
//!   ed2, repeatable with `--seed`).
//! - The run checks itself: the box ends with adds − removes items (0 for the 1st edition),
//!   otherwise it exits 1. The 2nd edition prints no final count; this port prints the 1st
//!   edition's last line for it too, `N items still remain in the box`.
//! - `--lock mutex` is a port addition (see above); with it both editions use a lock per box.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s). The blank lines of
//!   the 2nd edition (a `"\n"` inside `print`) and the trailing spaces of the 1st edition's lines
//!   are left out; the 2nd edition's unused `items = 10` has no counterpart.

use std::cell::{Cell, RefCell};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use anyhow::{Context, ensure};
use clap::{Parser, ValueEnum};
use common::{Edition, Pace};
use parking_lot::ReentrantMutex;
use rand::RngExt;

#[derive(Parser)]
#[command(about = "An adder and a remover on a box whose methods re-take a re-entrant lock")]
struct Args {
    /// Which edition's run: ed1 adds and removes 5 items under one lock for every box; ed2
    /// draws the counts at random and gives each box its own lock.
    #[arg(long, value_enum, default_value_t = Edition::Ed1)]
    edition: Edition,
    /// Items the adder puts in, at most 1000000 [default: 5 with ed1, randint(10, 20) with ed2].
    #[arg(long, value_parser = clap::value_parser!(u32).range(..=1_000_000))]
    adds: Option<u32>,
    /// Items the remover takes out, at most 1000000 [default: 5 with ed1, randint(1, 10) with ed2].
    #[arg(long, value_parser = clap::value_parser!(u32).range(..=1_000_000))]
    removes: Option<u32>,
    /// The box's lock: re-entrant as in the book, or a plain mutex taken once, with the helper
    /// given the locked count (the usual Rust shape).
    #[arg(long, value_enum, default_value_t = LockKind::Reentrant)]
    lock: LockKind,
    /// Seed for the 2nd edition's random counts; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LockKind {
    /// parking_lot::ReentrantMutex, re-taken by the helper (the book's RLock).
    Reentrant,
    /// std::sync::Mutex, taken once; the helper gets the locked count.
    Mutex,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let mut rng = common::seeded_rng(args.seed);
    let (adds, removes) = match args.edition {
        Edition::Ed1 => (args.adds.unwrap_or(5), args.removes.unwrap_or(5)),
        Edition::Ed2 => (
            args.adds.unwrap_or_else(|| rng.random_range(10..=20)),
            args.removes.unwrap_or_else(|| rng.random_range(1..=10)),
        ),
    };
    let the_box: Arc<dyn ItemBox> = match (args.lock, args.edition) {
        (LockKind::Reentrant, Edition::Ed1) => Arc::new(ClassLockBox::new()),
        (LockKind::Reentrant, Edition::Ed2) => Arc::new(RlockBox::new()),
        (LockKind::Mutex, _) => Arc::new(MutexBox::new()),
    };
    if args.edition == Edition::Ed1 {
        println!("putting {adds} items in the box");
    }
    let worker = match args.edition {
        Edition::Ed1 => ed1_worker,
        Edition::Ed2 => ed2_worker,
    };
    let threads = [
        ("Thread-1", Job::Adder, adds),
        ("Thread-2", Job::Remover, removes),
    ]
    .into_iter()
    .map(|(name, job, items)| {
        let the_box = Arc::clone(&the_box);
        thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || worker(&*the_box, job, items, args.pace))
            .with_context(|| format!("cannot start thread {name}"))
    })
    .collect::<anyhow::Result<Vec<_>>>()?;
    for thread in threads {
        common::join(thread)?;
    }
    let total = the_box.total_items();
    println!("{total} items still remain in the box");
    let expected = i64::from(adds) - i64::from(removes);
    ensure!(
        i64::from(total) == expected,
        "{adds} adds and {removes} removes should leave {expected} items, the box holds {total}"
    );
    Ok(())
}

/// What the two threads need of a box, whichever lock it has.
trait ItemBox: Send + Sync {
    fn add(&self);
    fn remove(&self);
    fn total_items(&self) -> i32;
}

// ANCHOR: ed2_box
/// The 2nd edition's `Box`: each box has its own re-entrant lock, which owns the box's count.
struct RlockBox {
    total_items: ReentrantMutex<Cell<i32>>,
}

impl RlockBox {
    fn new() -> Self {
        Self {
            total_items: ReentrantMutex::new(Cell::new(0)),
        }
    }

    fn execute(&self, value: i32) {
        let total_items = self.total_items.lock();
        total_items.set(total_items.get() + value);
    }
}

impl ItemBox for RlockBox {
    fn add(&self) {
        let _held = self.total_items.lock();
        // `execute` locks again while `_held` is alive: fine for the thread that holds it.
        self.execute(1);
    }

    fn remove(&self) {
        let _held = self.total_items.lock();
        self.execute(-1);
    }

    fn total_items(&self) -> i32 {
        self.total_items.lock().get()
    }
}
// ANCHOR_END: ed2_box

// ANCHOR: ed1_box
/// The 1st edition's `Box.lock`, a class attribute: one lock for every box. It owns every
/// box's count; a box is its slot in the table.
static BOX_LOCK: ReentrantMutex<RefCell<Vec<i32>>> = ReentrantMutex::new(RefCell::new(Vec::new()));

struct ClassLockBox {
    slot: usize,
}

impl ClassLockBox {
    fn new() -> Self {
        let boxes = BOX_LOCK.lock();
        let mut counts = boxes.borrow_mut();
        counts.push(0);
        Self {
            slot: counts.len() - 1,
        }
    }

    fn execute(&self, n: i32) {
        let boxes = BOX_LOCK.lock();
        boxes.borrow_mut()[self.slot] += n;
    }
}

impl ItemBox for ClassLockBox {
    fn add(&self) {
        let _held = BOX_LOCK.lock();
        self.execute(1);
    }

    fn remove(&self) {
        let _held = BOX_LOCK.lock();
        self.execute(-1);
    }

    fn total_items(&self) -> i32 {
        BOX_LOCK.lock().borrow()[self.slot]
    }
}
// ANCHOR_END: ed1_box

// ANCHOR: mutex_box
/// The usual Rust shape: the public methods lock once and hand the locked count to the helper,
/// which has no lock to take.
struct MutexBox {
    total_items: Mutex<i32>,
}

impl MutexBox {
    fn new() -> Self {
        Self {
            total_items: Mutex::new(0),
        }
    }

    fn locked(&self) -> MutexGuard<'_, i32> {
        self.total_items
            .lock()
            .expect("no thread panics while holding the box")
    }

    fn execute(total_items: &mut i32, value: i32) {
        *total_items += value;
    }
}

impl ItemBox for MutexBox {
    fn add(&self) {
        Self::execute(&mut self.locked(), 1);
    }

    fn remove(&self) {
        Self::execute(&mut self.locked(), -1);
    }

    fn total_items(&self) -> i32 {
        *self.locked()
    }
}
// ANCHOR_END: mutex_box

#[derive(Debug, Clone, Copy)]
enum Job {
    Adder,
    Remover,
}

impl Job {
    fn apply(self, the_box: &dyn ItemBox) {
        match self {
            Job::Adder => the_box.add(),
            Job::Remover => the_box.remove(),
        }
    }
}

// ANCHOR: workers
/// The 1st edition's `adder` and `remover`: announce, change the box, work a book second.
fn ed1_worker(the_box: &dyn ItemBox, job: Job, items: u32, pace: Pace) {
    let verb = match job {
        Job::Adder => "adding",
        Job::Remover => "removing",
    };
    for _ in 0..items {
        println!("{verb} 1 item in the box");
        job.apply(the_box);
        pace.sleep(1.0);
    }
}

/// The 2nd edition's `adder` and `remover`: change the box, work, then say how many are left.
fn ed2_worker(the_box: &dyn ItemBox, job: Job, items: u32, pace: Pace) {
    let (done, what) = match job {
        Job::Adder => ("ADDED", "ADD"),
        Job::Remover => ("REMOVED", "REMOVE"),
    };
    println!("N° {items} items to {what}");
    for left in (0..items).rev() {
        job.apply(the_box);
        pace.sleep(1.0);
        println!("{done} one item -->{left} item to {what}");
    }
}
// ANCHOR_END: workers

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_can_take_the_reentrant_lock_again() {
        let the_box = RlockBox::new();
        let held = the_box.total_items.lock();
        the_box.add(); // Would deadlock on a non-re-entrant lock.
        the_box.add();
        the_box.remove();
        assert_eq!(held.get(), 1);
    }

    #[test]
    fn class_wide_lock_keeps_each_boxs_count() {
        let (first, second) = (ClassLockBox::new(), ClassLockBox::new());
        let _held = BOX_LOCK.lock(); // One lock for both boxes, re-entered by each call.
        first.add();
        first.add();
        second.remove();
        assert_eq!((first.total_items(), second.total_items()), (2, -1));
    }

    fn hammer(the_box: Arc<dyn ItemBox>) -> i32 {
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let the_box = Arc::clone(&the_box);
                thread::spawn(move || {
                    for _ in 0..1000 {
                        if i % 2 == 0 {
                            the_box.add()
                        } else {
                            the_box.add();
                            the_box.remove()
                        }
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        the_box.total_items()
    }

    #[test]
    fn every_box_counts_right_under_contention() {
        assert_eq!(hammer(Arc::new(RlockBox::new())), 2000);
        assert_eq!(hammer(Arc::new(ClassLockBox::new())), 2000);
        assert_eq!(hammer(Arc::new(MutexBox::new())), 2000);
    }

    #[test]
    fn workers_change_the_box_once_per_item() {
        let pace = Pace {
            book: false,
            tick_ms: Some(0),
        };
        let the_box = MutexBox::new();
        ed1_worker(&the_box, Job::Adder, 3, pace);
        ed2_worker(&the_box, Job::Remover, 5, pace);
        assert_eq!(the_box.total_items(), -2);
    }
}
