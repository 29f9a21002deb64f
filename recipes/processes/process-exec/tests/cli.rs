//! Runs the real `process-exec` binary and checks what it printed.

use std::io::Read;
use std::process::{Command, Stdio};

use common::testing::{run, run_fails, run_ok, wait_bounded};

const BIN: &str = env!("CARGO_BIN_EXE_process-exec");

/// The number after `prefix` on the line that starts with it.
fn pid_after(stdout: &str, prefix: &str) -> u32 {
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{stdout}"));
    line.trim()
        .parse()
        .unwrap_or_else(|_| panic!("no PID in {line:?}"))
}

/// Starts the binary with `stdin`, waits for it (bounded: a program that blocks on a
/// non-terminal stdin fails the test), and returns its PID, exit code and stdout.
fn run_with_stdin(stdin: Stdio) -> (u32, Option<i32>, String) {
    let mut child = Command::new(BIN)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start process-exec");
    let pid = child.id();
    // Keep our end of a piped stdin open: the program must not wait for it.
    let _stdin = child.stdin.take();
    let status = wait_bounded(&mut child);
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout was piped")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    (pid, status.code(), stdout)
}

#[test]
fn exec_keeps_the_pid_and_never_says_good_bye() {
    let (pid, code, stdout) = run_with_stdin(Stdio::null());
    assert_eq!(code, Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "Process calling");
    assert_eq!(lines[2], "Hello Python Parallel Cookbook!!");
    assert_eq!(lines.last(), Some(&"Closing calledProcess"));
    assert_eq!(pid_after(&stdout, "PID before exec: "), pid);
    assert_eq!(pid_after(&stdout, "PID after exec: "), pid);
    assert!(!stdout.contains("Good Bye"), "{stdout}");
    assert!(!stdout.contains("Press ENTER"), "{stdout}");
}

#[test]
fn an_open_pipe_on_stdin_does_not_block() {
    let (pid, code, stdout) = run_with_stdin(Stdio::piped());
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("(stdin is not a terminal: not waiting for ENTER)"));
    assert_eq!(pid_after(&stdout, "PID after exec: "), pid);
}

#[test]
fn the_test_helper_run_sees_the_same_lines() {
    let run = run_ok(BIN, &[]);
    assert_eq!(run.lines_starting("Process calling").len(), 1);
    assert_eq!(run.lines_starting("Closing calledProcess").len(), 1);
    assert_eq!(
        pid_after(&run.stdout, "PID before exec: "),
        pid_after(&run.stdout, "PID after exec: ")
    );
}

#[test]
fn the_called_program_checks_the_pid() {
    // Run directly, the called program is not the caller's process: its check must fail.
    let line = run_fails(
        BIN,
        &["called", "--caller-pid", "1"],
        1,
        "exec should keep the process",
    );
    assert_eq!(line.lines().count(), 1, "{line}");
    let run = run(BIN, &["called", "--caller-pid", "1"]);
    assert!(run.stdout.starts_with("Hello Python Parallel Cookbook!!\n"));
    assert!(!run.stdout.contains("Closing calledProcess"));
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["called", "--caller-pid", "abc"], 2, "--caller-pid");
}
