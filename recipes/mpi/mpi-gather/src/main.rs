//! # Collective communication using the gather function
//!
//! Book: 1st edition §3.16 "Collective communication using gather"; 2nd edition chapter 4,
//! "Collective communication using the gather function"; both `gather.py`.
//!
//! Every rank computes `(rank + 1)²`. One collective call, made by every rank, collects the
//! values on rank 0, the root, in rank order; the root then prints what it received from each
//! of the other ranks.
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-gather                     # relaunches itself as mpiexec -n 5
//! cargo run -p mpi-gather -- --ranks 8
//! ```
//!
//! ## Python → Rust
//!
//! - `comm.gather(data, root=0)` (lower case: returns a list of pickled objects on the root,
//!   `None` elsewhere) → `root.gather_into_root(&data, &mut values[..])` on rank 0, into a
//!   typed buffer with one slot per rank, and `root.gather_into(&data)` on the others: mpi4py's
//!   upper-case `Gather`.
//!
//! ## Differences from the book
//!
//! - The 1st edition's root overwrites each gathered value with `(i+1)**2` before printing it,
//!   so its output would look right even if the gather had failed. Here the root prints what
//!   arrived, as the 2nd edition does.
//! - The run checks itself: rank 0 verifies that the value from rank `i` is `(i + 1)²`,
//!   recomputed locally; it prints one summary line, `Checked: the root holds (i + 1)² from
//!   each of the 5 ranks`, or the error (exit status 1).

use anyhow::Context;
use clap::Parser;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Every MPI rank sends (rank + 1)² to the root, which gathers them")]
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
    let data = (rank + 1).pow(2);
    let root = world.process_at_rank(0);
    if rank != 0 {
        root.gather_into(&data);
        return Ok(());
    }
    let mut gathered = vec![0; usize::try_from(world.size()).expect("a world size is positive")];
    root.gather_into_root(&data, &mut gathered[..]);
    println!("rank = {rank} ...receiving data to other process");
    for (i, value) in gathered.iter().enumerate().skip(1) {
        println!(" process {rank} receiving {value} from process {i}");
    }
    let summary = verify(&gathered).map_err(anyhow::Error::msg)?;
    println!("{summary}");
    Ok(())
}
// ANCHOR_END: run

/// `gathered[i]` came from rank `i` and must be `(i + 1)²`.
fn verify(gathered: &[i32]) -> Result<String, String> {
    let expected: Vec<i32> = (1..=gathered.len())
        .map(|n| i32::try_from(n * n).expect("a few ranks' squares fit in i32"))
        .collect();
    if gathered != expected {
        return Err(format!("gathered {gathered:?}, expected {expected:?}"));
    }
    Ok(format!(
        "Checked: the root holds (i + 1)² from each of the {} ranks",
        gathered.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_books_squares_pass() {
        assert_eq!(
            verify(&[1, 4, 9, 16, 25]).unwrap(),
            "Checked: the root holds (i + 1)² from each of the 5 ranks"
        );
    }

    #[test]
    fn a_missing_or_misplaced_value_fails() {
        assert!(verify(&[1, 9, 4]).is_err());
        assert!(verify(&[1, 0, 9]).is_err());
    }
}
