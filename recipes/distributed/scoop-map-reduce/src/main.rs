//! # Handling map functions with SCOOP
//!
//! Book: 1st edition §5.5 "Handling map functions with SCOOP" (`map_reduce.py`).
//!
//! A map-reduce against its sequential twin. The input is 1000 lists, the a-th holding a copies
//! of a; the map sums one list after a short sleep that stands for real work, and the reduce adds
//! the sums. Both versions must find Σ a² = 332833500; the parallel one gets there sooner because
//! the workers sleep at the same time.
//!
//! ## Run
//!
//! ```text
//! cargo run -p scoop-map-reduce                        # 1 ms of "work" per item
//! cargo run -p scoop-map-reduce -- --sleep-ms 10       # the book's 0.01 s per item (~15 s)
//! cargo run -p scoop-map-reduce -- --threads 8         # more workers than cores: sleeps overlap
//! ```
//!
//! ## Python → Rust
//!
//! - `futures.mapReduce(simulateWorkload, operator.add, items)` → rayon's
//!   `items.par_iter().map(simulate_workload).reduce(|| 0, Add::add)`: the map runs on a pool of
//!   threads and the partial sums are combined pairwise as they finish, which is what SCOOP's
//!   mapReduce does across its worker processes.
//! - `sum(map(simulateWorkload, items))` → `items.iter().map(simulate_workload).sum()`.
//! - `time.sleep(0.01)` → `std::thread::sleep` for `--sleep-ms`. Sleeping threads need no core,
//!   so `--threads` beyond the core count still shortens the parallel run.
//! - `time.time()` differences → `common::timing::timed` (a monotonic clock).
//!
//! ## Differences from the book
//!
//! - The sleep is 1 ms per item by default, so a run takes about 1.5 s; `--sleep-ms 10` is the
//!   book's. `--items` changes the input's size.
//! - The run checks that both results equal the closed form (n−1)·n·(2n−1)/6 and exits 1
//!   otherwise; it also prints the speedup.
//! - The lines name rayon and the sequential map instead of SCOOP and Python.

use std::ops::Add;
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use common::timing::{speedup_line, timed};
use rayon::prelude::*;

#[derive(Parser)]
#[command(about = "A parallel map-reduce against the sequential map and sum (SCOOP → rayon)")]
struct Args {
    /// Items: item a is a list of a copies of a, for a = 0..ITEMS (the book: 1000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    items: u32,
    /// Sleep per item, standing for work, in milliseconds, at most 1000 (the book: 10).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(..=1000))]
    sleep_ms: u64,
    /// Threads in the pool [default: one per core, or RAYON_NUM_THREADS].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.map_or(0, usize::from))
        .build()
        .context("cannot start the thread pool")?;
    let sleep = Duration::from_millis(args.sleep_ms);
    let items = items(args.items);

    let (parallel, parallel_time) = timed(|| pool.install(|| map_reduce(&items, sleep)));
    println!(
        "rayon map-reduce on {} threads executed in {:.3}s with result: {parallel}",
        pool.current_num_threads(),
        parallel_time.as_secs_f64()
    );
    let (serial, serial_time) = timed(|| map_sum(&items, sleep));
    println!(
        "sequential map executed in: {:.3}s with result: {serial}",
        serial_time.as_secs_f64()
    );
    println!("{}", speedup_line("map-reduce", serial_time, parallel_time));

    let expected = sum_of_squares(args.items);
    ensure!(
        parallel == expected && serial == expected,
        "expected {expected}, the map-reduce gave {parallel} and the sequential map {serial}"
    );
    println!(
        "Both equal the sum of a² for a < {}: {expected}",
        args.items
    );
    Ok(())
}

/// The book's input, `[[a] * a for a in range(n)]`.
fn items(n: u32) -> Vec<Vec<u64>> {
    (0..u64::from(n))
        .map(|a| vec![a; usize::try_from(a).expect("at most 10 000 items")])
        .collect()
}

// ANCHOR: map_reduce
/// The book's `simulateWorkload`: some "work", then the sum of one item.
fn simulate_workload(item: &[u64], sleep: Duration) -> u64 {
    std::thread::sleep(sleep);
    item.iter().sum()
}

/// `futures.mapReduce(simulateWorkload, operator.add, items)` on the current rayon pool.
fn map_reduce(items: &[Vec<u64>], sleep: Duration) -> u64 {
    items
        .par_iter()
        .map(|item| simulate_workload(item, sleep))
        .reduce(|| 0, Add::add)
}

/// `sum(map(simulateWorkload, items))`, one item after another.
fn map_sum(items: &[Vec<u64>], sleep: Duration) -> u64 {
    items
        .iter()
        .map(|item| simulate_workload(item, sleep))
        .sum()
}
// ANCHOR_END: map_reduce

/// Σ a² for a < n in closed form: (n−1)·n·(2n−1)/6.
fn sum_of_squares(n: u32) -> u64 {
    let n = u64::from(n);
    (n - 1) * n * (2 * n - 1) / 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closed_form_gives_the_books_result() {
        assert_eq!(sum_of_squares(1000), 332_833_500);
        assert_eq!(sum_of_squares(1), 0);
        assert_eq!(sum_of_squares(4), 1 + 4 + 9);
    }

    #[test]
    fn items_follow_the_book() {
        assert_eq!(items(4), [vec![], vec![1], vec![2, 2], vec![3, 3, 3]]);
    }

    #[test]
    fn both_versions_agree_without_sleeping() {
        let items = items(300);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let parallel = pool.install(|| map_reduce(&items, Duration::ZERO));
        assert_eq!(parallel, map_sum(&items, Duration::ZERO));
        assert_eq!(parallel, sum_of_squares(300));
    }
}
