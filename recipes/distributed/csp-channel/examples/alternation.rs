//! CSP's alternation, which the book mentions but does not show: two counters, each on its own
//! rendezvous channel, and one printer that reads whichever channel is ready, with
//! `crossbeam_channel::select!` (PyCSP's `Alternation` / `AltSelect`). A poisoned input is
//! replaced by `never()`, a channel that never delivers, so the printer stops choosing it.
//!
//! ```text
//! cargo run -p csp-channel --example alternation               # 0..4 and 5..9, interleaved
//! cargo run -p csp-channel --example alternation -- --limit 20
//! ```
//!
//! The second counter writes `limit..2·limit`, so the two streams can be told apart; the run
//! checks that the printer printed every value, each counter's in its order.

use std::io::Write;
use std::ops::Range;
use std::thread;

use anyhow::{Context, ensure};
use clap::Parser;
use crossbeam_channel::{Receiver, Sender, never, select};

#[derive(Parser)]
#[command(about = "Two CSP counters and a printer choosing between them with select!")]
struct Args {
    /// Values each counter writes, at most 1000000.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(..=1_000_000))]
    limit: u32,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (a_writer, a) = crossbeam_channel::bounded(0);
    let (b_writer, b) = crossbeam_channel::bounded(0);
    let limit = args.limit;
    let counter_a = spawn("processCounter-A", move || counter(a_writer, 0..limit))?;
    let counter_b = spawn("processCounter-B", move || {
        counter(b_writer, limit..2 * limit)
    })?;
    let printer = spawn("processPrinter", move || printer(a, b))?;
    let written_a = common::join(counter_a)?;
    let written_b = common::join(counter_b)?;
    let printed = common::join(printer)?;
    let from = |written: &[u32]| -> Vec<u32> {
        let mine = printed.iter().filter(|value| written.contains(value));
        mine.copied().collect()
    };
    ensure!(
        printed.len() == written_a.len() + written_b.len()
            && from(&written_a) == written_a
            && from(&written_b) == written_b,
        "printed {printed:?}, but the counters wrote {written_a:?} and {written_b:?}"
    );
    println!(
        "{} values printed as written; 2 channel(s) poisoned, every process ended",
        printed.len()
    );
    Ok(())
}

fn spawn<T: Send + 'static>(
    name: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<thread::JoinHandle<T>> {
    let builder = thread::Builder::new().name(name.to_owned());
    builder
        .spawn(body)
        .with_context(|| format!("cannot start {name}"))
}

/// Writes `values`; returning drops `cout`, which poisons its channel.
fn counter(cout: Sender<u32>, values: Range<u32>) -> Vec<u32> {
    let mut written = Vec::new();
    for value in values {
        // The printer reads until both channels are poisoned, so it is still there.
        cout.send(value).expect("the printer reads until poisoned");
        written.push(value);
    }
    written
}

/// Alternates between `a` and `b` with `select!` until both are poisoned.
fn printer(mut a: Receiver<u32>, mut b: Receiver<u32>) -> Vec<u32> {
    let mut live = 2;
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
