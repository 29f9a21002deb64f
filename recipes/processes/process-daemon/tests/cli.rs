//! Runs the real `process-daemon` binary and checks what it printed, and that no child
//! outlives it, whether it returns or is killed mid-run.

use std::os::unix::process::ExitStatusExt;

use common::testing::{assert_gone, run_fails, run_ok, signal_mid_run};
use nix::sys::signal::Signal;

const BIN: &str = env!("CARGO_BIN_EXE_process-daemon");

/// The numbers of the `---> n` lines, in output order.
fn counts(stdout: &str) -> Vec<u32> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("---> "))
        .map(|n| n.parse().expect("a count"))
        .collect()
}

fn count_lines(stdout: &str, line: &str) -> usize {
    stdout.lines().filter(|l| *l == line).count()
}

#[test]
fn only_the_non_daemon_says_exiting() {
    // A long tick keeps the daemon's one second of work far longer than the moment the parent
    // needs to terminate it, even on a busy machine.
    let run = run_ok(BIN, &["--tick-ms", "200"]);
    let out = &run.stdout;
    assert_eq!(
        count_lines(out, "Starting NO_background_process"),
        1,
        "{out}"
    );
    assert_eq!(
        count_lines(out, "Exiting NO_background_process"),
        1,
        "{out}"
    );
    assert_eq!(count_lines(out, "Exiting background_process"), 0, "{out}");
    let counts = counts(out);
    let non_daemon: Vec<u32> = counts.iter().copied().filter(|&n| n >= 5).collect();
    assert_eq!(non_daemon, [5, 6, 7, 8, 9]);
    // Whatever the daemon printed before the signal is a prefix of its 0..4.
    let daemon: Vec<u32> = counts.iter().copied().filter(|&n| n < 5).collect();
    assert_eq!(daemon, (0..daemon.len() as u32).collect::<Vec<_>>());
    // The summary: the daemon terminated (-15), the other joined (0), in that order.
    let summary = run.lines_starting("Exit handler ");
    assert_eq!(summary.len(), 2, "{out}");
    assert!(summary[0].starts_with("Exit handler terminated daemon background_process (PID "));
    assert!(summary[0].ends_with("): exit code -15"), "{}", summary[0]);
    assert!(summary[1].starts_with("Exit handler joined NO_background_process (PID "));
    assert!(summary[1].ends_with("): exit code 0"), "{}", summary[1]);
}

#[test]
fn without_daemons_both_children_finish() {
    let run = run_ok(BIN, &["--no-daemons", "--tick-ms", "1"]);
    let out = &run.stdout;
    for name in ["background_process", "NO_background_process"] {
        assert_eq!(count_lines(out, &format!("Starting {name}")), 1, "{out}");
        assert_eq!(count_lines(out, &format!("Exiting {name}")), 1, "{out}");
    }
    // The children's lines interleave, but each child counts its own range in order.
    let counts = counts(out);
    let first: Vec<u32> = counts.iter().copied().filter(|&n| n < 5).collect();
    let second: Vec<u32> = counts.iter().copied().filter(|&n| n >= 5).collect();
    assert_eq!(
        (first.as_slice(), second.as_slice()),
        (&[0, 1, 2, 3, 4][..], &[5, 6, 7, 8, 9][..])
    );
    let summary = run.lines_starting("Exit handler joined ");
    assert_eq!(summary.len(), 2, "{out}");
    assert!(summary.iter().all(|line| line.ends_with("exit code 0")));
}

#[test]
fn a_daemon_that_beat_the_exit_handler_is_reported_as_finished() {
    // With no sleep at all the daemon may finish before the parent exits, or not: either way
    // the summary must match what the daemon printed.
    for _ in 0..3 {
        let run = run_ok(BIN, &["--tick-ms", "0"]);
        let out = &run.stdout;
        let exiting = count_lines(out, "Exiting background_process");
        let summary = run.lines_starting("Exit handler ");
        assert_eq!(summary.len(), 2, "{out}");
        if summary[0].starts_with("Exit handler terminated daemon background_process ") {
            assert!(summary[0].ends_with("exit code -15"), "{out}");
            assert_eq!(exiting, 0, "{out}");
        } else {
            assert!(
                summary[0]
                    .starts_with("Exit handler found already finished daemon background_process ")
            );
            assert!(summary[0].contains("exit code 0"), "{out}");
            assert_eq!(exiting, 1, "{out}");
        }
        assert_eq!(
            count_lines(out, "Exiting NO_background_process"),
            1,
            "{out}"
        );
    }
}

#[test]
fn first_edition_daemon_is_terminated_and_the_other_waited_for() {
    let run = run_ok(BIN, &["--edition", "ed1", "--tick-ms", "100"]);
    let out = &run.stdout;
    assert_eq!(
        count_lines(out, "Exiting NO_background_process"),
        1,
        "{out}"
    );
    assert_eq!(count_lines(out, "Exiting background_process"), 0, "{out}");
    assert!(counts(out).is_empty(), "the 1st edition does not count");

    let run = run_ok(BIN, &["--edition", "ed1", "--no-daemons", "--tick-ms", "1"]);
    assert_eq!(count_lines(&run.stdout, "Exiting background_process"), 1);
    assert_eq!(count_lines(&run.stdout, "Exiting NO_background_process"), 1);
}

/// The PIDs the children printed with --show-pids.
fn child_pids<'a>(lines: impl IntoIterator<Item = &'a String>) -> Vec<u32> {
    lines
        .into_iter()
        .filter_map(|line| line.split_once("(PID ")?.1.strip_suffix(')')?.parse().ok())
        .collect()
}

#[test]
fn no_child_remains_after_a_normal_return() {
    let run = run_ok(BIN, &["--no-daemons", "--show-pids", "--tick-ms", "1"]);
    let lines: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    let pids = child_pids(&lines);
    assert_eq!(pids.len(), 2, "{}", run.stdout);
    for pid in pids {
        assert_gone(pid);
    }
}

#[test]
fn sigterm_mid_run_leaves_no_child() {
    // Both children sleep a long book second; the recipe is killed while they do.
    let args = ["--no-daemons", "--show-pids", "--tick-ms", "10000"];
    let (status, _) = signal_mid_run(BIN, &args, Signal::SIGTERM, |seen| {
        let pids = child_pids(seen);
        (pids.len() == 2).then_some(pids)
    });
    assert_eq!(status.signal(), Some(Signal::SIGTERM as i32), "{status:?}");
}

#[test]
fn sigint_mid_run_leaves_no_child() {
    // The daemon is terminated at once; the other child sleeps while SIGINT hits the parent.
    let args = ["--show-pids", "--tick-ms", "10000"];
    let (status, _) = signal_mid_run(BIN, &args, Signal::SIGINT, |seen| {
        seen.iter()
            .any(|line| line.starts_with("Starting NO_background_process (PID "))
            .then(|| child_pids(seen))
    });
    assert_eq!(status.signal(), Some(Signal::SIGINT as i32), "{status:?}");
}

#[test]
fn invalid_values_are_refused() {
    run_fails(BIN, &["--edition", "ed0"], 2, "--edition");
    run_fails(BIN, &["--tick-ms", "soon"], 2, "--tick-ms");
    run_fails(BIN, &["--tick-ms", "10001"], 2, "10001 is not in 0..=10000");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
