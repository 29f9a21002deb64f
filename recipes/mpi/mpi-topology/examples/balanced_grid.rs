//! # mpi-topology, port addition: a balanced grid
//!
//! The recipe's periodic Cartesian topology on a grid sized as `MPI_Dims_create` sizes it: the
//! most square `rows × columns = N` with rows ≥ columns, so that every rank is on it (the
//! book's ⌊√N⌋ rows leave ranks off the grid when N is not a multiple of them). rsmpi has no
//! safe binding for `MPI_Dims_create`, so the few lines are written here.
//!
//! ```text
//! cargo run -p mpi-topology --example balanced_grid              # 4 ranks: 2 x 2
//! cargo run -p mpi-topology --example balanced_grid -- --ranks 6  # 3 x 2; the book makes 2 x 3
//! ```

use anyhow::Context;
use clap::Parser;
use mpi::Count;
use mpi::topology::CartesianCommunicator;
use mpi::traits::*;

#[path = "../src/check.rs"]
mod check;

use check::{Grid, OFF_GRID, Record};

#[derive(Parser)]
#[command(about = "MPI ranks on a periodic Cartesian grid sized like MPI_Dims_create")]
struct Args {
    /// Ranks to start when run outside mpiexec, at most 64; under mpiexec its -n decides.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: u32,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    common::mpi_launch::ensure_launched(args.ranks)?;
    let universe = mpi::initialize().context("MPI is already initialised")?;
    let world = universe.world();
    common::mpi_launch::check_world_size(world.size())?;
    let grid = balanced_grid(world.size());
    if world.rank() == 0 {
        println!("Building a {} x {} grid topology:", grid.rows, grid.cols);
    }
    let periods = [grid.periodic; 2];
    let record = match world.create_cartesian_communicator(&[grid.rows, grid.cols], &periods, true)
    {
        Some(cartesian) => report_position(&cartesian),
        None => OFF_GRID, // never: the balanced grid holds every rank
    };
    check::check(&world, grid, &record)
}

// ANCHOR: balanced
/// `MPI_Dims_create`'s sizing for two dimensions: the most square `rows × cols = size`,
/// rows ≥ columns.
fn balanced_grid(size: Count) -> Grid {
    let cols = (1..=size)
        .rev()
        .find(|c| c * c <= size && size % c == 0)
        .unwrap_or(1);
    Grid {
        rows: size / cols,
        cols,
        periodic: true,
    }
}
// ANCHOR_END: balanced

/// Prints this rank's place in the grid and its four neighbours, as one block: the recipe's
/// `report_position`, repeated here because an example cannot include a binary's main.rs.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_balanced_grid_is_as_square_as_possible() {
        let shape = |size| {
            let grid = balanced_grid(size);
            (grid.rows, grid.cols)
        };
        assert_eq!(shape(6), (3, 2));
        assert_eq!(shape(5), (5, 1));
        assert_eq!(shape(12), (4, 3));
        assert_eq!(shape(1), (1, 1));
    }
}
