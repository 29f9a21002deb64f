//! # Distributed task management with Celery
//!
//! Book: 1st edition §5.2 "Using Celery to distribute tasks" and §5.3 "How to create a task with
//! Celery"; 2nd edition chapter 6, "Distributed task management with Celery". All use
//! `addTask.py` (the task) and `addTask_main.py` (`add.delay(5, 5)`).
//!
//! A sender puts the task `add(5, 5)` on RabbitMQ's `celery` queue; a worker, possibly on
//! another machine, takes it off, runs it and sends the result back on a reply queue. Both ends
//! speak Celery's own message protocol (version 2, in `src/celery.rs`), so a Rust sender can
//! feed a Python Celery worker and a Python `add.delay(5, 5)` can be run by the Rust worker.
//!
//! ## Run
//!
//! ```text
//! cargo run -p celery-add-task                       # a worker process, add(5, 5), 10
//! cargo run -p celery-add-task -- worker             # terminal 1: a worker (Ctrl-C stops it)
//! cargo run -p celery-add-task -- send               # terminal 2: add(5, 5), prints 10
//! cargo run --release -p celery-add-task -- bench --count 10000 --workers 2  # tasks/s
//! cargo run --release -p celery-add-task -- bench --workers 2 --python  # and Python Celery's
//! cargo run -p celery-add-task -- worker --broker amqp://user:password@broker-host:5672/%2f
//! ```
//!
//! RabbitMQ must listen on 127.0.0.1:5672 (`scripts/setup.sh` starts it). The Python side lives
//! in `python/`: `python3 -m celery -A addtask worker` there runs the same task in Python, and
//! `python3 addtask_main.py` sends it from Python.
//!
//! ## Python → Rust
//!
//! - `app.task` + `add.delay` → a task message built by hand (`src/celery.rs`): AMQP headers
//!   (`task`, `id`, `argsrepr`, ...), properties (`correlation_id`, `reply_to`) and the JSON
//!   body `[args, kwargs, embed]`, published with `lapin`, the AMQP 0-9-1 client.
//! - kombu's connection and the `rpc://` result backend → `lapin` on a tokio runtime
//!   (`src/broker.rs`); the result goes to the queue named in `reply_to`, tagged with the task
//!   id as `correlation_id`. `AsyncResult.get()` → waiting on that queue, with a timeout.
//! - `celery worker` → the `worker` subcommand: a consumer with a prefetch limit that
//!   acknowledges a task only after it ran and its result was written (Celery's `acks_late`):
//!   at-least-once, so a worker killed mid-task loses nothing, the broker hands the task to
//!   another worker (a task that finished but was not yet acknowledged runs twice).
//! - Prefetch (`basic_qos`): Celery's default, 4 per process, for the worker; `bench` gives its
//!   workers 128, which on 2 cores more than doubles the rate (the broker keeps sending while
//!   acknowledgements travel) and still bounds what a crash sends back to the queue.
//! - Acknowledgement: the worker runs the deliveries lapin already holds as one batch, writes
//!   their results, then sends one `basic.ack` with `multiple` (Celery acknowledges each task
//!   alone): a third more tasks/s in `bench` than a task at a time, a third less CPU.
//! - Publishing: tasks are persistent, as Celery sends them. Results and, in `bench`, tasks are
//!   published without waiting for each to be written (futures joined, 256 in flight) and
//!   without publisher confirms, kombu's default (a lost task shows as a missing result);
//!   `send` keeps confirms for its one task. A confirm awaited per task costs 20× the rate.
//!
//! ## Differences from the book
//!
//! - The book never reads the result; `send` prints it and checks it is `x + y` (exit 1
//!   otherwise).
//! - A plain run starts a worker process (`common::child::Servers`: its lines show with a
//!   `[worker]` prefix), sends `add(5, 5)`, stops the worker, and prints 10. The worker stops
//!   on SIGTERM/SIGINT (after the tasks in hand, as Celery's warm shutdown) or after
//!   `--max-tasks`; the book's runs until killed. Counts and waits have upper bounds (`--help`
//!   says each): `--timeout-s` an hour, `bench --count` 100,000 tasks.
//! - The worker runs one task, `addTask.add`, on integers. It rejects, with the reason on
//!   stderr, malformed messages, other task names, and `eta`/`expires`/callbacks/chains, which
//!   it does not implement. An argument error goes back as a `TypeError`, as in Celery.
//! - The broker URL defaults to `amqp://guest@127.0.0.1:5672//`, the book's
//!   `amqp://guest@localhost//` with the address spelled out (`localhost` may resolve to IPv6
//!   first, where the broker may not listen).
//! - The worker prints Celery's `received` and `succeeded` lines on stdout; Celery logs them to
//!   stderr.
//! - `bench` (`src/bench.rs`) is the port's own: round trips per second, every result checked;
//!   with `--python` it runs the same tasks through Python Celery in the same run
//!   (`python/addtask_bench.py`: `--pool solo` workers, same prefetch and late acknowledgement,
//!   `add.delay`) and prints the ratio of the rates.

