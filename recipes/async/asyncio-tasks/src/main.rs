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
//!   line says so; a mismatch exits 1.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use common::{Edition, Pace};
use tokio::time::Instant;

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

/// The three results, as the tasks return them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Results {
    factorial: u128,
    fibonacci: u128,
    binomial: f64,
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
    let results = event_loop.block_on(async {
        let log = Log::new(args.edition, args.pace.tick());
        run_tasks(&args, &log).await
    })?;
    check(&args, results)
}

// ANCHOR: spawn
/// `asyncio.Task(...)` for each computation, then `run_until_complete(asyncio.wait(tasks))`.
async fn run_tasks(args: &Args, log: &Log) -> anyhow::Result<Results> {
    let factorial = tokio::spawn(factorial(args.factorial, log.clone()));
    let fibonacci = tokio::spawn(fibonacci(args.fibonacci, log.clone()));
    let binomial = tokio::spawn(binomial_coefficient(
        args.binomial_n,
        args.binomial_k,
        log.clone(),
    ));
    let (factorial, fibonacci, binomial) =
        tokio::try_join!(factorial, fibonacci, binomial).context("a task failed")?;
    Ok(Results {
        factorial,
        fibonacci,
        binomial,
    })
}
// ANCHOR_END: spawn

// ANCHOR: tasks
async fn factorial(number: u32, log: Log) -> u128 {
    let mut fact: u128 = 1;
    for i in 2..=number {
        log.step(Task::Factorial, i);
        log.sleep().await;
        fact *= u128::from(i);
    }
    log.done(Task::Factorial, &format!("{number}"), &fact.to_string());
    fact
}

async fn fibonacci(number: u32, log: Log) -> u128 {
    let (mut a, mut b): (u128, u128) = (0, 1);
    for i in 0..number {
        log.step(Task::Fibonacci, i);
        log.sleep().await;
        // `b` runs one term ahead; at the last step it may pass u128, `a` (the answer) never does.
        (a, b) = (b, a.saturating_add(b));
    }
    log.done(Task::Fibonacci, &format!("{number}"), &a.to_string());
    a
}

async fn binomial_coefficient(n: u32, k: u32, log: Log) -> f64 {
    let mut result = 1.0;
    for i in 1..=k {
        result = result * f64::from(n - i + 1) / f64::from(i);
        log.step(Task::Binomial, i);
        log.sleep().await;
    }
    let arguments = match log.edition {
        Edition::Ed1 => format!("{n} , {k}"),
        Edition::Ed2 => format!("{n}, {k}"),
    };
    log.done(Task::Binomial, &arguments, &format!("{result:?}"));
    result
}
// ANCHOR_END: tasks

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    Factorial,
    Fibonacci,
    Binomial,
}

impl Task {
    /// The function's name in the edition's listing, and the space it puts before `(` in its
    /// step lines (the 1st edition writes `fibonacci (0)` but `factorial(2)`).
    fn name(self, edition: Edition) -> (&'static str, &'static str) {
        match (self, edition) {
            (Task::Factorial, _) => ("factorial", ""),
            (Task::Fibonacci, Edition::Ed1) => ("fibonacci", " "),
            (Task::Fibonacci, Edition::Ed2) => ("fibonacci", ""),
            (Task::Binomial, Edition::Ed1) => ("binomialCoeff", " "),
            (Task::Binomial, Edition::Ed2) => ("binomial_coefficient", ""),
        }
    }
}

/// What a task did, and when, counted from the start of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Step(Task, u32, Duration),
    Done(Task, Duration),
}

