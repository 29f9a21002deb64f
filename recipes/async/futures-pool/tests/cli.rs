//! Runs the real `futures-pool` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_futures-pool");

/// The phases in the order the recipe runs them, each with the `(item, result)` pairs printed
/// before its time line.
fn phases(stdout: &str) -> Vec<(String, Vec<(u64, u64)>)> {
    let mut phases = Vec::new();
    let mut current = Vec::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("Item ") {
            let (item, result) = rest.split_once(", result ").expect(line);
            current.push((item.parse().expect(line), result.parse().expect(line)));
        } else if let Some((label, seconds)) = line.split_once(" Execution in ") {
            let seconds: f64 = seconds
                .strip_suffix(" seconds")
                .expect(line)
                .parse()
                .expect(line);
            assert!(seconds >= 0.0, "{line}");
            phases.push((label.to_owned(), std::mem::take(&mut current)));
        }
    }
    assert!(
        current.is_empty(),
        "results after the last phase: {current:?}"
    );
    phases
}

#[test]
fn every_phase_computes_steps_times_item_for_every_item() {
    let run = run_ok(BIN, &["--steps", "1000"]);
    let phases = phases(&run.stdout);
    let labels: Vec<&str> = phases.iter().map(|(label, _)| label.as_str()).collect();
    assert_eq!(labels, ["Sequential", "Thread Pool", "Process Pool"]);
    for (label, outcomes) in &phases {
        let mut outcomes = outcomes.clone();
        if label == "Sequential" {
            let items: Vec<u64> = outcomes.iter().map(|&(item, _)| item).collect();
            assert_eq!(
                items,
                (1..=10).collect::<Vec<_>>(),
                "sequential runs in order"
            );
        }
        outcomes.sort_unstable();
        let expected: Vec<(u64, u64)> = (1..=10).map(|n| (n, 1000 * n)).collect();
        assert_eq!(outcomes, expected, "{label}");
    }
    for label in ["Thread Pool", "Process Pool"] {
        let line = run.lines_starting(&format!("{label} speedup: "));
        assert_eq!(line.len(), 1, "{label}");
        assert!(line[0].ends_with('x'), "{}", line[0]);
    }
    assert!(
        run.stdout
            .starts_with("10 items x 1000 steps, pools of 5 workers\n")
    );
}

#[test]
fn other_sizes_and_pool_widths_work() {
    let run = run_ok(BIN, &["--items", "7", "--steps", "123", "--workers", "2"]);
    for (label, mut outcomes) in phases(&run.stdout) {
        outcomes.sort_unstable();
        let expected: Vec<(u64, u64)> = (1..=7).map(|n| (n, 123 * n)).collect();
        assert_eq!(outcomes, expected, "{label}");
    }
    // More workers than items: the idle workers simply find the queue empty.
    let run = run_ok(BIN, &["--items", "2", "--steps", "5", "--workers", "9"]);
    assert_eq!(phases(&run.stdout).len(), 3);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--workers", "0"], 2, "--workers");
    run_fails(BIN, &["--items", "0"], 2, "--items");
    run_fails(BIN, &["--steps", "0"], 2, "--steps");
    run_fails(BIN, &["--steps", "many"], 2, "--steps");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--fail-item", "4"], 2, "--fail-item");
    // Each flag within its range, together too much work: refused before any phase.
    let total = ["--items", "1000", "--steps", "100000000"];
    run_fails(BIN, &total, 1, "is 100000000000 steps");
}
