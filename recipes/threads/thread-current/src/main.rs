//! # How to determine the current thread
//!
//! Book: 1st edition §2.4 "How to determine the current thread"; 2nd edition chapter 2,
//! "Determining the current thread", `Thread_determine.py`.
//!
//! Three threads run the same kind of body, and each one finds out who it is by asking for the
//! current thread's name instead of being told through an argument. The name is given when
//! the thread is built; a thread built without one has none.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-current                       # 2nd edition: function_A/B/C
//! cargo run -p thread-current -- --edition ed1      # first_function, second_function, ...
//! cargo run -p thread-current -- --unnamed          # leave the third thread unnamed
//! cargo run -p thread-current -- --book             # the book's 2 s sleep
//! ```
//!
//! ## Python → Rust
//!
//! - `threading.Thread(name='function_A', target=function_A)` →
//!   `thread::Builder::new().name("function_A".into()).spawn(..)`.
//! - `threading.currentThread().getName()` → `thread::current().name()`, an `Option<&str>`:
//!   Python invents `Thread-N` for a thread created without a name, Rust leaves it `None`, so
//!   the recipe prints a fallback (`common::output::thread_name("Thread-1")`).
//! - `t.join()` → `common::join(handle)`, which also hands back the name the thread read.
//!
//! ## Differences from the book
//!
//! - The book's three functions have the same body; here one function `function` is the
//!   target of all three threads, which makes the point plainer: the name comes from the
//!   thread, not from the code it runs.
//! - The 1st edition's listing starts the threads and never joins them; its explanation then
//!   joins them and leaves the third thread unnamed (printing `Thread-1`). Here every thread is
//!   joined, and `--unnamed` gives the explanation's variant, with `Thread-1` printed as a
//!   fallback because a Rust thread has no automatic name.
//! - The run checks itself: each thread returns the name it read, which must be the name it was
//!   given (or the fallback), otherwise it exits 1; it ends with one line saying so,
//!   `Each thread read its own name: function_A, function_B, function_C`.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for whole seconds).
//! - The book's strings end in a space (both editions) and in `"\n"` (2nd edition, which
//!   printed a blank line after each line); the spaces and blank lines are left out.

use std::thread::{self, JoinHandle};

use anyhow::{Context, ensure};
use clap::Parser;
use common::{Edition, Pace};

/// What Python would call the first thread it names itself.
const FALLBACK: &str = "Thread-1";

#[derive(Parser)]
#[command(about = "Three threads that each print their own name")]
struct Args {
    /// Which edition's names and wording: ed1 `first_function is Starting`, ed2
    /// `function_A--> starting`.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Leave the third thread unnamed, as the 1st edition's explanation does.
    #[arg(long)]
    unnamed: bool,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::report(run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let mut names: Vec<Option<&str>> = thread_names(args.edition).map(Some).to_vec();
    if args.unnamed {
        names[2] = None;
    }
    let handles = names
        .iter()
        .map(|&name| start(name, args.edition, args.pace))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut read = Vec::new();
    for handle in handles {
        read.push(common::join(handle)?);
    }
    check(&names, &read)
}

fn thread_names(edition: Edition) -> [&'static str; 3] {
    match edition {
        Edition::Ed1 => ["first_function", "second_function", "third_function"],
        Edition::Ed2 => ["function_A", "function_B", "function_C"],
    }
}

// ANCHOR: start
/// Builds a thread, named only when `name` is given, that runs `function`.
fn start(name: Option<&str>, edition: Edition, pace: Pace) -> anyhow::Result<JoinHandle<String>> {
    let mut builder = thread::Builder::new();
    if let Some(name) = name {
        builder = builder.name(name.to_owned());
    }
    builder
        .spawn(move || function(edition, pace))
        .with_context(|| format!("cannot start thread {}", name.unwrap_or(FALLBACK)))
}
// ANCHOR_END: start

// ANCHOR: function
/// The body all three threads run: it asks the current thread for its name, prints it on the
/// way in and out, and returns it.
fn function(edition: Edition, pace: Pace) -> String {
    let name = common::output::thread_name(FALLBACK);
    match edition {
        Edition::Ed1 => println!("{name} is Starting"),
        Edition::Ed2 => println!("{name}--> starting"),
    }
    pace.sleep(2.0);
    match edition {
        Edition::Ed1 => println!("{name} is Exiting"),
        Edition::Ed2 => println!("{name}--> exiting"),
    }
    name
}
// ANCHOR_END: function

/// Each thread must have read the name it was built with, or the fallback if it had none.
fn check(given: &[Option<&str>], read: &[String]) -> anyhow::Result<()> {
    let expected: Vec<&str> = given.iter().map(|name| name.unwrap_or(FALLBACK)).collect();
    ensure!(
        read == expected,
        "the threads read the names {read:?}, expected {expected:?}"
    );
    println!("Each thread read its own name: {}", read.join(", "));
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
    fn a_named_thread_reads_its_name() {
        let handle = start(Some("function_B"), Edition::Ed2, instant()).unwrap();
        assert_eq!(common::join(handle).unwrap(), "function_B");
    }

    #[test]
    fn an_unnamed_thread_reads_the_fallback() {
        let handle = start(None, Edition::Ed1, instant()).unwrap();
        assert_eq!(handle.thread().name(), None);
        assert_eq!(common::join(handle).unwrap(), FALLBACK);
    }

    #[test]
    fn check_rejects_a_wrong_name() {
        let read = ["a".to_owned(), "c".to_owned()];
        let error = check(&[Some("a"), Some("b")], &read).unwrap_err();
        assert!(error.to_string().contains("expected [\"a\", \"b\"]"));
    }

    #[test]
    fn check_accepts_the_fallback_for_an_unnamed_thread() {
        let read = ["a".to_owned(), FALLBACK.to_owned()];
        assert!(check(&[Some("a"), None], &read).is_ok());
    }
}
