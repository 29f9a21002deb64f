//! Benchmark (not in the book): the recipe's process pool against a `rayon` pool of as many
//! threads, on a CPU-bound map, so the cost of processes (starting them, and copying every
//! input and result through a pipe) is there to see.
//!
//! ```text
//! cargo run -p process-pool --example benchmark
//! cargo run -p process-pool --example benchmark -- --processes 2 --size 100000 --rounds 20000
//! ```
//!
//! Threads share the inputs in memory, processes receive copies. In Python only processes run
//! CPU-bound code in parallel (the GIL); in Rust both do, and the difference is the price of
//! isolation. It prints both start-up times, both map times (the best of `--repeat`) and the
//! speedup of threads over processes, and checks that both pools return the same results.

#[path = "../src/pool.rs"]
mod pool;

use std::hint::black_box;

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::timing::{best_of, seconds_line, speedup_line, timed, try_best_of};
use pool::Pool;
use rayon::prelude::*;

#[derive(Parser)]
#[command(
    about = "The process pool against a thread pool on a CPU-bound map",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Worker processes in the pool, and threads in the pool it is timed against; at most 256.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    processes: u32,
    /// Items of the CPU-bound map, at most 10000000.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    size: u32,
    /// Rounds of integer work per item (a few ns each), at most 1000000.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(..=1_000_000))]
    rounds: u32,
    /// Times each pool runs the map, at most 100; the best time is printed.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: u32,
    /// Items per task sent to a worker, at most 10000000 [default: as Python, about 4 chunks
    /// per worker].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    chunk_size: Option<u32>,
    /// Print each worker's PID once it is ready.
    #[arg(long)]
    show_pids: bool,
    #[command(subcommand)]
    role: Option<Role>,
}

#[derive(Subcommand)]
enum Role {
    /// Spins on the chunks it reads on stdin, answering on stdout.
    #[command(hide = true)]
    Worker {
        #[arg(long, value_parser = clap::value_parser!(u32).range(..=1_000_000))]
        rounds: u32,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

/// About `rounds` steps of integer work per call. `black_box` keeps the compiler from
/// folding the loop away or vectorising it, so each call really costs the same work.
fn spin(input: u64, rounds: u32) -> u64 {
    let mut x = input;
    for _ in 0..rounds {
        x = black_box(
            x.wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407),
        );
        x ^= x >> 29;
    }
    x
}

fn run(args: Args) -> anyhow::Result<()> {
    let rounds = args.rounds;
    if let Some(Role::Worker { rounds }) = args.role {
        return pool::worker(|x| spin(x, rounds));
    }
    let (processes, repeat) = (args.processes as usize, args.repeat as usize);
    let inputs: Vec<u64> = (0..u64::from(args.size)).collect();
    let chunk = args.chunk_size.map(|size| size as usize);

    let role = ["worker", "--rounds", &rounds.to_string()];
    let (pool, pool_start) = timed(|| Pool::start(processes, &role));
    let mut pool = pool?;
    if args.show_pids {
        for (number, pid) in (1..).zip(pool.pids()) {
            println!("worker {number} started with pid {pid}");
        }
    }
    let (by_processes, process_map) = try_best_of(repeat, || pool.map(&inputs, chunk))?;
    // Closed first, so that idle workers do not share the cores with the threads.
    pool.close()?;

    let (threads, thread_start) = timed(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(processes)
            .build()
    });
    let threads = threads.context("cannot build the thread pool")?;
    let map = || inputs.par_iter().map(|&x| spin(x, rounds)).collect();
    let (by_threads, thread_map): (Vec<u64>, _) = best_of(repeat, || threads.install(map));

    println!(
        "CPU-bound map: {} items × {rounds} rounds, on {processes} processes and on {processes} threads",
        args.size
    );
    println!("{}", seconds_line("process pool: start", pool_start));
    println!("{}", seconds_line("process pool: map", process_map));
    println!("{}", seconds_line("thread pool: start", thread_start));
    println!("{}", seconds_line("thread pool: map", thread_map));
    let (processes_total, threads_total) = (pool_start + process_map, thread_start + thread_map);
    let label = "thread pool vs process pool (start + map)";
    println!("{}", speedup_line(label, processes_total, threads_total));
    ensure!(
        by_processes == by_threads,
        "the process pool and the thread pool disagree"
    );
    println!(
        "Checked: both pools returned the same {} results",
        by_threads.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spin_is_deterministic_and_depends_on_its_input() {
        assert_eq!(spin(7, 1000), spin(7, 1000));
        assert_ne!(spin(7, 1000), spin(8, 1000));
        assert_eq!(spin(7, 0), 7);
    }
}
