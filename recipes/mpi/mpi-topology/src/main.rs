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
//! cargo run -p mpi-topology -- --ranks 6 --layout balanced   # MPI_Dims_create's: 3 x 2
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
//!   they print that they are not on the grid and end normally. `--layout balanced` sizes the
//!   grid as `MPI_Dims_create` does (rows ≥ columns, as square as possible), so that every
//!   rank is on it; rsmpi has no safe `MPI_Dims_create`, so the few lines are written here.
//!   The book's two corrections after `rows = ⌊√N⌋, cols = N // rows` can never apply and
//!   are left out.
//! - "Process = ..." shows the rank in the grid's communicator, the numbering its coordinates
//!   and neighbours use; the book prints the world rank, which with `reorder=True` may differ
//!   (with MPICH it does not).
//! - Each rank prints its block in one write, so blocks of different ranks do not interleave.
//! - The run checks itself: rank 0 gathers every rank's coordinates and neighbours and
//!   compares them with a row-major recomputation; it prints one summary line, or the
//!   error (exit status 1).

use anyhow::Context;
use clap::{Parser, ValueEnum};
use mpi::Count;
use mpi::topology::{CartesianCommunicator, SimpleCommunicator};
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "MPI ranks on a periodic 2-D Cartesian grid, with their four neighbours")]
struct Args {
    /// Ranks to start when run outside mpiexec (the book's 4); under mpiexec its -n decides.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    ranks: u32,
    /// How to choose rows and columns for the ranks.
    #[arg(long, value_enum, default_value_t = Layout::Book)]
    layout: Layout,
    /// Edges do not wrap around: ranks on the border have no neighbour (-1) there.
    #[arg(long)]
    no_periodic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Layout {
    /// The book's: rows = ⌊√N⌋, columns = N / rows; leftover ranks are off the grid
    Book,
    /// MPI_Dims_create's: the most square rows × columns = N, rows ≥ columns
    Balanced,
}

/// The grid's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Grid {
    rows: Count,
    cols: Count,
    periodic: bool,
}

/// What one rank reports to rank 0, as `i32`s for the gather: whether it is on the grid, its
/// rank in the grid, row, column, and neighbours up, down, left, right (-1 for none).
type Record = [i32; 8];

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    common::mpi_launch::ensure_launched(args.ranks)?;
    let universe = mpi::initialize().context("MPI is already initialised")?;
    let world = universe.world();
    common::mpi_launch::check_world_size(world.size())?;
    let grid = grid_for(world.size(), args.layout, !args.no_periodic);
    if world.rank() == 0 {
        println!("Building a {} x {} grid topology:", grid.rows, grid.cols);
    }
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
            [0, -1, -1, -1, -1, -1, -1, -1]
        }
    };
    check(&world, grid, &record)
}

