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
//!   Like Python's workers, which share the pool's call queue and result queue, the five share
//!   two OS pipes: the items go into one, each idle worker takes the next, and the results come
//!   back through the other. A worker that fails is named with its exit status.
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
//!   and the parent prints the line, so the lines of the three phases look alike.
//! - The 2nd edition's wording (`Item 3, result 30000000`, `Sequential Execution in ...`) is
//!   used; the 1st edition prints the results alone. Added: a first line naming the sizes
//!   (`10 items x 1000000 steps, pools of 5 workers`), a line after each pool comparing it with
//!   the sequential phase (`Thread Pool speedup: 1.14x`), and a last line checking every
//!   result (`steps × item`, in every phase): `Results checked: 10 items x 3 phases, …`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::thread;

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::child::{Children, self_command};
use common::timing::{seconds_line, speedup_line, timed};
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
}

#[derive(Subcommand)]
enum Role {
    /// Child side of the process pool: takes items from stdin, writes results to stdout.
    #[command(hide = true)]
    PoolWorker {
        #[arg(long)]
        steps: u64,
    },
}

/// An item and what `count` returned for it.
type Outcome = (u64, u64);

/// The most steps a run may take over all items: about 5 s per phase on one core.
const MAX_TOTAL_STEPS: u64 = 10_000_000_000;

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
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

// ANCHOR: phases
fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::PoolWorker { steps }) = args.role {
        return pool_worker(steps);
    }
    let steps = (args.steps).unwrap_or(if args.book { 10_000_000 } else { 1_000_000 });
    let total = steps.saturating_mul(u64::from(args.items));
    anyhow::ensure!(
        total <= MAX_TOTAL_STEPS,
        "--items × --steps is {total} steps, more than {MAX_TOTAL_STEPS} (seconds per phase)"
    );
    let items: Vec<u64> = (1..=u64::from(args.items)).collect();
    let workers = args.workers;
    let n = items.len();
    println!("{n} items x {steps} steps, pools of {workers} workers");

    let (sequential_results, sequential) =
        timed(|| items.iter().map(|&item| evaluate(item, steps)).collect());
    println!("{}", seconds_line("Sequential Execution", sequential));

    let (thread_results, threads) = timed(|| thread_pool(&items, steps, workers));
    println!("{}", seconds_line("Thread Pool Execution", threads));
    println!("{}", speedup_line("Thread Pool", sequential, threads));

    let (process_results, processes) = timed(|| process_pool(&items, steps, workers));
    println!("{}", seconds_line("Process Pool Execution", processes));
    println!("{}", speedup_line("Process Pool", sequential, processes));

    let phases = [
        ("Sequential", sequential_results),
        ("Thread Pool", thread_results?),
        ("Process Pool", process_results?),
    ];
    check(&items, steps, phases)
}
// ANCHOR_END: phases

// ANCHOR: thread_pool
/// `ThreadPoolExecutor(max_workers=workers)`: rayon hands the items to the pool's threads,
/// which run in parallel (there is no GIL to take turns on).
fn thread_pool(items: &[u64], steps: u64, workers: u32) -> anyhow::Result<Vec<Outcome>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .thread_name(|index| format!("ThreadPoolExecutor-0_{index}"))
        .build()
        .context("cannot start the thread pool")?;
    let evaluate_all = || {
        items
            .par_iter()
            .with_max_len(1)
            .map(|&i| evaluate(i, steps))
    };
    Ok(pool.install(|| evaluate_all().collect()))
}
// ANCHOR_END: thread_pool

