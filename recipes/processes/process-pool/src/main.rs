//! # Using a process pool
//!
//! Book: 1st edition §3.10 "How to use a process pool", `poll.py` (sic); 2nd edition chapter 3,
//! "Using a process pool", `process_pool.py`.
//!
//! A pool of four worker processes maps `function_square` over the numbers 0 to 99 and returns
//! the squares in input order. The workers are real processes, each this same binary started
//! again with a hidden subcommand, fed over pipes.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-pool                            # 4 processes, squares of 0..99
//! cargo run -p process-pool -- --processes 2 --items 1000 --chunk-size 10
//! cargo run -p process-pool --example benchmark        # the pool against a rayon thread pool
//! cargo run -p process-pool --example failing_worker -- --fail-item 42   # a worker dies
//! ```
//!
//! ## Python → Rust
//!
//! - `multiprocessing.Pool(processes=4)` → `Pool::start` (`src/pool.rs`, the pool Rust's
//!   standard library lacks): four copies of this binary started with the hidden subcommand
//!   `worker` (`common::child::self_command`); each asks the kernel to kill it if the parent
//!   dies (`common::child::die_with_parent`) and says it is ready.
//! - `pool.map(function_square, inputs)` → `Pool::map`: the inputs go out in chunks sized as
//!   Python sizes them, one JSON line on a worker's stdin per chunk, and the results come back
//!   the same way on its stdout. A thread per worker hands it the next chunk as soon as it has
//!   answered; each chunk's results land at the chunk's place, so the order is the input's.
//! - A function cannot be pickled and sent: the worker runs the same binary, so it calls
//!   `function_square` itself (`pool::worker(function_square)`).
//! - `pool.close(); pool.join()` → `Pool::close`: closing a worker's stdin ends its loop; the
//!   parent waits for every worker and checks its exit status. `pool.terminate()` → dropping
//!   the pool: SIGTERM to every worker still running (`common::child::terminate`).
//!
//! ## Differences from the book
//!
//! - The run checks itself: the squares must come back in order with sum 328350 (for 0..99);
//!   otherwise it exits 1. A last line says the check held: `Checked: 100 squares in order
//!   (sum 328350)`.
//! - `--processes` (4, at most 256), `--items` (100, at most 1,000,000) and `--chunk-size` (at
//!   most 1,000,000) are flags; `--show-pids` prints each worker's PID once it is ready.
//! - Python 2's tuple print in the 1st edition's output, `('Pool    :', [...])`, becomes the
//!   2nd edition's `Pool    : [...]`.
//! - Not in the book: the `benchmark` example times the same pool against a rayon pool of as
//!   many threads on CPU-bound work; the `failing_worker` example shows a worker that dies in
//!   the middle of a task, named with its item and exit status (a Python `Pool` loses that
//!   task and its `map` waits forever).

mod pool;

use anyhow::ensure;
use clap::{Parser, Subcommand};
use common::output::py_list;
use pool::Pool;

#[derive(Parser)]
#[command(
    about = "A pool of worker processes maps a function over a list",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Worker processes in the pool (the book's 4), at most 256.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    processes: u32,
    /// Numbers to square: 0, 1, ..., n-1 (the book's 100), at most 1000000.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    items: u32,
    /// Items per task sent to a worker, at most 1000000 [default: as Python, about 4 chunks per
    /// worker].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    chunk_size: Option<u32>,
    /// Print each worker's PID once it is ready.
    #[arg(long)]
    show_pids: bool,
    #[command(subcommand)]
    role: Option<Role>,
}

/// What a child process runs. Hidden: the pool starts them, not the reader.
#[derive(Subcommand)]
enum Role {
    /// Squares the chunks it reads on stdin, answering on stdout.
    #[command(hide = true)]
    Worker,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

// ANCHOR: recipe
fn function_square(data: u64) -> u64 {
    data * data
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Worker) = args.role {
        return pool::worker(function_square);
    }
    let inputs: Vec<u64> = (0..u64::from(args.items)).collect();
    let mut pool = Pool::start(args.processes as usize, &["worker"])?;
    if args.show_pids {
        for (number, pid) in (1..).zip(pool.pids()) {
            println!("worker {number} started with pid {pid}");
        }
    }
    let pool_outputs = pool.map(&inputs, args.chunk_size.map(|size| size as usize))?;
    pool.close()?;
    println!("Pool    : {}", py_list(&pool_outputs));
    check_squares(&pool_outputs)
}
// ANCHOR_END: recipe

fn check_squares(squares: &[u64]) -> anyhow::Result<()> {
    let n = squares.len() as u64;
    ensure!(
        (0..n).map(|i| i * i).eq(squares.iter().copied()),
        "the pool's results are not the squares of 0..{n} in order"
    );
    // Σ i² for i < n = (n-1)·n·(2n-1)/6: 328350 for the book's 100.
    let sum: u64 = squares.iter().sum();
    ensure!(
        sum == n.saturating_sub(1) * n * (2 * n).saturating_sub(1) / 6,
        "the squares add up to {sum}"
    );
    println!("Checked: {n} squares in order (sum {sum})");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_squares_check_knows_the_books_sum() {
        let squares: Vec<u64> = (0..100).map(function_square).collect();
        assert_eq!(squares.iter().sum::<u64>(), 328_350);
        assert!(check_squares(&squares).is_ok());
        let mut swapped = squares.clone();
        swapped.swap(3, 4);
        assert!(check_squares(&swapped).is_err());
    }
}