mod bench;
mod broker;
mod celery;

use std::time::Duration;

use anyhow::ensure;
use clap::{Parser, Subcommand};
use lapin::Connection;

use celery::{TASK_NAME, TaskError};

#[derive(Parser)]
#[command(
    about = "Celery's add task over RabbitMQ: a Rust worker and sender (Celery protocol v2)",
    after_help = "Without a subcommand: starts a worker process, sends add(5, 5), stops the \
                  worker and prints the result."
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// The broker's AMQP URL (the book: amqp://guest@localhost//).
    #[arg(long, global = true, default_value = "amqp://guest@127.0.0.1:5672//")]
    broker: String,
    /// The task queue, declared as Celery declares it (durable, with a direct exchange of the
    /// same name).
    #[arg(long, global = true, default_value = "celery")]
    queue: String,
}

#[derive(Subcommand)]
enum Command {
    /// Consume tasks and run them, like `celery -A addTask worker`.
    Worker(WorkerArgs),
    /// Send add(x, y) and print its result, like `add.delay(5, 5)` and `.get(timeout=10)`.
    Send(SendArgs),
    /// Round trips per second: many tasks at once, worker processes started for the run.
    Bench(bench::BenchArgs),
}

#[derive(clap::Args)]
struct WorkerArgs {
    /// Stop after running this many tasks, at most 1000000 [default: run until SIGTERM or
    /// Ctrl-C].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_tasks: Option<u32>,
    /// Unacknowledged tasks the broker may hand this worker at once (Celery's default: 4), at
    /// most 1000.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=1000))]
    prefetch: u16,
    /// Do not print a line per task (for `bench`).
    #[arg(long)]
    quiet: bool,
    /// Make every task take this long, at most a minute (tests kill a worker in the middle of
    /// a task).
    #[arg(long, hide = true, default_value_t = 0, value_parser = clap::value_parser!(u64).range(..=60_000))]
    task_delay_ms: u64,
}

#[derive(clap::Args)]
struct SendArgs {
    /// First argument of add(x, y).
    #[arg(long, default_value_t = 5, allow_hyphen_values = true)]
    x: i64,
    /// Second argument of add(x, y).
    #[arg(long, default_value_t = 5, allow_hyphen_values = true)]
    y: i64,
    /// Give up when no result arrives for this many seconds, at most 3600.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout_s: u64,
}

/// The book's `add.delay(5, 5)`, with its `result.get(timeout=10)`.
const BOOK: SendArgs = SendArgs {
    x: 5,
    y: 5,
    timeout_s: 10,
};

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let amqp = (args.broker.as_str(), args.queue.as_str());
    match args.command {
        None => send(amqp, &BOOK, true),
        Some(Command::Worker(args)) => broker::runtime()?.block_on(worker(amqp, &args)),
        Some(Command::Send(args)) => send(amqp, &args, false),
        Some(Command::Bench(args)) => bench::run(amqp, &args),
    }
}

// ANCHOR: add
/// The book's task, `@app.task def add(x, y): return x + y`, on integers. An overflow is
/// reported as Python would report a number too large.
fn add(x: i64, y: i64) -> Result<i64, TaskError> {
    x.checked_add(y).ok_or_else(|| TaskError {
        exc_type: "OverflowError",
        message: format!("{x} + {y} does not fit in 64 bits"),
    })
}
// ANCHOR_END: add

