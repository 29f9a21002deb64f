//! The cores of three recipes of the threads chapter, written once on the primitives of
//! `crate::sync`: std's in the program, loom's in the unit tests (the models).

use std::collections::VecDeque;
use std::sync::atomic::Ordering::SeqCst;

use crate::sync::{AtomicI64, Condvar, Mutex};

// ANCHOR: counters
/// `thread-lock`'s shared variable under its lock.
pub struct Counter {
    value: Mutex<i64>,
}

impl Counter {
    pub fn new() -> Self {
        Self {
            value: Mutex::new(0),
        }
    }

    /// Read, modify and write as one step: nobody can come in between.
    pub fn add(&self, delta: i64) {
        *self
            .value
            .lock()
            .expect("no thread panics holding the lock") += delta;
    }

    pub fn get(&self) -> i64 {
        *self
            .value
            .lock()
            .expect("no thread panics holding the lock")
    }
}

/// The same counter without the lock. Safe Rust rejects a plain shared `i64`, so the race is
/// written with an atomic read and a separate atomic write: each is whole, but another thread
/// may write in between, and its update is lost.
pub struct RacyCounter {
    value: AtomicI64,
}

impl RacyCounter {
    pub fn new() -> Self {
        Self {
            value: AtomicI64::new(0),
        }
    }

    pub fn add(&self, delta: i64) {
        let read = self.value.load(SeqCst);
        self.value.store(read + delta, SeqCst);
    }

    pub fn get(&self) -> i64 {
        self.value.load(SeqCst)
    }
}
// ANCHOR_END: counters

// ANCHOR: buffer
/// `thread-condition`'s shelf: at most `capacity` items, a producer waiting while it is full,
/// a consumer waiting while it is empty, one condition variable for both.
pub struct BoundedBuffer {
    items: Mutex<VecDeque<u32>>,
    changed: Condvar,
    capacity: usize,
}

impl BoundedBuffer {
    pub fn new(capacity: usize) -> Self {
        Self {
            items: Mutex::new(VecDeque::new()),
            changed: Condvar::new(),
            capacity,
        }
    }

    /// Waits for room, adds `item`, and returns the length it left.
    pub fn put(&self, item: u32) -> usize {
        let mut items = self
            .items
            .lock()
            .expect("no thread panics holding the lock");
        while items.len() >= self.capacity {
            items = self
                .changed
                .wait(items)
                .expect("no thread panics holding the lock");
        }
        items.push_back(item);
        self.changed.notify_all();
        items.len()
    }

    /// Waits for an item and takes the oldest.
    pub fn take(&self) -> u32 {
        let mut items = self
            .items
            .lock()
            .expect("no thread panics holding the lock");
        loop {
            if let Some(item) = items.pop_front() {
                self.changed.notify_all();
                return item;
            }
            items = self
                .changed
                .wait(items)
                .expect("no thread panics holding the lock");
        }
    }

    pub fn len(&self) -> usize {
        self.items
            .lock()
            .expect("no thread panics holding the lock")
            .len()
    }
}
// ANCHOR_END: buffer

// ANCHOR: semaphore
/// `thread-semaphore`'s semaphore: a count of permits, and a condition variable to wait for one.
pub struct Semaphore {
    permits: Mutex<usize>,
    released: Condvar,
}

impl Semaphore {
    pub fn new(permits: usize) -> Self {
        Self {
            permits: Mutex::new(permits),
            released: Condvar::new(),
        }
    }

    /// Waits until a permit is free and takes it.
    pub fn acquire(&self) {
        let mut permits = self
            .permits
            .lock()
            .expect("no thread panics holding the lock");
        while *permits == 0 {
            permits = self
                .released
                .wait(permits)
                .expect("no thread panics holding the lock");
        }
        *permits -= 1;
    }

    /// Gives a permit back and wakes one waiter.
    pub fn release(&self) {
        *self
            .permits
            .lock()
            .expect("no thread panics holding the lock") += 1;
        self.released.notify_one();
    }
}
// ANCHOR_END: semaphore
