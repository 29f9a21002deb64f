//! # mpi-reduce, port addition: other reduction operations
//!
//! The recipe's reduction with another operation than the book's sum. `--op max` is another
//! of MPI's own operations (`MPI.MAX`); `--op user` is one MPI does not have, the greatest
//! common divisor, written as a Rust closure and registered as a user-defined operation
//! (mpi4py's `MPI.Op.Create`). Every rank `r` holds `(r + 1)·[0, 1, 2, ...]`, as in the
//! recipe, so the max is the last rank's array and the gcd is `[0, 1, 2, ...]` (rank 0's).
//!
//! ```text
//! cargo run -p mpi-reduce --example other_ops                        # max over 3 ranks
//! cargo run -p mpi-reduce --example other_ops -- --ranks 5 --op user  # gcd: element i is i
//! ```

use anyhow::Context;
use clap::{Parser, ValueEnum};
use mpi::collective::{Operation, SystemOperation, UserOperation};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[path = "../src/numpy.rs"]
mod numpy;

use numpy::numpy;

#[derive(Parser)]
#[command(about = "Element-wise reduction onto the root with MPI.MAX or a user-defined gcd")]
struct Args {
    /// Ranks to start when run outside mpiexec, at most 64; under mpiexec its -n decides.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: u32,
    /// Length of the arrays, at most 1000000 (4 MB per rank).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    length: u32,
    /// How the arrays are combined.
    #[arg(long, value_enum, default_value_t = Op::Max)]
    op: Op,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Op {
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
    let rank = world.rank();
    let length = i32::try_from(args.length).expect("clap keeps --length within i32");
    let senddata: Vec<i32> = (0..length).map(|i| (rank + 1) * i).collect();
    let mut recvdata = vec![0; senddata.len()];
    println!(" process {rank} sending {} ", numpy(&senddata));
    reduce(&world, args.op, &senddata, &mut recvdata);
    println!(
        "on task {rank} after Reduce:    data =  {}",
        numpy(&recvdata)
    );
    if rank == 0 {
        check(world.size(), args.op, &recvdata)?;
    }
    Ok(())
}

// ANCHOR: reduce
/// Combines every rank's `senddata` element by element into the root's `recvdata`.
fn reduce(world: &SimpleCommunicator, op: Op, senddata: &[i32], recvdata: &mut [i32]) {
    match op {
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

/// Rank 0 compares the reduction with the same fold done locally, without MPI; a difference
/// is an error (exit status 1).
fn check(ranks: i32, op: Op, result: &[i32]) -> anyhow::Result<()> {
    let expected = local_reduction(op, ranks, result.len());
    anyhow::ensure!(
        result == expected,
        "the reduction gave {}, but a local recomputation gives {}",
        numpy(result),
        numpy(&expected)
    );
    let name = match op {
        Op::Max => "max",
        Op::User => "gcd (a user-defined operation)",
    };
    println!(
        "Checked: the {name} over {ranks} ranks equals a local recomputation: {}",
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
                Op::Max => contributions.max().unwrap_or(0),
                Op::User => contributions.fold(0, gcd),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
