//! # Exchanging objects between processes with a queue
//!
//! Book: 1st edition §3.7 "How to exchange objects between processes" (the queue half,
//! `using_queue.py`); 2nd edition chapter 3, "Using a queue to exchange data",
//! `communicating_with_queue.py`.
//!
//! Two child processes share a queue: the producer puts ten random numbers on it, one per book
//! second, and reports how many are waiting; the consumer takes one every three book seconds
//! and stops when the stream ends. Every item crosses from one process to the other through
//! the kernel: nothing is shared but the channel.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-queue                        # 10 items, 50 ms ticks
//! cargo run -p process-queue -- --book --seed 7     # the book's whole seconds, repeatable items
//! cargo run -p process-queue -- --show-pids         # also print the children's PIDs
//! ```
//!
//! ## Python → Rust
//!
//! - The `producer` and `consumer` subclasses of `multiprocessing.Process` → this binary
//!   started twice more with a hidden subcommand, `producer` or `consumer`
//!   (`common::child::self_command`). Each child asks the kernel to kill it if the parent dies
//!   (`common::child::die_with_parent`).
//! - `multiprocessing.Queue()` → `queue::pair()` (`src/queue.rs`): a connected pair of Unix
//!   sockets (`UnixStream::pair`), one end per child. A `Command` can hand a child only its
//!   standard streams, so each end goes in as the child's stdin, the way `inetd` hands a server
//!   its connection; stdout stays the terminal's, for the book's lines. Items travel as one
//!   `serde_json` value per line, as Python pickles them.
//! - `queue.qsize()` → Python's queue counts its items with a semaphore shared by the
//!   processes. Here the consumer sends a receipt back through the same socket for every item
//!   it takes, and the producer reports the items it put minus the receipts it has read.
//! - `queue.empty()` followed by `get()` → one blocking read that returns either the next item
//!   or the end of the stream, which comes when the producer shuts down its end of the socket.
//!
//! ## Differences from the book
//!
//! - In the book the consumer leaves as soon as it finds the queue empty, so if it looks before
//!   the producer's first `put()`, or ever gets ahead of it, it quits and the remaining items
//!   are never taken (on macOS `qsize()` is not even implemented). Here the consumer blocks
//!   until an item or the end of the stream arrives, prints `the queue is empty` at the end,
//!   and always takes all ten items.
//! - The run checks itself: the producer compares the consumer's receipts with what it put, so
//!   every item must have been taken once and in order, or it exits 1; the parent checks both
//!   children's exit statuses and prints a last line once both succeeded, `Queue drained: 10
//!   items put by producer-1, all taken by consumer-2 in the same order`.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s). `--seed` makes the
//!   items repeatable; `--items` takes at most 10,000, each costing three ticks. The queue
//!   sizes printed depend on timing and vary from run to run, as in the book.
//! - The 2nd edition's consumer line is broken across a source line inside the string, which
//!   puts a run of spaces and a blank line into its output; the 1st edition's wording is used,
//!   on one line.
//! - `--show-pids` (not in the book) prints each child's PID as it starts.

mod queue;

use anyhow::ensure;
use clap::{Parser, Subcommand};
use common::Pace;
use common::child::{Children, self_command};
use rand::RngExt;
use rand::rngs::SmallRng;

/// Python names a `Process` subclass's instances after the class and a global counter.
const PRODUCER: &str = "producer-1";
const CONSUMER: &str = "consumer-2";

#[derive(Parser)]
#[command(about = "A producer process and a consumer process exchanging items through a queue")]
struct Args {
    /// Items the producer puts on the queue (the book's 10), at most 10000: three ticks each.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    items: u32,
    /// Seed for the random items (0..=256); random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    /// Print each child's PID when it starts.
    #[arg(long)]
    show_pids: bool,
    #[command(flatten)]
    pace: Pace,
    #[command(subcommand)]
    role: Option<Role>,
}

