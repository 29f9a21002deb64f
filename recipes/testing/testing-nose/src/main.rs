//! # Application testing using nose: cargo test and rstest
//!
//! Book: 2nd edition chapter 9, "Application testing using nose": `nosetest.py`, `testset.py`
//! and `testset1.py` (the 1st edition has no testing chapter).
//!
//! nose finds tests by name, in modules, classes and plain functions, and runs them without a
//! `unittest.TestCase`. `cargo test` does the same for every `#[test]` function, wherever it
//! sits. The book's 8 tests are the `#[cfg(test)]` modules at the bottom of this file, one per
//! Python file; three of them become one test table with rstest. The binary prints what the
//! tested functions return.
//!
//! ## Run
//!
//! ```text
//! cargo run -p testing-nose                                  # the functions' results
//! cargo test -p testing-nose --bin testing-nose              # the 8 tests: 8 passed, 1 ignored
//! cargo test -p testing-nose --bin testing-nose divide       # only names containing "divide"
//! cargo test -p testing-nose --bin testing-nose nosetest::   # one "file" (module)
//! cargo test -p testing-nose --bin testing-nose -- --ignored # the test nose never collects
//! cargo nextest run -p testing-nose                          # with cargo-nextest, if installed
//! ```
//!
//! `-- --list` lists the tests without running them, like `nosetests --collect-only`.
//!
//! ## Python → Rust
//!
//! - nose's discovery (`test*` functions, `Test*` classes, in `test*` files) → `#[test]`
//!   attributes, collected by the compiler; modules group them as the book's files do.
//! - `nosetests -v name` → `cargo test <filter>`: the filter is a substring of the test's path.
//! - Three near-identical tests of `add` → one rstest function with three `#[case]`s, each
//!   reported as a test of its own (`test_add::case_1_integers`, ...).
//! - `eq_(a, b)` → `assert_eq!(a, b)`; `assert_almost_equal(a, b, 7)` → the same check on
//!   `(a - b)` rounded to 7 decimal places.
//! - `assert_raises(AssertionError, add, 'paul', 'carol')` → `add` returns `Err` for a string;
//!   the test asserts the `Err`.
//!
//! ## Differences from the book
//!
//! - nose itself is unmaintained and fails to import on Python 3.10 and later; pytest took
//!   over its conventions. `cargo test` needs nothing installed.
//! - Python's `add` takes any object and asserts it is a number. `"paul" + 3` does not even
//!   compile in Rust, so `add` takes a dynamic `Value` (int, float or str) and returns
//!   `Err(NotANumber)` for a string, the runtime check the test is about.
//! - `divide` works on `f64`: Python 3's `/` always gives a float, Rust's on two integers would
//!   truncate (`2 / 10 == 0`).
//! - `testset.py`'s `ignored` method is not a test for nose (its name does not start with
//!   `test`). A function without `#[test]` would not be one either, but would be dead code;
//!   it is kept as an `#[ignore]`d test, which `cargo test` lists as ignored and runs with
//!   `-- --ignored` (where it fails: 2 * 2 is not 3).
//! - The binary is an addition: the book's files only hold tests.

use std::fmt;

use anyhow::ensure;
use clap::Parser;
use common::output::py_str;

#[derive(Parser)]
#[command(about = "The functions under the book's nose examples; the tests run with cargo test")]
struct Args {}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(_args: Args) -> anyhow::Result<()> {
    use Value::{Float, Int, Str};
    let sums = [
        (Int(5), Int(3), Some(Int(8))),
        (Int(3), Int(0), Some(Int(3))),
        (Float(1.5), Float(2.5), Some(Float(4.0))),
        (Str("paul".into()), Str("carol".into()), None),
    ];
    for (num1, num2, expected) in sums {
        let sum = add(&num1, &num2);
        match &sum {
            Ok(value) => println!("add({num1}, {num2}) = {value}"),
            Err(error) => println!("add({num1}, {num2}) -> error: {error}"),
        }
        ensure!(
            sum.as_ref().ok() == expected.as_ref(),
            "add({num1}, {num2}) gave {sum:?}, expected {expected:?}"
        );
    }
    let even = divide(2.0, 10.0);
    println!("divide(2, 10) = {even}");
    let repetend = divide(1.0, 3.0);
    println!("divide(1, 3) = {repetend}, 0.33333333 to 7 places");
    ensure!(even == 0.2, "divide(2, 10) gave {even}");
    ensure!(
        almost_equal(repetend, 0.33333333, 7),
        "divide(1, 3) gave {repetend}"
    );
    println!("2*2 = {}, 2+2 = {}", 2 * 2, 2 + 2);
    println!("Run `cargo test -p testing-nose --bin testing-nose` for the book's 8 tests,");
    println!("or add a filter: `... divide` runs only the tests whose name contains it.");
    Ok(())
}

