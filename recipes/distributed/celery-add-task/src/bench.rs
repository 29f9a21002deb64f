//! The port's throughput benchmark, not in the book (`celery-add-task bench`): `--count` tasks
//! over `--workers` worker processes of this binary, every result checked against its own sum,
//! and the rate of full round trips (publish, run, result back) in tasks/s. With `--python`,
//! the same round trips through Python Celery's own worker and `add.delay` follow in the same
//! run (`python/addtask_bench.py`), and the ratio of the two rates.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use common::child::Servers;
use common::timing::Stopwatch;
use futures::{StreamExt, TryStreamExt};
use lapin::Connection;

use crate::broker;
use crate::celery::{self, TASK_NAME};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Tasks to send, at most 100000 (all queued at once, held by the broker); task i adds
    /// x + i and y.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    count: u32,
    /// Worker processes to start for this run, at most 64 (0: rely on Rust or Python workers
    /// already running; not with --python).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=64))]
    workers: u32,
    /// Unacknowledged tasks each started worker may hold, at most 1000 (Celery's default is 4
    /// per process; more keeps a worker busy while its acknowledgements travel).
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u16).range(1..=1000))]
    prefetch: u16,
    /// First argument of task 0.
    #[arg(long, default_value_t = 5, allow_hyphen_values = true)]
    x: i64,
    /// Second argument of every task.
    #[arg(long, default_value_t = 5, allow_hyphen_values = true)]
    y: i64,
    /// Give up when no result arrives for this many seconds, at most 3600.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout_s: u64,
    /// Then run the same tasks through Python Celery (as many `--pool solo` workers, the same
    /// prefetch, `add.delay` from Python) and print the ratio of the rates.
    #[arg(long)]
    python: bool,
}

/// Task messages the sender keeps in flight: each publish hands its frames to lapin's I/O
/// thread at once, and the sender waits only when this many are not written yet.
const PUBLISH_WINDOW: usize = 256;

pub fn run((url, queue): (&str, &str), args: &BenchArgs) -> anyhow::Result<()> {
    // A missing Python or Celery is one clear error before anything runs.
    let python = if args.python {
        ensure!(
            args.workers > 0,
            "--python starts its workers: give --workers 1 or more"
        );
        Some(python_with_celery()?)
    } else {
        None
    };
    let runtime = broker::runtime()?;
    // Connecting first makes a missing broker one clear error before any worker starts.
    let connection = runtime.block_on(broker::connect(url))?;
    let mut servers = Servers::default();
    let prefetch = args.prefetch.to_string();
    let options = ["--quiet", "--prefetch", &prefetch];
    for i in 1..=args.workers {
        broker::start_worker(&mut servers, &format!("worker-{i}"), (url, queue), &options)?;
    }
    let took = runtime.block_on(round_trips(connection, queue, args));
    servers.stop()?;
    let rust = report(args, took?);
    if let Some(python) = python {
        let python = python_round_trips(&python, url, args)?;
        println!(
            "Rust/Python: {:.1}x the round trips per second",
            rust / python
        );
    }
    Ok(())
}

/// Publishes every task, then waits for every result on the reply queue, each checked against
/// the sum computed here. Returns the time from the first publish to the last result.
async fn round_trips(
    connection: Connection,
    queue: &str,
    args: &BenchArgs,
) -> anyhow::Result<Duration> {
    // No publisher confirms, as Celery's default: a task that never reached the queue shows
    // here as a result that never comes.
    let (channel, reply_to, mut replies) = broker::sender(&connection, queue, false).await?;
    let (x, y, last) = (args.x, args.y, i64::from(args.count) - 1);
    x.checked_add(last).context("--x + --count overflows")?;
    // Task id → its sum (None: the sum overflows, and the worker must report a failure).
    let mut expected = HashMap::new();
    let clock = Stopwatch::start();
    let publishes = (0..=last).map(|i| {
        let id = uuid::Uuid::new_v4().to_string();
        let publish = celery::publish_task(&channel, queue, (&id, x + i, y), &reply_to);
        expected.insert(id, (x + i).checked_add(y));
        publish
    });
    futures::stream::iter(publishes)
        .buffer_unordered(PUBLISH_WINDOW)
        .try_for_each(|_not_confirmed| async { Ok(()) })
        .await?;
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

/// Prints the checked results and the rate; returns the rate in tasks/s.
fn report(args: &BenchArgs, took: Duration) -> f64 {
    let (x, y, count) = (args.x, args.y, args.count);
    let sum = i128::from(x) + i128::from(y);
    println!("{count} results checked: add({x} + i, {y}) = {sum} + i for i in 0..{count}");
    let workers = match args.workers {
        0 => "workers already running".to_owned(),
        1 => "1 worker process".to_owned(),
        n => format!("{n} worker processes"),
    };
    let seconds = took.as_secs_f64();
    let rate = f64::from(count) / seconds.max(f64::MIN_POSITIVE);
    println!("Round trip: {count} tasks in {seconds:.3} s = {rate:.0} tasks/s ({workers})");
    rate
}

/// The Python with Celery: the project's virtual environment (`scripts/setup.sh` makes it,
/// `COOKBOOK_VENV` moves it) when it has Celery, else `python3` on the PATH.
fn python_with_celery() -> anyhow::Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let venv = std::env::var_os("COOKBOOK_VENV").map_or_else(|| root.join(".venv"), PathBuf::from);
    for python in [venv.join("bin/python3"), PathBuf::from("python3")] {
        let has_celery = Command::new(&python)
            .args(["-c", "import celery"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if has_celery.is_ok_and(|status| status.success()) {
            return Ok(python);
        }
    }
    bail!("--python needs python3 with Celery: run scripts/setup.sh")
}

/// Runs `python/addtask_bench.py`: as many Python Celery workers (`--pool solo`, one process
/// each, the same prefetch and late acknowledgement), the same tasks sent with `add.delay`,
/// every result checked, on a queue of its own that it deletes. Shows its lines and returns
/// its rate in tasks/s.
fn python_round_trips(python: &Path, url: &str, args: &BenchArgs) -> anyhow::Result<f64> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/addtask_bench.py");
    let numbers = [
        ("--count", args.count.to_string()),
        ("--workers", args.workers.to_string()),
        ("--prefetch", args.prefetch.to_string()),
        ("--x", args.x.to_string()),
        ("--y", args.y.to_string()),
        ("--timeout-s", args.timeout_s.to_string()),
    ];
    let mut command = Command::new(python);
    command.arg(&script).env("ADDTASK_BROKER", url);
    for (flag, value) in &numbers {
        command.arg(flag).arg(value);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", python.display()))?;
    let stdout = child.stdout.take().context("the Python bench's stdout")?;
    let mut rate = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.context("cannot read the Python bench's output")?;
        println!("{line}");
        rate = rate.or_else(|| rate_in(&line));
    }
    let status = child.wait().context("cannot wait for the Python bench")?;
    ensure!(
        status.success(),
        "the Python Celery bench failed ({status})"
    );
    rate.context("the Python Celery bench printed no rate")
}

/// The rate in a line `... = 669 tasks/s ...`.
fn rate_in(line: &str) -> Option<f64> {
    let (_, rest) = line.split_once(" = ")?;
    rest.split(" tasks/s").next()?.parse().ok()
}
