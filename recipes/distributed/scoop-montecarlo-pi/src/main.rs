//! # Scientific computing with SCOOP
//!
//! Book: 1st edition §5.4 "Scientific computing with SCOOP"
//! (`pi_calculus_with_montecarlo_method.py`).
//!
//! π by Monte Carlo: throw random points at the unit square and count those that fall inside the
//! quarter disk; four times the fraction approaches π. The throws are split into work items (the
//! book's "workers", each making "attempts" throws) that a pool runs in parallel, three times
//! over: 1000 × 1000, 2000 × 2000 and 3000 × 3000, i.e. 1 M, 4 M and 9 M points.
//!
//! ## Run
//!
//! ```text
//! cargo run -p scoop-montecarlo-pi                          # 1 M, 4 M, 9 M points
//! cargo run -p scoop-montecarlo-pi -- --seed 7 --threads 1  # the same estimates as ...
//! cargo run -p scoop-montecarlo-pi -- --seed 7 --threads 2  # ... this, only the times differ
//! ```
//!
//! ## Python → Rust
//!
//! - `scoop.futures.map(f, items)` → rayon's `into_par_iter().map(f)`, and `sum(...)` → `.sum()`.
//!   SCOOP starts worker *processes* (on this host or over SSH) because the GIL keeps Python
//!   threads from computing in parallel; rayon's threads share one process and run on every core.
//! - `random.random()` → a `SmallRng` per work item, seeded from `--seed`, the round and the
//!   item's index. Python's workers each draw from their own unseeded generator, so no two runs
//!   agree; here the points depend only on the seed, never on which thread runs which item or in
//!   what order, so a seed gives the same estimates with 1 thread or 64.
//! - `time()` differences → `common::timing::timed` (a monotonic clock).
//!
//! ## Differences from the book
//!
//! - The run checks each estimate: it must lie within 0.01 of π (or within six standard errors
//!   of the estimate, if that is wider, for runs with fewer points than the book's), else exit 1.
//!   The last line gives the seed, so a random run can be repeated.
//! - SCOOP's launcher lines become one line giving the pool's size.
//! - `--rounds` and `--scale` set the sizes (the book: 3 rounds, i × 1000 workers and attempts);
//!   `--threads` sets the pool's size (default: one per core, or `RAYON_NUM_THREADS`).
//! - The book's line `785 points fallen in a unit disk after` is the total count divided by the
//!   attempts per worker (the mean per work item, per thousand throws here); it is kept as is.
//! - The blank line between rounds is empty rather than a single space.

use anyhow::{Context, ensure};
use clap::Parser;
use common::timing::timed;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

#[derive(Parser)]
#[command(about = "Monte Carlo estimates of pi over a pool of workers (SCOOP → rayon)")]
struct Args {
    /// Rounds, at most 1000: round i has i × scale work items of i × scale throws each.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rounds: u32,
    /// The book's 1000: the number of work items and of throws per item in round 1.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    scale: u32,
    /// Threads in the pool [default: one per core, or RAYON_NUM_THREADS].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Seed of the throws; random when absent (and printed at the end).
    #[arg(long)]
    seed: Option<u64>,
}

/// The most throws a run may make over all its rounds (the book's run makes 14 million).
const MAX_THROWS: u128 = 10_000_000_000;

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    // Round i throws (i × scale)² darts: the sum of the squares up to `rounds`, times scale².
    let rounds = u128::from(args.rounds);
    let throws = u128::from(args.scale).pow(2) * rounds * (rounds + 1) * (2 * rounds + 1) / 6;
    anyhow::ensure!(
        throws <= MAX_THROWS,
        "--rounds {} and --scale {} make {throws} throws, more than {MAX_THROWS} (half a minute \
         on two cores)",
        args.rounds,
        args.scale
    );
    let seed = args.seed.unwrap_or_else(rand::random);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.map_or(0, usize::from))
        .build()
        .context("cannot start the thread pool")?;
    println!(
        "Deploying {} worker thread(s) over 1 host",
        pool.current_num_threads()
    );
    let mut widest = 0.0_f64;
    for round in 1..=args.rounds {
        let size = round
            .checked_mul(args.scale)
            .context("--rounds × --scale is too large")?;
        let (hits, pi) = pool.install(|| estimate_pi(seed, round, size, size));
        println!();
        widest = widest.max(check(f64::from(size) * f64::from(size), hits, pi)?);
    }
    println!(
        "All {} estimates within {widest:.4} of pi (seed {seed})",
        args.rounds
    );
    Ok(())
}

