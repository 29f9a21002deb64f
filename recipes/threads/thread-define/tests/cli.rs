//! Runs the real `thread-define` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-define");

/// The thread numbers of the lines starting with `prefix`, in the order printed; every other
/// line must be the closing line.
fn thread_numbers(stdout: &str, prefix: &str) -> Vec<u32> {
    let mut numbers = Vec::new();
    for line in stdout.lines() {
        if let Some(number) = line.strip_prefix(prefix) {
            numbers.push(number.parse().unwrap_or_else(|_| panic!("{line}")));
        } else {
            assert!(line.starts_with("Ran one at a time: "), "stray line {line}");
        }
    }
    numbers
}

#[test]
fn second_edition_prints_ten_lines_in_order() {
    let run = run_ok(BIN, &[]);
    let numbers = thread_numbers(&run.stdout, "my_func called by thread N°");
    assert_eq!(numbers, (0..10).collect::<Vec<_>>());
    assert!(
        run.stdout
            .ends_with("Ran one at a time: 10 threads, in order 0..9\n")
    );
}

#[test]
fn first_edition_prints_five_lines_in_order() {
    let run = run_ok(BIN, &["--edition", "ed1"]);
    let numbers = thread_numbers(&run.stdout, "function called by thread ");
    assert_eq!(numbers, (0..5).collect::<Vec<_>>());
}

#[test]
fn the_thread_count_overrides_the_edition() {
    let run = run_ok(BIN, &["--edition", "ed1", "--threads", "23"]);
    let numbers = thread_numbers(&run.stdout, "function called by thread ");
    assert_eq!(numbers, (0..23).collect::<Vec<_>>());
    let single = run_ok(BIN, &["--threads", "1"]);
    assert_eq!(
        thread_numbers(&single.stdout, "my_func called by thread N°"),
        [0]
    );
}

#[test]
fn zero_threads_is_refused_by_the_parser() {
    run_fails(BIN, &["--threads", "0"], 2, "--threads");
}

#[test]
fn an_unknown_edition_is_refused_by_the_parser() {
    run_fails(BIN, &["--edition", "ed3"], 2, "--edition");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// The first value past each bound: the bounds keep every run within the machine and about a
/// minute at the book's pace.
#[test]
fn values_past_their_bounds_are_refused_by_the_parser() {
    let message = "'1001' for '--threads <THREADS>': 1001 is not in 1..=1000";
    run_fails(BIN, &["--threads", "1001"], 2, message);
}
