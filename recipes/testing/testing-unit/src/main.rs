//! # Dealing with unittest: Rust's built-in tests
//!
//! Book: 2nd edition chapter 9, "Dealing with unittest": `simplisticTest.py`,
//! `unittest_truth.py`, `unittest_exception.py`, and the failing `pdb/unittest_fail.py` (the
//! 1st edition has no testing chapter).
//!
//! The book's three test cases (one trivial test, four truth assertions, two ways to expect an
//! exception) are the `#[cfg(test)]` modules at the bottom of this file: `cargo test` finds and
//! runs them, 7 tests, all passing. Its failing demo, three tests of which two fail, sits behind
//! the cargo feature `failing-demo` so that the workspace's tests stay green. The binary itself
//! calls the functions the tests exercise and prints what they return.
//!
//! ## Run
//!
//! ```text
//! cargo run -p testing-unit                         # the functions' results, and a hint
//! cargo test -p testing-unit --bin testing-unit     # the book's 7 tests: 7 passed
//! cargo test -p testing-unit --bin testing-unit --features failing-demo
//! ```
//!
//! The last command runs 10 tests and fails 2, as `unittest_fail.py` does (1 pass, 1 failure,
//! 1 error). Its report ends:
//!
//! ```text
//! failures:
//!     outcomes_test::test_error
//!     outcomes_test::test_fail
//!
//! test result: FAILED. 8 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out
//! ```
//!
//! with, above it, `test_fail` panicking at `assertion failed: !fail_if_condition()` and
//! `test_error` reporting `Error: "test error!"`.
//!
//! ## Python → Rust
//!
//! - `unittest.TestCase` subclasses → `#[cfg(test)] mod` blocks named after them; each
//!   `test...` method → a `#[test]` function. No base class and no `unittest.main()`: the test
//!   harness is built into `cargo test`.
//! - `assertTrue(x)`, `failUnless(x)` → `assert!(x)`; `assertFalse(x)`, `failIf(x)` →
//!   `assert!(!x)`; `self.fail(msg)` → `panic!(msg)`.
//! - `raise ValueError(...)` → `Err(ValueError)`: a Rust function reports failure in its return
//!   type. `try ... except ValueError` → `match` (or `matches!`) on the `Result`.
//! - `assertRaises(ValueError, f, ...)` → `#[should_panic(expected = "...")]` on a test that
//!   `unwrap`s the error, or a test that returns `Result` and uses `?`.
//!
//! ## Differences from the book
//!
//! - unittest tells a *failure* (an assertion) from an *error* (any other exception). Rust's
//!   harness has one verdict, FAILED, for a panic and for a test returning `Err`: the demo's 1
//!   failure and 1 error are 2 failed tests.
//! - `failUnless` and `failIf` are deprecated aliases (removed in Python 3.12); they map to the
//!   same `assert!` as `assertTrue` and `assertFalse`.
//! - `raises_error` prints its arguments as Python would (`('a',) {'b': 'c'}`) from Rust
//!   strings: positional arguments are a slice, keyword arguments a slice of pairs.
//! - The demo is opt-in (`--features failing-demo`), so that `cargo test --workspace` passes.
//! - The binary is an addition: the book's files only define tests.

use std::fmt;

use anyhow::ensure;
use clap::Parser;
use common::output::{py_dict, py_str};

#[derive(Parser)]
#[command(
    about = "The functions under the book's unittest examples; the tests run with cargo test"
)]
struct Args {}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(_args: Args) -> anyhow::Result<()> {
    println!("raises_error('a', b='c') prints its arguments and fails:");
    let result = raises_error(&["a"], &[("b", "c")]);
    match &result {
        Ok(()) => println!("  -> Ok(())"),
        Err(error) => println!("  -> Err({error})"),
    }
    ensure!(
        result
            .as_ref()
            .is_err_and(|error| error.0.starts_with("Valore non valido:")),
        "raises_error should fail with 'Valore non valido:', got {result:?}"
    );
    println!("The failing demo (unittest_fail.py, --features failing-demo):");
    println!("  test_pass:  returns, passes");
    let condition = fail_if_condition();
    println!("  test_fail:  failIf({condition}), fails");
    let error = test_error_body();
    println!("  test_error: returns {error:?}, fails");
    ensure!(
        condition && error.is_err(),
        "the demo was meant to fail twice"
    );
    println!(
        "Run `cargo test -p testing-unit --bin testing-unit` for the book's 7 tests (7 pass);"
    );
    println!("add `--features failing-demo` for its 3-test demo (10 run, 2 fail).");
    Ok(())
}