/// What a child process runs, with the parent's flags. Hidden: the parent starts them.
#[derive(Clone, Copy, Subcommand)]
enum Role {
    /// Puts the items on the queue (stdin), then checks the consumer's receipts.
    #[command(hide = true)]
    Producer,
    /// Takes items off the queue (stdin) until the stream ends, sending a receipt for each.
    #[command(hide = true)]
    Consumer,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let Some(role) = args.role else {
        return parent(&args);
    };
    common::child::die_with_parent()?;
    let name = match role {
        Role::Producer => PRODUCER,
        Role::Consumer => CONSUMER,
    };
    if args.show_pids {
        // Printed by the child itself: it also tells a watcher the child is past the line above.
        println!("{name} started with pid {}", std::process::id());
    }
    match role {
        Role::Producer => {
            let items = random_items(args.items, common::seeded_rng(args.seed));
            producer(queue::Producer::from_stdin()?, &items, args.pace)
        }
        Role::Consumer => consumer(queue::Consumer::from_stdin()?, args.pace),
    }
}

// ANCHOR: parent
/// Makes the queue, starts the producer and the consumer on its two ends, and waits for both.
fn parent(args: &Args) -> anyhow::Result<()> {
    let mut flags = vec!["--items".to_owned(), args.items.to_string()];
    flags.extend(args.pace.child_args());
    flags.extend(args.seed.map(|seed| format!("--seed={seed}")));
    flags.extend(args.show_pids.then(|| "--show-pids".to_owned()));

    let (producer_end, consumer_end) = queue::pair()?;
    let mut children = Children::new();
    for (name, role, end) in [
        (PRODUCER, "producer", producer_end),
        (CONSUMER, "consumer", consumer_end),
    ] {
        // Each end moves into its child, and the command, which holds the parent's copy, is
        // dropped at the end of the turn: when the producer shuts down its end, the consumer
        // sees the end of the stream.
        let mut child = self_command(&flags)?;
        children.spawn(name, child.arg(role).stdin(end))?;
    }
    children.wait_all()?;
    println!(
        "Queue drained: {} items put by {PRODUCER}, all taken by {CONSUMER} in the same order",
        args.items
    );
    Ok(())
}
// ANCHOR_END: parent

fn random_items(count: u32, mut rng: SmallRng) -> Vec<u32> {
    (0..count).map(|_| rng.random_range(0..=256)).collect()
}

// ANCHOR: producer
/// Puts `items` on the queue one per book second, printing the queue's size after each; then
/// ends the stream and checks the consumer's receipts against what it put.
fn producer(mut queue: queue::Producer, items: &[u32], pace: Pace) -> anyhow::Result<()> {
    for &item in items {
        queue.put(item)?;
        println!("Process Producer : item {item} appended to queue {PRODUCER}");
        pace.sleep(1.0);
        println!("The size of queue is {}", queue.qsize());
    }
    let received = queue.close()?;
    ensure!(
        received == items,
        "{CONSUMER} took {received:?}, but {PRODUCER} put {items:?}"
    );
    Ok(())
}
// ANCHOR_END: producer

// ANCHOR: consumer
/// Takes an item every three book seconds until the stream ends.
fn consumer(mut queue: queue::Consumer, pace: Pace) -> anyhow::Result<()> {
    loop {
        pace.sleep(2.0);
        // Blocks until an item arrives or the producer has ended the stream.
        let Some(item) = queue.get()? else {
            println!("the queue is empty");
            return Ok(());
        };
        println!("Process Consumer : item {item} popped from by {CONSUMER}");
        pace.sleep(1.0);
    }
}
// ANCHOR_END: consumer

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_wrong_receipt_fails_the_producers_check() {
        use std::io::{BufRead, BufReader, Write};
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        let fake_consumer = std::thread::spawn(move || {
            let items = BufReader::new(theirs.try_clone().unwrap()).lines();
            for _ in items.map_while(Result::ok) {
                writeln!(&theirs, "99").unwrap();
            }
        });
        let no_pace = Pace {
            book: false,
            tick_ms: Some(0),
        };
        let queue = queue::Producer::new(ours).unwrap();
        let error = producer(queue, &[1, 2], no_pace).unwrap_err();
        assert!(error.to_string().contains("took [99, 99]"), "{error}");
        fake_consumer.join().unwrap();
    }

    #[test]
    fn seeded_items_are_repeatable_and_in_the_book_range() {
        let items = |seed| random_items(10, SmallRng::seed_from_u64(seed));
        assert_eq!(items(3), items(3));
        assert_ne!(items(3), items(4));
        assert!(items(3).iter().all(|&item| item <= 256));
    }
}
