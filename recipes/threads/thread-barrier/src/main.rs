//! # Thread synchronization with a barrier
//!
//! Book: 2nd edition chapter 2, "Thread synchronization with a barrier", `Barrier.py` (the 1st
//! edition has no barrier section).
//!
//! Three runners, Huey, Dewey and Louie, each run for a random two to four book seconds and then
//! wait at a barrier for three. None of them leaves it before the last one has arrived; then all
//! go on, and the race is over once every thread has finished.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-barrier                    # three runners, 50 ms ticks
//! cargo run -p thread-barrier -- --book          # the book's whole seconds
//! cargo run -p thread-barrier -- --runners 5 --seed 7
//! ```
//!
//! ## Python → Rust
//!
//! - `threading.Barrier(3)` → `std::sync::Barrier::new(3)`; `finish_line.wait()` →
//!   `barrier.wait()`. Python's `wait()` returns an index that is 0 for exactly one thread;
//!   Rust's returns a `BarrierWaitResult` whose `is_leader()` is true for exactly one thread.
//! - The runners' names, popped by each thread from a shared list in the book, are given to the
//!   threads with `std::thread::Builder::name`, in the same order (`pop()` takes the last
//!   name first, so the first thread started is Louie).
//! - `time.ctime()` → `common::output::ctime`, the same text.
//!
//! ## Differences from the book
//!
//! - Each runner also prints a line when it leaves the barrier, and the leader says so; the
//!   book's runners leave silently. The last line names the leader.
//! - The run checks itself: each runner takes a ticket from one atomic counter just before
//!   `wait()` and another just after; every arrival ticket must be smaller than every departure
//!   ticket (all arrived before any left), and exactly one runner must be the leader; otherwise
//!   it exits 1.
//! - The number of runners is a flag, `--runners` (3); runners past the third are called
//!   `Runner-4`, `Runner-5`… (the book's list of names would run out). `--seed` makes the run
//!   times repeatable.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s). The blank line after
//!   each "reached" line, and the space before it, are left out.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::SystemTime;

use anyhow::{Context, ensure};
use clap::Parser;
use common::Pace;
use rand::RngExt;

#[derive(Parser)]
#[command(about = "Runners wait at a barrier until all of them have arrived")]
struct Args {
    /// Runners, and the number of threads the barrier waits for.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runners: u32,
    /// Seed for the runners' random run times (2 to 4 book seconds); random when absent.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let runners = args.runners as usize;
    let mut rng = common::seeded_rng(args.seed);
    let finish_line = Arc::new(Barrier::new(runners));
    let tickets = Arc::new(AtomicUsize::new(0));

    println!("START RACE!!!!");
    let mut names = runner_names(runners);
    let mut threads = Vec::new();
    while let Some(name) = names.pop() {
        // Drawn here, in start order, so a seed fixes each runner's time.
        let seconds = rng.random_range(2..=4);
        let (finish_line, tickets) = (Arc::clone(&finish_line), Arc::clone(&tickets));
        let pace = args.pace;
        let thread = thread::Builder::new()
            .name(name.clone())
            .spawn(move || race(&finish_line, &tickets, seconds, pace))
            .with_context(|| format!("cannot start runner {name}"))?;
        threads.push(thread);
    }
    let laps = threads
        .into_iter()
        .map(common::join)
        .collect::<anyhow::Result<Vec<_>>>()?;
    println!("Race over!");
    check(&laps)
}

/// The book's three names, then `Runner-4`, `Runner-5`… as many as asked for.
fn runner_names(count: usize) -> Vec<String> {
    let ducks = ["Huey", "Dewey", "Louie"].map(String::from);
    let more = (ducks.len() + 1..=count).map(|n| format!("Runner-{n}"));
    ducks.into_iter().chain(more).take(count).collect()
}

/// One runner's passage through the barrier.
#[derive(Debug)]
struct Lap {
    name: String,
    /// Ticket taken just before `wait()`.
    arrival: usize,
    /// Ticket taken just after `wait()` returned.
    departure: usize,
    leader: bool,
}

