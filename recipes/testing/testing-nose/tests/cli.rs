//! Runs the real `testing-nose` binary and checks what the book's functions returned.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_testing-nose");

#[test]
fn add_sums_numbers_as_python_does_and_refuses_strings() {
    let run = run_ok(BIN, &[]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[..3],
        [
            format!("add(5, 3) = {}", 5 + 3),
            format!("add(3, 0) = {}", 3),
            // An int result has no decimal point, a float one always has one.
            format!("add(1.5, 2.5) = {:.1}", 1.5 + 2.5),
        ]
    );
    assert!(
        lines[3].starts_with("add('paul', 'carol') -> error: add expects numbers: 'paul' is a str"),
        "{}",
        lines[3]
    );
}

#[test]
fn divide_is_true_division() {
    let run = run_ok(BIN, &[]);
    let value = |prefix: &str| -> f64 {
        let line = run
            .stdout
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in {}", run.stdout));
        let number = line.split(',').next().expect("a number");
        number
            .parse()
            .unwrap_or_else(|_| panic!("bad number {number:?}"))
    };
    assert_eq!(value("divide(2, 10) = "), 0.2);
    let third = value("divide(1, 3) = ");
    assert_eq!(third, 1.0 / 3.0);
    assert!((third - 0.33333333).abs() < 0.5e-7);
    assert!(
        run.stdout.contains("\n2*2 = 4, 2+2 = 4\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("cargo test -p testing-nose"),
        "{}",
        run.stdout
    );
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
