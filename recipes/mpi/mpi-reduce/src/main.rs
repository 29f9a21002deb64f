//! # The reduction operation
//!
//! Book: 1st edition §3.18 "The reduction operation", `reduction2.py`; 2nd edition chapter 4,
//! same title, `reduction.py`.
//!
//! Every rank `r` holds the array `(r + 1)·[0, 1, 2, ...]`. One collective call combines the
//! arrays element by element with an operation, sum in the book, and leaves the result on
//! rank 0, the root; the other ranks' receive buffers stay untouched (zeros). With three ranks
//! the root gets `[0 6 12 ...]`: element `i` is `(1 + 2 + 3)·i`. Beyond the book, the
//! `other_ops` example uses another of MPI's operations (`--op max`) and one MPI does not have,
//! written as a Rust closure (`--op user`: the greatest common divisor).
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-reduce                     # 2nd edition: arrays of 10, mpiexec -n 3
//! cargo run -p mpi-reduce -- --edition ed1    # 1st edition: arrays of 3, exactly 3 ranks
//! cargo run -p mpi-reduce --example other_ops -- --ranks 5 --op max
//! cargo run -p mpi-reduce --example other_ops -- --op user     # gcd: element i is i
//! ```
//!
//! ## Python → Rust
//!
//! - `comm.Reduce(senddata, recvdata, root=0, op=MPI.SUM)` on NumPy arrays (upper case: typed
//!   buffers) → `root.reduce_into_root(&senddata[..], &mut recvdata[..], SystemOperation::sum())`
//!   on rank 0 and `root.reduce_into(&senddata[..], SystemOperation::sum())` elsewhere: only
//!   the root has a receive buffer in its call.
//! - `MPI.MAX` → `SystemOperation::max()`. A user operation (mpi4py's `MPI.Op.Create(f)`) →
//!   `UserOperation::commutative(closure)`; the closure gets MPI's two buffers and combines
//!   the first into the second (the `other_ops` example).
//! - `numpy.zeros(n, dtype=numpy.int)` → `vec![0i64; n]`; NumPy's printing of an array is the
//!   small `numpy` function (`src/numpy.rs`).
//!
//! ## Differences from the book
//!
//! - `numpy.int`, which both listings use, was removed in NumPy 1.24; the listings fail on a
//!   current NumPy. Here the arrays are `i64`, what `numpy.int` was on Linux: the sums
//!   of 66 ranks' arrays of a million elements would overflow 32 bits.
//! - The 1st edition sends `arange(size)` but receives into an array of 3, so it works only
//!   with exactly 3 ranks; with another count the buffers disagree. `--edition ed1` keeps that
//!   shape and stops the job at once with one message when the world is not 3 ranks
//!   (`--length` changes the 3).
//! - The `other_ops` example (max, and gcd as a user-defined operation) is not in the book.
//! - The run checks itself: rank 0 recomputes the reduction locally, without MPI, and compares;
//!   it prints one summary line, `Checked: the sum over 3 ranks equals a local recomputation:
//!   [ 0  6 12 18 24 30 36 42 48 54]`, or the difference (exit status 1).

use anyhow::Context;
use clap::Parser;
use common::Edition;
use mpi::collective::SystemOperation;
use mpi::traits::*;

use numpy::numpy;

mod numpy;

#[derive(Parser)]
#[command(about = "Element-wise sum of every MPI rank's array onto the root (Reduce)")]
struct Args {
    /// Ranks to start when run outside mpiexec (the book's 3), at most 64;
    /// under mpiexec its -n decides.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: u32,
    /// Which edition's program: ed2 sends arrays of --length; ed1 sends arrays of one element
    /// per rank and receives --length, so it needs exactly --length ranks.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Length of the arrays, at most 1000000 (4 MB per rank) [default: 10 (ed2), 3 (ed1)].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    length: Option<u32>,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    common::mpi_launch::ensure_launched(args.ranks)?;
    let universe = mpi::initialize().context("MPI is already initialised")?;
    let world = universe.world();
    common::mpi_launch::check_world_size(world.size())?;
    let (size, rank) = (world.size(), world.rank());
    let array_size = match (args.length, args.edition) {
        (Some(length), _) => i32::try_from(length).expect("clap keeps --length within i32"),
        (None, Edition::Ed2) => 10,
        (None, Edition::Ed1) => 3,
    };
    if args.edition == Edition::Ed1 && size != array_size {
        return common::mpi_launch::stop_job(
            world.rank(),
            format!(
                "the 1st edition's program sends {size} elements per rank (one per rank) into \
                 a buffer of {array_size}: it needs exactly {array_size} ranks: use --ranks \
                 {array_size}, or --length {size}"
            ),
        );
    }
    // ANCHOR: data
    let send_length = match args.edition {
        Edition::Ed2 => array_size,
        Edition::Ed1 => size,
    };
    let senddata: Vec<i64> = (0..send_length)
        .map(|i| i64::from(rank + 1) * i64::from(i))
        .collect();
    let mut recvdata = vec![0; senddata.len()];
    match args.edition {
        Edition::Ed2 => println!(" process {rank} sending {} ", numpy(&senddata)),
        Edition::Ed1 => println!("process {rank} sending {} ", numpy(&senddata)),
    }
    // ANCHOR_END: data
    // ANCHOR: reduce
    // Only the root passes a receive buffer; the others' stays untouched (zeros).
    let root = world.process_at_rank(0);
    if rank == 0 {
        root.reduce_into_root(&senddata[..], &mut recvdata[..], SystemOperation::sum());
    } else {
        root.reduce_into(&senddata[..], SystemOperation::sum());
    }
    // ANCHOR_END: reduce
    println!(
        "on task {rank} after Reduce:    data =  {}",
        numpy(&recvdata)
    );
    if rank == 0 {
        check(size, &recvdata)?;
    }
    Ok(())
}

// ANCHOR: check
/// Rank 0 compares the reduction with the same sum done locally, without MPI: element `i` of
/// the arrays `(r + 1)·[0, 1, ...]` of `ranks` ranks. A difference is an error (exit status 1).
fn check(ranks: i32, result: &[i64]) -> anyhow::Result<()> {
    let expected: Vec<i64> = (0..)
        .take(result.len())
        .map(|i| (1..=i64::from(ranks)).map(|r| r * i).sum())
        .collect();
    anyhow::ensure!(
        result == expected,
        "the reduction gave {}, but a local recomputation gives {}",
        numpy(result),
        numpy(&expected)
    );
    println!(
        "Checked: the sum over {ranks} ranks equals a local recomputation: {}",
        numpy(&expected)
    );
    Ok(())
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_books_sums_for_three_ranks() {
        assert!(check(3, &[0, 6, 12]).is_ok());
        assert!(check(3, &[0, 6, 12, 18, 24, 30, 36, 42, 48, 54]).is_ok());
        let error = check(3, &[0, 6, 13]).unwrap_err();
        assert!(error.to_string().ends_with("gives [ 0  6 12]"), "{error}");
    }

    #[test]
    fn sixty_six_ranks_of_a_million_elements_sum_past_32_bits() {
        // Element i is (1 + 2 + ... + 66)·i = 2211·i; the last one is past i32::MAX.
        let result: Vec<i64> = (0..1_000_000).map(|i| 2211 * i).collect();
        assert!(result[999_999] > i64::from(i32::MAX));
        assert!(check(66, &result).is_ok());
    }
}
