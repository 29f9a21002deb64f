//! The port's throughput benchmark, not in the book (`celery-add-task bench`): `--count` tasks
//! in flight at once over `--workers` worker processes of this binary, every result checked
//! against its own sum, and the rate of full round trips (publish, run, result back) in tasks/s.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, ensure};
use common::child::Servers;
use common::timing::Stopwatch;
use lapin::Connection;

use crate::broker;
use crate::celery::{self, TASK_NAME};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Tasks to send, at most 100000 (all in flight at once, held by the broker); task i adds
    /// x + i and y.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    count: u32,
    /// Rust worker processes to start for this run, at most 64 (0: rely on workers already
    /// running).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=64))]
    workers: u32,
    /// First argument of task 0.
    #[arg(long, default_value_t = 5, allow_hyphen_values = true)]
    x: i64,
    /// Second argument of every task.
    #[arg(long, default_value_t = 5, allow_hyphen_values = true)]
    y: i64,
    /// Give up when no result arrives for this many seconds, at most 3600.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout_s: u64,
}

pub fn run((url, queue): (&str, &str), args: &BenchArgs) -> anyhow::Result<()> {
    let runtime = broker::runtime()?;
    // Connecting first makes a missing broker one clear error before any worker starts.
    let connection = runtime.block_on(broker::connect(url))?;
    let mut servers = Servers::default();
    for i in 1..=args.workers {
        broker::start_worker(&mut servers, &format!("worker-{i}"), (url, queue), true)?;
    }
    let took = runtime.block_on(round_trips(connection, queue, args));
    servers.stop()?;
    report(args, took?);
    Ok(())
}

/// Publishes every task, then waits for every result on the reply queue, each checked against
/// the sum computed here. Returns the time from the first publish to the last result.
async fn round_trips(
    connection: Connection,
    queue: &str,
    args: &BenchArgs,
) -> anyhow::Result<Duration> {
    let (channel, reply_to, mut replies) = broker::sender(&connection, queue).await?;
    // Task id → its sum (None: the sum overflows, and the worker must report a failure).
    let mut expected = HashMap::new();
    let mut confirms = Vec::new();
    let clock = Stopwatch::start();
    for i in 0..i64::from(args.count) {
        let id = uuid::Uuid::new_v4().to_string();
        let x = args.x.checked_add(i).context("--x + --count overflows")?;
        let task = (id.as_str(), x, args.y);
        confirms.push(celery::publish_task(&channel, queue, task, &reply_to).await?);
        expected.insert(id, x.checked_add(args.y));
    }
    for confirm in confirms {
        ensure!(confirm.await?.is_ack(), "the broker refused a task");
    }
    let timeout = Duration::from_secs(args.timeout_s);
    while !expected.is_empty() {
        let unanswered = || format!("{} of {} tasks unanswered", expected.len(), args.count);
        let next = celery::next_result(&mut replies, queue, timeout).await;
        let result = next.with_context(unanswered)?;
        // A late duplicate (a task run twice after a worker died between sending the result
        // and acknowledging) is only noted.
        let Some(sum) = expected.remove(&result.id) else {
            eprintln!("Ignored a result for task {}: a duplicate?", result.id);
            continue;
        };
        let id = result.id.clone();
        let value = result.value()?;
        ensure!(
            Some(value) == sum,
            "task {TASK_NAME}[{id}] returned {value}, expected {sum:?}"
        );
    }
    let took = clock.elapsed();
    connection.close(200, "sender done".into()).await?;
    Ok(took)
}

fn report(args: &BenchArgs, took: Duration) {
    let (x, y, count) = (args.x, args.y, args.count);
    let sum = i128::from(x) + i128::from(y);
    println!("{count} results checked: add({x} + i, {y}) = {sum} + i for i in 0..{count}");
    let workers = match args.workers {
        0 => "workers already running".to_owned(),
        1 => "1 worker process".to_owned(),
        n => format!("{n} worker processes"),
    };
    let seconds = took.as_secs_f64();
    println!(
        "Round trip: {count} tasks in {seconds:.3} s = {:.0} tasks/s ({workers})",
        f64::from(count) / seconds.max(f64::MIN_POSITIVE)
    );
}