/// What every task shares: the printing, the pace of the book's sleeps, and a record of the
/// events with their times, for the tests of the schedule.
#[derive(Clone)]
struct Log {
    edition: Edition,
    tick: Duration,
    start: Instant,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Log {
    fn new(edition: Edition, tick: Duration) -> Self {
        Self {
            edition,
            tick,
            start: Instant::now(),
            events: Arc::default(),
        }
    }

    fn step(&self, task: Task, i: u32) {
        let (name, gap) = task.name(self.edition);
        println!("Asyncio.Task: Compute {name}{gap}({i})");
        self.record(Event::Step(task, i, self.start.elapsed()));
    }

    fn done(&self, task: Task, arguments: &str, result: &str) {
        let (name, _) = task.name(self.edition);
        println!("Asyncio.Task - {name}({arguments}) = {result}");
        self.record(Event::Done(task, self.start.elapsed()));
    }

    /// One book second of `asyncio.sleep`: the task yields, and the loop runs the others.
    async fn sleep(&self) {
        tokio::time::sleep(self.tick).await;
    }

    fn record(&self, event: Event) {
        // Only a panic while pushing could poison the lock, and pushing does not panic.
        self.events.lock().expect("log lock").push(event);
    }
}

fn check(args: &Args, results: Results) -> anyhow::Result<()> {
    let factorial = (1..=u128::from(args.factorial)).product::<u128>();
    let fibonacci = fibonacci_doubling(args.fibonacci);
    let binomial = pascal(args.binomial_n, args.binomial_k);
    ensure!(
        results.factorial == factorial,
        "factorial({}) = {}, expected {factorial}",
        args.factorial,
        results.factorial
    );
    ensure!(
        results.fibonacci == fibonacci,
        "fibonacci({}) = {}, expected {fibonacci}",
        args.fibonacci,
        results.fibonacci
    );
    // Exact: every intermediate value is an integer below 2^53, which f64 holds exactly.
    ensure!(
        results.binomial == binomial as f64,
        "binomial_coefficient({}, {}) = {:?}, expected {binomial}",
        args.binomial_n,
        args.binomial_k,
        results.binomial
    );
    println!(
        "Checked: factorial({}) = {factorial}, fibonacci({}) = {fibonacci}, \
         binomial({}, {}) = {binomial} (Pascal's triangle)",
        args.factorial, args.fibonacci, args.binomial_n, args.binomial_k
    );
    Ok(())
}

/// F(n) by fast doubling: F(2m) = F(m)(2F(m+1) - F(m)), F(2m+1) = F(m)² + F(m+1)², a route
/// to the answer that shares nothing with the task's loop.
fn fibonacci_doubling(n: u32) -> u128 {
    fn pair(n: u32) -> (u128, u128) {
        if n == 0 {
            return (0, 1);
        }
        let (f, g) = pair(n / 2);
        // F(n+1) for the largest n (186) passes u128; it is never part of the answer then.
        let even = f * (2 * g - f);
        let odd = f.saturating_mul(f).saturating_add(g.saturating_mul(g));
        if n.is_multiple_of(2) {
            (even, odd)
        } else {
            (odd, even.saturating_add(odd))
        }
    }
    pair(n).0
}

/// C(n, k) from the rows of Pascal's triangle.
fn pascal(n: u32, k: u32) -> u64 {
    let mut row = vec![1u64];
    for _ in 0..n {
        let mut next = vec![1u64; row.len() + 1];
        for j in 1..row.len() {
            next[j] = row[j - 1] + row[j];
        }
        row = next;
    }
    row.get(k as usize).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book_args() -> Args {
        Args::parse_from(["asyncio-tasks"])
    }

    #[test]
    fn the_independent_computations_know_the_book_values() {
        assert_eq!(fibonacci_doubling(10), 55);
        assert_eq!(fibonacci_doubling(1), 1);
        assert_eq!(fibonacci_doubling(0), 0);
        assert_eq!(fibonacci_doubling(93), 12_200_160_415_121_876_738);
        assert_eq!(
            fibonacci_doubling(186),
            332_825_110_087_067_562_321_196_029_789_634_457_848
        );
        assert_eq!(pascal(20, 10), 184_756);
        assert_eq!(pascal(50, 25), 126_410_606_437_752);
        assert_eq!(pascal(4, 0), 1);
    }

    /// The book's schedule, exactly, on tokio's paused clock: a task's step `i` prints after
    /// as many whole seconds as it has slept, and the run lasts the longest task's ten seconds.
    #[tokio::test(start_paused = true)]
    async fn steps_fall_on_whole_book_seconds() {
        let args = book_args();
        let log = Log::new(Edition::Ed2, Duration::from_secs(1));
        let results = run_tasks(&args, &log).await.unwrap();
        assert_eq!(
            results,
            Results {
                factorial: 3_628_800,
                fibonacci: 55,
                binomial: 184_756.0
            }
        );
        assert_eq!(log.start.elapsed(), Duration::from_secs(10));
        let secs = |n: u32| Duration::from_secs(n.into());
        let events = log.events.lock().unwrap().clone();
        assert_eq!(events.len(), 9 + 10 + 10 + 3);
        for event in events {
            match event {
                Event::Step(Task::Factorial, i, at) => assert_eq!(at, secs(i - 2)),
                Event::Step(Task::Fibonacci, i, at) => assert_eq!(at, secs(i)),
                Event::Step(Task::Binomial, i, at) => assert_eq!(at, secs(i - 1)),
                Event::Done(Task::Factorial, at) => assert_eq!(at, secs(9)),
                Event::Done(_, at) => assert_eq!(at, secs(10)),
            }
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
        let wrong = Results {
            factorial: 3_628_800,
            fibonacci: 54,
            binomial: 184_756.0,
        };
        let error = check(&book_args(), wrong).unwrap_err();
        assert_eq!(error.to_string(), "fibonacci(10) = 54, expected 55");
    }
}
