//! Runs the real `asyncio-futures` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_asyncio-futures");

/// The number a callback printed after `prefix ... result = `, exactly once.
fn result(stdout: &str, prefix: &str) -> u128 {
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(lines.len(), 1, "{prefix}: {stdout}");
    let (_, value) = lines[0].split_once(" result = ").expect(lines[0]);
    value.parse().expect(lines[0])
}

fn first_edition(args: &[&str]) -> (u128, u128) {
    let run = run_ok(BIN, args);
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    (
        result(&run.stdout, "first coroutine (sum of N integers)"),
        result(&run.stdout, "second coroutine (factorial)"),
    )
}

#[test]
fn the_books_examples_sum_and_multiply() {
    assert_eq!(first_edition(&["--tick-ms", "1"]), (10, 24));
    assert_eq!(first_edition(&["4", "4", "--tick-ms", "0"]), (10, 24));
    assert_eq!(
        first_edition(&["10", "10", "--tick-ms", "0"]),
        (55, 3_628_800)
    );
    assert_eq!(first_edition(&["1", "1", "--tick-ms", "0"]), (1, 1));
    assert_eq!(first_edition(&["0", "0", "--tick-ms", "0"]), (0, 1));
}

#[test]
fn large_arguments_are_exact() {
    let (sum, factorial) = first_edition(&["100000", "34", "--tick-ms", "0"]);
    assert_eq!(sum, (1..=100_000u128).sum::<u128>());
    assert_eq!(factorial, (1..=34u128).product::<u128>());
}

#[test]
fn the_second_edition_sums_too_and_checks_itself() {
    let run = run_ok(BIN, &["4", "4", "--edition", "ed2", "--tick-ms", "0"]);
    assert_eq!(result(&run.stdout, "First coroutine (sum of N ints)"), 10);
    assert_eq!(result(&run.stdout, "Second coroutine (factorial)"), 24);
    assert!(
        run.stdout
            .ends_with("Checked: 1 + ... + 4 = 10 = 4·5/2, and 4! = 24\n")
    );
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["-4", "4"], 2, "'-4'");
    run_fails(BIN, &["four", "4"], 2, "'four'");
    run_fails(BIN, &["4", "35"], 2, "35");
    run_fails(BIN, &["4", "4", "5"], 2, "'5'");
    run_fails(BIN, &["--first-sleep=-1"], 2, "--first-sleep");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

#[test]
fn the_first_value_past_each_bound_is_refused_by_the_parser() {
    run_fails(BIN, &["100000001"], 2, "100000001 is not in 0..=100000000");
    run_fails(BIN, &["4", "35"], 2, "35 is not in 0..=34");
    for flag in ["--first-sleep", "--second-sleep"] {
        run_fails(BIN, &[flag, "61"], 2, "61 is not in 0..=60");
    }
    run_fails(BIN, &["--tick-ms", "10001"], 2, "10001 is not in 0..=10000");
}
