//! Runs the real `process-pool` binary and its examples: checks the squares, the benchmark's
//! report, a worker's failure, and that no worker outlives the run, even when it is killed.

use common::testing::{alive, assert_gone, example, run, run_fails, run_ok, signal_mid_run};
use nix::sys::signal::Signal;

// The benchmark example's own unit tests run here: cargo runs no tests inside an example.
#[path = "../examples/benchmark.rs"]
#[allow(dead_code)]
mod benchmark;

const BIN: &str = env!("CARGO_BIN_EXE_process-pool");

/// A fast benchmark, so the tests time nothing that matters.
const QUICK: [&str; 6] = ["--size", "300", "--rounds", "10", "--repeat", "1"];

fn quick<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    QUICK.iter().copied().chain(extra.iter().copied()).collect()
}

/// The list printed after `Pool    : `.
fn pool_outputs(stdout: &str) -> Vec<u64> {
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Pool    : "))
        .unwrap_or_else(|| panic!("no Pool line in\n{stdout}"));
    let list = line
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .expect(line);
    list.split(", ").map(|n| n.parse().expect(n)).collect()
}

fn squares(n: u64) -> Vec<u64> {
    (0..n).map(|i| i * i).collect()
}

/// `"<label> in 0.123456 seconds"` → 0.123456.
fn seconds(stdout: &str, label: &str) -> f64 {
    let prefix = format!("{label} in ");
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no {label:?} line in\n{stdout}"));
    let value = line.strip_suffix(" seconds").expect(line);
    assert_eq!(value.split('.').nth(1).map(str::len), Some(6), "{line}");
    value.parse().expect(line)
}

#[test]
fn the_book_run_returns_the_hundred_squares_in_order() {
    let run = run_ok(BIN, &[]);
    let outputs = pool_outputs(&run.stdout);
    assert_eq!(outputs, squares(100));
    assert_eq!(outputs.iter().sum::<u64>(), 328_350);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(lines[1], "Checked: 100 squares in order (sum 328350)");
}

#[test]
fn the_benchmark_reports_both_pools() {
    let run = run_ok(&example("benchmark"), &quick(&["--processes", "3"]));
    assert!(
        run.stdout
            .starts_with("CPU-bound map: 300 items × 10 rounds, on 3 processes and on 3 threads\n"),
        "{}",
        run.stdout
    );
    for label in [
        "process pool: start",
        "process pool: map",
        "thread pool: start",
        "thread pool: map",
    ] {
        assert!(seconds(&run.stdout, label) >= 0.0);
    }
    let speedup = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("thread pool vs process pool (start + map) speedup: "))
        .expect("a speedup line");
    assert!(speedup.ends_with('x'), "{speedup}");
    let last = run.stdout.lines().last().expect("output");
    assert_eq!(last, "Checked: both pools returned the same 300 results");
}

#[test]
fn the_benchmark_agrees_with_any_chunk_size() {
    let bench = example("benchmark");
    for extra in [
        &["--processes", "1"][..],
        &["--chunk-size", "1000"],
        &["--chunk-size", "7"],
    ] {
        let run = run_ok(&bench, &quick(extra));
        assert!(run.stdout.ends_with("the same 300 results\n"), "{extra:?}");
    }
}

#[test]
fn any_pool_size_and_chunk_size_keep_the_order() {
    for extra in [
        &["--processes", "1"][..],
        &["--processes", "7", "--chunk-size", "3"],
        &["--processes", "2", "--chunk-size", "1000"],
        &["--items", "1000"],
        &["--items", "1"],
    ] {
        let run = run_ok(BIN, extra);
        let n = match extra {
            [.., "--items", n] => n.parse().unwrap(),
            _ => 100,
        };
        assert_eq!(pool_outputs(&run.stdout), squares(n), "{extra:?}");
    }
}

