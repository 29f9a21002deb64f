//! # Evaluating the performance of multithread applications
//!
//! Book: 1st edition §2.12 "Evaluating the performance of multithread applications". (The 2nd
//! edition has no such section.)
//!
//! For n = 1, 2, 4 and 8, the book's `function_to_run` is called n times in a row, then once in
//! each of n threads; the best of several runs of each is printed with the speedup. The book
//! measures four functions: an empty one, a 10,000-step big-integer Fibonacci loop, 1000 reads
//! of 1 KiB from a file and 10 reads of 1 KiB from a web page. Python's GIL lets only the I/O
//! gain from threads; Rust has no GIL, so the CPU-bound loop scales with the cores as well.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-perf                          # all four workloads, best of 5 runs
//! cargo run -p thread-perf -- --workload fib        # any of: empty,fib,read,url
//! cargo run -p thread-perf -- --threads 2,16 --repeat 20
//! cargo run -p thread-perf -- --book                # best of 100 runs, as in the book
//! ```
//!
//! ## Python → Rust
//!
//! - `Thread` subclasses, `start()`/`join()` → `std::thread::Builder::spawn_scoped` in a
//!   `thread::scope` (threads named `Thread-1`..), which joins them all. The n threads run at
//!   the same time on as many cores as the machine has: no interpreter lock serialises them.
//! - `timeit.Timer(...).repeat(repeat=100, number=1)` and `min()` →
//!   `common::timing::try_best_of`, which also checks every run's results.
//! - Python's unbounded integers → `num_bigint::BigUint`; `std::hint::black_box` keeps the
//!   optimiser from folding the empty call and the loop away.
//! - `open(..., "rb").read(1024)` → `File` and `read_exact`; `urlopen(...).read(1024)` → a
//!   plain HTTP/1.1 `GET` over `TcpStream` (`src/http.rs`).
//!
//! ## Differences from the book
//!
//! - Every call returns its result (nothing, the Fibonacci number, or a digest of the bytes
//!   read); every run must make n calls that all return the value `src/fixtures.rs` computes
//!   independently (F(n) by fast doubling, the file's and the page's bytes as written).
//! - The file is a temp file the recipe writes and removes (the book reads a Windows path); the
//!   page comes from a web server the recipe starts on `127.0.0.1:0` (`src/http.rs`), not from
//!   packtpub.com. It accepts exactly the requests the run makes, then stops.
//! - The thread counts are a flag (`--threads`, default `1,2,4,8` as in the code; the prose also
//!   names 3). `--repeat` defaults to 5 for a fast run; `--book` restores 100. Each n also
//!   prints the speedup, and the four workloads run in one program instead of by editing
//!   `function_to_run`; each block starts with what it runs and ends with its check.
//! - Python's file object buffers its reads; Rust's `File` does not: each read is a system call.

mod fixtures;
mod http;

use std::fs::File;
use std::hash::{DefaultHasher, Hasher};
use std::hint::black_box;
use std::io::Read;
use std::thread;
use std::time::Duration;

use anyhow::{Context, anyhow, bail, ensure};
use clap::Parser;
use common::timing::{speedup_line, try_best_of};
use fixtures::{Kind, Outcome, Test, Workload};
use num_bigint::BigUint;

#[derive(Parser)]
#[command(about = "n calls in a row versus n threads, for four kinds of work")]
struct Args {
    /// The workloads to measure (comma separated), in this order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "empty,fib,read,url"
    )]
    workload: Vec<Kind>,
    /// The values of n to measure (comma separated, 1 to 64).
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8",
          value_parser = clap::value_parser!(u32).range(1..=64))]
    threads: Vec<u32>,
    /// Runs per measurement, at most 1000; the fastest counts [default: 5, or the book's 100
    /// with --book].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: Option<u32>,
    /// Use the book's parameters: best of 100 runs.
    #[arg(long)]
    book: bool,
    #[command(flatten)]
    sizes: fixtures::Sizes,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let repeat = args.repeat.unwrap_or(if args.book { 100 } else { 5 });
    for &kind in &args.workload {
        let test = Test::prepare(kind, &args.sizes, &args.threads, repeat)?;
        println!("Starting tests: {}", test.title);
        let measured = evaluate(&test, &args.threads, repeat);
        // Stop the server and remove the file also when a measurement failed.
        let summary = test.finish();
        measured?;
        println!("{}", summary?);
    }
    Ok(())
}

