//! Runs the real `process-spawn` binary and checks what it printed.

use common::testing::{example, run, run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_process-spawn");

/// The children's lines of a run: everything but the summary and measurement lines.
fn child_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|line| !line.contains("child processes started") && !line.starts_with("Spawn +"))
        .collect()
}

#[test]
fn second_edition_six_children_print_21_lines_in_order() {
    let run = run_ok(BIN, &[]);
    let lines = child_lines(&run.stdout);
    assert_eq!(lines.len(), 21, "{}", run.stdout);
    // Rebuild the expected sequence here: child i greets, then counts 0..i.
    let mut expected = Vec::new();
    for i in 0..6 {
        expected.push(format!("calling myFunc from process n°: {i}"));
        for j in 0..i {
            expected.push(format!("output from myFunc is :{j}"));
        }
    }
    assert_eq!(lines, expected);
    assert_eq!(
        run.stdout.lines().last(),
        Some("6 child processes started and joined in turn: 21 lines, in order")
    );
}

#[test]
fn first_edition_five_children_in_order() {
    let run = run_ok(BIN, &["--edition", "ed1"]);
    let numbers: Vec<u32> = run
        .lines_starting("called function in process: ")
        .iter()
        .map(|line| line.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(numbers, [0, 1, 2, 3, 4]);
    assert_eq!(child_lines(&run.stdout).len(), 5);
}

#[test]
fn more_children_keep_the_triangle_count() {
    let run = run_ok(BIN, &["--processes", "9"]);
    assert_eq!(child_lines(&run.stdout).len(), 9 + 9 * 8 / 2);
    assert_eq!(run.lines_starting("calling myFunc").len(), 9);
}

#[test]
fn invalid_values_are_refused() {
    run_fails(BIN, &["--processes", "0"], 2, "--processes");
    run_fails(BIN, &["--processes", "1001"], 2, "1001 is not in 1..=1000");
    let failing_child = example("failing_child");
    run_fails(
        &failing_child,
        &["--processes", "1001"],
        2,
        "1001 is not in 1..=1000",
    );
    run_fails(BIN, &["--edition", "ed3"], 2, "--edition");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

#[test]
fn example_failing_child_is_reported_and_stops_the_run() {
    let bin = example("failing_child");
    let message = run_fails(&bin, &["--fail-child", "3"], 1, "child process 3 (PID ");
    assert!(message.contains("failed with exit code 1"), "{message}");
    assert!(message.contains("fails on purpose"), "{message}");
    assert!(
        message.contains("children 4 to 5 were not started"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "{message}");
    // Children 0 to 2 ran and printed before the failure; nothing after it.
    let run = run(&bin, &["--fail-child", "3"]);
    assert_eq!(run.lines_starting("calling myFunc").len(), 3);
    assert_eq!(child_lines(&run.stdout).len(), 1 + 2 + 3);
    let last = run_fails(&bin, &["--fail-child", "5"], 1, "child process 5 (PID ");
    assert!(!last.contains("not started"), "{last}");
    run_fails(&bin, &["--fail-child", "6"], 1, "there is no such child");
}

#[test]
fn example_spawn_cost_prints_a_mean_time() {
    let run = run_ok(&example("spawn_cost"), &["--runs", "5"]);
    let line = run.lines_starting("Spawn + wait of one child process (mean of 5) in ");
    assert_eq!(line.len(), 1, "{}", run.stdout);
    let seconds: f64 = line[0]
        .split(" in ")
        .nth(1)
        .and_then(|rest| rest.strip_suffix(" seconds"))
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no time in {:?}", line[0]));
    assert!(seconds > 0.0);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    run_fails(&example("spawn_cost"), &["--runs", "0"], 2, "--runs");
    run_fails(
        &example("spawn_cost"),
        &["--runs", "1001"],
        2,
        "1001 is not in 1..=1000",
    );
}
