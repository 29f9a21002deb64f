//! # Introducing Python, in Rust
//!
//! Book: 1st edition §1.7 "Introducing Python" (a tour of REPL snippets); 2nd edition chapter 1,
//! "Introducing Python": `classes.py`, `dir.py`, `file.py`, `flow.py`, `lists.py`.
//!
//! The book opens with a warm-up of the language before any parallelism: numbers, strings,
//! lists, loops, functions, classes and files. This recipe is the same warm-up in Rust, part by
//! part, so a reader who knows the Python can see what each line becomes. Every value the book
//! shows is computed, printed in Python's form, and checked against the book.
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
//! ## Python → Rust
//!
//! - Dynamic values (`['spam', 'eggs', 100, 1234]`, a dict with string and integer keys) → an
//!   enum, [`Value`], whose `Display` prints Python's `repr`. A Rust `Vec` holds one type, so
//!   the mix is spelled out as variants; the compiler then checks every use.
//! - A class attribute shared by all instances and shadowed per instance (`Myclass.common`,
//!   `instance.common = 10`) → the shared value lives in one struct, the instance holds an
//!   `Option` that overrides it when set. Inheritance of `myfunction` → a trait with a default
//!   method. Adding an attribute at run time (`instance.test = 10`) → a map, since a struct's
//!   fields are fixed when it is compiled.
//! - Negative indices and slices (`word[-1]`, `a[1:-1]`) → explicit arithmetic on `len()` and
//!   ranges; out-of-range indices are bugs Rust reports instead of wrapping around.
//! - `abs(complex)` → `f64::hypot`, the same correctly rounded `sqrt(re² + im²)` Python uses.
//! - `open()`/`write()`/`read()` → `std::fs::File` and `std::fs::read_to_string`; the file is
//!   closed when its value is dropped.
//!
//! ## Differences from the book
//!
//! - The 1st edition reads an integer with `input()`; here it is the `--x` flag (default 1), so
//!   the run never waits on the keyboard. The REPL's prompts are printed as `>>> ...` lines.
//! - `file.py` writes `test.txt` in the working directory; here it goes into a fresh directory
//!   under the system temp dir, which is removed at the end.
//! - `dir.py` and `flow.py` say in a comment that the sum is 48; the list adds up to 83, which
//!   is what both print (and what this recipe prints and checks).
//! - The 1st edition's `fib(2000)` prints the series on one line (a Python 2 `print b,` habit);
//!   it is printed on one line here too.
//! - The book's constants are flags: `--num` (1), `--numbers` (the list), `--n` (10), `--x`.
//!   With other values the sums are checked against a direct formula instead of the book.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use anyhow::{Context, ensure};
use clap::{Parser, ValueEnum};

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

const BOOK_NUMBERS: [i64; 9] = [6, 6, 3, 8, -3, 2, 5, 44, 12];

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
    let parts = match args.part {
        Some(part) => vec![part],
        None => Part::value_variants().to_vec(),
    };
    for &part in &parts {
        println!("== {}", heading(part));
        match part {
            Part::Tour => tour(args.x),
            Part::Classes => classes(),
            Part::Dir => dir(args.num, &args.numbers),
            Part::File => file(),
            Part::Flow => flow(args.num, &args.numbers, args.n),
            Part::Lists => lists(),
        }
        .with_context(|| format!("part {part:?}"))?;
    }
    println!(
        "Checked {} part(s): every value as the book prints it",
        parts.len()
    );
    Ok(())
}

fn heading(part: Part) -> &'static str {
    match part {
        Part::Tour => "tour (1st edition 1.7, the REPL session)",
        Part::Classes => "classes (2nd edition, classes.py)",
        Part::Dir => "dir (2nd edition, dir.py)",
        Part::File => "file (2nd edition, file.py)",
        Part::Flow => "flow (2nd edition, flow.py)",
        Part::Lists => "lists (2nd edition, lists.py)",
    }
}

