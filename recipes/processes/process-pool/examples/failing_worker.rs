//! Failure demo (not in the book): the worker that squares item K exits with status 3 in the
//! middle of its task. The pool names the worker, its exit status and the item in one line,
//! terminates the other workers, and the run exits 1.
//!
//! ```text
//! cargo run -p process-pool --example failing_worker -- --fail-item 42
//! ```
//!
//! A Python `Pool` whose worker exits in the middle of a task starts a new worker but loses the
//! task, and `map` waits for it forever. Tasks here are one item each, so the item the pool
//! names is the very one the worker was computing.

#[path = "../src/pool.rs"]
mod pool;

use anyhow::ensure;
use clap::{Parser, Subcommand};
use pool::Pool;

/// The exit status of the failing worker.
const FAIL_STATUS: i32 = 3;

#[derive(Parser)]
#[command(
    about = "A worker of the pool dies in the middle of a task",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// The item whose worker exits with status 3.
    #[arg(long, value_name = "K", default_value_t = 42)]
    fail_item: u64,
    /// Worker processes in the pool, at most 256.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    processes: u32,
    /// Numbers to square: 0, 1, ..., n-1, at most 1000000.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    items: u32,
    #[command(subcommand)]
    role: Option<Role>,
}

#[derive(Subcommand)]
enum Role {
    /// Squares the chunks it reads on stdin, but exits when it meets `--fail-item`.
    #[command(hide = true)]
    Worker {
        #[arg(long)]
        fail_item: u64,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Worker { fail_item }) = args.role {
        return pool::worker(|x| {
            if x == fail_item {
                std::process::exit(FAIL_STATUS);
            }
            x * x
        });
    }
    let k = args.fail_item;
    ensure!(
        k < u64::from(args.items),
        "--fail-item {k} is not one of the items 0..{}",
        args.items
    );
    let inputs: Vec<u64> = (0..u64::from(args.items)).collect();
    let role = ["worker", "--fail-item", &k.to_string()];
    let mut pool = Pool::start(args.processes as usize, &role)?;
    for (number, pid) in (1..).zip(pool.pids()) {
        println!("worker {number} started with pid {pid}");
    }
    // Dropped on the error, the pool terminates the workers still running.
    let outputs = pool.map(&inputs, Some(1))?;
    pool.close()?;
    anyhow::bail!("no worker failed: {} squares came back", outputs.len())
}
