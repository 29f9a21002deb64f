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
//! cargo run -p thread-rlock -- --edition ed2 --seed 4   # 2nd edition (src/ed2.rs)
//! cargo run -p thread-rlock -- --book                   # one real second per item
//! cargo run -p thread-rlock --example mutex_box         # the usual Rust shape, no re-entry
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
//!   the per-box lock (`src/ed2.rs`) is a field owning that box's count.
//! - `threading.Thread(target=adder, …)` → `thread::Builder::new().name(..).spawn_scoped(..)`
//!   in a `thread::scope`, which joins both threads before it returns.
//! - What a Rust programmer usually does instead: take the lock once, in the public method, and
//!   pass the locked data (`&mut i32`, or the guard) to the helper, which then cannot lock
//!   again. The example `mutex_box` runs that shape on a `std::sync::Mutex`; locking a `std`
//!   mutex twice from one thread would deadlock or panic, and the types make the helper unable
//!   to try.
//!   `ReentrantMutex` remains for when the shape must stay, e.g. public methods calling each
//!   other, or callbacks that re-enter.
//!
//! ## Differences from the book
//!
//! - Both editions in one binary: `--edition ed1` (default) or `ed2`. The book's counts are
//!   flags, `--adds` and `--removes` (5 and 5; `randint(10, 20)` and `randint(1, 10)` with
//!   ed2, repeatable with `--seed`), each at most 60: a minute at the book's pace.
//! - The run checks itself: the box ends with adds − removes items (0 for the 1st edition),
//!   and not fewer than none, otherwise it exits 1. The book's box starts empty and its adder
//!   never puts in fewer items than its remover takes out, so a negative count is no box of
//!   the book's: `--adds 0`, or more `--removes` than `--adds`, ends in that error rather than
//!   in `-5 items still remain in the box`. (On the way a remover that runs ahead may take
//!   the count below 0 for a moment, in the book as here; only the end is checked.) The 2nd
//!   edition prints no final count; this port prints the 1st edition's last line for it too,
//!   `N items still remain in the box`, once the check has held (`0 items still remain in the
//!   box` in the default run).
//! - The example `mutex_box` is a port addition (see above), with the 1st edition's run.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s). The blank lines of
//!   the 2nd edition (a `"\n"` inside `print`) and the trailing spaces of the 1st edition's lines
//!   are left out; the 2nd edition's unused `items = 10` has no counterpart.

use std::cell::RefCell;
use std::thread;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use common::{Edition, Pace};
use parking_lot::ReentrantMutex;
use rand::RngExt;

mod ed2;

#[derive(Parser)]
#[command(about = "An adder and a remover on a box whose methods re-take a re-entrant lock")]
struct Args {
    /// Which edition's run: ed1 adds and removes 5 items under one lock for every box; ed2
    /// draws the counts at random and gives each box its own lock.
    #[arg(long, value_enum, default_value_t = Edition::Ed1)]
    edition: Edition,
    /// Items the adder puts in, at most 60 [default: 5 with ed1, randint(10, 20) with ed2].
    #[arg(long, value_parser = clap::value_parser!(u32).range(..=60))]
    adds: Option<u32>,
    /// Items the remover takes out, at most 60, and no more than the adds, or the box would end
    /// below empty [default: 5 with ed1, randint(1, 10) with ed2].
    #[arg(long, value_parser = clap::value_parser!(u32).range(..=60))]
    removes: Option<u32>,
    /// Seed for the 2nd edition's random counts; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> Result<()> {
    if args.edition == Edition::Ed2 {
        let mut rng = common::seeded_rng(args.seed);
        let adds = args.adds.unwrap_or_else(|| rng.random_range(10..=20));
        let removes = args.removes.unwrap_or_else(|| rng.random_range(1..=10));
        return ed2::main(adds, removes, args.pace);
    }
    // ANCHOR: ed1_main
    let (adds, removes) = (args.adds.unwrap_or(5), args.removes.unwrap_or(5));
    println!("putting {adds} items in the box");
    let the_box = ClassLockBox::new();
    thread::scope(|scope| {
        let named = |name: &str| thread::Builder::new().name(name.to_owned());
        named("Thread-1").spawn_scoped(scope, || adder(&the_box, adds, args.pace))?;
        named("Thread-2").spawn_scoped(scope, || remover(&the_box, removes, args.pace))?;
        std::io::Result::Ok(())
    })
    .context("cannot start a thread")?;
    check(the_box.total_items(), adds, removes)
    // ANCHOR_END: ed1_main
}

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

    fn add(&self) {
        let _held = BOX_LOCK.lock();
        // `execute` locks again while `_held` is alive: fine for the thread that holds it.
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

// ANCHOR: ed1_workers
fn adder(the_box: &ClassLockBox, items: u32, pace: Pace) {
    for _ in 0..items {
        println!("adding 1 item in the box");
        the_box.add();
        pace.sleep(1.0);
    }
}

fn remover(the_box: &ClassLockBox, items: u32, pace: Pace) {
    for _ in 0..items {
        println!("removing 1 item in the box");
        the_box.remove();
        pace.sleep(1.0);
    }
}
// ANCHOR_END: ed1_workers

/// The box must hold adds − removes items, and no fewer than none; both editions end with
/// this line.
fn check(total: i32, adds: u32, removes: u32) -> Result<()> {
    let expected = i64::from(adds) - i64::from(removes);
    ensure!(
        i64::from(total) == expected,
        "{adds} adds and {removes} removes should leave {expected} items, the box holds {total}"
    );
    ensure!(
        total >= 0,
        "{adds} adds and {removes} removes left {total} items: a box cannot hold fewer than none \
         (give --removes at most --adds)"
    );
    println!("{total} items still remain in the box");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_wide_lock_keeps_each_boxs_count() {
        let (first, second) = (ClassLockBox::new(), ClassLockBox::new());
        let _held = BOX_LOCK.lock(); // One lock for both boxes, re-entered by each call.
        first.add();
        first.add();
        second.remove();
        assert_eq!((first.total_items(), second.total_items()), (2, -1));
    }

    #[test]
    fn the_box_counts_right_under_contention() {
        let the_box = ClassLockBox::new();
        thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| (0..1000).for_each(|_| the_box.add()));
                scope.spawn(|| (0..1000).for_each(|_| the_box.remove()));
            }
        });
        assert_eq!(the_box.total_items(), 0);
        let pace = Pace {
            book: false,
            tick_ms: Some(0),
        };
        adder(&the_box, 3, pace);
        remover(&the_box, 5, pace);
        assert_eq!(the_box.total_items(), -2);
    }

    #[test]
    fn check_wants_the_difference_and_no_negative_count() {
        assert!(check(4, 7, 3).is_ok());
        assert!(check(0, 0, 0).is_ok());
        assert!(check(0, 7, 3).is_err());
        let negative = check(-4, 3, 7).unwrap_err().to_string();
        assert!(negative.contains("fewer than none"), "{negative}");
    }
}