// ANCHOR: functions
/// A Python value as `add` may receive it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Float(f64),
    Str(String),
}

/// What the book's `assert type(num1) == int or type(num1) == float` rejects.
#[derive(Debug, PartialEq)]
struct NotANumber(String);

/// The book's `add`: the sum of two ints is an int, any float makes it a float, and anything
/// else is refused at run time.
fn add(num1: &Value, num2: &Value) -> Result<Value, NotANumber> {
    use Value::{Float, Int};
    Ok(match (number(num1)?, number(num2)?) {
        (Int(a), Int(b)) => match a.checked_add(b) {
            Some(sum) => Int(sum),
            None => return Err(NotANumber(format!("{a} + {b} overflows an i64"))),
        },
        (a, b) => Float(as_f64(&a) + as_f64(&b)),
    })
}

fn number(value: &Value) -> Result<Value, NotANumber> {
    match value {
        Value::Str(_) => Err(NotANumber(format!(
            "{value} is a str, not an int or a float"
        ))),
        number => Ok(number.clone()),
    }
}

fn as_f64(value: &Value) -> f64 {
    match value {
        // Python converts the int the same way, rounding past 2^53.
        Value::Int(int) => *int as f64,
        Value::Float(float) => *float,
        Value::Str(_) => unreachable!("number() let only ints and floats through"),
    }
}

/// The book's `divide`, with Python 3's true division.
fn divide(numerator: f64, denominator: f64) -> f64 {
    numerator / denominator
}

/// nose's `assert_almost_equal(first, second, places)` test: the difference rounds to zero at
/// `places` decimal places.
fn almost_equal(first: f64, second: f64, places: i32) -> bool {
    ((first - second) * 10f64.powi(places)).round() == 0.0
}
// ANCHOR_END: functions

/// Python's notation: `8`, `4.0`, `'paul'`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(int) => write!(f, "{int}"),
            Value::Float(float) if float.fract() == 0.0 => write!(f, "{float:.1}"),
            Value::Float(float) => write!(f, "{float}"),
            Value::Str(text) => write!(f, "{}", py_str(text)),
        }
    }
}

impl fmt::Display for NotANumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "add expects numbers: {}", self.0)
    }
}

// ANCHOR: nosetest
/// `nosetest.py`
#[cfg(test)]
mod nosetest {
    use super::*;
    use Value::{Float, Int, Str};
    use rstest::rstest;

    /// `test_add_integers`, `test_add_integers_zero` and `test_add_floats` as one table.
    #[rstest]
    #[case::integers(Int(5), Int(3), Int(8))]
    #[case::integers_zero(Int(3), Int(0), Int(3))]
    #[case::floats(Float(1.5), Float(2.5), Float(4.0))]
    fn test_add(#[case] num1: Value, #[case] num2: Value, #[case] sum: Value) {
        assert_eq!(add(&num1, &num2), Ok(sum));
    }

    #[test]
    fn test_add_strings() {
        let refused = add(&Str("paul".into()), &Str("carol".into()));
        assert!(matches!(refused, Err(NotANumber(_))), "{refused:?}");
    }

    #[test]
    fn test_divide_integers_even() {
        assert_eq!(divide(2.0, 10.0), 0.2);
    }

    #[test]
    fn test_divide_integers_repetant() {
        let quotient = divide(1.0, 3.0);
        assert!(almost_equal(quotient, 0.33333333, 7), "{quotient}");
    }
}
// ANCHOR_END: nosetest

// ANCHOR: testset
/// `testset.py`: nose collects the methods of a class whose names start with `test`.
#[cfg(test)]
mod testset {
    mod test_suite {
        #[test]
        fn test_mult() {
            assert_eq!(2 * 2, 4);
        }

        #[test]
        #[ignore = "nose does not collect it: its name does not start with test"]
        fn ignored() {
            assert_eq!(2 * 2, 3);
        }
    }
}

/// `testset1.py`: a plain function is a test too.
#[cfg(test)]
mod testset1 {
    #[test]
    fn test_sum() {
        assert_eq!(2 + 2, 4);
    }
}
// ANCHOR_END: testset
