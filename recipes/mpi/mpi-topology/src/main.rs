//! # Optimizing communication: a virtual Cartesian topology
//!
//! Book: 1st edition §3.19 "How to optimize communication"; 2nd edition chapter 4,
//! "Optimizing communication"; both `virtualTopology.py`.
//!
//! The ranks are laid out on a two-dimensional grid whose edges wrap around (a torus), so
//! every rank has a neighbour above, below, left and right. MPI builds a new communicator that
//! knows the layout: it gives each rank its row and column and finds its neighbours with
//! `shift`. Ranks that talk mostly to their neighbours can then be placed close together.
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-topology                          # 4 ranks: a 2 x 2 torus
//! cargo run -p mpi-topology -- --no-periodic         # edges do not wrap: -1 at the border
//! cargo run -p mpi-topology -- --ranks 6             # the book's sizing: 2 x 3
//! cargo run -p mpi-topology --example balanced_grid -- --ranks 6  # MPI_Dims_create's: 3 x 2
//! ```
//!
//! ## Python → Rust
//!
//! - `comm.Create_cart((rows, cols), periods=(True, True), reorder=True)` →
//!   `world.create_cartesian_communicator(&[rows, cols], &[true, true], true)`, which returns
//!   `None` on the ranks left off the grid (mpi4py returns `MPI.COMM_NULL`).
//! - `Get_coords(rank)` → `rank_to_coordinates(rank)`; `Shift(0, 1)` → `shift(0, 1)`, which
//!   returns `(source, destination)`: the neighbour above and the one below. A missing
//!   neighbour (`MPI.PROC_NULL`, printed as -1) is `None` in Rust, printed as -1 here too.
//!
//! ## Differences from the book
//!
//! - With a rank count its sizing leaves off the grid (5 ranks: a 2 x 2 grid), the book's
//!   program fails on the extra ranks, which call `Get_coords` on a null communicator. Here
//!   they print that they are not on the grid and end normally. The `balanced_grid` example
//!   sizes the grid as `MPI_Dims_create` does (rows ≥ columns, as square as possible), so that
//!   every rank is on it (rsmpi has no safe `MPI_Dims_create`). The book's two corrections after `rows = ⌊√N⌋, cols = N // rows` can never apply and
//!   are left out.
//! - "Process = ..." shows the rank in the grid's communicator, the numbering its coordinates
//!   and neighbours use; the book prints the world rank, which with `reorder=True` may differ
//!   (with MPICH it does not).
//! - Each rank prints its block in one write, so blocks of different ranks do not interleave.
//! - The run checks itself: rank 0 gathers every rank's coordinates and neighbours and
//!   compares them with a row-major recomputation (`src/check.rs`); it prints one summary
//!   line, `Checked: 4 ranks, 4 on a 2 x 2 periodic grid (0 off it); coordinates and …`, or
//!   the error (exit status 1).

use anyhow::Context;
use clap::Parser;
use mpi::Count;
use mpi::topology::CartesianCommunicator;
use mpi::traits::*;

use check::{Grid, OFF_GRID, Record};

mod check;

#[derive(Parser)]
#[command(about = "MPI ranks on a periodic 2-D Cartesian grid, with their four neighbours")]
struct Args {
    /// Ranks to start when run outside mpiexec (the book's 4), at most 64;
    /// under mpiexec its -n decides.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: u32,
    /// Edges do not wrap around: ranks on the border have no neighbour (-1) there.
    #[arg(long)]
    no_periodic: bool,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    common::mpi_launch::ensure_launched(args.ranks)?;
    let universe = mpi::initialize().context("MPI is already initialised")?;
    let world = universe.world();
    common::mpi_launch::check_world_size(world.size())?;
    let grid = book_grid(world.size(), !args.no_periodic);
    if world.rank() == 0 {
        println!("Building a {} x {} grid topology:", grid.rows, grid.cols);
    }
    // ANCHOR: create
    let periods = [grid.periodic; 2];
    let record = match world.create_cartesian_communicator(&[grid.rows, grid.cols], &periods, true)
    {
        Some(cartesian) => report_position(&cartesian),
        None => {
            let rank = world.rank();
            println!(
                "Process = {rank} is not on the {} x {} grid",
                grid.rows, grid.cols
            );
            OFF_GRID
        }
    };
    // ANCHOR_END: create
    check::check(&world, grid, &record)
}

// ANCHOR: grid
/// The book's sizing: rows = ⌊√N⌋, columns = N / rows; leftover ranks are off the grid.
fn book_grid(size: Count, periodic: bool) -> Grid {
    let rows = isqrt(size);
    Grid {
        rows,
        cols: size / rows,
        periodic,
    }
}

/// ⌊√n⌋ for n ≥ 1, exactly (no floating point).
fn isqrt(n: Count) -> Count {
    (1..=n).take_while(|k| k * k <= n).last().unwrap_or(1)
}
// ANCHOR_END: grid

// ANCHOR: position
/// Prints this rank's place in the grid and its four neighbours, as one block.
fn report_position(cartesian: &CartesianCommunicator) -> Record {
    let rank = cartesian.rank();
    let coords = cartesian.rank_to_coordinates(rank);
    let (row, col) = (coords[0], coords[1]);
    let (up, down) = cartesian.shift(0, 1);
    let (left, right) = cartesian.shift(1, 1);
    let [up, down, left, right] = [up, down, left, right].map(|n| n.unwrap_or(-1));
    // Formatted first, so that the block leaves in one write and the blocks of different ranks
    // do not interleave.
    let block = format!(
        "Process = {rank} row = {row} column = {col} \n----> \n\
         neighbour_processes[UP] = {up}\n\
         neighbour_processes[DOWN] = {down}\n\
         neighbour_processes[LEFT] ={left}\n\
         neighbour_processes[RIGHT]={right}\n\n"
    );
    print!("{block}");
    [1, rank, row, col, up, down, left, right]
}
// ANCHOR_END: position

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_books_grid_shapes() {
        let shape = |size| {
            let grid = book_grid(size, true);
            (grid.rows, grid.cols)
        };
        assert_eq!(shape(4), (2, 2));
        assert_eq!(shape(6), (2, 3));
        assert_eq!(shape(5), (2, 2));
        assert_eq!(shape(10), (3, 3));
    }

    #[test]
    fn isqrt_is_exact() {
        let roots: Vec<Count> = (1..=10).map(isqrt).collect();
        assert_eq!(roots, [1, 1, 1, 2, 2, 2, 2, 2, 3, 3]);
    }
}