// ANCHOR: process_pool
// A short process pool of its own, on purpose: a pool of worker processes is the process-pool
// recipe's technique (its src/pool.rs keeps the input order and names a failing item).
/// `ProcessPoolExecutor(max_workers=workers)`: `workers` child processes share two pipes, as
/// Python's workers share the pool's call and result queues. Every item (8 bytes) and every
/// result (16) is one write, under PIPE_BUF: the kernel never mixes two writers' records, and
/// Linux reads a pipe under its lock, so a worker's 8-byte read takes one whole item.
fn process_pool(items: &[u64], steps: u64, workers: u32) -> anyhow::Result<Vec<Outcome>> {
    let (calls, mut submit) = io::pipe()?;
    let (mut results, answer) = io::pipe()?;
    let mut children = Children::new();
    for number in 1..=workers {
        let mut worker = self_command(["pool-worker", "--steps", &steps.to_string()])?;
        worker.stdin(calls.try_clone()?).stdout(answer.try_clone()?);
        children.spawn(&format!("process pool worker {number}"), &mut worker)?;
    }
    // Now only the workers read `calls` and write `results`: each pipe ends when they do.
    drop((calls, answer));
    let mut outcomes = Vec::new();
    thread::scope(|scope| {
        // `executor.submit(evaluate, item)`, from a thread as Python's queue feeder does; the
        // write end closes when the thread ends, and the workers exit when it is drained.
        scope.spawn(move || {
            items
                .iter()
                .try_for_each(|i| submit.write_all(&i.to_le_bytes()))
        });
        let mut record = [0; 16];
        // Ends once every worker has exited; a result lost on the way fails the check.
        while results.read_exact(&mut record).is_ok() {
            let [item, result] = [&record[..8], &record[8..]]
                .map(|bytes| u64::from_le_bytes(bytes.try_into().expect("8 bytes")));
            println!("Item {item}, result {result}");
            outcomes.push((item, result));
        }
    });
    children.wait_all()?;
    Ok(outcomes)
}
// ANCHOR_END: process_pool

// ANCHOR: pool_worker
/// The hidden `pool-worker` subcommand: the body of one worker process. It reads and writes
/// its pipes unbuffered, one record at a time, so it takes no item meant for another worker.
fn pool_worker(steps: u64) -> anyhow::Result<()> {
    common::child::die_with_parent()?;
    let mut calls = File::from(io::stdin().as_fd().try_clone_to_owned()?);
    let mut results = File::from(io::stdout().as_fd().try_clone_to_owned()?);
    let mut item = [0; 8];
    while calls.read_exact(&mut item).is_ok() {
        let item = u64::from_le_bytes(item);
        let record = [item.to_le_bytes(), count(steps, item).to_le_bytes()].concat();
        results.write_all(&record).context("the parent has gone")?;
    }
    Ok(())
}
// ANCHOR_END: pool_worker

/// Every phase evaluated every item exactly once, and each result is `steps × item`.
fn check(items: &[u64], steps: u64, phases: [(&str, Vec<Outcome>); 3]) -> anyhow::Result<()> {
    let expected: Vec<Outcome> = items.iter().map(|&item| (item, steps * item)).collect();
    for (phase, mut outcomes) in phases {
        outcomes.sort_unstable();
        ensure!(
            outcomes == expected,
            "{phase}: results {outcomes:?}, expected {expected:?} (steps x item)"
        );
    }
    let n = items.len();
    println!("Results checked: {n} items x 3 phases, each item's result = {steps} x item");
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
        let sequential: Vec<Outcome> = items.iter().map(|&item| evaluate(item, 1000)).collect();
        assert_eq!(outcomes, sequential);
    }

    #[test]
    fn check_rejects_a_wrong_or_missing_result() {
        let items = [1, 2];
        let phases = |p: Vec<Outcome>| {
            [
                ("p", p),
                ("q", vec![(1, 10), (2, 20)]),
                ("r", vec![(2, 20), (1, 10)]),
            ]
        };
        assert!(check(&items, 10, phases(vec![(2, 20), (1, 10)])).is_ok());
        let wrong = check(&items, 10, phases(vec![(1, 10), (2, 21)])).unwrap_err();
        assert!(wrong.to_string().starts_with("p: results"), "{wrong}");
        assert!(check(&items, 10, phases(vec![(1, 10)])).is_err());
    }
}
