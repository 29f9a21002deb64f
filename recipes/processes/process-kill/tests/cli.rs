//! Runs the real `process-kill` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_process-kill");

/// The parent's line starting with `step`, split into the repr's fields and the alive flag.
struct Step {
    pid: Option<u32>,
    parent: u32,
    state: String,
    alive: String,
}

fn step(stdout: &str, label: &str) -> Step {
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{stdout}"));
    let (repr, alive) = line.rsplit_once("> ").expect(line);
    let repr = repr
        .strip_prefix("<Process name='Process-1' ")
        .unwrap_or_else(|| panic!("not a Process repr: {line}"));
    let mut pid = None;
    let mut parent = None;
    let mut state = Vec::new();
    for field in repr.split(' ') {
        if let Some(value) = field.strip_prefix("pid=") {
            pid = Some(value.parse().expect(line));
        } else if let Some(value) = field.strip_prefix("parent=") {
            parent = Some(value.parse().expect(line));
        } else {
            state.push(field);
        }
    }
    Step {
        pid,
        parent: parent.expect(line),
        state: state.join(" "),
        alive: alive.to_owned(),
    }
}

/// Checks the whole life cycle the parent printed, and returns the child's PID.
fn assert_life_cycle(stdout: &str) -> u32 {
    let before = step(stdout, "Process before execution: ");
    let running = step(stdout, "Process running: ");
    let terminated = step(stdout, "Process terminated: ");
    let joined = step(stdout, "Process joined: ");

    assert_eq!((before.pid, before.state.as_str()), (None, "initial"));
    assert_eq!(before.alive, "False");
    assert_eq!(
        (running.state.as_str(), running.alive.as_str()),
        ("started", "True")
    );
    // Just after the signal the child may or may not have died yet.
    assert!(
        matches!(
            (terminated.state.as_str(), terminated.alive.as_str()),
            ("started", "True") | ("stopped exitcode=-SIGTERM", "False")
        ),
        "{stdout}"
    );
    assert_eq!(joined.state, "stopped exitcode=-SIGTERM");
    assert_eq!(joined.alive, "False");

    let child = running.pid.expect("a started process has a pid");
    assert_eq!(terminated.pid, Some(child));
    assert_eq!(joined.pid, Some(child));
    let parent = before.parent;
    assert!(
        [&running, &terminated, &joined]
            .iter()
            .all(|step| step.parent == parent)
    );
    assert_ne!(child, parent);

    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("Process exit code:"))
            .collect::<Vec<_>>(),
        ["Process exit code: -15"]
    );
    assert!(!stdout.contains("Finished function"), "{stdout}");
    child
}

#[test]
fn the_second_edition_child_is_terminated_with_minus_15() {
    let run = run_ok(BIN, &[]);
    assert_life_cycle(&run.stdout);
    // Whatever the child printed before the signal is a prefix of its counting.
    let counts: Vec<&str> = run.lines_starting("-->");
    let expected: Vec<String> = (0..counts.len()).map(|i| format!("-->{i}")).collect();
    assert_eq!(counts, expected);
}

#[test]
fn the_first_edition_child_is_terminated_too() {
    // The child would sleep 0.1 book seconds, 100 ms at the default tick: far longer than
    // the parent needs to send the signal, even on a busy machine.
    let run = run_ok(BIN, &["--edition", "ed1"]);
    assert_life_cycle(&run.stdout);
}

#[test]
fn the_book_pace_is_accepted_and_still_quick() {
    let run = run_ok(BIN, &["--book"]);
    assert_life_cycle(&run.stdout);
}

#[test]
fn invalid_values_are_refused() {
    run_fails(BIN, &["--tick-ms", "soon"], 2, "--tick-ms");
    run_fails(BIN, &["--tick-ms", "-5"], 2, "-5");
    run_fails(BIN, &["--tick-ms", "10001"], 2, "10001 is not in 0..=10000");
    run_fails(BIN, &["--edition", "ed3"], 2, "--edition");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
