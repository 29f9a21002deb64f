//! # Using the with statement
//!
//! Book: 1st edition §2.10 "Using the with statement" (the 2nd edition has no such recipe).
//!
//! Four primitives, a lock, a re-entrant lock, a condition and a semaphore of one, are each
//! taken by two threads in turn: one holds it for a scope (Python's `with`), the other takes it
//! and releases it by hand. In Rust both are the same guard: the scope ends it, or `drop` does.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-with              # the book's eight lines
//! cargo run -p thread-with -- --panic   # also: a panic while holding a guard releases it
//! ```
//!
//! ## Python → Rust
//!
//! - `with statement:` → a guard bound for a scope, `let _guard = lock.lock();`, released when
//!   the scope ends, whichever way it ends: falling off the end, `return`, `?`, or a panic.
//! - `acquire()` then `try: … finally: release()` → `let guard = lock.lock(); …; drop(guard);`.
//!   The Rust types have no separate `release` to forget or to call twice; the `finally` is built
//!   in, because a panic unwinds the stack and drops the guard on the way.
//! - `threading.Lock()` → `std::sync::Mutex<()>`; `threading.RLock()` →
//!   `parking_lot::ReentrantMutex<()>` (std has no re-entrant mutex); `threading.Condition()`
//!   → a `Mutex<()>` and a `Condvar` used together (taking the condition is locking its
//!   mutex); `threading.Semaphore(1)` → the small `Semaphore` below, whose `acquire` returns a
//!   `Permit` that gives the permit back when dropped (std has no semaphore; async code has
//!   `tokio::sync::Semaphore` and its `SemaphorePermit`).
//! - Python's `with` accepts any object with `acquire`/`release`; the `Acquire` trait below
//!   says the same in Rust: a method that returns a guard. `threading_with` and
//!   `threading_not_with` are generic over it, as the book's two functions take any primitive.
//! - A panic is where Rust's guards differ from Python's `with`: a `std` `Mutex` whose guard is
//!   dropped by a panic becomes *poisoned*; the next `lock()` returns an error that still carries
//!   the guard, telling the new owner that the data inside may be half-changed. `parking_lot`'s
//!   locks do not poison, and neither does this crate's semaphore. `--panic` shows it: a thread
//!   takes each primitive and panics; each is free afterwards, and the two `Mutex`es are
//!   poisoned. The unit tests check the same.
//! - `logging` with `(%(threadName)-10s) %(message)s` → `println!("({name:<10}) …")` with the
//!   names Python gives its threads, `Thread-1` to `Thread-8`.
//!
//! ## Differences from the book
//!
//! - The lines name the primitive's kind, not its Python `repr` (which shows an address or the
//!   owner's thread id and differs every run).
//! - The run checks itself (exit 1 otherwise): each primitive was taken once in each style, and
//!   all four are free at the end. A last line says so.
//! - `--panic` is a port addition. Its threads end with `std::panic::resume_unwind`, which
//!   unwinds as `panic!` does without printing a panic message, so the output stays clean.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};

use anyhow::ensure;
use clap::Parser;
use common::output::thread_name;
use parking_lot::{ReentrantMutex, ReentrantMutexGuard};

#[derive(Parser)]
#[command(about = "Lock, RLock, Condition and Semaphore(1), each taken via a scope and directly")]
struct Args {
    /// Also show that a thread panicking while it holds a guard releases it all the same (and
    /// poisons a Mutex).
    #[arg(long)]
    panic: bool,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let lock = Arc::new(Mutex::new(()));
    let rlock = Arc::new(ReentrantMutex::new(()));
    let condition = Arc::new(Condition::default());
    let mutex = Arc::new(Semaphore::new(1));

    let mut taken = Vec::new();
    taken.extend(with_and_without(&lock, 1)?);
    taken.extend(with_and_without(&rlock, 3)?);
    taken.extend(with_and_without(&condition, 5)?);
    taken.extend(with_and_without(&mutex, 7)?);
    let states = [
        State::of(&*lock),
        State::of(&*rlock),
        State::of(&*condition),
        State::of(&*mutex),
    ];
    check(&taken, &states)?;

    if args.panic {
        let states = [
            panic_while_holding(Mutex::new(()), 9)?,
            panic_while_holding(ReentrantMutex::new(()), 10)?,
            panic_while_holding(Condition::default(), 11)?,
            panic_while_holding(Semaphore::new(1), 12)?,
        ];
        check_after_panics(&states)?;
    }
    Ok(())
}

/// The book's `logging` format: the thread's name padded to 10, in parentheses.
fn log(message: &str) {
    println!("({:<10}) {message}", thread_name("Thread-?"));
}

// ANCHOR: acquire
/// What Python's `with` needs of an object, `acquire` and `release`, is in Rust one method
/// that returns a guard: dropping the guard releases.
trait Acquire: Send + Sync + 'static {
    /// What the log lines call it.
    const KIND: &'static str;
    type Guard<'a>;
    fn acquire(&self) -> Self::Guard<'_>;
    /// No thread holds it. Only meaningful when no other thread can be taking it.
    fn is_free(&self) -> bool;
    /// `Some(poisoned)` for the kinds that can be poisoned, `None` for the others.
    fn poisoned(&self) -> Option<bool>;
}

