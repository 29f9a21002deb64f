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
//! - `multiprocessing.Queue()` → a connected pair of Unix sockets (`UnixStream::pair`), one end
//!   per child. A `Command` can hand a child only its standard streams, so each end goes in as
//!   the child's stdin, the way `inetd` hands a server its connection; stdout stays the
//!   terminal's, for the book's lines. Items travel as one `serde_json` value per line, as
//!   Python pickles them.
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
//!   children's exit statuses and prints a last line once both succeeded.
//! - Sleeps are ticks of `--tick-ms` (50 ms by default; `--book` for 1 s). `--seed` makes the
//!   items repeatable. The queue sizes printed depend on timing and vary from run to run, as in
//!   the book.
//! - The 2nd edition's consumer line is broken across a source line inside the string, which
//!   puts a run of spaces and a blank line into its output; the 1st edition's wording is used,
//!   on one line.
//! - `--show-pids` (not in the book) prints each child's PID as it starts.

use std::io::{self, BufRead, BufReader, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::Pace;
use common::child::{Children, self_command};
use rand::RngExt;
use rand::rngs::SmallRng;

/// Python names a `Process` subclass's instances after the class and a global counter.
const PRODUCER: &str = "producer-1";
const CONSUMER: &str = "consumer-2";

#[derive(Parser)]
#[command(
    about = "A producer process and a consumer process exchanging items through a queue",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Items the producer puts on the queue (the book's 10).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
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

/// What a child process runs. Hidden: the parent starts them, not the reader.
#[derive(Subcommand)]
enum Role {
    /// Puts the items on the queue (stdin), then checks the consumer's receipts.
    #[command(hide = true)]
    Producer {
        #[arg(long)]
        items: u32,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long)]
        show_pid: bool,
        #[command(flatten)]
        pace: Pace,
    },
    /// Takes items off the queue (stdin) until the stream ends, sending a receipt for each.
    #[command(hide = true)]
    Consumer {
        #[arg(long)]
        show_pid: bool,
        #[command(flatten)]
        pace: Pace,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.role {
        Some(Role::Producer {
            items,
            seed,
            show_pid,
            pace,
        }) => {
            start_child(PRODUCER, show_pid)?;
            let rng = common::seeded_rng(seed);
            producer(&queue_from_stdin()?, random_items(items, rng), pace)
        }
        Some(Role::Consumer { show_pid, pace }) => {
            start_child(CONSUMER, show_pid)?;
            consumer(&queue_from_stdin()?, pace)
        }
        None => parent(&args),
    }
}

// ANCHOR: parent
/// Makes the queue, starts the producer and the consumer on its two ends, and waits for both.
fn parent(args: &Args) -> anyhow::Result<()> {
    let (producer_end, consumer_end) = UnixStream::pair().context("cannot create the queue")?;
    let mut producer = self_command(["producer", "--items", &args.items.to_string()])?;
    if let Some(seed) = args.seed {
        producer.args(["--seed", &seed.to_string()]);
    }
    let mut consumer = self_command(["consumer"])?;
    for command in [&mut producer, &mut consumer] {
        command.args(args.pace.child_args());
        if args.show_pids {
            command.arg("--show-pid");
        }
    }

    let mut children = Children::new();
    // Each end is moved into its child: the parent keeps neither, so when the producer shuts
    // down its end, the consumer sees the end of the stream.
    spawn_on_queue(&mut children, PRODUCER, producer, producer_end)?;
    spawn_on_queue(&mut children, CONSUMER, consumer, consumer_end)?;
    children.wait_all()?;
    println!(
        "Queue drained: {} items put by {PRODUCER}, all taken by {CONSUMER} in the same order",
        args.items
    );
    Ok(())
}
// ANCHOR_END: parent

/// A child's first steps: die with the parent, then (on request) say who it is. Printed by the
/// child itself, the PID line also tells a watcher that the child is past `die_with_parent`.
fn start_child(name: &str, show_pid: bool) -> anyhow::Result<()> {
    common::child::die_with_parent()?;
    if show_pid {
        println!("{name} started with pid {}", std::process::id());
    }
    Ok(())
}

/// Starts `command` as the child called `name`, its stdin the given end of the queue. The
/// command, which holds the parent's copy of that end, is dropped on return.
fn spawn_on_queue(
    children: &mut Children,
    name: &str,
    mut command: Command,
    end: UnixStream,
) -> anyhow::Result<()> {
    children.spawn(name, command.stdin(Stdio::from(OwnedFd::from(end))))?;
    Ok(())
}

/// The queue's end this child was given as its stdin.
fn queue_from_stdin() -> anyhow::Result<UnixStream> {
    let fd = io::stdin().as_fd().try_clone_to_owned()?;
    let queue = UnixStream::from(fd);
    queue
        .peer_addr()
        .context("stdin is not a socket: this subcommand is started by process-queue itself")?;
    Ok(queue)
}

fn random_items(count: u32, mut rng: SmallRng) -> Vec<u32> {
    (0..count).map(|_| rng.random_range(0..=256)).collect()
}

// ANCHOR: producer
/// Puts `items` on the queue one per book second, printing the queue's size after each; then
/// ends the stream and checks the consumer's receipts against what it put.
fn producer(queue: &UnixStream, items: Vec<u32>, pace: Pace) -> anyhow::Result<()> {
    let taken = Arc::new(AtomicUsize::new(0));
    let receipts = {
        let input = BufReader::new(queue.try_clone()?);
        let taken = Arc::clone(&taken);
        std::thread::Builder::new()
            .name("receipts".into())
            .spawn(move || read_receipts(input, &taken))?
    };

    let mut put = 0;
    for &item in &items {
        writeln!(&*queue, "{}", serde_json::to_string(&item)?).context("the queue is closed")?;
        put += 1;
        println!("Process Producer : item {item} appended to queue {PRODUCER}");
        pace.sleep(1.0);
        // Every receipt is for an item already counted in `put`.
        let size = put - taken.load(Ordering::SeqCst);
        println!("The size of queue is {size}");
    }
    // The end of the stream: the consumer's next read returns nothing.
    queue.shutdown(Shutdown::Write)?;

    // The receipts stop when the consumer closes its end, after its last item.
    let received = common::join(receipts)??;
    check(&items, &received)
}

/// Reads the consumer's receipts until it closes its end, counting them as they come.
fn read_receipts(input: impl BufRead, taken: &AtomicUsize) -> anyhow::Result<Vec<u32>> {
    let mut received = Vec::new();
    for line in input.lines() {
        let line = line.context("cannot read a receipt")?;
        received
            .push(serde_json::from_str(&line).with_context(|| format!("bad receipt {line:?}"))?);
        taken.fetch_add(1, Ordering::SeqCst);
    }
    Ok(received)
}
// ANCHOR_END: producer

// ANCHOR: consumer
/// Takes an item every three book seconds until the stream ends, sending a receipt for each.
fn consumer(queue: &UnixStream, pace: Pace) -> anyhow::Result<()> {
    let mut items = BufReader::new(queue.try_clone()?).lines();
    loop {
        pace.sleep(2.0);
        // Blocks until an item arrives or the producer has ended the stream.
        let Some(line) = items.next() else {
            println!("the queue is empty");
            return Ok(());
        };
        let line = line.context("cannot read from the queue")?;
        let item: u32 =
            serde_json::from_str(&line).with_context(|| format!("bad item {line:?}"))?;
        writeln!(&*queue, "{}", serde_json::to_string(&item)?).context("cannot send a receipt")?;
        println!("Process Consumer : item {item} popped from by {CONSUMER}");
        pace.sleep(1.0);
    }
}
// ANCHOR_END: consumer

fn check(put: &[u32], received: &[u32]) -> anyhow::Result<()> {
    ensure!(
        put == received,
        "{CONSUMER} took {received:?}, but {PRODUCER} put {put:?}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn no_pace() -> Pace {
        Pace {
            book: false,
            tick_ms: Some(0),
        }
    }

    #[test]
    fn seeded_items_are_repeatable_and_in_the_book_range() {
        let items = |seed| random_items(10, SmallRng::seed_from_u64(seed));
        assert_eq!(items(3), items(3));
        assert_ne!(items(3), items(4));
        assert!(items(3).iter().all(|&item| item <= 256));
    }

    #[test]
    fn producer_and_consumer_exchange_every_item_over_a_socket_pair() {
        let (producer_end, consumer_end) = UnixStream::pair().unwrap();
        let consumer = std::thread::spawn(move || consumer(&consumer_end, no_pace()));
        producer(&producer_end, vec![5, 256, 0, 5], no_pace()).unwrap();
        consumer.join().unwrap().unwrap();
    }

    #[test]
    fn a_lost_item_fails_the_check() {
        let error = check(&[1, 2, 3], &[1, 3]).unwrap_err();
        assert!(error.to_string().contains("took [1, 3]"), "{error}");
        assert!(check(&[1, 2, 3], &[1, 3, 2]).is_err());
    }

    #[test]
    fn receipts_are_counted_as_they_come() {
        let taken = AtomicUsize::new(0);
        let received = read_receipts(&b"7\n8\n"[..], &taken).unwrap();
        assert_eq!(received, [7, 8]);
        assert_eq!(taken.load(Ordering::SeqCst), 2);
    }
}
