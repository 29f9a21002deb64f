//! Runs the real `process-name` binary, checks what it printed, reads the children's OS names
//! from /proc itself while they live, and checks none outlives the recipe.

use common::testing::{run_fails, run_ok, signal_mid_run};
use nix::sys::signal::Signal;

const BIN: &str = env!("CARGO_BIN_EXE_process-name");

/// `(pid, os name)` from the parent's "OS name of PID <pid> (/proc/<pid>/comm): <name>" lines.
fn os_names<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<(u32, String)> {
    lines
        .into_iter()
        .filter_map(|line| {
            let rest = line.strip_prefix("OS name of PID ")?;
            let (pid, rest) = rest.split_once(' ')?;
            let (path, name) = rest.split_once("): ")?;
            let pid: u32 = pid.parse().ok()?;
            assert_eq!(path, format!("(/proc/{pid}/comm"), "{line}");
            Some((pid, name.trim_end_matches(" (cut to 15 bytes)").to_owned()))
        })
        .collect()
}

#[test]
fn second_edition_both_children_start_and_exit_with_their_names() {
    let run = run_ok(BIN, &["--tick-ms", "1"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "Starting process name = myFunc process",
            "Starting process name = Process-2"
        ]
    );
    let names = os_names(lines.iter().copied());
    let os: Vec<&str> = names.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(os, ["myFunc process", "Process-2"]);
    assert_ne!(names[0].0, names[1].0);
    assert_eq!(
        lines[4..],
        [
            "Exiting process name = myFunc process",
            "Exiting process name = Process-2"
        ]
    );
    assert_eq!(lines.len(), 6, "{}", run.stdout);
}

#[test]
fn a_long_name_is_cut_to_fifteen_bytes_for_the_os() {
    let run = run_ok(
        BIN,
        &["--name", "a-very-long-process-name", "--tick-ms", "0"],
    );
    assert!(
        run.stdout
            .contains("Exiting process name = a-very-long-process-name\n")
    );
    let names = os_names(run.stdout.lines());
    assert_eq!(names[0].1, "a-very-long-pro");
    assert!(run.stdout.contains("a-very-long-pro (cut to 15 bytes)"));
}

#[test]
fn first_edition_daemon_loses_its_exiting_line() {
    let run = run_ok(BIN, &["--edition", "ed1", "--tick-ms", "100"]);
    let out = &run.stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..2], ["Starting foo_process", "Starting Process-2"]);
    let os: Vec<String> = os_names(lines.iter().copied())
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    assert_eq!(os, ["foo_process", "Process-2"]);
    assert!(lines.contains(&"Exiting Process-2"), "{out}");
    assert!(!lines.contains(&"Exiting foo_process"), "{out}");
    let terminated = run.lines_starting("Exit handler terminated daemon foo_process (PID ");
    assert_eq!(terminated.len(), 1, "{out}");
    assert!(terminated[0].ends_with("): exit code -15"), "{out}");
}

#[test]
fn a_first_edition_daemon_that_beat_the_exit_handler_is_reported_as_finished() {
    // With no sleep the daemon may finish before the parent exits, or not: either way the
    // parent's line must match what the daemon printed.
    let run = run_ok(BIN, &["--edition", "ed1", "--tick-ms", "0"]);
    let out = &run.stdout;
    let exiting = out.lines().filter(|l| *l == "Exiting foo_process").count();
    let summary = run.lines_starting("Exit handler ");
    assert_eq!(summary.len(), 1, "{out}");
    if summary[0].starts_with("Exit handler terminated daemon foo_process ") {
        assert!(summary[0].ends_with("exit code -15"), "{out}");
        assert_eq!(exiting, 0, "{out}");
    } else {
        assert!(summary[0].starts_with("Exit handler found already finished daemon foo_process "));
        assert_eq!(exiting, 1, "{out}");
    }
    assert!(out.lines().any(|l| l == "Exiting Process-2"), "{out}");
}

#[test]
fn live_children_show_their_names_in_proc_and_die_with_a_killed_parent() {
    // Children sleep three long book seconds: they are alive while the test looks at them.
    signal_mid_run(BIN, &["--tick-ms", "10000"], Signal::SIGTERM, |seen| {
        let names = os_names(seen.iter().map(String::as_str));
        if names.len() < 2 {
            return None;
        }
        for (pid, name) in &names {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .unwrap_or_else(|error| panic!("child {pid} is not alive: {error}"));
            assert_eq!(comm.trim_end_matches('\n'), name);
        }
        Some(names.into_iter().map(|(pid, _)| pid).collect())
    });
}

#[test]
fn invalid_values_are_refused() {
    run_fails(BIN, &["--name", ""], 2, "--name");
    run_fails(BIN, &["--tick-ms", "10001"], 2, "10001 is not in 0..=10000");
    run_fails(BIN, &["--edition", "ed3"], 2, "--edition");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
