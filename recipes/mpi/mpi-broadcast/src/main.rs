//! # Collective communication using a broadcast
//!
//! Book: 1st edition §3.14 "Collective communication using broadcast"; 2nd edition chapter 4,
//! "Collective communication using a broadcast"; both `broadcast.py`.
//!
//! Rank 0, the root, holds the value 100; every other rank holds nothing. One collective call,
//! made by every rank, copies the root's value to all of them, and each rank prints what it
//! now has.
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-broadcast                  # relaunches itself as mpiexec -n 10
//! cargo run -p mpi-broadcast -- --ranks 3 --value 7
//! ```
//!
//! ## Python → Rust
//!
//! - `comm.bcast(obj, root=0)` (lower case: any object, pickled, returned as a new object) →
//!   `world.process_at_rank(0).broadcast_into(&mut value)`: every rank passes a typed buffer
//!   of the same shape, the root's is read and the others' are overwritten in place. This is
//!   mpi4py's upper-case `Bcast` on a NumPy buffer.
//! - `None` on the non-root ranks → `0`: a typed buffer always holds a value.
//!
//! ## Differences from the book
//!
//! - The non-root ranks start with 0 instead of `None`; `--value` must not be 0, so a rank
//!   holding the value can only have received it.
//! - The run checks itself: rank 0 gathers what every rank holds after the broadcast and
//!   verifies it is the value; it prints one summary line, `Checked: all 10 ranks hold 100`,
//!   or the error (exit status 1).

use anyhow::Context;
use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "The root MPI rank broadcasts a value to every rank")]
struct Args {
    /// Ranks to start when run outside mpiexec (the book's 10), at most 64;
    /// under mpiexec its -n decides.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: u32,
    /// The value rank 0 shares (not 0: the other ranks start with 0).
    #[arg(long, default_value_t = 100, allow_negative_numbers = true,
          value_parser = nonzero)]
    value: i32,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

// ANCHOR: run
fn run(args: Args) -> anyhow::Result<()> {
    common::mpi_launch::ensure_launched(args.ranks)?;
    let universe = mpi::initialize().context("MPI is already initialised")?;
    let world = universe.world();
    common::mpi_launch::check_world_size(world.size())?;
    let rank = world.rank();
    let mut variable_to_share = if rank == 0 { args.value } else { 0 };
    world
        .process_at_rank(0)
        .broadcast_into(&mut variable_to_share);
    println!("process = {rank} variable shared  = {variable_to_share} ");
    check(&world, variable_to_share, args.value)
}
// ANCHOR_END: run

/// Rank 0 gathers what every rank holds and verifies it; rank 0 reports a wrong value (exit 1).
fn check(world: &SimpleCommunicator, held: i32, value: i32) -> anyhow::Result<()> {
    let root = world.process_at_rank(0);
    if world.rank() != 0 {
        root.gather_into(&held);
        return Ok(());
    }
    let mut everyone = vec![0; usize::try_from(world.size()).expect("a world size is positive")];
    root.gather_into_root(&held, &mut everyone[..]);
    let summary = verify(&everyone, value).map_err(anyhow::Error::msg)?;
    println!("{summary}");
    Ok(())
}

/// `held[i]` is what rank `i` holds after the broadcast.
fn verify(held: &[i32], value: i32) -> Result<String, String> {
    let wrong: Vec<(usize, i32)> = (0..held.len())
        .filter(|&rank| held[rank] != value)
        .map(|rank| (rank, held[rank]))
        .collect();
    if !wrong.is_empty() {
        return Err(format!(
            "these (rank, value) pairs missed the broadcast of {value}: {wrong:?}"
        ));
    }
    Ok(format!("Checked: all {} ranks hold {value}", held.len()))
}

fn nonzero(text: &str) -> Result<i32, String> {
    match text.parse::<i32>() {
        Ok(0) => Err("0 is what the other ranks start with; pick another value".into()),
        Ok(value) => Ok(value),
        Err(error) => Err(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rank_holding_the_value_passes() {
        assert_eq!(
            verify(&[100; 10], 100).unwrap(),
            "Checked: all 10 ranks hold 100"
        );
    }

    #[test]
    fn a_rank_still_at_zero_fails_and_is_named() {
        let error = verify(&[100, 0, 100], 100).unwrap_err();
        assert!(error.contains("[(1, 0)]"), "{error}");
    }

    #[test]
    fn zero_is_not_a_value_to_share() {
        assert!(nonzero("0").is_err());
        assert_eq!(nonzero("-3"), Ok(-3));
        assert!(nonzero("x").is_err());
    }
}
