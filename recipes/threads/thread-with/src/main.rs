//! # Using the with statement
//!
//! Book: 1st edition §2.10 "Using the with statement" (the 2nd edition has no such recipe).
//!
//! Four primitives, a lock, a re-entrant lock, a condition and a semaphore of one, are each
//! taken by two threads in turn: one holds it for a block (Python's `with`), the other takes it
//! and releases it by hand. In Rust both are the same guard: the block's end drops it, or `drop`.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-with                                  # the book's eight lines
//! cargo run -p thread-with --example panic_while_holding    # a panic releases the guard too
//! ```
//!
//! ## Python → Rust
//!
//! - `with statement:` → a guard bound for a block, `let _guard = lock.lock()`, released when
//!   the block ends, whichever way it ends: falling off the end, `return`, `?`, or a panic.
//! - `acquire()` then `try: … finally: release()` → `let guard = lock.lock(); …; drop(guard);`.
//!   There is no separate `release` to forget or to call twice; the `finally` is built in,
//!   because a panic unwinds the stack and drops the guard on the way.
//! - `threading.Lock()` → `std::sync::Mutex<()>`; `threading.RLock()` →
//!   `parking_lot::ReentrantMutex<()>` (std has none); `threading.Condition()` → a `Mutex<()>`
//!   and the `Condvar` used with it (taking the condition is locking the mutex);
//!   `threading.Semaphore(1)` → `Semaphore` in `src/semaphore.rs`, whose `acquire` returns a
//!   `Permit` that gives the permit back when dropped (std has no semaphore).
//! - The book loops over the four primitives, since Python's `with` takes any of them; here
//!   each has its own block, because each `lock()` returns its own guard type.
//! - `logging` with `(%(threadName)-10s) %(message)s` → `println!("({name:<10}) …")` with the
//!   names Python gives its threads, `Thread-1` to `Thread-8`.
//!
//! ## Differences from the book
//!
//! - The lines name the primitive's kind, not its Python `repr` (which shows an address or the
//!   owner's thread id and differs every run).
//! - The run checks itself (exit 1 otherwise): every thread ended, and all four primitives are
//!   free at the end. A last line says so.
//! - `examples/panic_while_holding.rs` is a port addition: a thread panics while holding each
//!   primitive; all four are free afterwards, and the two `std` mutexes are *poisoned*.

use std::sync::{Condvar, Mutex, PoisonError};
use std::thread;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use common::output::thread_name;
use parking_lot::ReentrantMutex;

mod semaphore;

#[derive(Parser)]
#[command(about = "Lock, RLock, Condition and Semaphore(1), each taken via a scope and directly")]
struct Args {}

fn main() -> std::process::ExitCode {
    Args::parse();
    common::main(run)
}

// ANCHOR: blocks
fn run() -> Result<()> {
    let lock = Mutex::new(());
    let rlock = ReentrantMutex::new(());
    // Python's Condition is a lock with wait/notify; in Rust, a Mutex and the Condvar used with
    // it. Taking the condition is locking its mutex (the recipe never waits on it).
    let (condition, _notify) = (Mutex::new(()), Condvar::new());
    let mutex = semaphore::Semaphore::new(1);

    // A `Mutex<()>` guards no data a panic could leave half-changed: poisoning is ignored.
    two_threads(
        1,
        || {
            let _guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
            log("Mutex acquired via with");
        }, // `_guard` is dropped here: released.
        || {
            let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
            log("Mutex acquired directly");
            drop(guard);
        },
    )?;
    two_threads(
        3,
        || {
            let _guard = rlock.lock();
            log("ReentrantMutex acquired via with");
        },
        || {
            let guard = rlock.lock();
            log("ReentrantMutex acquired directly");
            drop(guard);
        },
    )?;
    two_threads(
        5,
        || {
            let _guard = condition.lock().unwrap_or_else(PoisonError::into_inner);
            log("Condvar's Mutex acquired via with");
        },
        || {
            let guard = condition.lock().unwrap_or_else(PoisonError::into_inner);
            log("Condvar's Mutex acquired directly");
            drop(guard);
        },
    )?;
    two_threads(
        7,
        || {
            let _permit = mutex.acquire();
            log("Semaphore(1) acquired via with");
        },
        || {
            let permit = mutex.acquire();
            log("Semaphore(1) acquired directly");
            drop(permit);
        },
    )?;
    // ANCHOR_END: blocks

    // Each block ran once in each style (both threads were joined); now nothing may be held.
    let all_free = lock.try_lock().is_ok()
        && !rlock.is_locked()
        && condition.try_lock().is_ok()
        && mutex.try_acquire().is_some();
    ensure!(all_free, "a primitive is still held at the end");
    println!(
        "Each taken once via with and once directly, all free at the end: \
         Mutex, ReentrantMutex, Condvar's Mutex, Semaphore(1)"
    );
    Ok(())
}

// ANCHOR: two_threads
/// The book's loop body: `Thread-<n>` runs `with`, `Thread-<n+1>` runs `directly`, both on one
/// primitive, started one after the other and both joined.
fn two_threads(n: u32, with: impl FnOnce() + Send, directly: impl FnOnce() + Send) -> Result<()> {
    thread::scope(|scope| {
        let t1 = thread::Builder::new()
            .name(format!("Thread-{n}"))
            .spawn_scoped(scope, with)
            .context("cannot start a thread")?;
        let t2 = thread::Builder::new()
            .name(format!("Thread-{}", n + 1))
            .spawn_scoped(scope, directly)
            .context("cannot start a thread")?;
        let (t1, t2) = (t1.join(), t2.join());
        ensure!(
            t1.is_ok() && t2.is_ok(),
            "Thread-{n} or Thread-{} panicked",
            n + 1
        );
        Ok(())
    })
}
// ANCHOR_END: two_threads

/// The book's `logging` format: the thread's name padded to 10, in parentheses.
fn log(message: &str) {
    println!("({:<10}) {message}", thread_name("Thread-?"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_threads_runs_both_under_their_names() {
        let names = Mutex::new(Vec::new());
        let push = || names.lock().unwrap().push(thread_name("?"));
        two_threads(3, push, push).unwrap();
        let mut names = names.into_inner().unwrap();
        names.sort();
        assert_eq!(names, ["Thread-3", "Thread-4"]);
    }

    #[test]
    fn a_panicking_thread_is_an_error() {
        let quiet_panic = || std::panic::resume_unwind(Box::new("test panic"));
        assert!(two_threads(1, quiet_panic, || ()).is_err());
    }
}
