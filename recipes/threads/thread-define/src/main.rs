//! # How to define a thread
//!
//! Book: 1st edition §2.3 "How to define a thread"; 2nd edition chapter 2, "Defining a
//! thread", `Thread_definition.py`.
//!
//! The simplest way to make a thread: give it a target function and an argument, start it.
//! Each thread prints the number it was given. **This is not parallel:** the loop joins every
//! thread right after starting it, so thread `i + 1` is not even created before thread `i` has
//! finished, and the lines always come out in order 0, 1, 2, ...
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-define                     # 2nd edition: 10 threads, "N°"
//! cargo run -p thread-define -- --edition ed1    # 1st edition: 5 threads
//! cargo run -p thread-define -- --threads 20
//! ```
//!
//! ## Python → Rust
//!
//! - `threading.Thread(target=my_func, args=(i,))` → `thread::Builder::spawn(move || my_func(i))`:
//!   the closure is the target, and what it captures by `move` are the arguments.
//! - `t.start()` → nothing: a Rust thread starts as soon as it is spawned.
//! - `t.join()` → `common::join(handle)`, which also hands back the target's return value
//!   (Python's `join` returns `None` and drops it).
//! - Threads are named `Thread-1`..`Thread-N`, as Python names unnamed threads.
//!
//! ## Differences from the book
//!
//! - The run checks itself: each target takes a ticket from a shared counter as it prints and
//!   returns it; the tickets must come back as 0..n−1 in thread order, which proves the threads
//!   ran one at a time. Otherwise the run exits 1. It then prints one closing line that says
//!   so, `Ran one at a time: 10 threads, in order 0..9`.
//! - `--threads` overrides the edition's count (5 or 10).
//! - The 1st edition's string ends in `"\n"`, so Python printed a blank line after each line;
//!   the blank lines are left out. Its screenshot shows the order 0 3 2 1 4, which the listing
//!   cannot produce (its translator notes the same): the order is always 0..n−1.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;

use anyhow::{Context, ensure};
use clap::Parser;
use common::Edition;

#[derive(Parser)]
#[command(about = "Threads from a target function and an argument, each joined at once")]
struct Args {
    /// Which edition's listing to run: ed1 starts 5 threads, ed2 10 ("N°" in its line).
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Threads to start, one after the other, at most 1000 [default: the edition's count].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    threads: Option<u32>,
}

fn main() -> std::process::ExitCode {
    common::report(run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let threads = args.threads.unwrap_or(match args.edition {
        Edition::Ed1 => 5,
        Edition::Ed2 => 10,
    });
    let tickets = start_and_join_each(threads, args.edition)?;
    check(&tickets)
}

// ANCHOR: loop
/// Starts `threads` threads, joining each before starting the next, and returns the ticket
/// each one took, in thread order.
fn start_and_join_each(threads: u32, edition: Edition) -> anyhow::Result<Vec<u32>> {
    let counter = Arc::new(AtomicU32::new(0));
    let mut tickets = Vec::new();
    for i in 0..threads {
        let counter = Arc::clone(&counter);
        let handle = thread::Builder::new()
            .name(format!("Thread-{}", i + 1))
            .spawn(move || my_func(i, edition, &counter))
            .with_context(|| format!("cannot start thread {i}"))?;
        // Joining here, inside the loop, is what makes the threads run one at a time.
        tickets.push(common::join(handle)?);
    }
    Ok(tickets)
}
// ANCHOR_END: loop

// ANCHOR: target
/// The thread's target: prints its number and returns the ticket it took, that is how many
/// targets had printed before it.
fn my_func(thread_number: u32, edition: Edition, counter: &AtomicU32) -> u32 {
    match edition {
        Edition::Ed1 => println!("function called by thread {thread_number}"),
        Edition::Ed2 => println!("my_func called by thread N°{thread_number}"),
    }
    counter.fetch_add(1, Ordering::SeqCst)
}
// ANCHOR_END: target

/// Thread `i` must have been the `i`-th to print.
fn check(tickets: &[u32]) -> anyhow::Result<()> {
    let expected: Vec<u32> = (0..).take(tickets.len()).collect();
    ensure!(
        tickets == expected,
        "the threads did not run one at a time: tickets {tickets:?}, expected {expected:?}"
    );
    println!(
        "Ran one at a time: {} threads, in order 0..{}",
        tickets.len(),
        tickets.len() - 1
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_threads_take_their_tickets_in_order() {
        assert_eq!(
            start_and_join_each(4, Edition::Ed1).unwrap(),
            vec![0, 1, 2, 3]
        );
    }

    #[test]
    fn the_target_returns_the_ticket_and_counts_on() {
        let counter = AtomicU32::new(5);
        assert_eq!(my_func(0, Edition::Ed2, &counter), 5);
        assert_eq!(counter.load(Ordering::SeqCst), 6);
    }

    #[test]
    fn check_rejects_an_interleaving() {
        let error = check(&[0, 2, 1]).unwrap_err();
        assert!(error.to_string().contains("not run one at a time"));
    }
}