/// `with statement:` — the guard lives to the end of the block.
fn threading_with<P: Acquire>(statement: &P) -> Style {
    let _guard = statement.acquire();
    log(&format!("{} acquired via with", P::KIND));
    Style::With
} // `_guard` is dropped here: released.

/// `statement.acquire()` … `finally: statement.release()` — the guard is dropped by hand.
fn threading_not_with<P: Acquire>(statement: &P) -> Style {
    let guard = statement.acquire();
    log(&format!("{} acquired directly", P::KIND));
    drop(guard);
    Style::Directly
}
// ANCHOR_END: acquire

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    With,
    Directly,
}

/// The book's loop body: two threads on one primitive, one after the other is started, both
/// joined. Returns which kind was taken in which style.
fn with_and_without<P: Acquire>(
    statement: &Arc<P>,
    first: u32,
) -> anyhow::Result<[(&'static str, Style); 2]> {
    let t1 = common::spawn_named(&format!("Thread-{first}"), {
        let statement = Arc::clone(statement);
        move || threading_with(&*statement)
    })?;
    let t2 = common::spawn_named(&format!("Thread-{}", first + 1), {
        let statement = Arc::clone(statement);
        move || threading_not_with(&*statement)
    })?;
    Ok([(P::KIND, common::join(t1)?), (P::KIND, common::join(t2)?)])
}

// ANCHOR: kinds
impl Acquire for Mutex<()> {
    const KIND: &'static str = "Mutex";
    type Guard<'a> = MutexGuard<'a, ()>;

    fn acquire(&self) -> MutexGuard<'_, ()> {
        // `()` cannot be left half-changed, so a poisoned lock is still usable.
        self.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_free(&self) -> bool {
        !matches!(self.try_lock(), Err(TryLockError::WouldBlock))
    }

    fn poisoned(&self) -> Option<bool> {
        Some(self.is_poisoned())
    }
}

impl Acquire for ReentrantMutex<()> {
    const KIND: &'static str = "ReentrantMutex";
    type Guard<'a> = ReentrantMutexGuard<'a, ()>;

    fn acquire(&self) -> ReentrantMutexGuard<'_, ()> {
        self.lock()
    }

    fn is_free(&self) -> bool {
        !self.is_locked()
    }

    fn poisoned(&self) -> Option<bool> {
        None
    }
}

/// Python's `Condition`: a lock with wait/notify. In Rust the wait/notify half is a `Condvar`,
/// used together with the `Mutex` it waits on; taking the condition is locking that mutex.
#[derive(Default)]
struct Condition {
    mutex: Mutex<()>,
    #[expect(
        dead_code,
        reason = "the book's recipe takes the condition but never waits on it"
    )]
    changed: Condvar,
}

impl Acquire for Condition {
    const KIND: &'static str = "Condvar's Mutex";
    type Guard<'a> = MutexGuard<'a, ()>;

    fn acquire(&self) -> MutexGuard<'_, ()> {
        self.mutex.acquire()
    }

    fn is_free(&self) -> bool {
        self.mutex.is_free()
    }

    fn poisoned(&self) -> Option<bool> {
        self.mutex.poisoned()
    }
}
// ANCHOR_END: kinds

// ANCHOR: semaphore
/// A counting semaphore whose `acquire` returns a guard, so it works like the locks above.
struct Semaphore {
    permits: Mutex<usize>,
    returned: Condvar,
}

/// One permit taken from a `Semaphore`; dropping it gives it back, as `release()` does.
struct Permit<'a>(&'a Semaphore);

impl Semaphore {
    fn new(permits: usize) -> Self {
        Self {
            permits: Mutex::new(permits),
            returned: Condvar::new(),
        }
    }

    fn count(&self) -> MutexGuard<'_, usize> {
        // A panic cannot leave a bare counter half-changed, so poisoning is ignored.
        self.permits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut permits = self.count();
        (*permits > 0).then(|| {
            *permits -= 1;
            Permit(self)
        })
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.count() += 1;
        self.0.returned.notify_one();
    }
}

impl Acquire for Semaphore {
    const KIND: &'static str = "Semaphore(1)";
    type Guard<'a> = Permit<'a>;

    fn acquire(&self) -> Permit<'_> {
        let permits = self.count();
        let mut permits = self
            .returned
            .wait_while(permits, |permits| *permits == 0)
            .unwrap_or_else(PoisonError::into_inner);
        *permits -= 1;
        Permit(self)
    }

    fn is_free(&self) -> bool {
        self.try_acquire().is_some()
    }

    fn poisoned(&self) -> Option<bool> {
        None
    }
}
// ANCHOR_END: semaphore

/// A primitive's state once its threads have ended.
#[derive(Debug, Clone, Copy)]
struct State {
    kind: &'static str,
    free: bool,
    poisoned: Option<bool>,
}