// ANCHOR: estimate
/// The book's `pi_calculus_with_Montecarlo_Method`: `workers` work items of `attempts` throws
/// each, run on the current rayon pool, with the book's lines. Returns the hits and the estimate.
fn estimate_pi(seed: u64, round: u32, workers: u32, attempts: u32) -> (u64, f64) {
    println!("number of workers {workers} - number of attempts {attempts}");
    let (hits, took) = timed(|| {
        (0..workers)
            .into_par_iter()
            .map(|item| points_in_circle(attempts, &mut item_rng(seed, round, item)))
            .sum::<u64>()
    });
    println!(
        "{} points fallen in a unit disk after",
        hits / u64::from(attempts)
    );
    let pi = 4.0 * hits as f64 / (f64::from(workers) * f64::from(attempts));
    println!("value of pi = {pi}");
    let error = (pi - std::f64::consts::PI).abs() * 100.0 / std::f64::consts::PI;
    println!("error percentage = {error}");
    println!("total time: {}", took.as_secs_f64());
    (hits, pi)
}

/// The book's `evaluate_points_in_circle`: how many of `attempts` random points of the unit
/// square fall inside the quarter disk.
fn points_in_circle(attempts: u32, rng: &mut SmallRng) -> u64 {
    let mut hits = 0;
    for _ in 0..attempts {
        let (x, y): (f64, f64) = (rng.random(), rng.random());
        if x * x + y * y < 1.0 {
            hits += 1;
        }
    }
    hits
}

/// The generator of one work item: fixed by the seed, the round and the item's index, so the
/// throws do not depend on which thread runs the item, or when.
fn item_rng(seed: u64, round: u32, item: u32) -> SmallRng {
    let key = (u64::from(round) << 32) | u64::from(item);
    SmallRng::seed_from_u64(seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}
// ANCHOR_END: estimate

/// Checks the estimate `pi` from `hits` out of `points` throws against π; returns the tolerance
/// it was held to.
fn check(points: f64, hits: u64, pi: f64) -> anyhow::Result<f64> {
    let tolerance = tolerance(points);
    let off = (pi - std::f64::consts::PI).abs();
    ensure!(
        off <= tolerance,
        "{hits} hits out of {points} points give pi = {pi}, {off} away from pi (tolerance {tolerance})"
    );
    Ok(tolerance)
}

/// 0.01, or six standard errors of an estimate from `points` throws if that is wider. One
/// throw hits with p = π/4, so the estimate 4·hits/points has a standard error of
/// 4·√(p(1−p)/points): 0.0016 for the book's 1 M points.
fn tolerance(points: f64) -> f64 {
    let p = std::f64::consts::FRAC_PI_4;
    let standard_error = 4.0 * (p * (1.0 - p) / points).sqrt();
    (6.0 * standard_error).max(0.01)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hits_do_not_depend_on_the_pool() {
        let with = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| estimate_pi(3, 1, 50, 200).0)
        };
        assert_eq!(with(1), with(3));
    }

    #[test]
    fn items_and_rounds_draw_different_points() {
        let hits = |round, item| points_in_circle(1000, &mut item_rng(5, round, item));
        assert_ne!(
            [hits(1, 0), hits(1, 1), hits(2, 0)],
            [hits(1, 0); 3],
            "distinct streams"
        );
        assert_eq!(hits(1, 7), hits(1, 7));
    }

    #[test]
    fn the_tolerance_is_the_books_for_a_million_points_and_wider_for_few() {
        assert_eq!(tolerance(1e6), 0.01);
        assert!(tolerance(1e4) > 0.09);
    }

    #[test]
    fn a_wrong_estimate_fails_the_check() {
        let error = check(1e6, 800_000, 3.2).unwrap_err().to_string();
        assert!(error.contains("pi = 3.2"), "{error}");
    }
}
