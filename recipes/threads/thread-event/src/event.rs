//! Python's `threading.Event`, which the standard library does not have: a flag that threads
//! set, clear and wait for, built from a `Mutex` and a `Condvar`.

use std::sync::{Condvar, Mutex, PoisonError};

// ANCHOR: event
/// Besides the flag, the mutex holds a generation, the number of `set` calls so far, so a waiter
/// also notices a set that was cleared again before it could look. Nothing panics while the
/// state is locked, so poisoning is ignored.
#[derive(Default)]
pub struct Event {
    state: Mutex<(bool, u64)>,
    changed: Condvar,
}

impl Event {
    /// Raises the flag, starts a new generation and wakes every waiter.
    pub fn set(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 = true;
        state.1 += 1;
        self.changed.notify_all();
    }

    /// Lowers the flag; waiters that have not woken yet still see the new generation.
    pub fn clear(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).0 = false;
    }

    /// Blocks until the flag is up or a `set` has happened since generation `seen` (0 at first,
    /// then what the previous call returned), and returns the current generation.
    pub fn wait(&self, seen: u64) -> u64 {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let state = self
            .changed
            .wait_while(state, |(flag, generation)| !*flag && *generation == seen)
            .unwrap_or_else(PoisonError::into_inner);
        state.1
    }
}
// ANCHOR_END: event

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_pulse_missed_while_busy_is_still_seen() {
        let event = Event::default();
        event.set();
        event.clear();
        // Nobody was waiting during the pulse; the generation remembers it.
        assert_eq!(event.wait(0), 1);
    }

    #[test]
    fn wait_blocks_until_the_next_set() {
        let event = Event::default();
        let seen = std::thread::scope(|scope| {
            let waiter = scope.spawn(|| event.wait(0));
            std::thread::sleep(Duration::from_millis(20));
            assert!(!waiter.is_finished(), "nothing was set yet");
            event.set();
            waiter.join().unwrap()
        });
        assert_eq!(seen, 1);
    }

    #[test]
    fn a_set_flag_lets_every_wait_through() {
        let event = Event::default();
        event.set();
        assert_eq!(event.wait(1), 1);
        assert_eq!(event.wait(1), 1);
    }
}
