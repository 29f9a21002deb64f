//! Runs the real `thread-current` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-current");

/// Checks that `stdout` holds one start and one exit line for each of `names`, each start
/// before its exit, plus the closing line and nothing else.
fn assert_starts_before_exits(stdout: &str, names: &[&str], start: &str, exit: &str) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2 * names.len() + 1, "{stdout}");
    let position = |wanted: String| {
        let found: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == wanted).collect();
        assert_eq!(found.len(), 1, "{wanted:?} once in:\n{stdout}");
        found[0]
    };
    for name in names {
        let started = position(format!("{name}{start}"));
        let exited = position(format!("{name}{exit}"));
        assert!(started < exited, "{name} exits before it starts:\n{stdout}");
    }
    assert_eq!(
        lines.last().copied(),
        Some(format!("Each thread read its own name: {}", names.join(", ")).as_str())
    );
}

#[test]
fn second_edition_threads_name_themselves_function_a_b_c() {
    let run = run_ok(BIN, &["--tick-ms", "1"]);
    assert_starts_before_exits(
        &run.stdout,
        &["function_A", "function_B", "function_C"],
        "--> starting",
        "--> exiting",
    );
}

#[test]
fn first_edition_uses_its_function_names_and_wording() {
    let run = run_ok(BIN, &["--edition", "ed1", "--tick-ms", "0"]);
    assert_starts_before_exits(
        &run.stdout,
        &["first_function", "second_function", "third_function"],
        " is Starting",
        " is Exiting",
    );
}

#[test]
fn an_unnamed_thread_prints_the_python_style_fallback() {
    let run = run_ok(BIN, &["--edition", "ed1", "--unnamed", "--tick-ms", "0"]);
    assert_starts_before_exits(
        &run.stdout,
        &["first_function", "second_function", "Thread-1"],
        " is Starting",
        " is Exiting",
    );
}

#[test]
fn an_unknown_edition_is_refused_by_the_parser() {
    run_fails(BIN, &["--edition", "3"], 2, "--edition");
}

#[test]
fn a_negative_tick_is_refused_by_the_parser() {
    run_fails(BIN, &["--tick-ms=-5"], 2, "--tick-ms");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
