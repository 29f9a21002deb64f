//! # thread-rlock, port addition: the box without re-entry
//!
//! What Rust code usually does instead of re-taking a lock: the public methods `add` and
//! `remove` lock a plain `std::sync::Mutex` once and hand the locked count (`&mut i32`) to the
//! helper `execute`, which has no lock to take. Locking a `std` mutex twice from one thread
//! would deadlock or panic; here the types make the helper unable to try. A re-entrant lock
//! remains for when the shape must stay: public methods calling each other, or callbacks that
//! re-enter. The run is the recipe's 1st-edition run: an adder and a remover on one box.
//!
//! ```text
//! cargo run -p thread-rlock --example mutex_box
//! cargo run -p thread-rlock --example mutex_box -- --adds 7 --removes 3 --tick-ms 10
//! ```

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use common::Pace;

#[derive(Parser)]
#[command(about = "An adder and a remover on a box whose methods lock a Mutex once")]
struct Args {
    /// Items the adder puts in, at most 60.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(..=60))]
    adds: u32,
    /// Items the remover takes out, at most 60, and no more than the adds.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(..=60))]
    removes: u32,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> Result<()> {
    let (adds, removes, pace) = (args.adds, args.removes, args.pace);
    println!("putting {adds} items in the box");
    let the_box = MutexBox::default();
    thread::scope(|scope| {
        let named = |name: &str| thread::Builder::new().name(name.to_owned());
        named("Thread-1").spawn_scoped(scope, || adder(&the_box, adds, pace))?;
        named("Thread-2").spawn_scoped(scope, || remover(&the_box, removes, pace))?;
        std::io::Result::Ok(())
    })
    .context("cannot start a thread")?;
    let total = *the_box.locked();
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

// ANCHOR: mutex_box
/// The public methods lock once and hand the locked count to the helper.
#[derive(Default)]
struct MutexBox {
    total_items: Mutex<i32>,
}

impl MutexBox {
    fn locked(&self) -> MutexGuard<'_, i32> {
        // Nothing panics while holding the count, and a bare `i32` cannot be half-changed.
        self.total_items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn execute(total_items: &mut i32, value: i32) {
        *total_items += value;
    }

    fn add(&self) {
        Self::execute(&mut self.locked(), 1);
    }

    fn remove(&self) {
        Self::execute(&mut self.locked(), -1);
    }
}
// ANCHOR_END: mutex_box

fn adder(the_box: &MutexBox, items: u32, pace: Pace) {
    for _ in 0..items {
        println!("adding 1 item in the box");
        the_box.add();
        pace.sleep(1.0);
    }
}

fn remover(the_box: &MutexBox, items: u32, pace: Pace) {
    for _ in 0..items {
        println!("removing 1 item in the box");
        the_box.remove();
        pace.sleep(1.0);
    }
}
