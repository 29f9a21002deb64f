//! Runs the real `process-pipe` binary and checks the squares that came through its two child
//! processes.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_process-pipe");

/// The numbers printed before `End`, and the lines after it.
fn squares_then_rest(stdout: &str) -> (Vec<u64>, Vec<&str>) {
    let mut lines = stdout.lines();
    let squares = lines
        .by_ref()
        .take_while(|line| *line != "End")
        .map(|line| {
            line.parse()
                .unwrap_or_else(|_| panic!("not a number: {line:?}"))
        })
        .collect();
    (squares, lines.collect())
}

#[test]
fn the_book_run_prints_the_ten_squares_in_order_then_end() {
    let run = run_ok(BIN, &[]);
    let (squares, rest) = squares_then_rest(&run.stdout);
    assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    assert!(run.stdout.contains("\nEnd\n"), "{}", run.stdout);
    assert_eq!(
        rest,
        ["Checked: the squares of 0..9 arrived in order through two processes"]
    );
}

#[test]
fn a_longer_stream_keeps_its_order() {
    let run = run_ok(BIN, &["--items", "1000"]);
    let (squares, _) = squares_then_rest(&run.stdout);
    let expected: Vec<u64> = (0..1000).map(|n| n * n).collect();
    assert_eq!(squares, expected);
}

#[test]
fn the_first_child_speaks_json_lines() {
    let run = run_ok(BIN, &["create-items", "--items", "3"]);
    assert_eq!(run.stdout, "0\n1\n2\n");
}

#[test]
fn the_child_subcommands_are_hidden() {
    let help = run_ok(BIN, &["--help"]).stdout;
    assert!(help.contains("--items"), "{help}");
    assert!(
        !help.contains("create-items") && !help.contains("multiply-items"),
        "{help}"
    );
}

#[test]
fn zero_items_is_refused_by_the_parser() {
    run_fails(BIN, &["--items", "0"], 2, "--items");
}

#[test]
fn the_first_count_past_the_bound_is_refused_by_the_parser() {
    run_fails(
        BIN,
        &["--items", "1000001"],
        2,
        "1000001 is not in 1..=1000000",
    );
    let child = ["create-items", "--items", "1000001"];
    run_fails(BIN, &child, 2, "1000001 is not in 1..=1000000");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
