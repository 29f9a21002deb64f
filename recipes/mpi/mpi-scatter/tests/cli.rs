//! Runs the real `mpi-scatter` binary under MPICH's `mpiexec` and checks every rank's line.

use common::testing::{Run, run, run_fails, with_mpiexec};

const BIN: &str = env!("CARGO_BIN_EXE_mpi-scatter");

/// (rank, element) from every "process = R variable shared  = V" line, sorted by rank.
fn received(run: &Run) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = run
        .lines_starting("process = ")
        .iter()
        .map(|line| {
            let rest = line.trim_start_matches("process = ");
            let (rank, value) = rest.split_once(" variable shared  = ").expect(line);
            (rank.parse().expect(line), value.trim().parse().expect(line))
        })
        .collect();
    pairs.sort_unstable();
    pairs
}

fn assert_scattered(run: &Run, ranks: u32) {
    assert_eq!(run.code, Some(0), "{run:#?}");
    let expected: Vec<(u32, u32)> = (0..ranks).map(|rank| (rank, rank + 1)).collect();
    assert_eq!(received(run), expected, "{run:#?}");
    let summary = format!("Checked: rank i received i + 1 on all {ranks} ranks");
    assert_eq!(run.lines_starting("Checked: "), [summary.as_str()]);
}

#[test]
fn the_books_ten_ranks_get_one_element_each() {
    assert_scattered(&with_mpiexec(10, BIN, &[], run), 10);
}

#[test]
fn a_list_as_long_as_the_world_works_for_other_sizes() {
    assert_scattered(&with_mpiexec(4, BIN, &["--items", "4"], run), 4);
}

#[test]
fn a_world_of_another_size_stops_with_one_message() {
    let stderr = with_mpiexec(3, BIN, &[], |bin, args| {
        run_fails(
            bin,
            args,
            1,
            "the list has 10 elements but the world has 3 ranks",
        )
    });
    assert_eq!(stderr.matches("error: ").count(), 1, "{stderr}");
    // A plain run relaunches itself, and the relaunched job stops the same way.
    run_fails(
        BIN,
        &["--items", "2", "--ranks", "5"],
        1,
        "the list has 2 elements",
    );
}

#[test]
fn bad_flags_are_refused_by_the_parser() {
    run_fails(BIN, &["--items", "0"], 2, "--items");
    run_fails(BIN, &["--ranks", "65"], 2, "65 is not in 1..=64");
    run_fails(
        BIN,
        &["--items", "1000001"],
        2,
        "1000001 is not in 1..=1000000",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
