//! # How to use a thread in a subclass
//!
//! Book: 1st edition §2.5 "How to use a thread in a subclass"; 2nd edition chapter 2,
//! "Defining a thread subclass", `MyThreadClass.py` and `Thread_name_and_processes.py`.
//!
//! A thread's state and its behaviour live in one type: the fields are what the thread needs,
//! `run` is what it does, and `start` puts it on a new thread. In the 1st edition two threads
//! print the time five times, one and two book seconds apart; in the 2nd, nine threads sleep a
//! random time each, all inside one process, and the total run time shows that they slept side
//! by side rather than one after the other.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-subclass                      # 2nd edition: 9 sleepers, 50 ms ticks
//! cargo run -p thread-subclass -- --seed 7 --book   # the book's seconds, repeatable sleeps
//! cargo run -p thread-subclass -- --edition ed1     # 1st edition: Thread-1/2 print the time
//! cargo run -p thread-subclass -- --names           # Thread_name_and_processes.py
//! ```
//!
//! ## Python → Rust
//!
//! - `class MyThreadClass(Thread)` overriding `__init__` and `run` → a `struct MyThread` (one
//!   per listing, each in its module) implementing the small trait `ThreadClass`: the struct
//!   holds the state, `run` is the thread's body, and the trait's `start` moves the struct onto
//!   a new thread built with `std::thread::Builder::name`. Rust has no inheritance; a trait with
//!   a provided method plays the part of the base class.
//! - `self.name = name` → the name given to the builder, which `thread::current().name()` and
//!   panic messages then use.
//! - `os.getpid()` → `std::process::id()`; `time.ctime(time.time())` →
//!   `common::output::ctime(SystemTime::now())`; `randint(1, 10)` → `rng.random_range(1..=10)`
//!   on a `SmallRng` seeded by `--seed`; `time.time()` differences → `common::timing::Stopwatch`
//!   (a monotonic clock).
//!
//! ## Differences from the book
//!
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for whole seconds). The 2nd
//!   edition's total, `--- 10.02 seconds ---`, is printed in **book seconds** (the measured time
//!   divided by the tick), so it reads like the book's figure at any pace; `--tick-ms 0` is
//!   refused there, since it leaves nothing to measure.
//! - The runs check themselves and exit 1 otherwise, then print one line saying what held:
//!   1st edition, every thread printed the time `--times` times, each at least its delay after
//!   the last; 2nd edition, every thread saw this process's ID, and the longest sleep ≤ the
//!   total < the sum of the sleeps (the threads overlapped). With `--threads 1` there is nothing
//!   to overlap, and only the first half is checked.
//! - 1st edition: `print_time`'s `exitFlag` test calls Python 2's `thread.exit()` and can never
//!   fire (the flag is never set): it is dropped, and so is `threadID`, stored but never read.
//!   The listing never joins its threads, although its screenshot prints `Exiting Main Thread`
//!   last; the translated edition adds the two joins, and so does the port.
//! - 2nd edition: the names are `"Thread#1 "` with a trailing space, which is why the book's
//!   lines have two spaces before `running` and `over`; the threads are named `Thread#1` here and
//!   the lines keep the two spaces. The blank line after each line (strings ending in `"\n"`) is
//!   left out. The total has two decimals instead of Python's full float.
//! - `Thread_name_and_processes.py` (`--names`) comments out the process ID in its print, which
//!   leaves nothing to compare; the port prints it and checks it.
//! - `--threads`, `--times` and `--max-sleep` make the listings' constants flags.

use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use common::{Edition, Pace};

