//! The 2nd edition's listing (`--edition ed2`, `Rlock.py`): each box has its own re-entrant
//! lock, and the adder and the remover count down the items they have left.

use std::cell::Cell;
use std::thread;

use anyhow::{Context, Result};
use common::Pace;
use parking_lot::ReentrantMutex;

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

// ANCHOR: ed2_workers
fn adder(the_box: &RlockBox, items: u32, pace: Pace) {
    println!("N° {items} items to ADD");
    for left in (0..items).rev() {
        the_box.add();
        pace.sleep(1.0);
        println!("ADDED one item -->{left} item to ADD");
    }
}

fn remover(the_box: &RlockBox, items: u32, pace: Pace) {
    println!("N° {items} items to REMOVE");
    for left in (0..items).rev() {
        the_box.remove();
        pace.sleep(1.0);
        println!("REMOVED one item -->{left} item to REMOVE");
    }
}
// ANCHOR_END: ed2_workers

pub fn main(adds: u32, removes: u32, pace: Pace) -> Result<()> {
    let the_box = RlockBox::new();
    thread::scope(|scope| {
        let named = |name: &str| thread::Builder::new().name(name.to_owned());
        named("Thread-1").spawn_scoped(scope, || adder(&the_box, adds, pace))?;
        named("Thread-2").spawn_scoped(scope, || remover(&the_box, removes, pace))?;
        std::io::Result::Ok(())
    })
    .context("cannot start a thread")?;
    super::check(the_box.total_items(), adds, removes)
}

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
    fn the_box_counts_right_under_contention() {
        let the_box = RlockBox::new();
        thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| (0..1000).for_each(|_| the_box.add()));
                scope.spawn(|| (0..1000).for_each(|_| the_box.remove()));
            }
        });
        assert_eq!(the_box.total_items(), 0);
    }
}
