//! A counting semaphore, which the standard library does not have (async code would use
//! `tokio::sync::Semaphore`).

use std::sync::{Condvar, Mutex, PoisonError};

// ANCHOR: semaphore
/// `acquire` waits until the count is positive and takes one; `release` gives one back and
/// wakes a waiter.
pub struct Semaphore {
    count: Mutex<usize>,
    positive: Condvar,
}

impl Semaphore {
    pub fn new(count: usize) -> Self {
        let (count, positive) = (Mutex::new(count), Condvar::new());
        Self { count, positive }
    }

    pub fn acquire(&self) {
        // A panic elsewhere cannot leave a bare counter half-changed, so poisoning is ignored.
        let count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        let mut count = self
            .positive
            .wait_while(count, |count| *count == 0)
            .unwrap_or_else(PoisonError::into_inner);
        *count -= 1;
    }

    pub fn release(&self) {
        *self.count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.positive.notify_one();
    }

    /// The permits left, for the tests.
    #[cfg(test)]
    pub fn permits(&self) -> usize {
        *self.count.lock().unwrap()
    }
}
// ANCHOR_END: semaphore

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    #[test]
    fn a_released_permit_is_kept_for_a_later_acquire() {
        let semaphore = Semaphore::new(0);
        semaphore.release();
        semaphore.release();
        semaphore.acquire();
        semaphore.acquire();
        assert_eq!(semaphore.permits(), 0);
    }

    #[test]
    fn acquire_waits_for_a_release() {
        let semaphore = Semaphore::new(0);
        let (done, finished) = mpsc::channel();
        thread::scope(|scope| {
            scope.spawn(|| {
                semaphore.acquire();
                done.send(()).unwrap();
            });
            // Not a synchronization: a bound on how long we accept to see nothing happen.
            assert!(finished.recv_timeout(Duration::from_millis(50)).is_err());
            semaphore.release();
            finished.recv().unwrap();
        });
    }
}
