//! Runs the real `mpi-gather` binary under MPICH's `mpiexec` and checks the root's lines.

use common::testing::{Run, run, run_fails, with_mpiexec};

const BIN: &str = env!("CARGO_BIN_EXE_mpi-gather");

/// (sender, value) from every " process 0 receiving V from process I" line, sorted.
fn gathered(run: &Run) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = run
        .lines_starting(" process 0 receiving ")
        .iter()
        .map(|line| {
            let rest = line.trim_start_matches(" process 0 receiving ");
            let (value, sender) = rest.split_once(" from process ").expect(line);
            (sender.parse().expect(line), value.parse().expect(line))
        })
        .collect();
    pairs.sort_unstable();
    pairs
}

fn assert_gathered(run: &Run, ranks: u32) {
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(
        run.lines_starting("rank = "),
        ["rank = 0 ...receiving data to other process"]
    );
    let expected: Vec<(u32, u32)> = (1..ranks).map(|i| (i, (i + 1) * (i + 1))).collect();
    assert_eq!(gathered(run), expected, "{run:#?}");
    let summary = format!("Checked: the root holds (i + 1)² from each of the {ranks} ranks");
    assert_eq!(run.lines_starting("Checked: "), [summary.as_str()]);
}

#[test]
fn the_books_five_ranks_send_their_squares() {
    let run = with_mpiexec(5, BIN, &[], run);
    assert_gathered(&run, 5);
    // The book's own figures.
    for value in ["4 from process 1", "25 from process 4"] {
        assert!(run.stdout.contains(value), "{run:#?}");
    }
}

#[test]
fn other_world_sizes_work() {
    assert_gathered(&with_mpiexec(7, BIN, &[], run), 7);
    assert_gathered(&with_mpiexec(1, BIN, &[], run), 1);
}

#[test]
fn bad_flags_are_refused_by_the_parser() {
    run_fails(BIN, &["--ranks", "0"], 2, "--ranks");
    run_fails(BIN, &["--ranks", "65"], 2, "65 is not in 1..=64");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
