//! Port addition to `process-spawn`: what one child process costs. Spawns this binary with a
//! hidden subcommand that exits at once and waits for it, RUNS times, and prints the mean of
//! one spawn + wait.
//!
//! ```text
//! cargo run -p process-spawn --example spawn_cost              # mean of 100
//! cargo run -p process-spawn --example spawn_cost -- --runs 20
//! ```

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::child::{exit_code, self_command};
use common::timing::{Stopwatch, seconds_line};

#[derive(Parser)]
#[command(about = "The cost of spawning and waiting for one child process")]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Children to spawn and wait for, one after another, at most 1000 (some 4 s).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    runs: u32,
}

#[derive(Subcommand)]
enum Role {
    /// Child side: exit at once.
    #[command(hide = true)]
    Exit,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Exit) = args.role {
        return common::child::die_with_parent();
    }
    let clock = Stopwatch::start();
    for _ in 0..args.runs {
        let status = self_command(["exit"])?
            .status()
            .context("cannot start a child process to measure")?;
        ensure!(
            status.success(),
            "the measured child failed with exit code {}",
            exit_code(status)
        );
    }
    let mean = clock.elapsed() / args.runs;
    let label = format!("Spawn + wait of one child process (mean of {})", args.runs);
    println!("{}", seconds_line(&label, mean));
    Ok(())
}