// ANCHOR: function_to_run
/// The book's `function_to_run`, one variant per test (see [`Workload`]); returns what it
/// computed or a digest of what it read.
fn function_to_run(workload: &Workload) -> anyhow::Result<Outcome> {
    let mut digest = DefaultHasher::new();
    match workload {
        Workload::Empty => return Ok(Outcome::Nothing),
        Workload::Fib { steps } => return Ok(Outcome::Number(fib(*steps))),
        Workload::Read { path, reads, chunk } => {
            let mut file = File::open(path).context("cannot open the temp file")?;
            let mut buffer = vec![0; *chunk];
            for _ in 0..*reads {
                file.read_exact(&mut buffer)
                    .context("cannot read the temp file")?;
                digest.write(&buffer);
            }
        }
        Workload::Url { addr, reads, chunk } => {
            for _ in 0..*reads {
                digest.write(&http::get(*addr, *chunk)?);
            }
        }
    }
    Ok(Outcome::Bytes(digest.finish()))
}
// ANCHOR_END: function_to_run

// ANCHOR: fib
/// The book's loop, `a, b = b, a + b`, `steps` times; returns `a`, the Fibonacci number F(steps).
fn fib(steps: u32) -> BigUint {
    let (mut a, mut b) = (BigUint::ZERO, BigUint::from(1u32));
    for _ in 0..steps {
        a += &b;
        std::mem::swap(&mut a, &mut b);
    }
    a
}
// ANCHOR_END: fib

// ANCHOR: calls
/// n calls, one after another (the book's `non_threaded`).
fn non_threaded(workload: &Workload, n: u32) -> anyhow::Result<Vec<Outcome>> {
    (0..n)
        .map(|_| black_box(function_to_run(black_box(workload))))
        .collect()
}

/// One call in each of n threads, all started before any is joined (the book's `threaded`).
/// The scope joins every thread that started, also when a later one cannot start.
fn threaded(workload: &Workload, n: u32) -> anyhow::Result<Vec<Outcome>> {
    thread::scope(|scope| {
        let mut threads = Vec::new();
        for i in 1..=n {
            let thread = thread::Builder::new()
                .name(format!("Thread-{i}"))
                .spawn_scoped(scope, || black_box(function_to_run(black_box(workload))))
                .with_context(|| format!("cannot start Thread-{i}"))?;
            threads.push(thread);
        }
        let joined: Vec<_> = threads.into_iter().map(|thread| thread.join()).collect();
        joined
            .into_iter()
            .map(|outcome| outcome.map_err(|_| anyhow!("a thread panicked"))?)
            .collect()
    })
}
// ANCHOR_END: calls

// ANCHOR: evaluate
/// The book's main loop for one test: for each n, the best of `repeat` runs of
/// `non_threaded(n)` and of `threaded(n)`. Every run's results are checked, not only the best.
fn evaluate(test: &Test, ns: &[u32], repeat: u32) -> anyhow::Result<()> {
    let (workload, expected, runs) = (&test.workload, &test.expected, repeat as usize);
    for &n in ns {
        let label = format!("non_threaded ({n} iters)");
        let (_, serial) = try_best_of(runs, || check(non_threaded(workload, n)?, n, expected))
            .context(label.clone())?;
        show_results(&label, serial);
        let label = format!("threaded ({n} threads)");
        let (_, parallel) = try_best_of(runs, || check(threaded(workload, n)?, n, expected))
            .context(label.clone())?;
        show_results(&label, parallel);
        println!("{}", speedup_line(&label, serial, parallel));
        println!("Iterations complete");
    }
    Ok(())
}

/// The self-check of one run: n results, each the `expected` one.
fn check(outcomes: Vec<Outcome>, n: u32, expected: &Outcome) -> anyhow::Result<()> {
    ensure!(
        outcomes.len() == n as usize,
        "{} results from {n} calls",
        outcomes.len()
    );
    if let Some(wrong) = outcomes.iter().find(|outcome| *outcome != expected) {
        bail!("a call returned {wrong:?}, expected {expected:?}");
    }
    Ok(())
}
// ANCHOR_END: evaluate

/// `"%-23s %4.6f seconds"`, the book's `show_results`.
fn show_results(name: &str, took: Duration) {
    println!("{name:<23} {:.6} seconds", took.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_gives_the_fibonacci_numbers() {
        let small: Vec<u32> = (0..12).map(|n| u32::try_from(fib(n)).unwrap()).collect();
        assert_eq!(small, [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]);
        let text = fib(10_000).to_string();
        assert_eq!(text.len(), 2090);
        assert!(text.starts_with("33644764876431783266621612005107543310302148460680"));
        assert!(text.ends_with("366875"));
    }

    #[test]
    fn each_run_is_checked_for_count_and_values() {
        let expected = Outcome::Nothing;
        let runs = |n| non_threaded(&Workload::Empty, n).unwrap();
        assert!(check(runs(3), 3, &expected).is_ok());
        let error = check(runs(2), 3, &expected).unwrap_err();
        assert!(error.to_string().contains("2 results from 3 calls"));
        let fib = threaded(&Workload::Fib { steps: 5 }, 2).unwrap();
        assert_eq!(
            fib,
            [Outcome::Number(5u32.into()), Outcome::Number(5u32.into())]
        );
        let error = check(fib, 2, &expected).unwrap_err();
        assert!(error.to_string().contains("expected Nothing"));
    }
}
