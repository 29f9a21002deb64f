//! Runs the real `mpi-alltoall` binary under MPICH's `mpiexec` and checks every rank's line.

use common::testing::{Run, run, run_fails, with_mpiexec};

const BIN: &str = env!("CARGO_BIN_EXE_mpi-alltoall");

/// Parses NumPy's `[ 0  5 10]` into numbers.
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

/// NumPy's padding, recomputed: every element as wide as the widest.
fn numpy(values: &[i64]) -> String {
    let width = values
        .iter()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(0);
    let cells: Vec<String> = values.iter().map(|v| format!("{v:>width$}")).collect();
    format!("[{}]", cells.join(" "))
}

/// (rank, sent, received) from every " process R sending [...] receiving [...]" line.
fn exchanges(run: &Run) -> Vec<(i64, Vec<i64>, Vec<i64>)> {
    let mut rows: Vec<_> = run
        .lines_starting(" process ")
        .iter()
        .map(|line| {
            let rest = line.trim_start_matches(" process ");
            let (rank, arrays) = rest.split_once(" sending ").expect(line);
            let (sent, received) = arrays.split_once(" receiving ").expect(line);
            // The arrays print with NumPy's padding.
            assert_eq!(numpy(&array(sent)), sent, "{line}");
            assert_eq!(numpy(&array(received)), received, "{line}");
            (rank.parse().expect(line), array(sent), array(received))
        })
        .collect();
    rows.sort_unstable();
    rows
}

fn assert_transposed(run: &Run, ranks: i64) {
    assert_eq!(run.code, Some(0), "{run:#?}");
    let rows = exchanges(run);
    let expected: Vec<(i64, Vec<i64>, Vec<i64>)> = (0..ranks)
        .map(|r| {
            let sent = (0..ranks).map(|j| (r + 1) * j).collect();
            let received = (1..=ranks).map(|j| r * j).collect();
            (r, sent, received)
        })
        .collect();
    assert_eq!(rows, expected, "{run:#?}");
    let summary = format!("Checked: rank r received r·[1..{ranks}] on all {ranks} ranks");
    assert_eq!(run.lines_starting("Checked: "), [summary.as_str()]);
}

#[test]
fn the_books_five_ranks_transpose_their_arrays() {
    let run = with_mpiexec(5, BIN, &[], run);
    assert_transposed(&run, 5);
    assert_eq!(
        run.lines_starting(" process 4 "),
        [" process 4 sending [ 0  5 10 15 20] receiving [ 4  8 12 16 20]"]
    );
}

#[test]
fn other_world_sizes_work() {
    assert_transposed(&with_mpiexec(2, BIN, &[], run), 2);
    assert_transposed(&with_mpiexec(8, BIN, &[], run), 8);
}

#[test]
fn bad_flags_are_refused_by_the_parser() {
    run_fails(BIN, &["--ranks", "0"], 2, "--ranks");
    run_fails(BIN, &["--ranks", "65"], 2, "65 is not in 1..=64");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
