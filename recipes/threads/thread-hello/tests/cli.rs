//! Runs the real `thread-hello` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-hello");
const MESSAGE: &str = "Hello Parallel Python CookBook!!";

/// The index of the only line equal to `wanted`.
fn only(lines: &[&str], wanted: &str) -> usize {
    let found: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == wanted).collect();
    assert_eq!(
        found.len(),
        1,
        "{wanted:?} should appear once in {lines:#?}"
    );
    found[0]
}

/// Checks the order the program guarantees and returns the number of messages.
fn messages_in_order(stdout: &str) -> usize {
    let lines: Vec<&str> = stdout.lines().collect();
    let started = only(&lines, "Process Started");
    let thread_starting = only(&lines, "Thread Starting");
    let thread_ended = only(&lines, "Thread Ended");
    let process_ended = only(&lines, "Process Ended");
    assert_eq!(
        started, 0,
        "the main thread speaks before starting the thread"
    );
    assert!(started < thread_starting && started < process_ended);
    let messages: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == MESSAGE).collect();
    assert!(
        messages
            .iter()
            .all(|&i| thread_starting < i && i < thread_ended),
        "every message lies between Thread Starting and Thread Ended:\n{stdout}"
    );
    // Nothing else is printed: the four fixed lines, the messages and the closing line.
    assert_eq!(lines.len(), 4 + messages.len() + 1, "{stdout}");
    messages.len()
}

#[test]
fn ten_messages_between_thread_starting_and_thread_ended() {
    let run = run_ok(BIN, &["--tick-ms", "0"]);
    assert_eq!(messages_in_order(&run.stdout), 10);
    assert_eq!(
        run.stdout.lines().last(),
        Some("Thread-1 joined after 10 messages")
    );
}

#[test]
fn fewer_messages_keep_the_same_shape() {
    let run = run_ok(BIN, &["--messages", "3", "--tick-ms", "1"]);
    assert_eq!(messages_in_order(&run.stdout), 3);
}

#[test]
fn zero_messages_is_refused_by_the_parser() {
    run_fails(BIN, &["--messages", "0"], 2, "--messages");
}

#[test]
fn a_non_number_is_refused_by_the_parser() {
    run_fails(BIN, &["--tick-ms", "soon"], 2, "--tick-ms");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// The first value past each bound: the bounds keep every run within the machine and about a
/// minute at the book's pace.
#[test]
fn values_past_their_bounds_are_refused_by_the_parser() {
    let message = "'31' for '--messages <MESSAGES>': 31 is not in 1..=30";
    run_fails(BIN, &["--messages", "31"], 2, message);
}
