//! # Manipulating tasks with asyncio
//!
//! Book: 1st edition §4.5 "Task manipulation with Asyncio", `task.py`; 2nd edition chapter 5,
//! "Manipulating tasks with asyncio", `asyncio_task_manipulation.py`.
//!
//! Three computations, `factorial(10)`, `fibonacci(10)` and `binomial_coefficient(20, 10)`, run
//! as three tasks on one single-threaded event loop. Each prints a line per step and then sleeps
//! for a book second, and while one sleeps the loop runs the others, so their lines interleave:
//! concurrency on one thread, no parallelism.
//!
//! ## Run
//!
//! ```text
//! cargo run -p asyncio-tasks                        # 2nd edition wording, 50 ms ticks
//! cargo run -p asyncio-tasks -- --edition ed1 --book
//! cargo run -p asyncio-tasks -- --factorial 20 --fibonacci 30 --binomial-n 40 --binomial-k 20
//! ```
//!
//! ## Python → Rust
//!
//! - `@asyncio.coroutine` generators with `yield from asyncio.sleep(1)` → `async fn`s awaiting
//!   `tokio::time::sleep` (the decorator is gone since Python 3.11; `async def` replaced it).
//! - `asyncio.Task(coroutine)` → `tokio::spawn(future)`, which hands the future to the runtime
//!   at once, as creating a `Task` schedules its coroutine.
//! - `loop.run_until_complete(asyncio.wait(tasks))` → `block_on` of `tokio::try_join!` over the
//!   three `JoinHandle`s, on a current-thread runtime: one thread, like asyncio's loop. The
//!   handles also carry each task's result back, which `asyncio.wait` leaves in the tasks.
//! - Python's unbounded `int` → `u128` (enough for `factorial(34)` and `fibonacci(186)`);
//!   Python's `/` → `f64` division, so the binomial coefficient prints as `184756.0`, like the
//!   book's float.
//!
//! ## Differences from the book
//!
//! - Each `asyncio.sleep(1)` is a tick of `--tick-ms` (50 ms by default; `--book` for 1 s).
//! - The arguments are flags with the book's values; their ranges stop where the types stay
//!   exact (`--factorial` ≤ 34, `--fibonacci` ≤ 186, `--binomial-n` ≤ 50 so every intermediate
//!   float is an integer below 2^53), and `--binomial-k` may not exceed `--binomial-n`.
//! - Which task prints first within one round of steps depends on which timer the runtime
//!   wakes first, as in Python; each task's own lines always come in order.
//! - `--edition ed1` keeps the 1st edition's names and spacing (`fibonacci (0)`,
//!   `binomialCoeff(20 , 10)`); the default follows the 2nd edition.
//! - The results are checked (the factorial against a product, the Fibonacci number against
//!   the fast-doubling formulas, the binomial coefficient against Pascal's triangle) and a final
//!   line says so, `Checked: factorial(10) = 3628800, fibonacci(10) = 55, …`; a mismatch exits 1.

use anyhow::{Context, ensure};
use clap::Parser;
use common::{Edition, Pace};

use reference::{fibonacci_doubling, pascal};
use task_log::Log;

mod reference;
mod task_log;

#[derive(Parser)]
#[command(about = "factorial, fibonacci and a binomial coefficient as three interleaved tasks")]
struct Args {
    /// Which edition's wording to print.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// Compute factorial(N), 0 to 34.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=34))]
    factorial: u32,
    /// Compute fibonacci(N), 0 to 186.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=186))]
    fibonacci: u32,
    /// n of binomial_coefficient(n, k), 0 to 50.
    #[arg(long = "binomial-n", value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=50))]
    binomial_n: u32,
    /// k of binomial_coefficient(n, k), 0 to n.
    #[arg(long = "binomial-k", value_name = "K", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=50))]
    binomial_k: u32,
    #[command(flatten)]
    pace: Pace,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    ensure!(
        args.binomial_k <= args.binomial_n,
        "--binomial-k {} exceeds --binomial-n {}",
        args.binomial_k,
        args.binomial_n
    );
    let event_loop = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let log = Log::new(args.edition, args.pace.tick());
    let results = event_loop.block_on(run_tasks(&args, &log))?;
    check(&args, results)
}

// ANCHOR: spawn
/// `asyncio.Task(...)` for each computation, then `run_until_complete(asyncio.wait(tasks))`.
async fn run_tasks(args: &Args, log: &Log) -> anyhow::Result<(u128, u128, f64)> {
    let factorial = tokio::spawn(factorial(args.factorial, log.clone()));
    let fibonacci = tokio::spawn(fibonacci(args.fibonacci, log.clone()));
    let (n, k) = (args.binomial_n, args.binomial_k);
    let binomial = tokio::spawn(binomial_coefficient(n, k, log.clone()));
    tokio::try_join!(factorial, fibonacci, binomial).context("a task failed")
}
// ANCHOR_END: spawn

