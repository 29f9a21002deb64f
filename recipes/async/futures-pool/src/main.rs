//! # Using the concurrent.futures module: thread and process pools
//!
//! Book: 1st edition §4.2 "Using the concurrent.futures Python modules"; 2nd edition chapter 5,
//! "Using the concurrent.futures Python module", `concurrent_futures_pooling.py`.
//!
//! Ten items, each a CPU-bound counting loop, are evaluated three times: one after another, on a
//! pool of five threads, and on a pool of five worker processes. Every phase prints each item's
//! result and its wall-clock time, the pools their speedup over the sequential run. In CPython
//! the thread pool gains nothing, because the global interpreter lock (GIL) lets one thread run
//! Python code at a time; Rust has no GIL, so its thread pool scales with the cores as the
//! process pool does, without the cost of starting processes and piping data to them.
//!
//! ## Run
//!
//! ```text
//! cargo run -p futures-pool                         # 10 items x 1,000,000 steps, pools of 5
//! cargo run -p futures-pool --release -- --book     # the book's 10,000,000 steps per item
//! cargo run -p futures-pool -- --items 20 --workers 2 --steps 200000
//! ```
//!
//! ## Python → Rust
//!
//! - `count(number)`, a 10,000,000-step `for` loop returning `i * number` → the same loop with
//!   each step passed through `std::hint::black_box`, so the optimiser can neither replace the
//!   loop by its closed form nor delete it: the work, and so the timing, is real.
//! - `ThreadPoolExecutor(max_workers=5)` → a `rayon::ThreadPoolBuilder` pool of 5 threads, named
//!   `ThreadPoolExecutor-0_0`.. as Python names its workers, running a parallel iterator over
//!   the items. No GIL: the threads count in parallel on every core.
//! - `ProcessPoolExecutor(max_workers=5)` → five real child processes: the binary re-executes
//!   itself (`common::child::self_command`) as the hidden `pool-worker` subcommand, and each
//!   worker asks the kernel to kill it if the recipe dies (`common::child::die_with_parent`).
//!   Like Python's pool, the workers are reused: the items wait on one queue (a
//!   `crossbeam_channel`), a thread per worker takes the next one, writes it to its worker's
//!   stdin and reads the result back from its stdout. A worker that fails is reported with its
//!   exit status (`common::child::exit_code`).
//! - `time.clock()` differences → `common::timing::timed`, the monotonic wall clock.
//!
//! ## Differences from the book
//!
//! - The book times with `time.clock()`, which on Unix is the CPU time of the *calling process*
//!   (it was removed in Python 3.8). The work of a `ProcessPoolExecutor` is done in other
//!   processes, whose CPU time the parent never sees, so the book's process-pool figure says
//!   how busy the parent was, not how long the phase took. (The thread pool's figure is CPU time
//!   too, summed over the parent's threads.) The 1st edition's Chinese translation switched its
//!   listing to `time.time()` for this reason. Here every phase is timed by the wall clock.
//! - `--steps` defaults to 1,000,000 for a fast run; `--book` restores 10,000,000. Build with
//!   `--release` to time the book's size: the workspace's dev profile optimises only lightly.
//! - The book's `evaluate` prints its line from whichever thread or process ran it; so do the
//!   sequential run and the thread pool here. A worker process sends its result back instead,
//!   and the thread that fed it prints the line, so the lines of the three phases look alike.
//! - The 2nd edition's wording (`Item 3, result 30000000`, `Sequential Execution in ...`) is
//!   used; the 1st edition prints the results alone. Speedup lines and a final check of every
//!   result (`steps × item`, in every phase) are added.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::thread;

use anyhow::{Context, bail, ensure};
use clap::{Parser, Subcommand};
use common::timing::{seconds_line, speedup_line, timed};
use crossbeam_channel::Receiver;
use rayon::prelude::*;

#[derive(Parser)]
#[command(about = "CPU-bound items run sequentially, on a thread pool and on a process pool")]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Items to evaluate: 1, 2, ... N (the book's number_list is 1..=10).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    items: u32,
    /// Steps of each item's counting loop [default: 1000000, or the book's 10000000 with --book].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    steps: Option<u64>,
    /// Use the book's size: 10000000 steps per item.
    #[arg(long)]
    book: bool,
    /// Workers in each pool (the book's max_workers).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: u32,
    /// Make the worker process that gets this item fail (to see how a failure is reported).
    #[arg(long, hide = true)]
    fail_item: Option<u64>,
}

#[derive(Subcommand)]
enum Role {
    /// Child side of the process pool: read items from stdin, write "item result" lines.
    #[command(hide = true)]
    PoolWorker {
        #[arg(long)]
        steps: u64,
        #[arg(long)]
        fail_item: Option<u64>,
    },
}

