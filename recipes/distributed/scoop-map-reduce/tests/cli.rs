//! Runs the real `scoop-map-reduce` binary and checks both results.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_scoop-map-reduce");

/// The result at the end of a "... with result: N" line.
fn result(line: &str) -> u64 {
    let (_, value) = line.split_once("with result: ").expect("a result");
    value.parse().expect("a number")
}

/// Σ a² for a < n, added up here one term at a time.
fn squares(n: u64) -> u64 {
    (0..n).map(|a| a * a).sum()
}

fn check(stdout: &str, items: u64, threads: Option<usize>) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("rayon map-reduce on "), "{lines:?}");
    if let Some(threads) = threads {
        assert!(lines[0].starts_with(&format!(
            "rayon map-reduce on {threads} threads executed in "
        )));
    }
    assert!(
        lines[1].starts_with("sequential map executed in: "),
        "{lines:?}"
    );
    assert_eq!(result(lines[0]), squares(items));
    assert_eq!(result(lines[1]), squares(items));
    assert!(lines[2].starts_with("map-reduce speedup: "), "{lines:?}");
    assert!(lines[2].ends_with('x'), "{lines:?}");
    assert_eq!(
        lines[3],
        format!(
            "Both equal the sum of a² for a < {items}: {}",
            squares(items)
        )
    );
}

#[test]
fn the_book_input_sums_to_332833500_both_ways() {
    let run = run_ok(BIN, &["--sleep-ms", "0"]);
    check(&run.stdout, 1000, None);
    assert!(run.stdout.contains("with result: 332833500\n"));
}

#[test]
fn the_default_run_sleeps_and_still_agrees() {
    let run = run_ok(BIN, &["--items", "200", "--threads", "4"]);
    check(&run.stdout, 200, Some(4));
}

#[test]
fn any_size_and_pool_agree_with_the_sequential_sum() {
    for (items, threads) in [("1", "1"), ("7", "2"), ("2500", "3")] {
        let run = run_ok(
            BIN,
            &["--items", items, "--threads", threads, "--sleep-ms", "0"],
        );
        check(
            &run.stdout,
            items.parse().unwrap(),
            Some(threads.parse().unwrap()),
        );
    }
}

#[test]
fn bad_arguments_fail_clearly() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--items", "0"], 2, "--items");
    run_fails(BIN, &["--items", "10001"], 2, "--items");
    run_fails(BIN, &["--threads", "0"], 2, "--threads");
    run_fails(BIN, &["--sleep-ms=-1"], 2, "--sleep-ms");
}

#[test]
fn sleep_ms_past_its_bound_is_refused() {
    common::testing::run_fails(BIN, &["--sleep-ms", "1001"], 2, "0..=1000");
}
