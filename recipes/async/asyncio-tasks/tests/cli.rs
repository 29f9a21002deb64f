//! Runs the real `asyncio-tasks` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_asyncio-tasks");

/// Each task's step numbers in the order printed, and the line index of its result line.
struct Task {
    steps: Vec<u32>,
    last_step_line: Option<usize>,
    result: Option<(usize, String)>,
}

/// Splits the output by task. `step` and `result` are the edition's prefixes, e.g.
/// `Asyncio.Task: Compute fibonacci(` and `Asyncio.Task - fibonacci(`.
fn task(stdout: &str, step: &str, result: &str) -> Task {
    let mut task = Task {
        steps: Vec::new(),
        last_step_line: None,
        result: None,
    };
    for (index, line) in stdout.lines().enumerate() {
        if let Some(rest) = line.strip_prefix(step) {
            let number = rest.strip_suffix(')').expect(line);
            task.steps.push(number.parse().expect(line));
            task.last_step_line = Some(index);
        } else if let Some(rest) = line.strip_prefix(result) {
            assert!(task.result.is_none(), "two results: {line}");
            task.result = Some((index, rest.to_owned()));
        }
    }
    task
}

/// Asserts the task stepped through `steps` in order and then printed `result` (the text after
/// the function's name) after its last step.
fn assert_task(stdout: &str, prefixes: (&str, &str), steps: Vec<u32>, result: &str) {
    let task = task(stdout, prefixes.0, prefixes.1);
    assert_eq!(task.steps, steps, "{}", prefixes.0);
    let (line, text) = task
        .result
        .unwrap_or_else(|| panic!("no {} line", prefixes.1));
    assert_eq!(text, result);
    assert!(task.last_step_line.is_none_or(|last| last < line));
}

fn factorial(n: u128) -> u128 {
    (2..=n).product()
}

#[test]
fn the_book_run_interleaves_three_correct_tasks() {
    let run = run_ok(BIN, &["--tick-ms", "0"]);
    assert_task(
        &run.stdout,
        (
            "Asyncio.Task: Compute factorial(",
            "Asyncio.Task - factorial(",
        ),
        (2..=10).collect(),
        "10) = 3628800",
    );
    assert_task(
        &run.stdout,
        (
            "Asyncio.Task: Compute fibonacci(",
            "Asyncio.Task - fibonacci(",
        ),
        (0..10).collect(),
        "10) = 55",
    );
    assert_task(
        &run.stdout,
        (
            "Asyncio.Task: Compute binomial_coefficient(",
            "Asyncio.Task - binomial_coefficient(",
        ),
        (1..=10).collect(),
        "20, 10) = 184756.0",
    );
    assert_eq!(run.stdout.lines().count(), 9 + 10 + 10 + 3 + 1);
    assert!(run.stdout.ends_with(
        "Checked: factorial(10) = 3628800, fibonacci(10) = 55, \
         binomial(20, 10) = 184756 (Pascal's triangle)\n"
    ));
}

#[test]
fn the_first_edition_keeps_its_names_and_spacing() {
    let run = run_ok(BIN, &["--edition", "ed1", "--tick-ms", "1"]);
    assert_task(
        &run.stdout,
        (
            "Asyncio.Task: Compute fibonacci (",
            "Asyncio.Task - fibonacci(",
        ),
        (0..10).collect(),
        "10) = 55",
    );
    assert_task(
        &run.stdout,
        (
            "Asyncio.Task: Compute binomialCoeff (",
            "Asyncio.Task - binomialCoeff(",
        ),
        (1..=10).collect(),
        "20 , 10) = 184756.0",
    );
    assert_eq!(
        run.lines_starting("Asyncio.Task: Compute factorial(").len(),
        9
    );
}

#[test]
fn other_arguments_give_other_checked_results() {
    let run = run_ok(
        BIN,
        &[
            "--factorial=25",
            "--fibonacci=90",
            "--binomial-n=30",
            "--binomial-k=4",
            "--tick-ms=0",
        ],
    );
    // Fibonacci by the plain recurrence, the binomial as n!/(k!(n-k)!).
    let (mut a, mut b) = (0u128, 1u128);
    for _ in 0..90 {
        (a, b) = (b, a + b);
    }
    let binomial = factorial(30) / (factorial(4) * factorial(26));
    assert_eq!(binomial, 27405);
    for (prefix, expected) in [
        (
            "Asyncio.Task - factorial(",
            format!("25) = {}", factorial(25)),
        ),
        ("Asyncio.Task - fibonacci(", format!("90) = {a}")),
        (
            "Asyncio.Task - binomial_coefficient(",
            format!("30, 4) = {binomial}.0"),
        ),
    ] {
        let line = run.lines_starting(prefix);
        assert_eq!(line.len(), 1, "{prefix}");
        assert_eq!(&line[0][prefix.len()..], expected);
    }
    assert_eq!(
        run.lines_starting("Asyncio.Task: Compute ").len(),
        24 + 90 + 4
    );
}

#[test]
fn zero_step_tasks_print_only_their_result() {
    let run = run_ok(
        BIN,
        &[
            "--factorial=0",
            "--fibonacci=0",
            "--binomial-n=0",
            "--binomial-k=0",
        ],
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines.contains(&"Asyncio.Task - factorial(0) = 1"));
    assert!(lines.contains(&"Asyncio.Task - fibonacci(0) = 0"));
    assert!(lines.contains(&"Asyncio.Task - binomial_coefficient(0, 0) = 1.0"));
}

#[test]
fn bad_arguments_are_refused() {
    run_fails(BIN, &["--factorial", "35"], 2, "--factorial");
    run_fails(BIN, &["--fibonacci=-1"], 2, "--fibonacci");
    run_fails(BIN, &["--binomial-n", "51"], 2, "--binomial-n");
    run_fails(BIN, &["--edition", "ed3"], 2, "--edition");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    let message = run_fails(BIN, &["--binomial-n=5", "--binomial-k=6"], 1, "exceeds");
    assert_eq!(message, "error: --binomial-k 6 exceeds --binomial-n 5");
}

#[test]
fn the_first_value_past_each_bound_is_refused_by_the_parser() {
    for (flag, value, message) in [
        ("--factorial", "35", "35 is not in 0..=34"),
        ("--fibonacci", "187", "187 is not in 0..=186"),
        ("--binomial-n", "51", "51 is not in 0..=50"),
        ("--binomial-k", "51", "51 is not in 0..=50"),
        ("--tick-ms", "10001", "10001 is not in 0..=10000"),
    ] {
        run_fails(BIN, &[flag, value], 2, message);
    }
}