#[derive(Parser)]
#[command(about = "Threads as a type with its own run: time printers (ed1) or sleepers (ed2)")]
struct Args {
    /// Which edition's listing: ed1 `myThread` prints the time, ed2 `MyThreadClass` sleeps.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Run the 2nd edition's Thread_name_and_processes.py instead: threads print their name
    /// and process ID, no sleeping.
    #[arg(long, conflicts_with = "edition")]
    names: bool,
    /// Threads to start [default: ed1 2, ed2 9, --names 2].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    threads: Option<u32>,
    /// ed1: how many times each thread prints the time; thread N waits N book seconds first.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    times: u32,
    /// ed2: each thread sleeps randint(1, MAX_SLEEP) book seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    max_sleep: u32,
    /// ed2: seed for the random sleeps; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::report(run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if args.names {
        return names::main(args.threads.unwrap_or(2));
    }
    match args.edition {
        Edition::Ed1 => ed1::main(args.threads.unwrap_or(2), args.times, args.pace),
        Edition::Ed2 => {
            let sleeps = ed2::random_sleeps(args.threads.unwrap_or(9), args.max_sleep, args.seed);
            ed2::main(&sleeps, args.pace)
        }
    }
}

// ANCHOR: trait
/// What subclassing Python's `Thread` gives a class: a name, a `run` to override, and a
/// `start` that runs it on a new thread. `start` consumes the value, so its state belongs to
/// the new thread alone; whatever `run` returns comes back through `join`.
trait ThreadClass: Sized + Send + 'static {
    type Output: Send + 'static;

    fn name(&self) -> &str;

    fn run(self) -> Self::Output;

    fn start(self) -> anyhow::Result<JoinHandle<Self::Output>> {
        let name = self.name().to_owned();
        thread::Builder::new()
            .name(name.clone())
            .spawn(move || self.run())
            .with_context(|| format!("cannot start thread {name}"))
    }
}
// ANCHOR_END: trait

/// Starts every thread, then joins them all in order, as the listings do.
fn start_then_join<T: ThreadClass>(threads: Vec<T>) -> anyhow::Result<Vec<T::Output>> {
    let handles = threads
        .into_iter()
        .map(ThreadClass::start)
        .collect::<anyhow::Result<Vec<_>>>()?;
    handles.into_iter().map(common::join).collect()
}

/// Every thread must have reported this process's ID: threads share their process.
fn check_one_process(seen: &[u32]) -> anyhow::Result<u32> {
    let pid = std::process::id();
    ensure!(
        seen.iter().all(|&id| id == pid),
        "threads saw process IDs {seen:?}, but this process is {pid}"
    );
    Ok(pid)
}

/// "1 thread", "9 threads".
fn n_threads(count: usize) -> String {
    format!("{count} thread{}", if count == 1 { "" } else { "s" })
}

/// 1st edition: `myThread` prints the time `counter` times, `delay` book seconds apart.
mod ed1 {
    use std::time::{Instant, SystemTime};

    use super::*;

    // ANCHOR: ed1
    pub struct MyThread {
        pub name: String,
        pub delay: u32,
        pub times: u32,
        pub pace: Pace,
    }

    /// When the thread began and when it printed each time, for the check.
    pub struct Printed {
        pub began: Instant,
        pub at: Vec<Instant>,
    }

    impl ThreadClass for MyThread {
        type Output = Printed;

