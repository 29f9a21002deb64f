//! The printing the three tasks of `asyncio-tasks` share: each line goes to stdout and, with
//! its time since the start, into a record the unit tests check the schedule by.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Edition;
use tokio::time::Instant;

/// What every task shares: the edition's wording, the pace of the book's sleeps, and the lines
/// printed with their times since the start, for the tests of the schedule.
#[derive(Clone)]
pub struct Log {
    pub edition: Edition,
    /// One book second.
    pub tick: Duration,
    pub start: Instant,
    pub lines: Arc<Mutex<Vec<(Duration, String)>>>,
}

impl Log {
    pub fn new(edition: Edition, tick: Duration) -> Self {
        let (start, lines) = (Instant::now(), Arc::default());
        Self {
            edition,
            tick,
            start,
            lines,
        }
    }

    /// The 1st or the 2nd edition's wording.
    pub fn by_edition<T>(&self, ed1: T, ed2: T) -> T {
        match self.edition {
            Edition::Ed1 => ed1,
            Edition::Ed2 => ed2,
        }
    }

    /// Prints `line` and records it with its time.
    pub fn say(&self, line: String) {
        println!("{line}");
        // Only a panic while pushing could poison the lock, and pushing does not panic.
        let mut lines = self.lines.lock().expect("log lock");
        lines.push((self.start.elapsed(), line));
    }
}
