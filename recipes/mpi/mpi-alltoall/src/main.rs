//! # Collective communication using Alltoall
//!
//! Book: 1st edition §3.17 "Collective communication using Alltoall"; 2nd edition chapter 4,
//! same title; both `alltoall.py`.
//!
//! Every rank `r` holds the array `(r + 1)·[0, 1, ..., N−1]` and sends its element `j` to rank
//! `j`, while it receives element `r` of every rank's array. After the one collective call,
//! rank `r` holds `r·[1, 2, ..., N]`: the exchange transposes the matrix whose rows are the
//! ranks' arrays.
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-alltoall                   # relaunches itself as mpiexec -n 5
//! cargo run -p mpi-alltoall -- --ranks 3
//! ```
//!
//! ## Python → Rust
//!
//! - `comm.Alltoall(senddata, recvdata)` on NumPy arrays (upper case: raw typed buffers, no
//!   pickling) → `world.all_to_all_into(&senddata[..], &mut recvdata[..])` on `i32` slices,
//!   the same operation on the same kind of buffer.
//! - `numpy.arange(size, dtype=int)` → a `Vec<i32>` from a range; NumPy's printing of an array
//!   (`[ 0  5 10 15 20]`, every element padded to the widest) is the small `numpy` function.
//!
//! ## Differences from the book
//!
//! - The 1st edition's printed output shows the arrays unpadded (`[0 5 10 15 20]`); NumPy pads
//!   them, and so does this port. NumPy would also wrap an array wider than 75 characters
//!   (with many ranks); here it stays on one line.
//! - The run checks itself: rank 0 gathers every rank's received array and verifies that rank
//!   `r` holds `r·[1..N]`; it prints one summary line, `Checked: rank r received r·[1..5] on
//!   all 5 ranks`, or the error (exit status 1).

use anyhow::Context;
use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Every MPI rank sends a distinct element to every rank (Alltoall)")]
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
    let (size, rank) = (world.size(), world.rank());
    let senddata: Vec<i32> = (0..size).map(|j| (rank + 1) * j).collect();
    let mut recvdata = vec![0; senddata.len()];
    world.all_to_all_into(&senddata[..], &mut recvdata[..]);
    println!(
        " process {rank} sending {} receiving {}",
        numpy(&senddata),
        numpy(&recvdata)
    );
    check(&world, &recvdata)
}
// ANCHOR_END: run

// ANCHOR: numpy
/// An integer array as NumPy prints it: `[ 0  5 10 15 20]`, each element right-aligned to the
/// width of the widest.
fn numpy(values: &[i32]) -> String {
    let width = values
        .iter()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(0);
    let cells: Vec<String> = values.iter().map(|v| format!("{v:>width$}")).collect();
    format!("[{}]", cells.join(" "))
}
// ANCHOR_END: numpy

/// Rank 0 gathers every rank's received array and verifies it; rank 0 reports a wrong one (exit 1).
fn check(world: &SimpleCommunicator, received: &[i32]) -> anyhow::Result<()> {
    let root = world.process_at_rank(0);
    if world.rank() != 0 {
        root.gather_into(received);
        return Ok(());
    }
    let mut matrix = vec![0; received.len() * received.len()];
    root.gather_into_root(received, &mut matrix[..]);
    let summary = verify(&matrix, received.len()).map_err(anyhow::Error::msg)?;
    println!("{summary}");
    Ok(())
}

/// Row `r` of `matrix` (`size` × `size`) is what rank `r` received: it must be `r·[1..size]`.
fn verify(matrix: &[i32], size: usize) -> Result<String, String> {
    for (rank, row) in (0..).zip(matrix.chunks(size)) {
        let expected: Vec<i32> = (1..).take(size).map(|j| rank * j).collect();
        if row != expected {
            return Err(format!(
                "rank {rank} received {}, expected {}",
                numpy(row),
                numpy(&expected)
            ));
        }
    }
    Ok(format!(
        "Checked: rank r received r·[1..{size}] on all {size} ranks"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_pads_every_element_to_the_widest() {
        assert_eq!(numpy(&[0, 5, 10, 15, 20]), "[ 0  5 10 15 20]");
        assert_eq!(numpy(&[0, 1, 2]), "[0 1 2]");
        assert_eq!(numpy(&[-4, 12]), "[-4 12]");
        assert_eq!(numpy(&[]), "[]");
    }

    #[test]
    fn the_transposed_matrix_passes() {
        let matrix = [0, 0, 0, 1, 2, 3, 2, 4, 6];
        assert_eq!(
            verify(&matrix, 3).unwrap(),
            "Checked: rank r received r·[1..3] on all 3 ranks"
        );
    }

    #[test]
    fn the_untransposed_matrix_fails() {
        let error = verify(&[0, 1, 2, 0, 2, 4, 0, 3, 6], 3).unwrap_err();
        assert!(error.starts_with("rank 0 received [0 1 2]"), "{error}");
    }
}