#[test]
fn a_failing_worker_is_named_with_its_item_and_status() {
    let failing = example("failing_worker");
    for item in ["0", "42", "99"] {
        let run = run(&failing, &["--fail-item", item]);
        assert_eq!(run.code, Some(1), "{run:#?}");
        let stderr = run.stderr.trim();
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with("error: worker "), "{stderr}");
        assert!(
            stderr.ends_with(&format!("exited with status 3 while computing item {item}")),
            "{stderr}"
        );
        let pids: Vec<u32> = run.stdout.lines().filter_map(pid_in).collect();
        assert_eq!(pids.len(), 4, "{}", run.stdout);
        assert_eq!(run.stdout.lines().count(), 4, "nothing but the PIDs");
        for pid in pids {
            assert_gone(pid);
        }
    }
}

#[test]
fn a_fail_item_past_the_list_is_refused() {
    let failing = example("failing_worker");
    let message = run_fails(
        &failing,
        &["--fail-item", "100"],
        1,
        "not one of the items 0..100",
    );
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn no_worker_remains_after_a_normal_run() {
    let run = run_ok(BIN, &["--show-pids", "--processes", "3"]);
    let pids: Vec<u32> = run.stdout.lines().filter_map(pid_in).collect();
    assert_eq!(pids.len(), 3, "{}", run.stdout);
    for pid in pids {
        assert_gone(pid);
    }
}

#[test]
fn no_worker_survives_sigterm_mid_run() {
    kill_mid_run(Signal::SIGTERM);
}

#[test]
fn no_worker_survives_sigint_mid_run() {
    kill_mid_run(Signal::SIGINT);
}

#[test]
fn invalid_values_are_refused_by_the_parser() {
    for (flag, value) in [
        ("--processes", "0"),
        ("--chunk-size", "0"),
        ("--items", "0"),
    ] {
        run_fails(BIN, &[flag, value], 2, flag);
    }
    let bench = example("benchmark");
    for (flag, value) in [("--size", "0"), ("--repeat", "0"), ("--processes", "0")] {
        run_fails(&bench, &[flag, value], 2, flag);
    }
}

#[test]
fn the_first_value_past_each_bound_is_refused_by_the_parser() {
    for (flag, value, message) in [
        ("--processes", "257", "257 is not in 1..=256"),
        ("--items", "1000001", "1000001 is not in 1..=1000000"),
        ("--chunk-size", "1000001", "1000001 is not in 1..=1000000"),
    ] {
        run_fails(BIN, &[flag, value], 2, message);
    }
    let bench = example("benchmark");
    for (flag, value, message) in [
        ("--processes", "257", "257 is not in 1..=256"),
        ("--size", "10000001", "10000001 is not in 1..=10000000"),
        ("--rounds", "1000001", "1000001 is not in 0..=1000000"),
        ("--repeat", "101", "101 is not in 1..=100"),
        (
            "--chunk-size",
            "10000001",
            "10000001 is not in 1..=10000000",
        ),
    ] {
        run_fails(&bench, &[flag, value], 2, message);
    }
    let worker = ["worker", "--rounds", "1000001"];
    run_fails(&bench, &worker, 2, "1000001 is not in 0..=1000000");
    let failing = example("failing_worker");
    run_fails(
        &failing,
        &["--processes", "257"],
        2,
        "257 is not in 1..=256",
    );
    let items = ["--items", "1000001"];
    run_fails(&failing, &items, 2, "1000001 is not in 1..=1000000");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// `"worker 3 started with pid 123"` → 123.
fn pid_in(line: &str) -> Option<u32> {
    let (_, pid) = line.split_once(" started with pid ")?;
    Some(pid.parse().expect("a pid"))
}

/// Starts a benchmark whose map would take many minutes (10^12 rounds of work), reads the
/// four workers' PIDs (printed once they are ready), sends `signal` to the parent alone, and
/// checks that every worker is gone soon after.
fn kill_mid_run(signal: Signal) {
    let args = ["--show-pids", "--size", "1000000", "--rounds", "1000000"];
    let (status, _) = signal_mid_run(&example("benchmark"), &args, signal, |seen| {
        let pids: Vec<u32> = seen.iter().filter_map(|line| pid_in(line)).collect();
        if pids.len() < 4 {
            return None;
        }
        for &pid in &pids {
            assert!(alive(pid), "worker {pid} is not running");
        }
        Some(pids)
    });
    assert!(!status.success(), "the parent was killed: {status:?}");
}
