//! # Introducing Python, in Rust
//!
//! Book: 1st edition §1.7 "Introducing Python" (a tour of REPL snippets); 2nd edition chapter 1,
//! "Introducing Python": `classes.py`, `dir.py`, `file.py`, `flow.py`, `lists.py`.
//!
//! The book opens with a warm-up of the language before any parallelism: classes, if/for/while,
//! lists, dicts and files. This recipe is the same warm-up in Rust, script by script, so a reader
//! who knows the Python can see what each line becomes. Every value the book shows is printed in
//! Python's form and checked against the book.
//!
//! ## Run
//!
//! ```text
//! cargo run -p intro-rust-basics                 # every part, each under a heading line
//! cargo run -p intro-rust-basics -- classes      # one part: tour classes dir file flow lists
//! cargo run -p intro-rust-basics -- tour --x -7  # the integer the 1st edition reads with input()
//! cargo run -p intro-rust-basics -- flow --num -4.5 --n 100
//! ```
//!
//! Each of the book's scripts is a file named after it: `src/classes.rs`, `src/dir.rs`,
//! `src/file.rs`, `src/flow.rs`, `src/lists.rs`, and `src/tour.rs` for the 1st edition's REPL
//! session. `src/main.rs` runs them in turn and holds what they share: the checked print and
//! Python's mixed values.
//!
//! ## Python → Rust
//!
//! - Values of mixed types (`["element 1", 2, 3.14]`, a dict with string and integer keys) → an
//!   enum, [`Py`], whose `Display` is Python's `str()` and [`Py::repr`] its `repr()`. A Rust
//!   `Vec` holds one type, so the mix is spelled out as variants; a dict of three pairs is a
//!   vector of pairs, which keeps Python's insertion order.
//! - A class attribute shared by all instances and shadowed per instance (`Myclass.common`,
//!   `instance.common = 10`) → a variable the instances read unless their own `Option` is set.
//!   Inheritance of `myfunction` → `AnotherClass` holds a `Myclass` and hands the call on.
//!   An attribute added at run time (`instance.test = 10`) → a map, since a struct's fields are
//!   fixed when it is compiled.
//! - `mylist[-1]` → `mylist[mylist.len() - 1]`; out-of-range indices are bugs Rust reports.
//!   `abs(complex)` → `f64::hypot`, the same correctly rounded `sqrt(re² + im²)`.
//! - `open()`/`write()`/`read()` → `File::create`, `write_all`, `fs::read_to_string`; the file
//!   is closed when its value is dropped.
//!
//! ## Differences from the book
//!
//! - The 1st edition reads an integer with `input()`; here it is the `--x` flag (default 1), so
//!   the run never waits on the keyboard. The REPL's prompts are printed as `>>> ...` lines.
//! - `file.py` writes `test.txt` in the working directory; here it goes into a fresh directory
//!   under the system temp dir, which is removed at the end. Before that the port reads it back
//!   and says so, `test.txt read back: 41 bytes, the same as written`, to show the write landed.
//! - `dir.py` and `flow.py` say in a comment that the sum is 48; the list adds up to 83, which
//!   is what both print (and what this recipe prints and checks).
//! - The 1st edition's `fib(2000)` prints the series on one line (a Python 2 `print b,` habit);
//!   it is printed on one line here too.
//! - The book's constants are flags: `--num` (1), `--numbers` (the list), `--n` (10), `--x`.
//!   With other values the sums are checked against a direct formula instead of the book.
//! - One run holds every part, so each opens with a heading line such as
//!   `== classes (2nd edition, classes.py)`; the last line, `Checked 6 part(s): every value as
//!   the book prints it`, reports the self-check of every printed value.

mod classes;
mod dir;
mod file;
mod flow;
mod lists;
mod tour;

use std::fmt::{self, Display};

use anyhow::{Context, ensure};
use clap::{Parser, ValueEnum};
use common::output::py_str;

