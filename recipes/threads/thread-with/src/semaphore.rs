//! A counting semaphore whose `acquire` returns a guard, so it is taken and released like the
//! locks. The standard library has none (async code has `tokio::sync::Semaphore`).

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

// ANCHOR: semaphore
pub struct Semaphore {
    permits: Mutex<usize>,
    returned: Condvar,
}

/// One permit taken from a `Semaphore`; dropping it gives it back, as `release()` does.
pub struct Permit<'a>(&'a Semaphore);

impl Semaphore {
    pub fn new(permits: usize) -> Self {
        Self {
            permits: Mutex::new(permits),
            returned: Condvar::new(),
        }
    }

    /// Waits until a permit is free, then takes it.
    pub fn acquire(&self) -> Permit<'_> {
        let permits = self.count();
        let mut permits = self
            .returned
            .wait_while(permits, |permits| *permits == 0)
            .unwrap_or_else(PoisonError::into_inner);
        *permits -= 1;
        Permit(self)
    }

    /// Takes a permit if one is free, without waiting.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut permits = self.count();
        (*permits > 0).then(|| {
            *permits -= 1;
            Permit(self)
        })
    }

    fn count(&self) -> MutexGuard<'_, usize> {
        // A panic cannot leave a bare counter half-changed, so poisoning is ignored.
        self.permits.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.count() += 1;
        self.0.returned.notify_one();
    }
}
// ANCHOR_END: semaphore

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_permit_is_given_back_when_dropped() {
        let semaphore = Semaphore::new(1);
        let permit = semaphore.acquire();
        assert!(semaphore.try_acquire().is_none());
        drop(permit);
        assert!(semaphore.try_acquire().is_some());
        assert_eq!(*semaphore.count(), 1, "try_acquire took and gave back");
    }

    #[test]
    fn a_panic_while_holding_gives_the_permit_back() {
        let semaphore = Semaphore::new(1);
        let _ = std::panic::catch_unwind(|| {
            let _permit = semaphore.acquire();
            std::panic::resume_unwind(Box::new("test panic"));
        });
        assert!(semaphore.try_acquire().is_some());
    }
}
