//! # Using the mpi4py Python module: hello world
//!
//! Book: 1st edition §3.11 "Using the mpi4py Python module", `helloWorld_MPI.py`; 2nd edition
//! chapter 4, same title, `helloworld_MPI.py`.
//!
//! `mpiexec` starts the same program several times; each copy, a *rank*, asks the world
//! communicator who it is and says hello. The order of the lines changes from run to run: the
//! ranks are separate processes that the operating system schedules as it likes.
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-hello                      # relaunches itself as mpiexec -n 5
//! cargo run -p mpi-hello -- --ranks 8         # eight ranks
//! mpiexec -n 3 target/debug/mpi-hello         # under an explicit launcher, its -n decides
//! ```
//!
//! ## Python → Rust
//!
//! - `from mpi4py import MPI` initialises MPI on import; in Rust `mpi::initialize()` does, and
//!   returns the `Universe` whose drop finalises MPI when `run` returns.
//! - `MPI.COMM_WORLD` → `universe.world()`; `comm.Get_rank()` → `world.rank()`.
//! - `mpiexec -n 5 python helloWorld_MPI.py` → `cargo run -p mpi-hello`: started outside a
//!   launcher, the binary replaces itself with `mpiexec -n 5 <itself>`
//!   (`common::mpi_launch::ensure_launched`).
//!
//! ## Differences from the book
//!
//! - The 1st edition ran under Python 2, where `print("...", rank)` prints a tuple:
//!   `('hello world from process ', 1)`. The line here is Python 3's, as in the 2nd edition.
//! - The run checks itself: rank 0 gathers every rank's number and verifies that each rank of
//!   the world said hello exactly once, then prints one summary line, `Checked: 5 ranks said
//!   hello, ranks 0..4 each once`; otherwise it prints what is wrong and the job exits with
//!   status 1.

use anyhow::Context;
use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Every MPI rank says hello with its rank number")]
struct Args {
    /// Ranks to start when run outside mpiexec (the book's 5), at most 64;
    /// under mpiexec its -n decides.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: u32,
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
    println!("hello world from process  {rank}");
    check(&world, rank)
}
// ANCHOR_END: run

// ANCHOR: check
/// Rank 0 gathers every rank's own idea of its number and verifies that each rank of the world
/// answered once. A failure makes rank 0 report it and
/// the job exit 1.
fn check(world: &SimpleCommunicator, rank: i32) -> anyhow::Result<()> {
    let root = world.process_at_rank(0);
    if rank != 0 {
        root.gather_into(&rank);
        return Ok(());
    }
    let mut ranks = vec![0; usize::try_from(world.size()).expect("a world size is positive")];
    root.gather_into_root(&rank, &mut ranks[..]);
    let summary = verify(&ranks).map_err(anyhow::Error::msg)?;
    println!("{summary}");
    Ok(())
}
// ANCHOR_END: check

/// `gathered[i]` is what rank `i` said its rank was.
fn verify(gathered: &[i32]) -> Result<String, String> {
    let size = gathered.len();
    let expected: Vec<i32> = (0..).take(size).collect();
    if gathered != expected {
        return Err(format!(
            "ranks answered {gathered:?}, expected each of 0..{size} once"
        ));
    }
    Ok(format!(
        "Checked: {size} ranks said hello, ranks 0..{} each once",
        size - 1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rank_once_in_order_passes() {
        assert_eq!(
            verify(&[0, 1, 2, 3, 4]).unwrap(),
            "Checked: 5 ranks said hello, ranks 0..4 each once"
        );
    }

    #[test]
    fn a_world_of_one_is_fine() {
        assert!(verify(&[0]).is_ok());
    }

    #[test]
    fn a_duplicate_or_wrong_rank_fails() {
        assert!(verify(&[0, 0, 2]).is_err());
        assert!(verify(&[0, 1, 5]).is_err());
    }
}
