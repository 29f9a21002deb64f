//! # thread-with, port addition: a panic while holding a guard
//!
//! Four threads each take one of the recipe's primitives and panic while holding it. The panic
//! unwinds the thread's stack and drops the guard, so every primitive is free afterwards, as
//! Python's `with` releases on an exception. A `std` `Mutex` dropped that way is also marked
//! *poisoned*: its next `lock()` returns an error that still carries the guard, telling the new
//! owner that the data inside may be half-changed. `parking_lot`'s locks do not poison, and
//! neither does the recipe's semaphore.
//!
//! ```text
//! cargo run -p thread-with --example panic_while_holding
//! ```
//!
//! The threads end with `std::panic::resume_unwind`, which unwinds as `panic!` does without
//! printing a panic message, so the output stays clean.

use std::sync::{Condvar, Mutex, PoisonError, TryLockError};
use std::thread;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use common::output::thread_name;
use parking_lot::ReentrantMutex;

#[path = "../src/semaphore.rs"]
mod semaphore;

#[derive(Parser)]
#[command(about = "A thread panicking while it holds a guard releases it all the same")]
struct Args {}

fn main() -> std::process::ExitCode {
    Args::parse();
    common::main(run)
}

fn run() -> Result<()> {
    let lock = Mutex::new(());
    let rlock = ReentrantMutex::new(());
    let (condition, _notify) = (Mutex::new(()), Condvar::new());
    let mutex = semaphore::Semaphore::new(1);

    // ANCHOR: panics
    panic_holding(1, || {
        let _guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
        log("Mutex acquired, then the thread panics");
        quiet_panic()
    })?;
    panic_holding(2, || {
        let _guard = rlock.lock();
        log("ReentrantMutex acquired, then the thread panics");
        quiet_panic()
    })?;
    panic_holding(3, || {
        let _guard = condition.lock().unwrap_or_else(PoisonError::into_inner);
        log("Condvar's Mutex acquired, then the thread panics");
        quiet_panic()
    })?;
    panic_holding(4, || {
        let _permit = mutex.acquire();
        log("Semaphore(1) acquired, then the thread panics");
        quiet_panic()
    })?;

    // A poisoned mutex that nobody holds answers `try_lock` with `Poisoned`, not `WouldBlock`.
    let held = |lock: &Mutex<()>| matches!(lock.try_lock(), Err(TryLockError::WouldBlock));
    ensure!(!held(&lock) && !held(&condition), "a Mutex is still held");
    ensure!(!rlock.is_locked(), "the ReentrantMutex is still held");
    ensure!(
        mutex.try_acquire().is_some(),
        "the Semaphore(1) is still held"
    );
    ensure!(
        lock.is_poisoned() && condition.is_poisoned(),
        "a Mutex dropped by a panic is not poisoned"
    );
    // ANCHOR_END: panics
    println!(
        "After the panics: Mutex free (poisoned), ReentrantMutex free (does not poison), \
         Condvar's Mutex free (poisoned), Semaphore(1) free (does not poison)"
    );
    Ok(())
}

/// Runs `body`, which takes a guard and panics with it in scope, on `Thread-<n>`.
fn panic_holding(n: u32, body: impl FnOnce() + Send) -> Result<()> {
    let joined = thread::scope(|scope| {
        thread::Builder::new()
            .name(format!("Thread-{n}"))
            .spawn_scoped(scope, body)
            .map(|thread| thread.join())
    });
    let joined = joined.with_context(|| format!("cannot start Thread-{n}"))?;
    ensure!(joined.is_err(), "Thread-{n} was meant to panic");
    Ok(())
}

/// Unwinds like `panic!`, without the panic message on stderr.
fn quiet_panic() -> ! {
    std::panic::resume_unwind(Box::new("a deliberate panic while holding a guard"))
}

/// The recipe's `logging` format: the thread's name padded to 10, in parentheses.
fn log(message: &str) {
    println!("({:<10}) {message}", thread_name("Thread-?"));
}