/// Prints `value` and fails unless it reads exactly as `book`, the text the book shows.
fn show(value: impl fmt::Display, book: &str) -> anyhow::Result<()> {
    let text = value.to_string();
    println!("{text}");
    ensure!(text == book, "printed {text:?}, the book shows {book:?}");
    Ok(())
}

// ANCHOR: value
/// A Python value of the kinds the book's snippets mix in one list or dict. `Display` prints
/// Python's `repr()` (what the REPL echoes); [`Value::str`] is Python's `str()` (what `print`
/// shows).
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    Tuple(Vec<Value>),
}

impl Value {
    fn str(&self) -> String {
        match self {
            Value::Str(text) => text.clone(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(int) => write!(f, "{int}"),
            Value::Float(float) => f.write_str(&py_float(*float)),
            Value::Str(text) => write!(f, "'{text}'"),
            Value::List(items) => write!(f, "[{}]", join(items)),
            Value::Tuple(items) if items.len() == 1 => write!(f, "({},)", items[0]),
            Value::Tuple(items) => write!(f, "({})", join(items)),
        }
    }
}
// ANCHOR_END: value

fn join(items: &[Value]) -> String {
    items
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Python's `repr(float)`: the shortest text that reads back as the same number, as Rust's
/// `Display` is, except that whole numbers keep a `.0` (`3.0`, where Rust prints `3`).
fn py_float(float: f64) -> String {
    if float.is_finite() && float.fract() == 0.0 && float.abs() < 1e16 {
        format!("{float:.1}")
    } else {
        float.to_string()
    }
}

/// A Python dict keeps its keys in insertion order; a small vector of pairs does the same.
#[derive(Debug, Default)]
struct Dict(Vec<(Value, Value)>);

impl Dict {
    fn set(&mut self, key: Value, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => *slot = value,
            None => self.0.push((key, value)),
        }
    }

    fn get(&self, key: &Value) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl fmt::Display for Dict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        write!(f, "{{{}}}", pairs.join(", "))
    }
}

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

// ---- tour: the 1st edition's REPL session ----

/// The 1st edition's `class Complex` (fields `r` and `i`) doubles as Python's built-in
/// complex number: Rust's standard library has none.
#[derive(Debug, Clone, Copy)]
struct Complex {
    r: f64,
    i: f64,
}

impl Complex {
    fn abs(self) -> f64 {
        self.r.hypot(self.i)
    }
}

fn tour(x: i64) -> anyhow::Result<()> {
    tour_numbers()?;
    tour_strings_and_lists()?;
    tour_control_flow(x)?;
    tour_functions_modules_classes()
}

fn tour_numbers() -> anyhow::Result<()> {
    let width = 20;
    let height = 5 * 9;
    println!(">>> width * height");
    show(width * height, "900")?;

    let a = Complex { r: 1.5, i: 0.5 };
    println!(">>> a.real");
    show(py_float(a.r), "1.5")?;
    println!(">>> a.imag");
    show(py_float(a.i), "0.5")?;
    println!(">>> abs(a)");
    show(py_float(a.abs()), "1.5811388300841898")
}

fn tour_strings_and_lists() -> anyhow::Result<()> {
    let word = String::from("Help") + "A";
    println!(">>> word");
    show(Value::Str(word.clone()), "'HelpA'")?;
    // Strings are UTF-8 in Rust: index by character, not by byte.
    let chars: Vec<char> = word.chars().collect();
    println!(">>> word[4]");
    show(s(&chars[4].to_string()), "'A'")?;
    println!(">>> word[0:2]");
    show(s(&chars[0..2].iter().collect::<String>()), "'He'")?;
    println!(">>> word[-1]");
    show(s(&chars[chars.len() - 1].to_string()), "'A'")?;

    let a = [s("spam"), s("eggs"), Value::Int(100), Value::Int(1234)];
    println!(">>> a[0]");
    show(&a[0], "'spam'")?;
    println!(">>> a[3]");
    show(&a[3], "1234")?;
    println!(">>> a[-2]");
    show(&a[a.len() - 2], "100")?;
    println!(">>> a[1:-1]");
    show(Value::List(a[1..a.len() - 1].to_vec()), "['eggs', 100]")?;
    println!(">>> len(a)");
    show(a.len(), "4")
}