impl State {
    fn of<P: Acquire>(statement: &P) -> Self {
        Self {
            kind: P::KIND,
            free: statement.is_free(),
            poisoned: statement.poisoned(),
        }
    }
}

fn check(taken: &[(&'static str, Style)], states: &[State]) -> anyhow::Result<()> {
    for state in states {
        for style in [Style::With, Style::Directly] {
            let times = taken.iter().filter(|&&t| t == (state.kind, style)).count();
            ensure!(
                times == 1,
                "{} was taken {times} times {style:?}, not once",
                state.kind
            );
        }
        ensure!(state.free, "{} is still held at the end", state.kind);
    }
    let kinds: Vec<_> = states.iter().map(|state| state.kind).collect();
    println!(
        "Each taken once via with and once directly, all free at the end: {}",
        kinds.join(", ")
    );
    Ok(())
}

// ANCHOR: panic
/// Takes `statement` in a thread that panics while holding it, then reports its state.
fn panic_while_holding<P: Acquire>(statement: P, number: u32) -> anyhow::Result<State> {
    let statement = Arc::new(statement);
    let holder = common::spawn_named(&format!("Thread-{number}"), {
        let statement = Arc::clone(&statement);
        move || {
            let _guard = statement.acquire();
            log(&format!("{} acquired, then the thread panics", P::KIND));
            // Unwinds like `panic!`, without the panic message on stderr.
            std::panic::resume_unwind(Box::new("a deliberate panic while holding a guard"))
        }
    })?;
    ensure!(
        common::join(holder).is_err(),
        "Thread-{number} was meant to panic"
    );
    Ok(State::of(&*statement))
}
// ANCHOR_END: panic

fn check_after_panics(states: &[State]) -> anyhow::Result<()> {
    let mut report = Vec::new();
    for state in states {
        ensure!(
            state.free,
            "{} is still held after its holder panicked",
            state.kind
        );
        ensure!(
            state.poisoned != Some(false),
            "{} was dropped by a panic but is not poisoned",
            state.kind
        );
        let poison = match state.poisoned {
            Some(_) => "poisoned",
            None => "does not poison",
        };
        report.push(format!("{} free ({poison})", state.kind));
    }
    println!("After the panics: {}", report.join(", "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes `statement` on another thread, panics there, and returns its state.
    fn after_a_panic<P: Acquire>(statement: P) -> State {
        let statement = Arc::new(statement);
        let holder = {
            let statement = Arc::clone(&statement);
            std::thread::spawn(move || {
                let _guard = statement.acquire();
                std::panic::resume_unwind(Box::new("test panic"));
            })
        };
        assert!(holder.join().is_err());
        State::of(&*statement)
    }

    #[test]
    fn a_panic_releases_and_poisons_a_mutex() {
        let state = after_a_panic(Mutex::new(()));
        assert!(state.free);
        assert_eq!(state.poisoned, Some(true));
        let state = after_a_panic(Condition::default());
        assert_eq!((state.free, state.poisoned), (true, Some(true)));
    }

    #[test]
    fn a_panic_releases_the_others_without_poison() {
        for state in [
            after_a_panic(ReentrantMutex::new(())),
            after_a_panic(Semaphore::new(1)),
        ] {
            assert!(state.free, "{state:?}");
            assert_eq!(state.poisoned, None);
        }
    }

    #[test]
    fn a_poisoned_mutex_is_still_acquired() {
        let lock = Mutex::new(());
        let _ = std::panic::catch_unwind(|| {
            let _guard = lock.acquire();
            std::panic::resume_unwind(Box::new("test panic"));
        });
        assert!(lock.is_poisoned());
        let guard = lock.acquire();
        assert!(!lock.is_free());
        drop(guard);
        assert!(lock.is_free());
    }

    #[test]
    fn a_held_primitive_is_not_free() {
        let lock = Mutex::new(());
        let guard = lock.acquire();
        assert!(!lock.is_free());
        drop(guard);
        assert!(lock.is_free());

        let semaphore = Semaphore::new(1);
        let permit = semaphore.acquire();
        assert!(!semaphore.is_free());
        drop(permit);
        assert!(semaphore.is_free());
        assert_eq!(
            *semaphore.count(),
            1,
            "checking took and gave back a permit"
        );
    }

    #[test]
    fn a_held_reentrant_mutex_is_not_free_even_to_its_owner() {
        let rlock = ReentrantMutex::new(());
        let guard = rlock.acquire();
        assert!(!rlock.is_free());
        drop(guard);
        assert!(rlock.is_free());
    }

    #[test]
    fn check_wants_each_style_once_and_everything_free() {
        let free = State {
            kind: "Mutex",
            free: true,
            poisoned: Some(false),
        };
        let both = [("Mutex", Style::With), ("Mutex", Style::Directly)];
        assert!(check(&both, &[free]).is_ok());
        let error = check(&both[..1], &[free]).unwrap_err();
        assert!(error.to_string().contains("taken 0 times Directly"));
        let held = State {
            free: false,
            ..free
        };
        assert!(check(&both, &[held]).is_err());
    }
}
