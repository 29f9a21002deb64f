//! Runs the real `process-subclass` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_process-subclass");

/// The process names printed after `prefix`, in output order.
fn names_after<'a>(stdout: &'a str, prefix: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .collect()
}

fn my_processes(count: u32) -> Vec<String> {
    (1..=count).map(|n| format!("MyProcess-{n}")).collect()
}

#[test]
fn second_edition_ten_processes_in_order() {
    let run = run_ok(BIN, &[]);
    assert_eq!(
        names_after(&run.stdout, "called run method in "),
        my_processes(10)
    );
    assert_eq!(run.stdout.lines().count(), 11, "{}", run.stdout);
    assert_eq!(
        run.stdout.lines().last(),
        Some("10 processes started and joined in turn: MyProcess-1 to MyProcess-10")
    );
}

#[test]
fn first_edition_five_processes_with_its_wording() {
    let run = run_ok(BIN, &["--edition", "ed1"]);
    assert_eq!(
        names_after(&run.stdout, "called run method in process: "),
        my_processes(5)
    );
}

#[test]
fn the_count_is_a_flag() {
    let run = run_ok(BIN, &["--processes", "12"]);
    assert_eq!(
        names_after(&run.stdout, "called run method in "),
        my_processes(12)
    );
}

#[test]
fn invalid_values_are_refused() {
    run_fails(BIN, &["--processes", "0"], 2, "--processes");
    run_fails(BIN, &["--processes", "1001"], 2, "1001 is not in 1..=1000");
    run_fails(BIN, &["--edition", "ed9"], 2, "--edition");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
