//! # The reduction operation
//!
//! Book: 1st edition §3.18 "The reduction operation", `reduction2.py`; 2nd edition chapter 4,
//! same title, `reduction.py`.
//!
//! Every rank `r` holds the array `(r + 1)·[0, 1, 2, ...]`. One collective call combines the
//! arrays element by element with an operation, sum in the book, and leaves the result on
//! rank 0, the root; the other ranks' receive buffers stay untouched (zeros). With three ranks
//! the root gets `[0 6 12 ...]`: element `i` is `(1 + 2 + 3)·i`. Beyond the book, `--op max`
//! uses another of MPI's operations and `--op user` an operation MPI does not have, written as
//! a Rust closure: the greatest common divisor.
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-reduce                     # 2nd edition: arrays of 10, mpiexec -n 3
//! cargo run -p mpi-reduce -- --edition ed1    # 1st edition: arrays of 3, exactly 3 ranks
//! cargo run -p mpi-reduce -- --ranks 5 --op max
//! cargo run -p mpi-reduce -- --op user        # gcd: element i is i
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
//!   the first into the second.
//! - `numpy.zeros(n, dtype=numpy.int)` → `vec![0i32; n]`; NumPy's printing of an array is the
//!   small `numpy` function.
//!
//! ## Differences from the book
//!
//! - `numpy.int`, which both listings use, was removed in NumPy 1.24; the listings fail on a
//!   current NumPy. Here the arrays are `i32`.
//! - The 1st edition sends `arange(size)` but receives into an array of 3, so it works only
//!   with exactly 3 ranks; with another count the buffers disagree. `--edition ed1` keeps that
//!   shape and stops the job at once with one message when the world is not 3 ranks
//!   (`--length` changes the 3).
//! - `--op max` and `--op user` are not in the book.
//! - The run checks itself: rank 0 recomputes the reduction locally, without MPI, and compares;
//!   it prints one summary line, or the difference (exit status 1).

use anyhow::Context;
use clap::{Parser, ValueEnum};
use common::Edition;
use mpi::collective::{Operation, SystemOperation, UserOperation};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Element-wise reduction of every MPI rank's array onto the root")]
struct Args {
    /// Ranks to start when run outside mpiexec (the book's 3); under mpiexec its -n decides.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    ranks: u32,
    /// Which edition's program: ed2 sends arrays of --length; ed1 sends arrays of one element
    /// per rank and receives --length, so it needs exactly --length ranks.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Length of the arrays [default: 10 (ed2), 3 (ed1)].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    length: Option<u32>,
    /// How the arrays are combined.
    #[arg(long, value_enum, default_value_t = Op::Sum)]
    op: Op,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Op {
    /// MPI.SUM, as in the book
    Sum,
    /// MPI.MAX
    Max,
    /// A user-defined operation: the greatest common divisor
    User,
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
    let senddata: Vec<i32> = (0..send_length).map(|i| (rank + 1) * i).collect();
    let mut recvdata = vec![0; senddata.len()];
    match args.edition {
        Edition::Ed2 => println!(" process {rank} sending {} ", numpy(&senddata)),
        Edition::Ed1 => println!("process {rank} sending {} ", numpy(&senddata)),
    }
    // ANCHOR_END: data
    reduce(&world, args.op, &senddata, &mut recvdata);
    println!(
        "on task {rank} after Reduce:    data =  {}",
        numpy(&recvdata)
    );
    if rank == 0 {
        check(&world, args.op, &recvdata)?;
    }
    Ok(())
}

// ANCHOR: reduce
/// Combines every rank's `senddata` element by element into the root's `recvdata`.
fn reduce(world: &SimpleCommunicator, op: Op, senddata: &[i32], recvdata: &mut [i32]) {
    match op {
        Op::Sum => reduce_with(world, senddata, recvdata, SystemOperation::sum()),
        Op::Max => reduce_with(world, senddata, recvdata, SystemOperation::max()),
        Op::User => {
            let gcd = UserOperation::commutative(|incoming, accumulated| {
                let incoming: &[i32] = incoming.downcast().expect("the arrays are i32");
                let accumulated: &mut [i32] = accumulated.downcast().expect("the arrays are i32");
                for (acc, &x) in accumulated.iter_mut().zip(incoming) {
                    *acc = gcd(*acc, x);
                }
            });
            reduce_with(world, senddata, recvdata, &gcd);
        }
    }
}

fn reduce_with<O: Operation>(
    world: &SimpleCommunicator,
    senddata: &[i32],
    recvdata: &mut [i32],
    op: O,
) {
    let root = world.process_at_rank(0);
    if world.rank() == 0 {
        root.reduce_into_root(senddata, recvdata, op);
    } else {
        root.reduce_into(senddata, op);
    }
}
// ANCHOR_END: reduce

/// The greatest common divisor of two non-negative numbers; `gcd(0, x) = x`.
fn gcd(a: i32, b: i32) -> i32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

// ANCHOR: check
/// Rank 0 compares the reduction with the same fold done locally, without MPI; a difference
/// is an error (exit status 1).
fn check(world: &SimpleCommunicator, op: Op, result: &[i32]) -> anyhow::Result<()> {
    let size = world.size();
    let expected = local_reduction(op, size, result.len());
    anyhow::ensure!(
        result == expected,
        "the reduction gave {}, but a local recomputation gives {}",
        numpy(result),
        numpy(&expected)
    );
    println!(
        "Checked: the {} over {size} ranks equals a local recomputation: {}",
        op_name(op),
        numpy(&expected)
    );
    Ok(())
}

/// Element `i` of the reduction of the arrays `(r + 1)·[0, 1, ...]` of `ranks` ranks.
fn local_reduction(op: Op, ranks: i32, length: usize) -> Vec<i32> {
    (0..)
        .take(length)
        .map(|i| {
            let contributions = (1..=ranks).map(|r| r * i);
            match op {
                Op::Sum => contributions.sum(),
                Op::Max => contributions.max().unwrap_or(0),
                Op::User => contributions.fold(0, gcd),
            }
        })
        .collect()
}
// ANCHOR_END: check

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Sum => "sum",
        Op::Max => "max",
        Op::User => "gcd (a user-defined operation)",
    }
}

/// An integer array as NumPy prints it: `[ 0  6 12]`, each element right-aligned to the
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_books_sums_for_three_ranks() {
        assert_eq!(numpy(&local_reduction(Op::Sum, 3, 3)), "[ 0  6 12]");
        assert_eq!(
            numpy(&local_reduction(Op::Sum, 3, 10)),
            "[ 0  6 12 18 24 30 36 42 48 54]"
        );
    }

    #[test]
    fn max_is_the_last_ranks_array_and_gcd_is_the_index() {
        assert_eq!(local_reduction(Op::Max, 4, 4), [0, 4, 8, 12]);
        assert_eq!(local_reduction(Op::User, 5, 4), [0, 1, 2, 3]);
    }

    #[test]
    fn gcd_of_small_numbers() {
        assert_eq!(gcd(12, 18), 6);
        assert_eq!(gcd(0, 7), 7);
        assert_eq!(gcd(7, 0), 7);
        assert_eq!(gcd(0, 0), 0);
    }

    #[test]
    fn numpy_pads_to_the_widest_element() {
        assert_eq!(numpy(&[0, 0, 0]), "[0 0 0]");
        assert_eq!(numpy(&[0, 6, 12]), "[ 0  6 12]");
    }
}
