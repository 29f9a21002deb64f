//! The self-check of `mpi-topology` and its example: rank 0 gathers every rank's place and
//! neighbours and compares them with a row-major recomputation of the grid.

use mpi::Count;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// The grid's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub rows: Count,
    pub cols: Count,
    pub periodic: bool,
}

/// What one rank reports to rank 0, as `i32`s for the gather: whether it is on the grid, its
/// rank in the grid, row, column, and neighbours up, down, left, right (-1 for none).
pub type Record = [i32; 8];

/// The record of a rank left off the grid.
pub const OFF_GRID: Record = [0, -1, -1, -1, -1, -1, -1, -1];

/// Rank 0 gathers every rank's record and verifies it; rank 0 reports a wrong one (exit 1).
pub fn check(world: &SimpleCommunicator, grid: Grid, record: &Record) -> anyhow::Result<()> {
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
        records.push(OFF_GRID);
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