fn tour_control_flow(x: i64) -> anyhow::Result<()> {
    println!(">>> # Fibonacci series below 10, one number a line");
    let series = fibonacci_below(10);
    for b in &series {
        println!("{b}");
    }
    ensure!(
        series == [1, 1, 2, 3, 5, 8],
        "Fibonacci below 10: {series:?}"
    );

    println!("Please enter an integer here: {x}");
    println!("{}", describe_integer(x));

    println!(">>> # Measure some strings");
    for word in ["cat", "window", "defenestrate"] {
        println!("{word} {}", word.chars().count());
    }
    Ok(())
}

fn describe_integer(x: i64) -> &'static str {
    match x {
        ..0 => "the number is negative",
        0 => "the number is zero",
        1 => "the number is one",
        _ => "More",
    }
}

fn tour_functions_modules_classes() -> anyhow::Result<()> {
    println!(">>> fib(2000)");
    let series: Vec<String> = fibonacci_below(2000).iter().map(u64::to_string).collect();
    show(
        series.join(" "),
        "1 1 2 3 5 8 13 21 34 55 89 144 233 377 610 987 1597",
    )?;

    println!(">>> math.sin(1)");
    show(py_float(1f64.sin()), "0.8414709848078965")?;
    println!(">>> log(1)");
    show(py_float(1f64.ln()), "0.0")?;

    let x = Complex { r: 3.0, i: -4.5 };
    println!(">>> x.r, x.i");
    show(
        Value::Tuple(vec![Value::Float(x.r), Value::Float(x.i)]),
        "(3.0, -4.5)",
    )
}

/// The Fibonacci numbers below `limit`, starting 1, 1 (the book's `fib(n)`).
fn fibonacci_below(limit: u64) -> Vec<u64> {
    let (mut a, mut b) = (0u64, 1u64);
    let mut series = Vec::new();
    while b < limit {
        series.push(b);
        (a, b) = (b, a + b);
    }
    series
}

// ---- classes.py ----

// ANCHOR: classes
/// What Python keeps on the class object itself: one value every instance sees.
struct MyclassAttributes {
    common: i32,
}

struct Myclass {
    myvariable: i32,
    /// Set only when the instance assigns its own `common`, which then hides the class's.
    common: Option<i32>,
}

/// `myfunction` as Python's subclasses inherit it: a trait with a default method.
trait MyFunction {
    fn myvariable(&self) -> i32;

    fn myfunction(&self, _arg1: i32, _arg2: i32) -> i32 {
        self.myvariable()
    }
}

impl Myclass {
    fn new() -> Self {
        Self {
            myvariable: 3,
            common: None,
        }
    }

    /// Python's attribute lookup: the instance's own value first, then the class's.
    fn common(&self, class: &MyclassAttributes) -> i32 {
        self.common.unwrap_or(class.common)
    }
}

impl MyFunction for Myclass {
    fn myvariable(&self) -> i32 {
        self.myvariable
    }
}

struct AnotherClass {
    myvariable: i32,
    /// Attributes added after construction (`instance.test = 10`).
    extra: BTreeMap<&'static str, i32>,
}

impl AnotherClass {
    fn new(arg1: &str) -> Self {
        println!("{arg1}");
        Self {
            myvariable: 3,
            extra: BTreeMap::new(),
        }
    }
}

impl MyFunction for AnotherClass {
    fn myvariable(&self) -> i32 {
        self.myvariable
    }
}
// ANCHOR_END: classes

