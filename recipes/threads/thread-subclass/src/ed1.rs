//! The 1st edition's listing (`--edition ed1`): `myThread` prints the time `counter` times,
//! `delay` book seconds apart; `Thread-1` waits one book second, `Thread-2` two.

use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, ensure};
use common::Pace;

// ANCHOR: ed1
struct MyThread {
    name: String,
    delay: u32,
    times: u32,
    pace: Pace,
}

/// When the thread began and when it printed each time, for the check.
struct Printed {
    began: Instant,
    at: Vec<Instant>,
}

impl MyThread {
    fn start(self) -> Result<JoinHandle<Printed>> {
        let builder = thread::Builder::new().name(self.name.clone());
        builder
            .spawn(move || self.run())
            .context("cannot start a thread")
    }

    fn run(self) -> Printed {
        println!("Starting {}", self.name);
        let printed = print_time(&self.name, self.delay, self.times, self.pace);
        println!("Exiting {}", self.name);
        printed
    }
}

fn print_time(thread_name: &str, delay: u32, counter: u32, pace: Pace) -> Printed {
    let began = Instant::now();
    let mut at = Vec::new();
    for _ in 0..counter {
        pace.sleep(delay.into());
        println!(
            "{thread_name}: {}",
            common::output::ctime(SystemTime::now())
        );
        at.push(Instant::now());
    }
    Printed { began, at }
}
// ANCHOR_END: ed1

pub fn main(threads: u32, times: u32, pace: Pace) -> Result<()> {
    let my_threads = (1..=threads).map(|n| MyThread {
        name: format!("Thread-{n}"),
        delay: n,
        times,
        pace,
    });
    let handles = my_threads
        .map(MyThread::start)
        .collect::<Result<Vec<_>>>()?;
    let printed = handles
        .into_iter()
        .map(common::join)
        .collect::<Result<Vec<_>>>()?;
    println!("Exiting Main Thread");
    for (n, printed) in (1..).zip(&printed) {
        check(n, printed, times, pace.of(n.into()))?;
    }
    println!("Each thread printed the time {times} times, each at least its delay after the last");
    Ok(())
}

/// Thread `n` printed `times` lines, each at least `delay` after the one before (or after its
/// start): a sleep never returns early, and `Instant` never goes back.
fn check(n: u32, printed: &Printed, times: u32, delay: Duration) -> Result<()> {
    ensure!(
        printed.at.len() == usize::try_from(times)?,
        "Thread-{n} printed {} times instead of {times}",
        printed.at.len()
    );
    let mut last = printed.began;
    for &at in &printed.at {
        ensure!(
            at.duration_since(last) >= delay,
            "Thread-{n} printed {:?} after the previous line, less than its delay {delay:?}",
            at.duration_since(last)
        );
        last = at;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_print_the_time_as_often_as_asked() {
        let my_thread = MyThread {
            name: "Thread-1".to_owned(),
            delay: 1,
            times: 3,
            pace: Pace {
                book: false,
                tick_ms: Some(1),
            },
        };
        let handle = my_thread.start().unwrap();
        assert_eq!(handle.thread().name(), Some("Thread-1"));
        let printed = common::join(handle).unwrap();
        assert!(check(1, &printed, 3, Duration::from_millis(1)).is_ok());
        assert!(check(1, &printed, 4, Duration::from_millis(1)).is_err());
    }

    #[test]
    fn check_rejects_lines_closer_than_the_delay() {
        let began = Instant::now();
        let printed = Printed {
            began,
            at: vec![began, began],
        };
        let error = check(2, &printed, 2, Duration::from_millis(2)).unwrap_err();
        assert!(error.to_string().contains("less than its delay"));
    }
}
