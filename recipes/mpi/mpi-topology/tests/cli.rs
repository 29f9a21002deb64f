//! Runs the real `mpi-topology` binary and its `balanced_grid` example under MPICH's `mpiexec`
//! and checks every rank's block against neighbours computed here.

use std::collections::BTreeMap;

use common::testing::{Run, example, run, run_fails, with_mpiexec};

const BIN: &str = env!("CARGO_BIN_EXE_mpi-topology");

// Cargo runs no unit tests of an example; balanced_grid's run here, in this test binary.
#[path = "../examples/balanced_grid.rs"]
#[allow(dead_code)]
mod balanced_grid;

/// One rank's block: (row, column, [up, down, left, right]).
type Position = (i64, i64, [i64; 4]);

/// The number after `prefix` on `line`.
fn value_after(line: &str, prefix: &str) -> i64 {
    let rest = line
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{line:?} lacks {prefix:?}"));
    rest.trim().parse().unwrap_or_else(|_| panic!("{line:?}"))
}

/// Every rank's block, by rank. A block is six lines that one write keeps together.
fn blocks(run: &Run) -> BTreeMap<i64, Position> {
    let lines: Vec<&str> = run.stdout.lines().collect();
    let mut positions = BTreeMap::new();
    for (at, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix("Process = ") else {
            continue;
        };
        if rest.contains("is not on the") {
            continue;
        }
        let (rank, rest) = rest.split_once(" row = ").expect(line);
        let (row, column) = rest.split_once(" column = ").expect(line);
        let block = &lines[at + 1..at + 6];
        assert_eq!(block[0], "----> ", "{line}");
        let neighbours = [
            value_after(block[1], "neighbour_processes[UP] = "),
            value_after(block[2], "neighbour_processes[DOWN] = "),
            value_after(block[3], "neighbour_processes[LEFT] ="),
            value_after(block[4], "neighbour_processes[RIGHT]="),
        ];
        let position = (
            row.parse().expect(line),
            column.trim().parse().expect(line),
            neighbours,
        );
        assert!(
            positions
                .insert(rank.parse().expect(line), position)
                .is_none(),
            "{line} twice"
        );
    }
    positions
}

/// The grid worked out here: every rank's row-major position and its four neighbours.
fn expected(rows: i64, cols: i64, periodic: bool) -> BTreeMap<i64, Position> {
    let at = |row: i64, col: i64| {
        if periodic {
            row.rem_euclid(rows) * cols + col.rem_euclid(cols)
        } else if (0..rows).contains(&row) && (0..cols).contains(&col) {
            row * cols + col
        } else {
            -1
        }
    };
    (0..rows * cols)
        .map(|rank| {
            let (row, col) = (rank / cols, rank % cols);
            let around = [
                at(row - 1, col),
                at(row + 1, col),
                at(row, col - 1),
                at(row, col + 1),
            ];
            (rank, (row, col, around))
        })
        .collect()
}

fn assert_grid(run: &Run, ranks: i64, (rows, cols): (i64, i64), periodic: bool) {
    assert_eq!(run.code, Some(0), "{run:#?}");
    let building = format!("Building a {rows} x {cols} grid topology:");
    assert_eq!(run.lines_starting("Building a "), [building.as_str()]);
    assert_eq!(blocks(run), expected(rows, cols, periodic), "{run:#?}");
    let off = ranks - rows * cols;
    assert_eq!(
        run.lines_starting("Process = ").len() as i64,
        ranks,
        "{run:#?}"
    );
    let kind = if periodic { "periodic" } else { "non-periodic" };
    let summary = format!(
        "Checked: {ranks} ranks, {} on a {rows} x {cols} {kind} grid ({off} off it); \
         coordinates and neighbours match a row-major recomputation",
        rows * cols
    );
    assert_eq!(run.lines_starting("Checked: "), [summary.as_str()]);
}

#[test]
fn the_books_four_ranks_on_a_2x2_torus() {
    let run = with_mpiexec(4, BIN, &[], run);
    assert_grid(&run, 4, (2, 2), true);
    // The book's figures: rank 0's neighbours up, down, left, right are 2, 2, 1, 1.
    assert_eq!(blocks(&run)[&0], (0, 0, [2, 2, 1, 1]));
}

#[test]
fn without_wrap_around_the_border_shows_minus_one() {
    let run = with_mpiexec(4, BIN, &["--no-periodic"], run);
    assert_grid(&run, 4, (2, 2), false);
    assert_eq!(blocks(&run)[&3], (1, 1, [1, -1, 2, -1]));
}

#[test]
fn six_ranks_in_the_books_and_in_mpis_shapes() {
    assert_grid(&with_mpiexec(6, BIN, &[], run), 6, (2, 3), true);
    let balanced = with_mpiexec(6, &example("balanced_grid"), &[], run);
    assert_grid(&balanced, 6, (3, 2), true);
}

#[test]
fn ranks_left_off_the_books_grid_end_cleanly() {
    let run = with_mpiexec(5, BIN, &[], run);
    assert_grid(&run, 5, (2, 2), true);
    assert_eq!(
        run.lines_starting("Process = 4 "),
        ["Process = 4 is not on the 2 x 2 grid"]
    );
}

#[test]
fn bad_flags_are_refused_by_the_parser() {
    run_fails(BIN, &["--layout", "balanced"], 2, "--layout");
    run_fails(
        &example("balanced_grid"),
        &["--no-periodic"],
        2,
        "--no-periodic",
    );
    run_fails(BIN, &["--ranks", "0"], 2, "--ranks");
    run_fails(BIN, &["--ranks", "65"], 2, "65 is not in 1..=64");
    run_fails(
        &example("balanced_grid"),
        &["--ranks", "65"],
        2,
        "65 is not in 1..=64",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