fn classes() -> anyhow::Result<()> {
    let mut class = MyclassAttributes { common: 10 };
    let mut instance = Myclass::new();
    let result = instance.myfunction(1, 2);
    println!("instance.myfunction(1, 2) {result}");
    ensure!(result == 3, "myfunction returned {result}, the book 3");

    let instance2 = Myclass::new();
    let mut seen = Vec::new();
    let mut print_both = |class: &MyclassAttributes, instance: &Myclass| {
        let pair = (instance.common(class), instance2.common(class));
        println!("instance.common  {}", pair.0);
        println!("instance2.common  {}", pair.1);
        seen.push(pair);
    };
    print_both(&class, &instance);
    class.common = 30;
    print_both(&class, &instance);
    instance.common = Some(10);
    print_both(&class, &instance);
    class.common = 50;
    print_both(&class, &instance);
    ensure!(
        seen == [(10, 10), (30, 30), (10, 30), (10, 50)],
        "(instance.common, instance2.common) went {seen:?}, the book 10/10, 30/30, 10/30, 10/50"
    );

    let mut instance = AnotherClass::new("hello");
    let result = instance.myfunction(1, 2);
    println!("instance.myfunction (1, 2)  {result}");
    ensure!(result == 3, "the inherited myfunction returned {result}");
    instance.extra.insert("test", 10);
    let test = instance.extra.get("test").copied();
    println!("instance.test  {}", test.unwrap_or_default());
    ensure!(test == Some(10), "instance.test is {test:?}, the book 10");
    Ok(())
}

// ---- dir.py and flow.py ----

fn classify(num: f64) -> &'static str {
    if num > 0.0 {
        "Positive number"
    } else if num == 0.0 {
        "Zero"
    } else {
        "Negative number"
    }
}

/// The book's for loop; the result is checked against the iterator adaptor that replaces it.
fn sum_of(numbers: &[i64]) -> anyhow::Result<i64> {
    let mut sum = 0;
    for val in numbers {
        sum += val;
    }
    ensure!(sum == numbers.iter().sum::<i64>(), "the loop's sum is off");
    if numbers == BOOK_NUMBERS {
        ensure!(sum == 83, "the book's list sums to 83, not {sum}");
    }
    Ok(sum)
}

fn dir(num: f64, numbers: &[i64]) -> anyhow::Result<()> {
    println!("{}", classify(num));
    println!("The sum is {}", sum_of(numbers)?);
    Ok(())
}

fn flow(num: f64, numbers: &[i64], n: u32) -> anyhow::Result<()> {
    dir(num, numbers)?;
    let n = u64::from(n);
    let (mut sum, mut i) = (0u64, 1u64);
    while i <= n {
        sum += i;
        i += 1;
    }
    println!("The sum is {sum}");
    ensure!(sum == n * (n + 1) / 2, "1 + ... + {n} is not {sum}");
    Ok(())
}

// ---- file.py ----

const FILE_LINES: [&str; 2] = ["first line of file \n", "second line of file \n"];

fn file() -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("intro-rust-basics-")
        .tempdir()
        .context("cannot create a temp directory")?;
    let path = dir.path().join("test.txt");
    write_lines(&path)?;
    let content = fs::read_to_string(&path)
        .with_context(|| format!("cannot read back {}", path.display()))?;
    // Python's print adds a newline after the content's own final one.
    println!("{content}");
    let written = FILE_LINES.concat();
    ensure!(
        content == written,
        "read back {content:?}, wrote {written:?}"
    );
    println!(
        "test.txt read back: {} bytes, the same as written",
        content.len()
    );
    dir.close().context("cannot remove the temp directory")
}