/// An item and what `count` returned for it.
type Outcome = (u64, u64);

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::PoolWorker { steps, fail_item }) = args.role {
        return pool_worker(steps, fail_item);
    }
    let steps = args
        .steps
        .unwrap_or(if args.book { 10_000_000 } else { 1_000_000 });
    let items: Vec<u64> = (1..=u64::from(args.items)).collect();
    println!(
        "{} items x {steps} steps, pools of {} workers",
        items.len(),
        args.workers
    );

    let (sequential_results, sequential) = timed(|| sequential(&items, steps));
    println!("{}", seconds_line("Sequential Execution", sequential));

    let (thread_results, threads) = timed(|| thread_pool(&items, steps, args.workers));
    let thread_results = thread_results?;
    println!("{}", seconds_line("Thread Pool Execution", threads));
    println!("{}", speedup_line("Thread Pool", sequential, threads));

    let (process_results, processes) =
        timed(|| process_pool(&items, steps, args.workers, args.fail_item));
    let process_results = process_results?;
    println!("{}", seconds_line("Process Pool Execution", processes));
    println!("{}", speedup_line("Process Pool", sequential, processes));

    check(
        &items,
        steps,
        &[
            ("Sequential", sequential_results),
            ("Thread Pool", thread_results),
            ("Process Pool", process_results),
        ],
    )
}

// ANCHOR: count
/// The book's `count`: a loop of `steps` increments, then the count times `number`.
/// `black_box` makes every increment happen, so the loop costs what it says.
fn count(steps: u64, number: u64) -> u64 {
    let mut i = 0;
    for _ in 0..steps {
        i = std::hint::black_box(i + 1);
    }
    i * number
}

fn evaluate(item: u64, steps: u64) -> Outcome {
    let result = count(steps, item);
    println!("Item {item}, result {result}");
    (item, result)
}
// ANCHOR_END: count

fn sequential(items: &[u64], steps: u64) -> Vec<Outcome> {
    items.iter().map(|&item| evaluate(item, steps)).collect()
}

// ANCHOR: thread_pool
/// `ThreadPoolExecutor(max_workers=workers)`: rayon hands the items to the pool's threads,
/// which run in parallel (there is no GIL to take turns on).
fn thread_pool(items: &[u64], steps: u64, workers: u32) -> anyhow::Result<Vec<Outcome>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .thread_name(|index| format!("ThreadPoolExecutor-0_{index}"))
        .build()
        .context("cannot start the thread pool")?;
    Ok(pool.install(|| {
        items
            .par_iter()
            .with_max_len(1)
            .map(|&item| evaluate(item, steps))
            .collect()
    }))
}
// ANCHOR_END: thread_pool

// ANCHOR: process_pool
/// `ProcessPoolExecutor(max_workers=workers)`: `workers` child processes, each fed the next
/// item from one shared queue by a thread of its own until the queue is empty.
fn process_pool(
    items: &[u64],
    steps: u64,
    workers: u32,
    fail_item: Option<u64>,
) -> anyhow::Result<Vec<Outcome>> {
    let (queue, pending) = crossbeam_channel::unbounded();
    for &item in items {
        queue.send(item).expect("the receiver is still held here");
    }
    // The queue closes once drained, which is how every feeder learns the work is done.
    drop(queue);

    let mut feeders = Vec::new();
    for index in 1..=workers {
        let share = pending.clone();
        let feeder = thread::Builder::new()
            .name(format!("feeder-{index}"))
            .spawn(move || feed_worker(index, steps, fail_item, share));
        match feeder {
            Ok(handle) => feeders.push(handle),
            Err(error) => {
                // Let the feeders already running finish the queue before giving up.
                drop(pending);
                feeders.into_iter().for_each(|handle| {
                    let _ = common::join(handle);
                });
                return Err(error).context("cannot start a feeder thread");
            }
        }
    }
    drop(pending);

    // Join every feeder (so every worker is reaped) before judging any of them.
    let joined: Vec<_> = feeders.into_iter().map(common::join).collect();
    let mut outcomes = Vec::new();
    for result in joined {
        outcomes.extend(result??);
    }
    Ok(outcomes)
}

/// Starts worker process `index`, feeds it items one at a time until the queue is empty, then
/// closes its stdin (the worker's cue to exit) and reaps it.
fn feed_worker(
    index: u32,
    steps: u64,
    fail_item: Option<u64>,
    pending: Receiver<u64>,
) -> anyhow::Result<Vec<Outcome>> {
    let mut child = spawn_worker(steps, fail_item)
        .with_context(|| format!("cannot start process pool worker {index}"))?;
    let stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let fed = feed(stdin, stdout, &pending);
    reap(index, child)?;
    fed.with_context(|| format!("process pool worker {index}"))
}

