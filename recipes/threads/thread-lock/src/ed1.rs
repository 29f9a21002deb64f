//! The 1st edition's listing (`--part counter`): two threads add and subtract 1 `count` times
//! on a counter behind a lock, two more do the same on a counter without one.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;

use anyhow::{Context, Result, ensure};

/// The four threads, all at once; then the two counters, and the check of the locked one.
pub fn counters(count: u32) -> Result<()> {
    let with_lock = Mutex::new(0_i64);
    let without_lock = AtomicI64::new(0);
    thread::scope(|scope| {
        let named = |name: &str| thread::Builder::new().name(name.to_owned());
        named("Thread-1").spawn_scoped(scope, || add_with_lock(&with_lock, 1, count))?;
        named("Thread-2").spawn_scoped(scope, || add_with_lock(&with_lock, -1, count))?;
        named("Thread-3").spawn_scoped(scope, || add_without_lock(&without_lock, 1, count))?;
        named("Thread-4").spawn_scoped(scope, || add_without_lock(&without_lock, -1, count))?;
        std::io::Result::Ok(())
    })
    .context("cannot start a counter thread")?;
    let locked = with_lock
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let raced = without_lock.into_inner();
    println!("the value of shared variable with lock management is {locked}");
    println!("the value of shared variable with race condition is {raced}");
    ensure!(
        locked == 0,
        "{count} increments and {count} decrements under the lock left {locked}, not 0"
    );
    Ok(())
}

// ANCHOR: counters
/// Adds `step` to the counter `count` times, taking the lock for each addition.
fn add_with_lock(counter: &Mutex<i64>, step: i64, count: u32) {
    for _ in 0..count {
        // The guard lives until the end of the statement: acquire, add, release.
        *counter.lock().unwrap_or_else(PoisonError::into_inner) += step;
    }
}

/// Adds `step` to the counter `count` times with no lock: a read, then a write, as Python's
/// `x += 1` does. A write from the other thread between the two is lost.
fn add_without_lock(counter: &AtomicI64, step: i64, count: u32) {
    for _ in 0..count {
        let seen = counter.load(Ordering::Relaxed);
        // Where Python may switch threads mid-`+=`; invites the other thread to run here.
        thread::yield_now();
        counter.store(seen + step, Ordering::Relaxed);
    }
}
// ANCHOR_END: counters

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locked_counter_returns_to_zero() {
        let counter = Mutex::new(0_i64);
        thread::scope(|scope| {
            scope.spawn(|| add_with_lock(&counter, 1, 10_000));
            add_with_lock(&counter, -1, 10_000);
        });
        assert_eq!(*counter.lock().unwrap(), 0);
    }

    #[test]
    fn the_unlocked_counter_counts_right_when_alone() {
        let counter = AtomicI64::new(0);
        add_without_lock(&counter, 1, 500);
        add_without_lock(&counter, -1, 200);
        assert_eq!(counter.load(Ordering::Relaxed), 300);
    }
}