fn write_lines(path: &Path) -> anyhow::Result<()> {
    let mut file =
        File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    for line in FILE_LINES {
        file.write_all(line.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // Dropping the file closes it, as `f.close()` does; flushing first reports late errors.
    file.flush()
        .with_context(|| format!("cannot write {}", path.display()))
}

// ---- lists.py ----

// The book's 3.14 is a plain number here, not an approximation of π.
#[allow(clippy::approx_constant)]
fn lists() -> anyhow::Result<()> {
    // The book evaluates these two without printing them (a script has no REPL echo).
    let _example = Value::List(vec![
        Value::Int(1),
        Value::List(vec![s("another"), s("list")]),
        Value::Tuple(vec![s("a"), s("tuple")]),
    ]);
    let mut mylist = vec![s("element 1"), Value::Int(2), Value::Float(3.14)];
    mylist[0] = s("yet element 1");
    show(mylist[0].str(), "yet element 1")?;
    let last = mylist.len() - 1;
    mylist[last] = Value::Float(3.15);
    show(mylist[last].str(), "3.15")?;

    let mut mydict = Dict::default();
    mydict.set(s("Key 1"), s("value 1"));
    mydict.set(Value::Int(2), Value::Int(3));
    mydict.set(s("pi"), Value::Float(3.14));
    show(&mydict, "{'Key 1': 'value 1', 2: 3, 'pi': 3.14}")?;
    mydict.set(s("pi"), Value::Float(3.15));
    let pi = mydict.get(&s("pi")).map(Value::str);
    show(pi.unwrap_or_default(), "3.15")?;

    let mytuple = Value::Tuple(vec![Value::Int(1), Value::Int(2), Value::Int(3)]);
    show(&mytuple, "(1, 2, 3)")?;
    // Python's `myfunc = len`: a function is a value in Rust too.
    let myfunc: fn(&[Value]) -> usize = <[Value]>::len;
    show(myfunc(&mylist), "3")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_list_is_the_books() {
        use clap::CommandFactory;
        Args::command().debug_assert();
        assert_eq!(
            Args::parse_from(["intro-rust-basics"]).numbers,
            BOOK_NUMBERS
        );
    }

    #[test]
    fn values_print_as_python_reprs() {
        let list = Value::List(vec![
            Value::Int(1),
            Value::List(vec![s("another"), s("list")]),
            Value::Tuple(vec![s("a"), s("tuple")]),
            Value::Tuple(vec![Value::Float(2.0)]),
        ]);
        assert_eq!(
            list.to_string(),
            "[1, ['another', 'list'], ('a', 'tuple'), (2.0,)]"
        );
        assert_eq!(s("x").str(), "x");
        assert_eq!(s("x").to_string(), "'x'");
    }

    #[test]
    fn floats_print_as_python_does() {
        assert_eq!(py_float(3.0), "3.0");
        assert_eq!(py_float(-4.5), "-4.5");
        assert_eq!(py_float(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(py_float(2.5f64.sqrt()), "1.5811388300841898");
    }

    #[test]
    fn dict_updates_keep_insertion_order() {
        let mut dict = Dict::default();
        dict.set(s("a"), Value::Int(1));
        dict.set(Value::Int(2), Value::Int(3));
        dict.set(s("a"), Value::Int(9));
        assert_eq!(dict.to_string(), "{'a': 9, 2: 3}");
        assert_eq!(dict.get(&Value::Int(2)), Some(&Value::Int(3)));
        assert_eq!(dict.get(&s("b")), None);
    }

    #[test]
    fn instance_attribute_shadows_the_class_attribute() {
        let mut class = MyclassAttributes { common: 10 };
        let mut shadowed = Myclass::new();
        let plain = Myclass::new();
        shadowed.common = Some(1);
        class.common = 7;
        assert_eq!((shadowed.common(&class), plain.common(&class)), (1, 7));
    }

    #[test]
    fn fibonacci_matches_the_recurrence() {
        let series = fibonacci_below(2000);
        assert_eq!(series[..6], [1, 1, 2, 3, 5, 8]);
        assert!(series.windows(3).all(|w| w[2] == w[0] + w[1]));
        assert_eq!(series.last(), Some(&1597));
    }

    #[test]
    fn integers_are_described_as_in_the_book() {
        assert_eq!(describe_integer(-3), "the number is negative");
        assert_eq!(describe_integer(0), "the number is zero");
        assert_eq!(describe_integer(1), "the number is one");
        assert_eq!(describe_integer(2), "More");
        assert_eq!(classify(-4.5), "Negative number");
        assert_eq!(classify(0.0), "Zero");
    }

    #[test]
    fn the_books_list_sums_to_83_not_48() {
        assert_eq!(sum_of(&BOOK_NUMBERS).unwrap(), 83);
        assert_eq!(sum_of(&[1, -1]).unwrap(), 0);
    }
}