// ANCHOR: race
/// Runs for `seconds` book seconds, then waits at the finish line for the others.
fn race(finish_line: &Barrier, tickets: &AtomicUsize, seconds: u32, pace: Pace) -> Lap {
    let name = common::output::thread_name("runner");
    pace.sleep(f64::from(seconds));
    println!(
        "{name} reached the barrier at: {}",
        common::output::ctime(SystemTime::now())
    );
    let arrival = tickets.fetch_add(1, Ordering::SeqCst);
    let leader = finish_line.wait().is_leader();
    let departure = tickets.fetch_add(1, Ordering::SeqCst);
    if leader {
        println!("{name} left the barrier, as its leader");
    } else {
        println!("{name} left the barrier");
    }
    Lap {
        name,
        arrival,
        departure,
        leader,
    }
}
// ANCHOR_END: race

// ANCHOR: check
fn check(laps: &[Lap]) -> anyhow::Result<()> {
    let last_in = laps.iter().max_by_key(|lap| lap.arrival);
    let first_out = laps.iter().min_by_key(|lap| lap.departure);
    if let (Some(last_in), Some(first_out)) = (last_in, first_out) {
        ensure!(
            last_in.arrival < first_out.departure,
            "{} left the barrier (ticket {}) before {} reached it (ticket {})",
            first_out.name,
            first_out.departure,
            last_in.name,
            last_in.arrival
        );
    }
    let leaders: Vec<&str> = laps
        .iter()
        .filter(|lap| lap.leader)
        .map(|lap| lap.name.as_str())
        .collect();
    ensure!(
        leaders.len() == 1,
        "the barrier needs exactly one leader, found {leaders:?}"
    );
    let runners = match laps.len() {
        1 => "the only runner".to_owned(),
        n => format!("all {n} runners"),
    };
    println!(
        "Barrier held: {runners} arrived before any left; the leader was {}",
        leaders[0]
    );
    Ok(())
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;

    fn lap(name: &str, arrival: usize, departure: usize, leader: bool) -> Lap {
        Lap {
            name: name.to_owned(),
            arrival,
            departure,
            leader,
        }
    }

    #[test]
    fn names_are_the_ducks_then_numbered_runners() {
        assert_eq!(runner_names(1), ["Huey"]);
        assert_eq!(runner_names(3), ["Huey", "Dewey", "Louie"]);
        assert_eq!(runner_names(5)[3..], ["Runner-4", "Runner-5"]);
    }

    #[test]
    fn check_accepts_arrivals_before_departures_and_one_leader() {
        let laps = [
            lap("Louie", 0, 4, false),
            lap("Dewey", 2, 3, true),
            lap("Huey", 1, 5, false),
        ];
        assert!(check(&laps).is_ok());
    }

    #[test]
    fn check_rejects_a_runner_leaving_early() {
        let laps = [lap("Louie", 0, 1, true), lap("Dewey", 2, 3, false)];
        let error = check(&laps).unwrap_err().to_string();
        assert!(
            error.contains("Louie left the barrier (ticket 1) before Dewey"),
            "{error}"
        );
    }

    #[test]
    fn check_rejects_zero_or_two_leaders() {
        assert!(check(&[lap("Huey", 0, 2, false), lap("Dewey", 1, 3, false)]).is_err());
        assert!(check(&[lap("Huey", 0, 2, true), lap("Dewey", 1, 3, true)]).is_err());
    }

    #[test]
    fn a_real_barrier_passes_the_check() {
        let runners = 6;
        let barrier = Barrier::new(runners);
        let tickets = AtomicUsize::new(0);
        let pace = Pace {
            book: false,
            tick_ms: Some(0),
        };
        let laps: Vec<Lap> = thread::scope(|scope| {
            let threads: Vec<_> = (0..runners)
                .map(|_| scope.spawn(|| race(&barrier, &tickets, 2, pace)))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(check(&laps).is_ok());
        let mut arrivals: Vec<usize> = laps.iter().map(|lap| lap.arrival).collect();
        arrivals.sort_unstable();
        assert_eq!(arrivals, (0..runners).collect::<Vec<_>>());
    }
}
