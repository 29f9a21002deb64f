//! Runs the real `process-manager` binary and checks the dictionary its workers built through
//! the manager process.

use std::collections::BTreeMap;

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_process-manager");

/// The workers' `key = k value = v` lines, and the `Results:` line.
fn parse(stdout: &str) -> (Vec<(u32, u32)>, &str) {
    let mut entries = Vec::new();
    let mut results = None;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("key = ") {
            let (key, value) = rest.split_once(" value = ").expect(line);
            entries.push((key.parse().expect(line), value.parse().expect(line)));
        } else if line.starts_with("Results: ") {
            assert!(results.is_none(), "two Results lines:\n{stdout}");
            results = Some(line);
        } else {
            assert!(line.starts_with("Checked: "), "unexpected line {line:?}");
        }
    }
    (entries, results.expect("a Results line"))
}

fn expected_results(workers: u32) -> String {
    let entries: Vec<String> = (0..workers).map(|i| format!("{i}: {}", 2 * i)).collect();
    format!("Results: {{{}}}", entries.join(", "))
}

fn assert_run(workers: u32) {
    let count = workers.to_string();
    let run = run_ok(BIN, &["--workers", &count]);
    let (entries, results) = parse(&run.stdout);
    // Each worker prints once, in whatever order the processes ran.
    let printed: BTreeMap<u32, u32> = entries.iter().copied().collect();
    assert_eq!(entries.len(), workers as usize, "{}", run.stdout);
    assert_eq!(printed, (0..workers).map(|i| (i, 2 * i)).collect());
    assert_eq!(results, expected_results(workers));
    let last = run.stdout.lines().last().expect("output");
    assert_eq!(
        last,
        format!("Checked: {workers} workers stored i → 2i through the manager, none lost")
    );
}

#[test]
fn ten_workers_store_i_to_2i_as_in_the_book() {
    assert_run(10);
    assert_eq!(
        expected_results(10),
        "Results: {0: 0, 1: 2, 2: 4, 3: 6, 4: 8, 5: 10, 6: 12, 7: 14, 8: 16, 9: 18}"
    );
}

#[test]
fn one_worker_and_many_workers() {
    assert_run(1);
    assert_run(60);
}

#[test]
fn a_worker_without_a_manager_fails_with_one_line() {
    let args = ["worker", "no-such-manager-here", "1", "2"];
    let message = run_fails(BIN, &args, 1, "cannot reach the manager");
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn a_manager_without_its_socket_fails_with_one_line() {
    let message = run_fails(BIN, &["manager"], 1, "started by process-manager itself");
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn invalid_worker_counts_are_refused_by_the_parser() {
    run_fails(BIN, &["--workers", "0"], 2, "--workers");
    run_fails(BIN, &["--workers", "1001"], 2, "1001 is not in 1..=1000");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
