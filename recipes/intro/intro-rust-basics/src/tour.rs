//! The 1st edition's §1.7 session at the Python prompt: numbers, strings, lists, control flow,
//! functions and a small class, each value echoed after its `>>>` line as the REPL does.

use anyhow::ensure;
use common::output::{py_list, py_str};

use crate::{Py, show};

/// Prints the REPL's prompt line `>>> {expr}` and the value it echoes, checked against the book.
fn repl(expr: &str, value: impl std::fmt::Display, book: &str) -> anyhow::Result<()> {
    println!(">>> {expr}");
    show(value, book)
}

/// The 1st edition's `class Complex` (fields `r` and `i`) stands in for Python's built-in
/// complex number too: Rust's standard library has none.
struct Complex {
    r: f64,
    i: f64,
}

/// The whole session; `x` is the integer the book reads with `input()`.
pub fn run(x: i64) -> anyhow::Result<()> {
    let (width, height) = (20, 5 * 9);
    repl("width * height", width * height, "900")?;
    let a = Complex { r: 1.5, i: 0.5 };
    repl("a.real", a.r, "1.5")?;
    repl("a.imag", a.i, "0.5")?;
    // `abs()` of a complex number: the same correctly rounded sqrt(re² + im²) Python uses.
    repl("abs(a)", a.r.hypot(a.i), "1.5811388300841898")?;

    let word = String::from("Help") + "A";
    repl("word", py_str(&word), "'HelpA'")?;
    // Strings are UTF-8 in Rust: index by character, not by byte.
    let chars: Vec<char> = word.chars().collect();
    repl("word[4]", py_str(&chars[4].to_string()), "'A'")?;
    let slice: String = chars[0..2].iter().collect();
    repl("word[0:2]", py_str(&slice), "'He'")?;
    repl(
        "word[-1]",
        py_str(&chars[chars.len() - 1].to_string()),
        "'A'",
    )?;

    let a = [
        Py::Str("spam"),
        Py::Str("eggs"),
        Py::Int(100),
        Py::Int(1234),
    ];
    repl("a[0]", a[0].repr(), "'spam'")?;
    repl("a[3]", a[3].repr(), "1234")?;
    repl("a[-2]", a[a.len() - 2].repr(), "100")?;
    repl(
        "a[1:-1]",
        py_list(a[1..a.len() - 1].iter().map(Py::repr)),
        "['eggs', 100]",
    )?;
    repl("len(a)", a.len(), "4")?;

    println!(">>> # Fibonacci series below 10, one number a line");
    let series = fib(10);
    for b in &series {
        println!("{b}");
    }
    ensure!(
        series == [1, 1, 2, 3, 5, 8],
        "Fibonacci below 10: {series:?}"
    );

    println!("Please enter an integer here: {x}");
    match x {
        ..0 => println!("the number is negative"),
        0 => println!("the number is zero"),
        1 => println!("the number is one"),
        _ => println!("More"),
    }
    println!(">>> # Measure some strings");
    for word in ["cat", "window", "defenestrate"] {
        println!("{word} {}", word.chars().count());
    }

    let series: Vec<String> = fib(2000).iter().map(u64::to_string).collect();
    let book = "1 1 2 3 5 8 13 21 34 55 89 144 233 377 610 987 1597";
    repl("fib(2000)", series.join(" "), book)?;
    // Debug, not Display, prints floats as Python does: 0.0, not 0.
    repl(
        "math.sin(1)",
        format!("{:?}", 1f64.sin()),
        "0.8414709848078965",
    )?;
    repl("log(1)", format!("{:?}", 1f64.ln()), "0.0")?;
    let x = Complex { r: 3.0, i: -4.5 };
    repl("x.r, x.i", format!("{:?}", (x.r, x.i)), "(3.0, -4.5)")
}

/// The book's `fib(n)`: the Fibonacci numbers below `n`, starting 1, 1.
fn fib(n: u64) -> Vec<u64> {
    let (mut a, mut b) = (0, 1);
    let mut series = Vec::new();
    while b < n {
        series.push(b);
        (a, b) = (b, a + b);
    }
    series
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fibonacci_matches_the_recurrence() {
        let series = fib(2000);
        assert_eq!(series[..6], [1, 1, 2, 3, 5, 8]);
        assert!(series.windows(3).all(|w| w[2] == w[0] + w[1]));
        assert_eq!(series.last(), Some(&1597));
    }
}