// ANCHOR: raises_error
/// Python's `ValueError`, carrying its message.
#[derive(Debug, PartialEq)]
struct ValueError(String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValueError: {}", self.0)
    }
}

impl std::error::Error for ValueError {}

/// The book's `raises_error(*args, **kwds)`: prints its arguments and always fails, with
/// `Valore non valido:` ("invalid value") and the arguments, as Python shows them.
fn raises_error(args: &[&str], kwds: &[(&str, &str)]) -> Result<(), ValueError> {
    let kwds = py_dict(kwds.iter().map(|(key, value)| (py_str(key), py_str(value))));
    let args = python_tuple(args);
    println!("{args} {kwds}");
    Err(ValueError(format!("Valore non valido:{args}{kwds}")))
}
// ANCHOR_END: raises_error

/// `str(('a',))` → `('a',)`: a one-element tuple keeps its trailing comma.
fn python_tuple(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| py_str(item)).collect();
    match quoted.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", quoted.join(", ")),
    }
}

// ANCHOR: demo_bodies
/// What `testFail`'s `failIf(True)` checks: the condition, which must be false to pass.
fn fail_if_condition() -> bool {
    true
}

/// `testError`'s body: `raise RuntimeError('test error!')`, as a returned error.
fn test_error_body() -> Result<(), String> {
    Err("test error!".to_owned())
}
// ANCHOR_END: demo_bodies

// ANCHOR: simplistic
/// `simplisticTest.py`
#[cfg(test)]
mod simplistic_test {
    #[test]
    #[expect(
        clippy::assertions_on_constants,
        reason = "the book asserts a constant"
    )]
    fn test() {
        assert!(true);
    }
}
// ANCHOR_END: simplistic

// ANCHOR: truth
/// `unittest_truth.py`: the same two checks, under the names old and new.
#[cfg(test)]
#[expect(
    clippy::assertions_on_constants,
    clippy::nonminimal_bool,
    reason = "the book asserts constants, `False` negated included"
)]
mod truth_test {
    #[test]
    fn test_fail_unless() {
        assert!(true);
    }

    #[test]
    fn test_assert_true() {
        assert!(true);
    }

    #[test]
    fn test_fail_if() {
        assert!(!false);
    }

    #[test]
    fn test_assert_false() {
        assert!(!false);
    }
}
// ANCHOR_END: truth

// ANCHOR: exception
/// `unittest_exception.py`: expecting an error, by inspecting it or by panicking on it.
#[cfg(test)]
mod exception_test {
    use super::*;

    /// `try: raises_error(...) except ValueError: pass else: self.fail(...)`.
    #[test]
    fn test_trap_locally() {
        match raises_error(&["a"], &[("b", "c")]) {
            Err(ValueError(_)) => {}
            Ok(()) => panic!("Non si vede ValueError"),
        }
    }

    /// `assertRaises(ValueError, raises_error, 'a', b='c')`: the test passes only if it panics
    /// with this text, which `unwrap` on the error produces.
    #[test]
    #[should_panic(expected = "Valore non valido:('a',){'b': 'c'}")]
    fn test_fail_unless_raises() {
        raises_error(&["a"], &[("b", "c")]).unwrap();
    }
}
// ANCHOR_END: exception

// ANCHOR: outcomes
/// `pdb/unittest_fail.py`, the deliberately failing demo: a pass, a failure and an error.
#[cfg(all(test, feature = "failing-demo"))]
mod outcomes_test {
    use super::*;

    #[test]
    fn test_pass() {}

    #[test]
    fn test_fail() {
        assert!(!fail_if_condition());
    }

    #[test]
    fn test_error() -> Result<(), String> {
        test_error_body()
    }
}
// ANCHOR_END: outcomes