// ANCHOR: tasks
async fn factorial(number: u32, log: Log) -> u128 {
    let mut fact: u128 = 1;
    for i in 2..=number {
        log.say(format!("Asyncio.Task: Compute factorial({i})"));
        tokio::time::sleep(log.tick).await; // asyncio.sleep(1): the loop runs the others
        fact *= u128::from(i);
    }
    log.say(format!("Asyncio.Task - factorial({number}) = {fact}"));
    fact
}

async fn fibonacci(number: u32, log: Log) -> u128 {
    let gap = log.by_edition(" ", ""); // the 1st edition prints `fibonacci (0)`
    let (mut a, mut b): (u128, u128) = (0, 1);
    for i in 0..number {
        log.say(format!("Asyncio.Task: Compute fibonacci{gap}({i})"));
        tokio::time::sleep(log.tick).await; // asyncio.sleep(1): the loop runs the others
        // `b` runs one term ahead; at the last step it may pass u128, `a` (the answer) never does.
        (a, b) = (b, a.saturating_add(b));
    }
    log.say(format!("Asyncio.Task - fibonacci({number}) = {a}"));
    a
}

async fn binomial_coefficient(n: u32, k: u32, log: Log) -> f64 {
    let (name, gap) = log.by_edition(("binomialCoeff", " "), ("binomial_coefficient", ""));
    let mut result = 1.0;
    for i in 1..=k {
        result = result * f64::from(n - i + 1) / f64::from(i);
        log.say(format!("Asyncio.Task: Compute {name}{gap}({i})"));
        tokio::time::sleep(log.tick).await; // asyncio.sleep(1): the loop runs the others
    }
    log.say(format!("Asyncio.Task - {name}({n}{gap}, {k}) = {result:?}"));
    result
}
// ANCHOR_END: tasks

/// The factorial against a product, the Fibonacci number against the fast-doubling formulas,
/// the binomial coefficient against Pascal's triangle.
fn check(args: &Args, results: (u128, u128, f64)) -> anyhow::Result<()> {
    let (n, k) = (args.binomial_n, args.binomial_k);
    let factorial = (1..=u128::from(args.factorial)).product::<u128>();
    let fibonacci = fibonacci_doubling(args.fibonacci);
    let binomial = pascal(n, k);
    // Exact: every intermediate value is an integer below 2^53, which f64 holds exactly.
    let expected = (factorial, fibonacci, binomial as f64);
    ensure!(
        results == expected,
        "the tasks computed (factorial, fibonacci, binomial) = {results:?}, expected {expected:?}"
    );
    println!(
        "Checked: factorial({}) = {factorial}, fibonacci({}) = {fibonacci}, \
         binomial({n}, {k}) = {binomial} (Pascal's triangle)",
        args.factorial, args.fibonacci
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn book_args() -> Args {
        Args::parse_from(["asyncio-tasks"])
    }

    /// The book's schedule, exactly, on tokio's paused clock: a task's step `i` prints after
    /// as many whole seconds as it has slept, and the run lasts the longest task's ten seconds.
    #[tokio::test(start_paused = true)]
    async fn steps_fall_on_whole_book_seconds() {
        let args = book_args();
        let log = Log::new(Edition::Ed2, Duration::from_secs(1));
        let results = run_tasks(&args, &log).await.unwrap();
        assert_eq!(results, (3_628_800, 55, 184_756.0));
        assert_eq!(log.start.elapsed(), Duration::from_secs(10));
        let step = |line: &str, task: &str| {
            let rest = line
                .strip_prefix("Asyncio.Task: Compute ")?
                .strip_prefix(task)?;
            rest.strip_prefix('(')?
                .strip_suffix(')')?
                .parse::<u64>()
                .ok()
        };
        let lines = log.lines.lock().unwrap().clone();
        assert_eq!(lines.len(), 9 + 10 + 10 + 3);
        for (at, line) in lines {
            let second = if let Some(i) = step(&line, "factorial") {
                i - 2
            } else if let Some(i) = step(&line, "fibonacci") {
                i
            } else if let Some(i) = step(&line, "binomial_coefficient") {
                i - 1
            } else if line.starts_with("Asyncio.Task - factorial(") {
                9
            } else {
                assert!(line.starts_with("Asyncio.Task - "), "{line}");
                10
            };
            assert_eq!(at, Duration::from_secs(second), "{line}");
        }
        check(&args, results).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn the_largest_arguments_stay_exact() {
        let args = Args::parse_from([
            "asyncio-tasks",
            "--factorial=34",
            "--fibonacci=186",
            "--binomial-n=50",
            "--binomial-k=25",
        ]);
        let log = Log::new(Edition::Ed1, Duration::from_millis(1));
        let results = run_tasks(&args, &log).await.unwrap();
        check(&args, results).unwrap();
    }

    #[test]
    fn check_rejects_a_wrong_result() {
        let error = check(&book_args(), (3_628_800, 54, 184_756.0)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the tasks computed (factorial, fibonacci, binomial) = (3628800, 54, 184756.0), \
             expected (3628800, 55, 184756.0)"
        );
    }
}
