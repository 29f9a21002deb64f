//! Runs the real `testing-unit` binary and checks what the book's functions returned.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_testing-unit");

#[test]
fn raises_error_prints_its_arguments_and_fails_with_the_books_message() {
    let run = run_ok(BIN, &[]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    // Python: print(('a',), {'b': 'c'}), then ValueError('Valore non valido:' + str(args) + str(kwds)).
    let (args, kwds) = ("('a',)", "{'b': 'c'}");
    assert_eq!(
        lines[0],
        "raises_error('a', b='c') prints its arguments and fails:"
    );
    assert_eq!(lines[1], format!("{args} {kwds}"));
    assert_eq!(
        lines[2],
        format!("  -> Err(ValueError: Valore non valido:{args}{kwds})")
    );
}

#[test]
fn the_failing_demo_is_shown_to_fail_twice_and_the_tests_are_named() {
    let run = run_ok(BIN, &[]);
    let demo: Vec<&str> = run.stdout.lines().skip(3).take(4).collect();
    assert_eq!(
        demo,
        [
            "The failing demo (unittest_fail.py, --features failing-demo):",
            "  test_pass:  returns, passes",
            // failIf(True): the condition the demo asserts false is true.
            "  test_fail:  failIf(true), fails",
            "  test_error: returns Err(\"test error!\"), fails",
        ]
    );
    let hint = run.stdout.lines().skip(7).collect::<Vec<_>>().join("\n");
    assert!(hint.contains("cargo test -p testing-unit"), "{hint}");
    assert!(
        hint.contains("7 pass") && hint.contains("10 run, 2 fail"),
        "{hint}"
    );
    assert_eq!(run.stdout.lines().count(), 9);
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