        fn name(&self) -> &str {
            &self.name
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

    pub fn main(threads: u32, times: u32, pace: Pace) -> anyhow::Result<()> {
        let my_threads = (1..=threads)
            .map(|n| MyThread {
                name: format!("Thread-{n}"),
                delay: n,
                times,
                pace,
            })
            .collect();
        let printed = start_then_join(my_threads)?;
        println!("Exiting Main Thread");
        for (n, printed) in (1..).zip(&printed) {
            check(n, printed, times, pace.of(n.into()))?;
        }
        println!(
            "Each thread printed the time {times} times, each at least its delay after the last"
        );
        Ok(())
    }

    /// Thread `n` printed `times` lines, each at least `delay` after the one before (or after
    /// its start): a sleep never returns early, and `Instant` never goes back.
    pub fn check(n: u32, printed: &Printed, times: u32, delay: Duration) -> anyhow::Result<()> {
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
}

/// 2nd edition, `MyThreadClass.py`: each thread sleeps its own random time.
mod ed2 {
    use common::timing::Stopwatch;
    use rand::RngExt;

    use super::*;

    // ANCHOR: ed2
    pub struct MyThread {
        pub name: String,
        pub duration: u32,
        pub pace: Pace,
    }

    impl ThreadClass for MyThread {
        /// The process ID the thread saw.
        type Output = u32;

        fn name(&self) -> &str {
            &self.name
        }

        fn run(self) -> u32 {
            let pid = std::process::id();
            // Two spaces: the book's names end in one ("Thread#1 ").
            println!("---> {}  running, belonging to process ID {pid}", self.name);
            self.pace.sleep(self.duration.into());
            println!("---> {}  over", self.name);
            pid
        }
    }
    // ANCHOR_END: ed2

    /// `randint(1, max)` for each thread.
    pub fn random_sleeps(threads: u32, max: u32, seed: Option<u64>) -> Vec<u32> {
        let mut rng = common::seeded_rng(seed);
        (0..threads).map(|_| rng.random_range(1..=max)).collect()
    }

    // ANCHOR: ed2_main
    pub fn main(sleeps: &[u32], pace: Pace) -> anyhow::Result<()> {
        ensure!(
            !pace.tick().is_zero(),
            "--tick-ms 0 leaves nothing to time: the 2nd edition measures its sleeps; use 1 or more"
        );
        let clock = Stopwatch::start();
        let my_threads = (1..)
            .zip(sleeps)
            .map(|(n, &duration)| MyThread {
                name: format!("Thread#{n}"),
                duration,
                pace,
            })
            .collect();
        let pids = start_then_join(my_threads)?;
        let total = clock.elapsed();
        println!("End");
        println!("--- {:.2} seconds ---", book_seconds(total, pace));
        let pid = check_one_process(&pids)?;
        let overlap = check_overlap(sleeps, total, pace)?;
        println!(
            "Checked: one process ID {pid} for {}; {overlap}",
            n_threads(sleeps.len())
        );
        Ok(())
    }
    // ANCHOR_END: ed2_main

    pub fn book_seconds(real: Duration, pace: Pace) -> f64 {
        real.as_secs_f64() / pace.tick().as_secs_f64()
    }

    // ANCHOR: overlap
    /// The book's point, in the pace's real durations: the run took at least the longest sleep
    /// but less than all the sleeps end to end. Returns the line that says so.
    ///
    /// Neither side needs a margin. `longest <= total` cannot fail: a sleep never returns early,
    /// and the stopwatch runs from before the first thread is built to after the last join.
    /// `total < sum` has slack built in: sum − longest ≥ n − 1 book seconds, because each other
    /// thread sleeps at least one. Starting, waking and joining nine threads cost 0.3 to 1 ms
    /// in all on a busy 2-core machine (measured at load average 3.7), well below the slack:
    /// 400 ms at the default 50 ms tick, 8 ms even at `--tick-ms 1`. A failure therefore means
    /// the sleeps ran one after the other.
    pub fn check_overlap(sleeps: &[u32], total: Duration, pace: Pace) -> anyhow::Result<String> {
        let longest = sleeps.iter().copied().max().unwrap_or(0);
        let sum: u32 = sleeps.iter().sum();
        let shown = book_seconds(total, pace);
        let list = sleeps.iter().map(u32::to_string).collect::<Vec<_>>();
        let list = list.join(", ");
        ensure!(
            pace.of(longest.into()) <= total,
            "the run took {shown:.2} book seconds, less than its longest sleep {longest}"
        );
        if sleeps.len() < 2 {
            return Ok(format!(
                "longest sleep {longest} <= total {shown:.2} (one thread: nothing to overlap; sleeps: {list})"
            ));
        }
        ensure!(
            total < pace.of(sum.into()),
            "the run took {shown:.2} book seconds, not less than the sum of its sleeps {sum}: \
             the threads did not overlap"
        );
        Ok(format!(
            "longest sleep {longest} <= total {shown:.2} < sum of sleeps {sum} (sleeps: {list})"
        ))
    }
    // ANCHOR_END: overlap
}

/// 2nd edition, `Thread_name_and_processes.py`: named threads that report their process.
mod names {
    use super::*;

    pub struct MyThread {
        pub name: String,
    }

    impl ThreadClass for MyThread {
        type Output = u32;

        fn name(&self) -> &str {
            &self.name
        }

        fn run(self) -> u32 {
            let pid = std::process::id();
            println!("ID of process running {} is {pid}", self.name);
            pid
        }
    }

    pub fn main(threads: u32) -> anyhow::Result<()> {
        let my_threads = (1..=threads)
            .map(|n| MyThread {
                name: format!("Thread#{n}"),
            })
            .collect();
        let pids = start_then_join(my_threads)?;
        println!("End");
        let pid = check_one_process(&pids)?;
        println!(
            "Checked: one process ID {pid} for {}",
            n_threads(pids.len())
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn tick_ms(ms: u64) -> Pace {
        Pace {
            book: false,
            tick_ms: Some(ms),
        }
    }

    #[test]
    fn started_threads_carry_their_names() {
        let named = names::MyThread {
            name: "Thread#4".to_owned(),
        };
        let handle = named.start().unwrap();
        assert_eq!(handle.thread().name(), Some("Thread#4"));
        assert_eq!(common::join(handle).unwrap(), std::process::id());
    }

    #[test]
    fn ed1_threads_print_the_time_as_often_as_asked() {
        let my_thread = ed1::MyThread {
            name: "Thread-1".to_owned(),
            delay: 1,
            times: 3,
            pace: tick_ms(1),
        };
        let printed = common::join(my_thread.start().unwrap()).unwrap();
        assert!(ed1::check(1, &printed, 3, Duration::from_millis(1)).is_ok());
        assert!(ed1::check(1, &printed, 4, Duration::from_millis(1)).is_err());
    }

    #[test]
    fn ed1_check_rejects_lines_closer_than_the_delay() {
        let began = Instant::now();
        let printed = ed1::Printed {
            began,
            at: vec![began, began],
        };
        let error = ed1::check(2, &printed, 2, Duration::from_millis(2)).unwrap_err();
        assert!(error.to_string().contains("less than its delay"));
    }

    #[test]
    fn seeded_sleeps_are_repeatable_and_in_range() {
        let sleeps = ed2::random_sleeps(50, 10, Some(3));
        assert_eq!(sleeps, ed2::random_sleeps(50, 10, Some(3)));
        assert!(sleeps.iter().all(|sleep| (1..=10).contains(sleep)));
    }

    #[test]
    fn overlap_accepts_a_parallel_total() {
        let line = ed2::check_overlap(&[3, 7, 1], Duration::from_millis(72), tick_ms(10));
        assert_eq!(
            line.unwrap(),
            "longest sleep 7 <= total 7.20 < sum of sleeps 11 (sleeps: 3, 7, 1)"
        );
    }

    #[test]
    fn overlap_rejects_a_serial_total_and_a_short_one() {
        let serial = ed2::check_overlap(&[3, 7, 1], Duration::from_millis(110), tick_ms(10));
        assert!(serial.unwrap_err().to_string().contains("did not overlap"));
        let short = ed2::check_overlap(&[3, 7, 1], Duration::from_millis(69), tick_ms(10));
        assert!(short.unwrap_err().to_string().contains("longest sleep 7"));
    }

    #[test]
    fn one_thread_has_nothing_to_overlap() {
        let line = ed2::check_overlap(&[4], Duration::from_millis(41), tick_ms(10)).unwrap();
        assert!(line.contains("nothing to overlap"), "{line}");
    }

    #[test]
    fn a_foreign_process_id_is_rejected() {
        let pid = std::process::id();
        assert_eq!(check_one_process(&[pid, pid]).unwrap(), pid);
        assert!(check_one_process(&[pid, pid.wrapping_add(1)]).is_err());
    }
}