#[derive(Parser)]
#[command(about = "The book's Python warm-up (numbers, lists, loops, classes, files) in Rust")]
struct Args {
    /// The part to run; every part, in this order, when absent.
    #[arg(value_enum)]
    part: Option<Part>,
    /// The number `dir.py` and `flow.py` classify as positive, zero or negative.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    num: f64,
    /// The list `dir.py` and `flow.py` add up (comma separated).
    #[arg(
        long,
        value_delimiter = ',',
        allow_negative_numbers = true,
        default_value = "6,6,3,8,-3,2,5,44,12"
    )]
    numbers: Vec<i64>,
    /// `flow.py`'s while loop adds 1 + 2 + ... + n.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    n: u32,
    /// The integer the 1st edition's tour reads with `input()`.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    x: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    /// 1st edition §1.7: the REPL tour
    Tour,
    /// 2nd edition classes.py: class and instance attributes, inheritance
    Classes,
    /// 2nd edition dir.py: if/elif/else and a for loop
    Dir,
    /// 2nd edition file.py: write a file and read it back
    File,
    /// 2nd edition flow.py: if, for and while
    Flow,
    /// 2nd edition lists.py: lists, dicts and tuples
    Lists,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let parts = args
        .part
        .map_or(Part::value_variants().to_vec(), |part| vec![part]);
    for &part in &parts {
        let name = format!("{part:?}").to_lowercase();
        match part {
            Part::Tour => println!("== tour (1st edition 1.7, the REPL session)"),
            _ => println!("== {name} (2nd edition, {name}.py)"),
        }
        match part {
            Part::Tour => tour::run(args.x),
            Part::Classes => classes::run(),
            Part::Dir => dir::run(args.num, &args.numbers),
            Part::File => file::run(),
            Part::Flow => flow::run(args.num, &args.numbers, args.n),
            Part::Lists => lists::run(),
        }
        .with_context(|| format!("part {name}"))?;
    }
    println!(
        "Checked {} part(s): every value as the book prints it",
        parts.len()
    );
    Ok(())
}

/// Prints `value` as Python's `print(value)` does and fails unless it reads as the book's `book`.
fn show(value: impl Display, book: impl Display) -> anyhow::Result<()> {
    let (text, book) = (value.to_string(), book.to_string());
    println!("{text}");
    ensure!(text == book, "printed {text:?}, the book shows {book:?}");
    Ok(())
}

/// Python's `print(label, value)`, checked the same way.
fn print2(label: &str, value: impl Display, book: impl Display) -> anyhow::Result<()> {
    print!("{label} ");
    show(value, book).with_context(|| format!("after {label:?}"))
}

// ANCHOR: py
/// A Python value of the kinds the book's lists and dicts mix. `Display` is Python's `str()`,
/// what `print(x)` shows; [`Py::repr`] is its `repr()`, what a container or the REPL shows.
#[derive(Debug, Clone, PartialEq)]
enum Py {
    Int(i64),
    Float(f64),
    Str(&'static str),
}

impl Display for Py {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Py::Int(int) => write!(f, "{int}"),
            // Debug, not Display: Python writes 3.0 where Rust's Display writes 3.
            Py::Float(float) => write!(f, "{float:?}"),
            Py::Str(text) => f.write_str(text),
        }
    }
}

impl Py {
    fn repr(&self) -> String {
        match self {
            Py::Str(text) => py_str(text),
            other => other.to_string(),
        }
    }
}
// ANCHOR_END: py

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_list_is_the_books_and_sums_to_83_not_48() {
        use clap::CommandFactory;
        Args::command().debug_assert();
        let numbers = Args::parse_from(["intro-rust-basics"]).numbers;
        assert_eq!(numbers, dir::BOOK_NUMBERS);
        assert_eq!(numbers.iter().sum::<i64>(), 83);
    }

    #[test]
    fn values_print_as_python_does() {
        assert_eq!(Py::Str("x").to_string(), "x");
        assert_eq!(Py::Str("x").repr(), "'x'");
        assert_eq!(Py::Float(3.0).to_string(), "3.0");
        assert_eq!(Py::Float(0.1 + 0.2).repr(), "0.30000000000000004");
        assert_eq!(Py::Int(-7).repr(), "-7");
    }

    #[test]
    fn a_wrong_value_fails_the_check() {
        assert!(show(3, "3").is_ok());
        let error = print2("The sum is", 48, 83).unwrap_err();
        assert!(
            format!("{error:#}").contains("the book shows \"83\""),
            "{error:#}"
        );
    }
}