fn spawn_worker(steps: u64, fail_item: Option<u64>) -> anyhow::Result<Child> {
    let mut args = vec!["pool-worker".to_owned(), format!("--steps={steps}")];
    if let Some(item) = fail_item {
        args.push(format!("--fail-item={item}"));
    }
    Ok(common::child::self_command(args)?
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?)
}

/// One request, one reply: the item as a line on the worker's stdin, `item result` back.
fn feed(
    mut stdin: ChildStdin,
    stdout: ChildStdout,
    pending: &Receiver<u64>,
) -> anyhow::Result<Vec<Outcome>> {
    let mut replies = BufReader::new(stdout).lines();
    let mut outcomes = Vec::new();
    for item in pending.iter() {
        writeln!(stdin, "{item}").context("cannot send an item")?;
        stdin.flush().context("cannot send an item")?;
        let reply = replies
            .next()
            .with_context(|| format!("no reply for item {item}"))?
            .context("cannot read a reply")?;
        let result = parse_reply(item, &reply)?;
        println!("Item {item}, result {result}");
        outcomes.push((item, result));
    }
    Ok(outcomes)
}

fn parse_reply(item: u64, reply: &str) -> anyhow::Result<u64> {
    let parsed = reply
        .split_once(' ')
        .and_then(|(echo, result)| Some((echo.parse::<u64>().ok()?, result.parse().ok()?)));
    match parsed {
        Some((echo, result)) if echo == item => Ok(result),
        _ => bail!("item {item}: unexpected reply {reply:?}"),
    }
}

/// Waits for a worker whose stdin is closed, and turns a failure into an error that carries
/// its exit status and the first line it wrote on stderr.
fn reap(index: u32, mut child: Child) -> anyhow::Result<()> {
    let pid = child.id();
    let status = child.wait().with_context(|| format!("lost worker {pid}"))?;
    if status.success() {
        return Ok(());
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        // The worker has exited: its stderr holds what it wrote, and reading cannot block.
        let _ = pipe.read_to_string(&mut stderr);
    }
    let reason = stderr.lines().next().unwrap_or("no message");
    bail!(
        "process pool worker {index} (pid {pid}) exited with status {}: {}",
        common::child::exit_code(status),
        reason.strip_prefix("error: ").unwrap_or(reason)
    )
}
// ANCHOR_END: process_pool

// ANCHOR: pool_worker
/// The hidden `pool-worker` subcommand: the body of one worker process.
fn pool_worker(steps: u64, fail_item: Option<u64>) -> anyhow::Result<()> {
    common::child::die_with_parent()?;
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read an item")?;
        let item: u64 = line
            .trim()
            .parse()
            .with_context(|| format!("not an item: {line:?}"))?;
        ensure!(
            fail_item != Some(item),
            "item {item} failed on purpose (--fail-item)"
        );
        writeln!(out, "{item} {}", count(steps, item))?;
        // The feeder waits for this reply before it sends the next item.
        out.flush()?;
    }
    Ok(())
}
// ANCHOR_END: pool_worker

/// Every phase evaluated every item exactly once, and each result is `steps × item`.
fn check(items: &[u64], steps: u64, phases: &[(&str, Vec<Outcome>)]) -> anyhow::Result<()> {
    let expected: Vec<Outcome> = items.iter().map(|&item| (item, steps * item)).collect();
    for (phase, outcomes) in phases {
        let mut sorted = outcomes.clone();
        sorted.sort_unstable();
        ensure!(
            sorted == expected,
            "{phase}: results {sorted:?}, expected {expected:?} (steps x item)"
        );
    }
    println!(
        "Results checked: {} items x {} phases, each item's result = {steps} x item",
        items.len(),
        phases.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_returns_steps_times_the_number() {
        assert_eq!(count(10_000_000, 3), 30_000_000);
        assert_eq!(count(1, 7), 7);
    }

    #[test]
    fn the_thread_pool_evaluates_every_item_once() {
        let items: Vec<u64> = (1..=10).collect();
        let mut outcomes = thread_pool(&items, 1000, 5).unwrap();
        outcomes.sort_unstable();
        assert_eq!(outcomes, sequential(&items, 1000));
    }

    #[test]
    fn replies_must_echo_the_item() {
        assert_eq!(parse_reply(3, "3 30").unwrap(), 30);
        assert!(parse_reply(3, "4 30").is_err());
        assert!(parse_reply(3, "3").is_err());
        assert!(parse_reply(3, "3 thirty").is_err());
    }

    #[test]
    fn check_rejects_a_wrong_or_missing_result() {
        let items = [1, 2];
        let good = vec![(2, 20), (1, 10)];
        assert!(check(&items, 10, &[("p", good)]).is_ok());
        let wrong = check(&items, 10, &[("p", vec![(1, 10), (2, 21)])]).unwrap_err();
        assert!(wrong.to_string().starts_with("p: results"), "{wrong}");
        assert!(check(&items, 10, &[("p", vec![(1, 10)])]).is_err());
    }
}