// ANCHOR: worker
/// The worker, `celery -A addTask worker`: consumes the queue until SIGTERM/SIGINT or
/// `--max-tasks`. A task is acknowledged only after it ran and its result was sent (Celery's
/// `acks_late`): one unacknowledged when the worker dies goes back to the queue for another.
async fn worker((url, queue): (&str, &str), args: &WorkerArgs) -> anyhow::Result<()> {
    // Started by a plain run or `bench`: never outlive that parent.
    common::child::die_with_parent_if_spawned()?;
    let mut shutdown = broker::Shutdown::listen()?;
    let connection = broker::connect(url).await?;
    let channel = connection.create_channel().await?;
    let mut tasks = broker::consume(&channel, queue, args.prefetch).await?;
    let (me, shown) = (std::process::id(), broker::redact(url));
    println!("Worker {me} ready: consuming queue '{queue}' at {shown}");
    let mut done = 0;
    let left = |done| args.max_tasks.map(|max| max - done);
    // The next task and those the broker has already sent after it (at most --prefetch) make
    // a batch: their results go out together, then one acknowledgement covers them all. A
    // stop signal is seen between batches (Celery's warm shutdown).
    while let Some(batch) = broker::next_batch(&mut tasks, &mut shutdown, left(done)).await? {
        let (mut results, mut last) = (Vec::new(), None);
        for delivery in batch {
            let Some(message) = celery::read_task(&delivery).await? else {
                continue;
            };
            let outcome = run_task(&message, args).await;
            results.extend(celery::send_result(&channel, &message, &outcome));
            (last, done) = (Some(delivery), done + 1);
        }
        // Every result is written to the connection before the acknowledgement is sent.
        futures::future::try_join_all(results).await?;
        if let Some(last) = last {
            // `multiple`: this delivery and every earlier one on the channel.
            last.acker
                .ack(lapin::options::BasicAckOptions { multiple: true })
                .await?;
        }
    }
    // Closing returns any prefetched, unacknowledged task to the queue.
    connection.close(200, "worker stopping".into()).await?;
    let plural = if done == 1 { "" } else { "s" };
    println!("Worker {me} stopped after {done} task{plural}");
    Ok(())
}

/// Runs one task message: `add` on its arguments, with Celery's `received` and `succeeded`
/// lines unless `--quiet`.
async fn run_task(message: &celery::TaskMessage, args: &WorkerArgs) -> Result<i64, TaskError> {
    let task = format!("Task {TASK_NAME}[{}]", message.id);
    if !args.quiet {
        println!("{task} received");
    }
    let clock = common::timing::Stopwatch::start();
    if args.task_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(args.task_delay_ms)).await; // a slow task
    }
    let outcome =
        celery::bind_arguments(&message.args, &message.kwargs).and_then(|[x, y]| add(x, y));
    let runtime = clock.elapsed().as_secs_f64();
    match (&outcome, args.quiet) {
        (_, true) => {}
        (Ok(sum), _) => println!("{task} succeeded in {runtime:.6}s: {sum}"),
        (Err(error), _) => println!("{task} raised {}: {}", error.exc_type, error.message),
    }
    outcome
}
// ANCHOR_END: worker

// ANCHOR: send
/// The plain run (with a worker process of its own) and `send`: the book's `addTask_main.py`,
/// then the self-check, the result against the sum computed here.
fn send((url, queue): (&str, &str), args: &SendArgs, start_worker: bool) -> anyhow::Result<()> {
    let runtime = broker::runtime()?;
    // Connecting first makes a missing broker one clear error before a worker starts.
    let connection = runtime.block_on(broker::connect(url))?;
    let mut servers = common::child::Servers::default();
    if start_worker {
        broker::start_worker(&mut servers, "worker", (url, queue), &[])?;
    }
    let result = runtime.block_on(add_delay_get(connection, queue, args));
    servers.stop()?;
    let (result, x, y) = (result?, args.x, args.y);
    let sum = x.checked_add(y); // the self-check: the worker's answer is the sum made here
    ensure!(Some(result) == sum, "add({x}, {y}) returned {result}");
    println!("{result}");
    Ok(())
}

/// `add.delay(x, y)` publishes the task; `result.get(timeout)` waits on a reply queue of this
/// connection's own, where the worker sends the result tagged with the task id.
async fn add_delay_get(conn: Connection, queue: &str, args: &SendArgs) -> anyhow::Result<i64> {
    let (channel, reply_to, mut replies) = broker::sender(&conn, queue, true).await?;
    let (id, x, y) = (uuid::Uuid::new_v4().to_string(), args.x, args.y);
    println!("Task {TASK_NAME}[{id}] sent: add({x}, {y})");
    let confirm = celery::publish_task(&channel, queue, (&id, x, y), &reply_to).await?;
    ensure!(confirm.await?.is_ack(), "the broker refused the task");
    let timeout = Duration::from_secs(args.timeout_s);
    let result = celery::next_result(&mut replies, queue, timeout).await?;
    conn.close(200, "sender done".into()).await?;
    ensure!(result.id == id, "a result for task {}, not {id}", result.id);
    result.value()
}
// ANCHOR_END: send

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_adds_and_reports_an_overflow_as_python_would() {
        assert_eq!(add(5, 5), Ok(10));
        assert_eq!(add(-4, 3), Ok(-1));
        assert_eq!(add(i64::MAX, 1).unwrap_err().exc_type, "OverflowError");
    }
}
