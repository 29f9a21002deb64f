//! Runs the real `mpi-reduce` binary and its `other_ops` example under MPICH's `mpiexec` and
//! checks every rank's lines.

use common::testing::{Run, example, run, run_fails, with_mpiexec};

const BIN: &str = env!("CARGO_BIN_EXE_mpi-reduce");

// Cargo runs no unit tests of an example; other_ops' run here, in this test binary.
#[path = "../examples/other_ops.rs"]
#[allow(dead_code)]
mod other_ops;

/// Parses NumPy's `[ 0  6 12]` into numbers.
fn array(text: &str) -> Vec<i64> {
    let inner = text
        .trim()
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'));
    let inner = inner.unwrap_or_else(|| panic!("not an array: {text:?}"));
    inner
        .split_whitespace()
        .map(|n| n.parse().expect(text))
        .collect()
}

/// (rank, array) from every line `<prefix>R<separator>[...]`, sorted by rank.
fn per_rank(run: &Run, prefix: &str, separator: &str) -> Vec<(i64, Vec<i64>)> {
    let mut rows: Vec<(i64, Vec<i64>)> = run
        .lines_starting(prefix)
        .iter()
        .map(|line| {
            let (rank, rest) = line[prefix.len()..].split_once(separator).expect(line);
            (rank.parse().expect(line), array(rest))
        })
        .collect();
    rows.sort_unstable();
    rows
}

/// Every rank sent (r + 1)·[0..length]; the root holds `result`; the others hold zeros.
fn assert_reduced(run: &Run, ranks: i64, length: i64, sending: &str, result: &[i64]) {
    assert_eq!(run.code, Some(0), "{run:#?}");
    let sent: Vec<(i64, Vec<i64>)> = (0..ranks)
        .map(|r| (r, (0..length).map(|i| (r + 1) * i).collect()))
        .collect();
    assert_eq!(per_rank(run, sending, " sending "), sent, "{run:#?}");
    let after: Vec<(i64, Vec<i64>)> = (0..ranks)
        .map(|r| match r {
            0 => (0, result.to_vec()),
            _ => (r, vec![0; result.len()]),
        })
        .collect();
    let received = per_rank(run, "on task ", " after Reduce:    data =  ");
    assert_eq!(received, after, "{run:#?}");
    let checked = run.lines_starting("Checked: ");
    assert_eq!(checked.len(), 1, "{run:#?}");
    assert!(
        checked[0].contains(&format!(" over {ranks} ranks ")),
        "{}",
        checked[0]
    );
}

#[test]
fn the_books_second_edition_sums_arrays_of_ten() {
    let run = with_mpiexec(3, BIN, &[], run);
    let sums: Vec<i64> = (0..10).map(|i| 6 * i).collect();
    assert_reduced(&run, 3, 10, " process ", &sums);
    assert_eq!(
        run.lines_starting("on task 0 "),
        ["on task 0 after Reduce:    data =  [ 0  6 12 18 24 30 36 42 48 54]"]
    );
}

#[test]
fn the_books_first_edition_sums_arrays_of_three() {
    let run = with_mpiexec(3, BIN, &["--edition", "ed1"], run);
    assert_reduced(&run, 3, 3, "process ", &[0, 6, 12]);
    assert_eq!(
        run.lines_starting("on task 0 "),
        ["on task 0 after Reduce:    data =  [ 0  6 12]"]
    );
}

#[test]
fn the_sum_on_another_world_size() {
    // Sum of (r + 1)·i over r < 5 is 15·i.
    let sum = with_mpiexec(5, BIN, &["--length", "4"], run);
    assert_reduced(&sum, 5, 4, " process ", &[0, 15, 30, 45]);
    assert!(
        sum.stdout.contains("Checked: the sum over 5 ranks"),
        "{sum:#?}"
    );
}

#[test]
fn the_example_reduces_with_max_and_a_user_operation() {
    // The max of (r + 1)·i over r < 4 is 4·i; the gcd is i (rank 0 sends i).
    let bin = example("other_ops");
    let max = with_mpiexec(4, &bin, &["--op", "max", "--length", "5"], run);
    assert_reduced(&max, 4, 5, " process ", &[0, 4, 8, 12, 16]);
    assert!(
        max.stdout.contains("Checked: the max over 4 ranks"),
        "{max:#?}"
    );
    let gcd = with_mpiexec(4, &bin, &["--op", "user", "--length", "6"], run);
    assert_reduced(&gcd, 4, 6, " process ", &[0, 1, 2, 3, 4, 5]);
    assert!(
        gcd.stdout.contains("gcd (a user-defined operation)"),
        "{gcd:#?}"
    );
}

#[test]
fn the_first_edition_needs_as_many_ranks_as_elements() {
    let stderr = with_mpiexec(4, BIN, &["--edition", "ed1"], |bin, args| {
        run_fails(bin, args, 1, "it needs exactly 3 ranks")
    });
    assert_eq!(stderr.matches("error: ").count(), 1, "{stderr}");
    let run = with_mpiexec(4, BIN, &["--edition", "ed1", "--length", "4"], run);
    assert_reduced(&run, 4, 4, "process ", &[0, 10, 20, 30]);
}

#[test]
fn bad_flags_are_refused_by_the_parser() {
    run_fails(BIN, &["--op", "max"], 2, "--op");
    run_fails(&example("other_ops"), &["--op", "min"], 2, "--op");
    run_fails(BIN, &["--length", "0"], 2, "--length");
    run_fails(BIN, &["--edition", "ed3"], 2, "--edition");
    run_fails(BIN, &["--ranks", "65"], 2, "65 is not in 1..=64");
    run_fails(
        BIN,
        &["--length", "1000001"],
        2,
        "1000001 is not in 1..=1000000",
    );
    let other_ops = example("other_ops");
    run_fails(
        &other_ops,
        &["--length", "1000001"],
        2,
        "1000001 is not in 1..=1000000",
    );
    run_fails(&other_ops, &["--ranks", "65"], 2, "65 is not in 1..=64");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
