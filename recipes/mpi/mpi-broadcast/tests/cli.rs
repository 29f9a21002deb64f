//! Runs the real `mpi-broadcast` binary under MPICH's `mpiexec` and checks every rank's line.

use common::testing::{Run, run, run_fails, with_mpiexec};

const BIN: &str = env!("CARGO_BIN_EXE_mpi-broadcast");

/// (rank, value) from every "process = R variable shared  = V" line, sorted by rank.
fn shared(run: &Run) -> Vec<(u32, i32)> {
    let mut pairs: Vec<(u32, i32)> = run
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

fn assert_everyone_holds(run: &Run, ranks: u32, value: i32) {
    assert_eq!(run.code, Some(0), "{run:#?}");
    let expected: Vec<(u32, i32)> = (0..ranks).map(|rank| (rank, value)).collect();
    assert_eq!(shared(run), expected, "{run:#?}");
    let summary = format!("Checked: all {ranks} ranks hold {value}");
    assert_eq!(run.lines_starting("Checked: "), [summary.as_str()]);
}

#[test]
fn the_books_ten_ranks_all_receive_100() {
    assert_everyone_holds(&with_mpiexec(10, BIN, &[], run), 10, 100);
}

#[test]
fn other_world_sizes_and_values_work() {
    assert_everyone_holds(&with_mpiexec(3, BIN, &["--value", "-7"], run), 3, -7);
    assert_everyone_holds(&with_mpiexec(1, BIN, &[], run), 1, 100);
}

#[test]
fn bad_flags_are_refused_by_the_parser() {
    run_fails(BIN, &["--value", "0"], 2, "--value");
    run_fails(BIN, &["--ranks", "0"], 2, "--ranks");
    run_fails(BIN, &["--ranks", "65"], 2, "65 is not in 1..=64");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
