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
//! - Each runner also prints a line when it leaves the barrier (`Louie left the barrier`), and
//!   the leader says so (`Huey left the barrier, as its leader`); the book's runners leave
//!   silently. These lines show the barrier releasing everyone at once.
//! - The run checks itself: each runner takes a ticket from one atomic counter just before
//!   `wait()` and another just after; every arrival ticket must be below the number of runners
//!   (all arrived before any left), and exactly one runner must be the leader; otherwise
//!   it exits 1. The last line reports the check and names the leader: `Barrier held: all 3
//!   runners arrived before any left; the leader was …`.
//! - The number of runners is a flag, `--runners` (3); runners past the third are called
//!   `Runner-4`, `Runner-5`… (the book's list of names would run out). `--seed` makes the run
//!   times repeatable.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s). The blank line after
//!   each "reached" line, and the space before it, are left out.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::SystemTime;

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use common::Pace;
use rand::RngExt;

#[derive(Parser)]
#[command(about = "Runners wait at a barrier until all of them have arrived")]
struct Args {
    /// Runners, and the number of threads the barrier waits for; at most 1000.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
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

fn run(args: Args) -> Result<()> {
    let runners = args.runners as usize;
    let mut rng = common::seeded_rng(args.seed);
    let finish_line = Arc::new(Barrier::new(runners));
    let tickets = Arc::new(AtomicUsize::new(0));

    println!("START RACE!!!!");
    let (mut names, pace) = (runner_names(runners), args.pace);
    let mut threads = Vec::new();
    while let Some(name) = names.pop() {
        // Drawn here, in start order, so a seed fixes each runner's time.
        let seconds = rng.random_range(2..=4);
        let (finish_line, tickets) = (Arc::clone(&finish_line), Arc::clone(&tickets));
        let thread = thread::Builder::new()
            .name(name.clone())
            .spawn(move || race(&finish_line, &tickets, seconds, pace))
            .with_context(|| format!("cannot start runner {name}"))?;
        threads.push(thread);
    }
    let mut laps = Vec::new();
    for thread in threads {
        laps.push(common::join(thread)?);
    }
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
struct Lap {
    name: String,
    /// Ticket taken just before `wait()`.
    arrival: usize,
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
    // A departure ticket: whoever arrives after this takes an arrival ticket of n or more.
    tickets.fetch_add(1, Ordering::SeqCst);
    let role = if leader { ", as its leader" } else { "" };
    println!("{name} left the barrier{role}");
    Lap {
        name,
        arrival,
        leader,
    }
}
// ANCHOR_END: race

// ANCHOR: check
fn check(laps: &[Lap]) -> Result<()> {
    // The tickets come from one counter, 0 to 2n − 1: all n arrived before any left exactly
    // when every arrival ticket is below n.
    if let Some(late) = laps.iter().find(|lap| lap.arrival >= laps.len()) {
        bail!(
            "{} reached the barrier (ticket {}) after a runner had left it",
            late.name,
            late.arrival
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

    fn lap(name: &str, arrival: usize, leader: bool) -> Lap {
        Lap {
            name: name.to_owned(),
            arrival,
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
    fn check_accepts_arrivals_below_n_and_one_leader() {
        let laps = [
            lap("Louie", 0, false),
            lap("Dewey", 2, true),
            lap("Huey", 1, false),
        ];
        assert!(check(&laps).is_ok());
    }

    #[test]
    fn check_rejects_a_runner_arriving_after_one_left() {
        let laps = [lap("Louie", 0, true), lap("Dewey", 2, false)];
        let error = check(&laps).unwrap_err().to_string();
        assert!(
            error.contains("Dewey reached the barrier (ticket 2) after a runner had left it"),
            "{error}"
        );
    }

    #[test]
    fn check_rejects_zero_or_two_leaders() {
        assert!(check(&[lap("Huey", 0, false), lap("Dewey", 1, false)]).is_err());
        assert!(check(&[lap("Huey", 0, true), lap("Dewey", 1, true)]).is_err());
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
