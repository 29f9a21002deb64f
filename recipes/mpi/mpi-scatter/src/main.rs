//! # Collective communication using the scatter function
//!
//! Book: 1st edition §3.15 "Collective communication using scatter"; 2nd edition chapter 4,
//! "Collective communication using the scatter function"; both `scatter.py`.
//!
//! Rank 0, the root, holds the list `[1, 2, ..., 10]`. One collective call, made by every rank,
//! hands element `i` of the list to rank `i`, so the list must have exactly one element per
//! rank: the book's run uses ten ranks.
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-scatter                    # relaunches itself as mpiexec -n 10
//! cargo run -p mpi-scatter -- --ranks 4 --items 4
//! ```
//!
//! ## Python → Rust
//!
//! - `comm.scatter(list, root=0)` (lower case: a list of objects, each pickled) →
//!   `root.scatter_into_root(&list[..], &mut item)` on rank 0 and `root.scatter_into(&mut item)`
//!   on the others: a typed `i32` buffer cut into equal pieces, mpi4py's upper-case `Scatter`.
//!   Only the root passes the list, so only the root's call has it in its signature.
//!
//! ## Differences from the book
//!
//! - With a world of another size than the list, mpi4py raises on the root
//!   (`ValueError: expecting 3 items, got 10`) and, depending on the MPI, the other ranks hang
//!   in the scatter. Here every rank checks the world size before the scatter and the job
//!   stops at once with one message and exit status 1. `--items` sets the length of the list
//!   (the book's 10), for other world sizes.
//! - The run checks itself: rank 0 gathers what every rank received and verifies that rank
//!   `i` got `i + 1`; it prints one summary line, `Checked: rank i received i + 1 on all 10
//!   ranks`, or the error (exit status 1).

use anyhow::Context;
use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "The root MPI rank scatters the list [1..N], one element to each rank")]
struct Args {
    /// Ranks to start when run outside mpiexec (the book's 10), at most 64;
    /// under mpiexec its -n decides.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: u32,
    /// Length of the root's list [1, 2, ..., ITEMS], at most 1000000; the world must have this
    /// many ranks.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    items: u32,
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
    let items = i32::try_from(args.items).expect("clap keeps --items within i32");
    if world.size() != items {
        return common::mpi_launch::stop_job(
            world.rank(),
            format!(
                "scatter hands one element to each rank: the list has {items} elements but \
                 the world has {} ranks: use --ranks {items}, or --items {}",
                world.size(),
                world.size()
            ),
        );
    }
    let rank = world.rank();
    let root = world.process_at_rank(0);
    let mut recvbuf = 0;
    if rank == 0 {
        let array_to_share: Vec<i32> = (1..=items).collect();
        root.scatter_into_root(&array_to_share[..], &mut recvbuf);
    } else {
        root.scatter_into(&mut recvbuf);
    }
    println!("process = {rank} variable shared  = {recvbuf} ");
    check(&world, recvbuf)
}
// ANCHOR_END: run

/// Rank 0 gathers what every rank received and verifies it; rank 0 reports a wrong value (exit 1).
fn check(world: &SimpleCommunicator, received: i32) -> anyhow::Result<()> {
    let root = world.process_at_rank(0);
    if world.rank() != 0 {
        root.gather_into(&received);
        return Ok(());
    }
    let mut everyone = vec![0; usize::try_from(world.size()).expect("a world size is positive")];
    root.gather_into_root(&received, &mut everyone[..]);
    let summary = verify(&everyone).map_err(anyhow::Error::msg)?;
    println!("{summary}");
    Ok(())
}

/// `received[i]` is what rank `i` got from the scatter: it must be `i + 1`.
fn verify(received: &[i32]) -> Result<String, String> {
    let expected: Vec<i32> = (1..).take(received.len()).collect();
    if received != expected {
        return Err(format!(
            "ranks received {received:?}, expected {expected:?}"
        ));
    }
    Ok(format!(
        "Checked: rank i received i + 1 on all {} ranks",
        received.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_more_than_the_rank_passes() {
        assert_eq!(
            verify(&[1, 2, 3, 4]).unwrap(),
            "Checked: rank i received i + 1 on all 4 ranks"
        );
    }

    #[test]
    fn a_shifted_or_repeated_element_fails() {
        assert!(verify(&[2, 3, 4]).is_err());
        assert!(verify(&[1, 1, 3]).is_err());
    }
}
