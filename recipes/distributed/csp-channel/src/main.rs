//! # Communicating sequential processes with PyCSP
//!
//! Book: 1st edition §5.9 "Communicating sequential processes with PyCSP".
//!
//! Two processes share nothing but a channel. The counter writes 0, 1, 2, 3, 4 on it and then
//! poisons it; the printer prints whatever it reads until the poison reaches it. The channel is a
//! rendezvous: each write waits until the reader takes the value, so the two processes move in
//! step.
//!
//! ## Run
//!
//! ```text
//! cargo run -p csp-channel                                # 0 1 2 3 4
//! cargo run -p csp-channel -- --limit 10
//! cargo run -p csp-channel --example alternation          # two counters, one printer choosing
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
//! - PyCSP's `Alternation` (not in the book's listing) → `crossbeam_channel::select!`, in the
//!   `alternation` example: a printer reading two counters' channels, whichever is ready.
//!
//! ## Differences from the book
//!
//! - PyCSP only runs on Python 2 (the book's code uses `xrange` and `print x,`); the output is
//!   the same: `0 1 2 3 4` on one line.
//! - The printer in the book loops forever and is ended by the poison; here it returns the
//!   values it printed, and the run checks them: exactly the values written, in order. A final
//!   line says so. `--limit` (the book's 5, at most 1,000,000) is a flag.

use std::io::Write;
use std::thread;

use anyhow::{Context, ensure};
use clap::Parser;
use crossbeam_channel::{Receiver, Sender};

#[derive(Parser)]
#[command(about = "CSP processes on a rendezvous channel, poisoned at the end (PyCSP → crossbeam)")]
struct Args {
    /// Values the counter writes (the book: 5, i.e. 0 to 4), at most 1000000.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(..=1_000_000))]
    limit: u32,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

// ANCHOR: run
fn run(args: Args) -> anyhow::Result<()> {
    // Channel('A'): its writing end goes to the counter, its reading end to the printer.
    let (a_writer, a_reader) = crossbeam_channel::bounded(0);
    let counter = thread::Builder::new()
        .name("processCounter".into())
        .spawn(move || process_counter(a_writer, args.limit))
        .context("cannot start processCounter")?;
    let printer = thread::Builder::new()
        .name("processPrinter".into())
        .spawn(move || process_printer(a_reader))
        .context("cannot start processPrinter")?;

    // Parallel(...): every process ends before the program goes on.
    let written = common::join(counter)?;
    let printed = common::join(printer)?;
    ensure!(
        printed == written,
        "printed {printed:?}, but the counter wrote {written:?}"
    );
    println!(
        "{} values printed as written; 1 channel(s) poisoned, every process ended",
        printed.len()
    );
    Ok(())
}
// ANCHOR_END: run

// ANCHOR: processes
/// The book's `processCounter`: writes 0..limit, then poisons the channel by dropping its
/// writing end. Returns what it wrote.
fn process_counter(cout: Sender<u32>, limit: u32) -> Vec<u32> {
    let mut written = Vec::new();
    for value in 0..limit {
        // The printer reads until the channel is poisoned, so it is still there.
        cout.send(value).expect("the printer reads until poisoned");
        written.push(value);
    }
    drop(cout); // poison(cout)
    written
}

/// The book's `processPrinter`: prints what it reads until the channel is poisoned. Returns
/// what it printed.
fn process_printer(cin: Receiver<u32>) -> Vec<u32> {
    let mut printed = Vec::new();
    // recv fails once the counter has dropped its end: the poison.
    while let Ok(value) = cin.recv() {
        let separator = if printed.is_empty() { "" } else { " " };
        print!("{separator}{value}");
        // Show each value as it arrives. A failed flush means a closed stdout, which the next
        // print! reports.
        let _ = std::io::stdout().flush();
        printed.push(value);
    }
    println!();
    printed
}
// ANCHOR_END: processes

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_writes_in_step_and_poisons_at_the_end() {
        let (writer, reader) = crossbeam_channel::bounded(0);
        let counter = thread::spawn(move || process_counter(writer, 3));
        assert_eq!(reader.iter().collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(counter.join().unwrap(), [0, 1, 2]);
        assert!(reader.recv().is_err(), "poisoned");
    }

    #[test]
    fn the_printer_reads_until_the_poison() {
        let (writer, reader) = crossbeam_channel::bounded(0);
        let counter = thread::spawn(move || process_counter(writer, 4));
        assert_eq!(process_printer(reader), [0, 1, 2, 3]);
        assert_eq!(counter.join().unwrap(), [0, 1, 2, 3]);
    }
}
