//! # Communicating sequential processes with PyCSP
//!
//! Book: 1st edition §5.9 "Communicating sequential processes with PyCSP".
//!
//! Two processes share nothing but a channel. The counter writes 0, 1, 2, 3, 4 on it and then
//! poisons it; the printer prints whatever it reads until the poison reaches it. The channel is a
//! rendezvous: each write waits until the reader takes the value, so the two processes move in
//! step. With `--writers 2` a second counter writes on a second channel and the printer chooses
//! between them with `select!`, CSP's alternation.
//!
//! ## Run
//!
//! ```text
//! cargo run -p csp-channel                    # 0 1 2 3 4
//! cargo run -p csp-channel -- --limit 10
//! cargo run -p csp-channel -- --writers 2     # two counters, one printer choosing
//! ```
//!
//! ## Python → Rust
//!
//! - `@process` functions run by `Parallel(...)` → functions run on named threads, all joined
//!   before the program goes on, as `Parallel` waits for its processes.
//! - `Channel('A')` with `A.writer()` / `A.reader()` → `crossbeam_channel::bounded(0)`, a
//!   zero-capacity channel whose `Sender` and `Receiver` are the two ends. Capacity 0 makes it a
//!   rendezvous, like a CSP channel: `send` returns only once a reader has taken the value.
//! - `poison(cout)` → dropping the `Sender`. The reader's `recv` then fails instead of waiting
//!   forever, which is the printer's cue to end, as the `ChannelPoisonException` is in PyCSP.
//!   Ownership makes it hard to forget: a counter that returns has dropped its end.
//! - PyCSP's `Alternation` / `AltSelect` → `crossbeam_channel::select!`: wait on several
//!   channels, take from whichever is ready. A poisoned input is replaced by `never()`, a
//!   channel that never delivers, so the printer stops choosing it.
//!
//! ## Differences from the book
//!
//! - PyCSP only runs on Python 2 (the book's code uses `xrange` and `print x,`); the output is
//!   the same: `0 1 2 3 4` on one line.
//! - The printer in the book loops forever and is ended by the poison; here it returns the
//!   values it printed, and the run checks them: exactly the values written, each writer's in
//!   order. A final line says so.
//! - `--limit` (the book's 5) and `--writers` (1 or 2) are flags; the second writer counts from
//!   `limit` to `2·limit − 1` so the two streams can be told apart.

use std::io::Write;
use std::thread::{self, JoinHandle};

use anyhow::{Context, ensure};
use clap::Parser;
use crossbeam_channel::{Receiver, Sender, never, select};

#[derive(Parser)]
#[command(about = "CSP processes on a rendezvous channel, poisoned at the end (PyCSP → crossbeam)")]
struct Args {
    /// Values each counter writes (the book: 5, i.e. 0 to 4).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(..=1_000_000))]
    limit: u32,
    /// Counter processes, each on its own channel; with 2 the printer alternates between them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    writers: u8,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

// ANCHOR: run
fn run(args: Args) -> anyhow::Result<()> {
    // Channel A, and channel B when there is a second writer.
    let (a_writer, a_reader) = crossbeam_channel::bounded(0);
    let counter_a = spawn("processCounter-A", move || {
        process_counter(a_writer, 0..args.limit)
    })?;
    let (counter_b, b_reader) = if args.writers == 2 {
        let (b_writer, b_reader) = crossbeam_channel::bounded(0);
        let values = args.limit..2 * args.limit;
        let counter = spawn("processCounter-B", move || {
            process_counter(b_writer, values)
        })?;
        (Some(counter), Some(b_reader))
    } else {
        (None, None)
    };
    let printer = spawn("processPrinter", move || {
        process_printer(a_reader, b_reader)
    })?;

    // Parallel(...): every process ends before the program goes on.
    let written_a = common::join(counter_a)?;
    let written_b = counter_b.map(common::join).transpose()?.unwrap_or_default();
    let printed = common::join(printer)?;
    check(&printed, &written_a, &written_b)
}
// ANCHOR_END: run

// ANCHOR: processes
/// The book's `processCounter`: writes each value, then poisons the channel by dropping its
/// writing end. Returns what it wrote.
fn process_counter(cout: Sender<u32>, values: std::ops::Range<u32>) -> Vec<u32> {
    let mut written = Vec::new();
    for value in values {
        // The printer reads until every writer has poisoned its channel, so it is still there.
        cout.send(value).expect("the printer reads until poisoned");
        written.push(value);
    }
    drop(cout); // poison(cout)
    written
}

/// The book's `processPrinter`, reading one channel or alternating between two with
/// `select!`, until each is poisoned. Returns what it printed.
fn process_printer(a: Receiver<u32>, b: Option<Receiver<u32>>) -> Vec<u32> {
    let mut live = 1 + usize::from(b.is_some());
    let (mut a, mut b) = (a, b.unwrap_or_else(never));
    let mut printed = Vec::new();
    while live > 0 {
        let (read, from_a) = select! {
            recv(a) -> read => (read, true),
            recv(b) -> read => (read, false),
        };
        match read {
            Ok(value) => {
                let separator = if printed.is_empty() { "" } else { " " };
                print!("{separator}{value}");
                // Show each value as it arrives. A failed flush means a closed stdout, which the
                // next print! reports.
                let _ = std::io::stdout().flush();
                printed.push(value);
            }
            // Poisoned: this input is done; stop choosing it.
            Err(_) if from_a => (a, live) = (never(), live - 1),
            Err(_) => (b, live) = (never(), live - 1),
        }
    }
    println!();
    printed
}
// ANCHOR_END: processes

fn spawn<T: Send + 'static>(
    name: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<JoinHandle<T>> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(body)
        .with_context(|| format!("cannot start process {name}"))
}

/// The printer must have printed exactly what was written, each writer's values in order.
fn check(printed: &[u32], written_a: &[u32], written_b: &[u32]) -> anyhow::Result<()> {
    let from = |writer: &[u32]| -> Vec<u32> {
        printed
            .iter()
            .copied()
            .filter(|value| writer.contains(value))
            .collect()
    };
    ensure!(
        printed.len() == written_a.len() + written_b.len()
            && from(written_a) == written_a
            && from(written_b) == written_b,
        "printed {printed:?}, but the counters wrote {written_a:?} and {written_b:?}"
    );
    let channels = if written_b.is_empty() { 1 } else { 2 };
    println!(
        "{} values printed as written; {channels} channel(s) poisoned, every process ended",
        printed.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_writes_in_step_and_poisons_at_the_end() {
        let (writer, reader) = crossbeam_channel::bounded(0);
        let counter = thread::spawn(move || process_counter(writer, 0..3));
        assert_eq!(reader.iter().collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(counter.join().unwrap(), [0, 1, 2]);
        assert!(reader.recv().is_err(), "poisoned");
    }

    #[test]
    fn the_printer_alternates_until_both_are_poisoned() {
        let (a_writer, a) = crossbeam_channel::bounded(0);
        let (b_writer, b) = crossbeam_channel::bounded(0);
        let one = thread::spawn(move || process_counter(a_writer, 0..4));
        let two = thread::spawn(move || process_counter(b_writer, 4..8));
        let mut printed = process_printer(a, Some(b));
        one.join().unwrap();
        two.join().unwrap();
        assert!(check(&printed, &[0, 1, 2, 3], &[4, 5, 6, 7]).is_ok());
        printed.sort_unstable();
        assert_eq!(printed, (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn check_rejects_reordered_values() {
        assert!(check(&[1, 0], &[0, 1], &[]).is_err());
        assert!(check(&[0], &[0, 1], &[]).is_err());
    }
}