// ANCHOR: grid
/// Rows and columns for `size` ranks.
fn grid_for(size: Count, layout: Layout, periodic: bool) -> Grid {
    let (rows, cols) = match layout {
        Layout::Book => {
            let rows = isqrt(size);
            (rows, size / rows)
        }
        Layout::Balanced => {
            let cols = (1..=isqrt(size)).rev().find(|c| size % c == 0).unwrap_or(1);
            (size / cols, cols)
        }
    };
    Grid {
        rows,
        cols,
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

/// Rank 0 gathers every rank's record and verifies it; rank 0 reports a wrong one (exit 1).
fn check(world: &SimpleCommunicator, grid: Grid, record: &Record) -> anyhow::Result<()> {
    let root = world.process_at_rank(0);
    if world.rank() != 0 {
        root.gather_into(&record[..]);
        return Ok(());
    }
    let size = usize::try_from(world.size()).expect("a world size is positive");
    let mut all = vec![0; size * record.len()];
    root.gather_into_root(&record[..], &mut all[..]);
    let records: Vec<Record> = all
        .chunks(record.len())
        .map(|chunk| chunk.try_into().expect("chunks of a record's length"))
        .collect();
    let summary = verify(grid, &records).map_err(anyhow::Error::msg)?;
    println!("{summary}");
    Ok(())
}

// ANCHOR: verify
/// The rank at (`row`, `col`) in MPI's row-major numbering, if the grid has one there.
fn rank_at(grid: Grid, row: Count, col: Count) -> i32 {
    let (row, col) = if grid.periodic {
        (row.rem_euclid(grid.rows), col.rem_euclid(grid.cols))
    } else {
        (row, col)
    };
    if (0..grid.rows).contains(&row) && (0..grid.cols).contains(&col) {
        row * grid.cols + col
    } else {
        -1
    }
}

/// What the record of the rank numbered `rank` in the grid must say.
fn expected_record(grid: Grid, rank: i32) -> Record {
    let (row, col) = (rank / grid.cols, rank % grid.cols);
    [
        1,
        rank,
        row,
        col,
        rank_at(grid, row - 1, col),
        rank_at(grid, row + 1, col),
        rank_at(grid, row, col - 1),
        rank_at(grid, row, col + 1),
    ]
}

fn verify(grid: Grid, records: &[Record]) -> Result<String, String> {
    let mut on_grid: Vec<&Record> = records.iter().filter(|record| record[0] == 1).collect();
    on_grid.sort_by_key(|record| record[1]);
    let cells = grid.rows * grid.cols;
    let numbered: Vec<i32> = on_grid.iter().map(|record| record[1]).collect();
    if numbered != (0..cells).collect::<Vec<_>>() {
        return Err(format!(
            "the {} x {} grid holds ranks {numbered:?}, expected each of 0..{cells} once",
            grid.rows, grid.cols
        ));
    }
    for record in on_grid {
        let expected = expected_record(grid, record[1]);
        if *record != expected {
            return Err(format!(
                "rank {} reported [on grid, rank, row, column, up, down, left, right] = \
                 {record:?}, expected {expected:?}",
                record[1]
            ));
        }
    }
    let kind = if grid.periodic {
        "periodic"
    } else {
        "non-periodic"
    };
    Ok(format!(
        "Checked: {} ranks, {cells} on a {} x {} {kind} grid ({} off it); coordinates and \
         neighbours match a row-major recomputation",
        records.len(),
        grid.rows,
        grid.cols,
        records.len() - numbered.len()
    ))
}
// ANCHOR_END: verify

#[cfg(test)]
mod tests {
    use super::*;

    const TORUS_2X2: Grid = Grid {
        rows: 2,
        cols: 2,
        periodic: true,
    };

    #[test]
    fn the_book_and_mpi_size_grids_differently() {
        let shape = |size, layout| {
            let grid = grid_for(size, layout, true);
            (grid.rows, grid.cols)
        };
        assert_eq!(shape(4, Layout::Book), (2, 2));
        assert_eq!(shape(6, Layout::Book), (2, 3));
        assert_eq!(shape(5, Layout::Book), (2, 2));
        assert_eq!(shape(10, Layout::Book), (3, 3));
        assert_eq!(shape(6, Layout::Balanced), (3, 2));
        assert_eq!(shape(5, Layout::Balanced), (5, 1));
        assert_eq!(shape(12, Layout::Balanced), (4, 3));
        assert_eq!(shape(1, Layout::Balanced), (1, 1));
    }

    #[test]
    fn isqrt_is_exact() {
        let roots: Vec<Count> = (1..=10).map(isqrt).collect();
        assert_eq!(roots, [1, 1, 1, 2, 2, 2, 2, 2, 3, 3]);
    }

    #[test]
    fn the_books_neighbours_on_a_2x2_torus() {
        // (UP, DOWN, LEFT, RIGHT) for ranks 0..3, as the book prints them.
        let expected = [(2, 2, 1, 1), (3, 3, 0, 0), (0, 0, 3, 3), (1, 1, 2, 2)];
        for (rank, (up, down, left, right)) in (0..).zip(expected) {
            let record = expected_record(TORUS_2X2, rank);
            assert_eq!(record[4..], [up, down, left, right], "rank {rank}");
        }
    }

    #[test]
    fn without_wrap_around_the_border_has_no_neighbours() {
        let flat = Grid {
            periodic: false,
            ..TORUS_2X2
        };
        assert_eq!(expected_record(flat, 0), [1, 0, 0, 0, -1, 2, -1, 1]);
        assert_eq!(expected_record(flat, 3), [1, 3, 1, 1, 1, -1, 2, -1]);
    }

    #[test]
    fn verify_accepts_the_grid_and_counts_ranks_off_it() {
        let mut records: Vec<Record> = (0..4).map(|r| expected_record(TORUS_2X2, r)).collect();
        records.push([0, -1, -1, -1, -1, -1, -1, -1]);
        let summary = verify(TORUS_2X2, &records).unwrap();
        assert!(summary.starts_with("Checked: 5 ranks, 4 on a 2 x 2 periodic grid (1 off it)"));
    }

    #[test]
    fn verify_rejects_a_wrong_neighbour_or_a_missing_rank() {
        let mut records: Vec<Record> = (0..4).map(|r| expected_record(TORUS_2X2, r)).collect();
        records[2][6] = 2;
        assert!(verify(TORUS_2X2, &records).is_err());
        records.truncate(3);
        assert!(verify(TORUS_2X2, &records).is_err());
    }
}
