//! Runs the real `testing-loom` binary (std's primitives, real threads) and checks its lines.
//! The loom models themselves are the unit tests in src/main.rs.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_testing-loom");

fn number_after<'a>(stdout: &'a str, prefix: &str) -> (i64, &'a str) {
    let rest = stdout
        .lines()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {stdout}"));
    let end = rest
        .find(|c: char| c != '-' && !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let number = rest[..end]
        .parse()
        .unwrap_or_else(|_| panic!("no number after {prefix:?}: {rest:?}"));
    (number, &rest[end..])
}

#[test]
fn the_cores_of_the_three_recipes_hold_with_real_threads() {
    let run = run_ok(
        BIN,
        &[
            "--count",
            "20000",
            "--items",
            "30",
            "--capacity",
            "4",
            "--rounds",
            "5",
        ],
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", run.stdout);
    assert_eq!(
        lines[0],
        "the value of shared variable with lock management is 0"
    );
    // Two threads add +1 and -1 20,000 times each: with lost updates, anything in between.
    let (racy, rest) = number_after(
        &run.stdout,
        "the value of shared variable with race condition is ",
    );
    assert!((-20_000..=20_000).contains(&racy), "{racy}");
    assert_eq!(
        rest,
        " (lost updates make it non-zero, when the threads overlap)"
    );
    let (longest, rest) = number_after(
        &run.stdout,
        "bounded buffer: 30 items passed in order, at most ",
    );
    assert!((1..=4).contains(&longest), "{longest}");
    assert_eq!(rest, " of 4 at once");
    assert_eq!(
        lines[3],
        "semaphore: 5 signals, each item consumed after it was produced"
    );
    assert!(
        lines[4].contains("cargo test -p testing-loom"),
        "{}",
        lines[4]
    );
}

#[test]
fn a_buffer_of_one_holds_one_item_at_most() {
    let run = run_ok(BIN, &["--count", "1", "--capacity", "1", "--rounds", "1"]);
    assert!(
        run.stdout
            .contains("bounded buffer: 20 items passed in order, at most 1 of 1 at once\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_arguments_are_refused() {
    for flag in ["--count", "--items", "--capacity", "--rounds"] {
        run_fails(BIN, &[flag, "0"], 2, flag);
    }
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

#[test]
fn the_first_value_past_each_bound_is_refused_by_the_parser() {
    for (flag, value, message) in [
        ("--count", "10000001", "10000001 is not in 1..=10000000"),
        ("--items", "1000001", "1000001 is not in 1..=1000000"),
        ("--capacity", "1000001", "1000001 is not in 1..=1000000"),
        ("--rounds", "10001", "10001 is not in 1..=10000"),
    ] {
        run_fails(BIN, &[flag, value], 2, message);
    }
}
