//! # Start working with threads
//!
//! Book: 1st edition §1.11 "Start working with threads in Python", `helloPythonWithThreads.py`.
//! The 2nd edition has no such section.
//!
//! The first thread of the book: a `CookBook` value carries its message, and `start` runs its
//! `run` method on a new thread, which prints the message ten times, two book seconds apart.
//! Meanwhile the main thread carries on and announces the end of the "process" while the new
//! thread is still at work.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-hello                      # 10 messages, 50 ms ticks (about 1 s)
//! cargo run -p thread-hello -- --book            # 2 s between messages, as in the book
//! cargo run -p thread-hello -- --messages 3 --tick-ms 10
//! ```
//!
//! ## Python → Rust
//!
//! - `class CookBook(Thread)` overriding `run` → a plain struct with a `run` method and a
//!   `start` that moves the struct into `std::thread::Builder::spawn` and calls `run` there.
//!   Rust has no inheritance: a thread runs a closure, and the value's state travels into it by
//!   move, so the main thread cannot touch the message while the thread prints it.
//! - `hello_Python.start()` → `CookBook::start()`, which returns the thread's `JoinHandle`.
//!   The thread is named `Thread-1`, as Python names the first thread it creates.
//! - `time.sleep(2)` → `pace.sleep(2.0)`: two book seconds (see below).
//!
//! ## Differences from the book
//!
//! - The original never joins: the Python interpreter waits for every non-daemon thread
//!   before it exits, so the messages keep coming after `Process Ended`. A Rust process ends
//!   when `main` returns and takes its threads with it, so here `main` prints `Process Ended`
//!   and then joins the thread.
//! - The thread returns how many messages it printed; the run checks that number against
//!   `--messages`, prints one closing line about it, and exits 1 on a mismatch.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for whole seconds), so a plain
//!   run takes one second instead of twenty.
//! - The book's strings end in `"\n"`, so Python printed a blank line after `Thread Starting`,
//!   after each message and after `Thread Ended`; the blank lines are left out.

use std::thread::{self, JoinHandle};

use anyhow::{Context, ensure};
use clap::Parser;
use common::Pace;

#[derive(Parser)]
#[command(about = "A thread type with its own run method: ten hellos, two book seconds apart")]
struct Args {
    /// How many times the thread prints its message (the book: 10), at most 30: a minute at
    /// the book's pace.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=30))]
    messages: u32,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::report(run(Args::parse()))
}

// ANCHOR: main
fn run(args: Args) -> anyhow::Result<()> {
    println!("Process Started");
    let hello = CookBook::new(args.messages, args.pace);
    let handle = hello.start()?;
    println!("Process Ended");
    // Python would wait for the thread on its own; Rust would kill it on return from main.
    let printed = common::join(handle)?;
    check(printed, args.messages)
}
// ANCHOR_END: main

// ANCHOR: cookbook
/// The book's `CookBook(Thread)`: the state the thread needs, and the `run` it executes.
struct CookBook {
    message: String,
    messages: u32,
    pace: Pace,
}

impl CookBook {
    fn new(messages: u32, pace: Pace) -> Self {
        Self {
            message: "Hello Parallel Python CookBook!!".to_owned(),
            messages,
            pace,
        }
    }

    /// Moves `self` into a new thread named as Python would name it, and runs it there.
    fn start(self) -> anyhow::Result<JoinHandle<u32>> {
        thread::Builder::new()
            .name("Thread-1".to_owned())
            .spawn(move || self.run())
            .context("cannot start the CookBook thread")
    }

    fn print_message(&self) {
        println!("{}", self.message);
    }

    /// Prints the message `messages` times, two book seconds apart, and returns the count.
    fn run(&self) -> u32 {
        println!("Thread Starting");
        let mut printed = 0;
        while printed < self.messages {
            self.print_message();
            self.pace.sleep(2.0);
            printed += 1;
        }
        println!("Thread Ended");
        printed
    }
}
// ANCHOR_END: cookbook

fn check(printed: u32, wanted: u32) -> anyhow::Result<()> {
    ensure!(
        printed == wanted,
        "the thread printed {printed} messages instead of {wanted}"
    );
    println!("Thread-1 joined after {printed} messages");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant() -> Pace {
        Pace {
            book: false,
            tick_ms: Some(0),
        }
    }

    #[test]
    fn run_prints_as_many_messages_as_asked() {
        assert_eq!(CookBook::new(3, instant()).run(), 3);
    }

    #[test]
    fn start_runs_on_a_thread_named_like_python() {
        let handle = CookBook::new(1, instant()).start().unwrap();
        assert_eq!(handle.thread().name(), Some("Thread-1"));
        assert_eq!(common::join(handle).unwrap(), 1);
    }

    #[test]
    fn check_rejects_a_short_count() {
        let error = check(9, 10).unwrap_err();
        assert!(error.to_string().contains("9 messages instead of 10"));
    }
}
