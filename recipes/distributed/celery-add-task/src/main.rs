//! # Distributed task management with Celery
//!
//! Book: 1st edition §5.2 "Using Celery to distribute tasks" and §5.3 "How to create a task with
//! Celery"; 2nd edition chapter 6, "Distributed task management with Celery". All use
//! `addTask.py` (the task) and `addTask_main.py` (`add.delay(5, 5)`).
//!
//! A sender puts the task `add(5, 5)` on RabbitMQ's `celery` queue; a worker, possibly on
//! another machine, takes it off, runs it and sends the result back on a reply queue. Both ends
//! speak Celery's own message protocol (version 2), so a Rust sender can feed a Python Celery
//! worker and a Python `add.delay(5, 5)` can be run by the Rust worker.
//!
//! ## Run
//!
//! ```text
//! cargo run -p celery-add-task                       # a worker in the background, add(5, 5), 10
//! cargo run -p celery-add-task -- worker             # terminal 1: a worker (Ctrl-C stops it)
//! cargo run -p celery-add-task -- send               # terminal 2: add(5, 5), prints 10
//! cargo run -p celery-add-task -- send --count 10000 --workers 2   # tasks/s, 2 worker processes
//! cargo run -p celery-add-task -- worker --broker amqp://user:password@broker-host:5672/%2f
//! ```
//!
//! RabbitMQ must listen on 127.0.0.1:5672 (`scripts/setup.sh` starts it). The Python side lives
//! in `python/`: `python3 -m celery -A addtask worker` there runs the same task in Python, and
//! `python3 addtask_main.py` sends it from Python.
//!
//! ## Python → Rust
//!
//! - Celery's `app.task` + `add.delay` → a task message built by hand: AMQP headers (`task`,
//!   `id`, `root_id`, `argsrepr`, ...), properties (`correlation_id`, `reply_to`,
//!   `content_type`) and the JSON body `[args, kwargs, embed]`, published with `lapin`, the AMQP
//!   0-9-1 client. There is no Celery for Rust to lean on; the protocol is small enough to write.
//! - kombu's connection and the `rpc://` result backend → `lapin` on the tokio runtime (its
//!   `tokio` feature: `Connection::connect` runs on the runtime it is called from). The result
//!   goes to the queue named in `reply_to`, tagged with the task id as `correlation_id`.
//! - `celery worker` → the `worker` subcommand: one consumer with a prefetch limit that
//!   acknowledges a message only after the task ran (Celery's `acks_late`), so a worker killed
//!   mid-task loses nothing: the broker hands the task to another worker.
//! - `AsyncResult.get()` → the sender waits on its reply queue, with a timeout.
//!
//! ## Differences from the book
//!
//! - The book never reads the result; `send` waits for it through the `rpc://` reply queue and
//!   prints it, and the run checks it is `x + y` (exit 1 otherwise).
//! - A plain run starts a worker process itself, sends `add(5, 5)`, prints 10 and stops the
//!   worker, so one command shows the whole round trip. The worker stops on SIGTERM/SIGINT or
//!   after `--max-tasks`; the book's runs until killed.
//! - The worker runs one task, `addTask.add`, on integers (Python's `+` also adds floats and
//!   strings). It rejects, with the reason on stderr, what it cannot run: malformed messages,
//!   other task names, and `eta`/`expires`/callbacks/chains, which it does not implement.
//!   An argument error is sent back as a `TypeError` failure, as Celery would.
//! - The broker URL defaults to `amqp://guest@127.0.0.1:5672//`, the book's
//!   `amqp://guest@localhost//` with the address spelled out (`localhost` may resolve to IPv6
//!   first, where the broker may not listen).
//! - The Rust worker prints Celery's `received` and `succeeded` lines on stdout; Celery logs
//!   them to stderr.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{ChildStdout, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::{Parser, Subcommand};
use common::child::Children;
use common::timing::Stopwatch;
use futures_lite::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    BasicRejectOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldArray, FieldTable, LongString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde_json::{Map, Value, json};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// The task's Celery name: the book's module `addTask`, function `add`.
const TASK_NAME: &str = "addTask.add";
/// How long connecting to the broker may take before the run gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a started worker process may take to report that it is consuming.
const WORKER_START_TIMEOUT: Duration = Duration::from_secs(10);
const JSON: &str = "application/json";

#[derive(Parser)]
#[command(
    about = "Celery's add task over RabbitMQ: a Rust worker and sender (Celery protocol v2)",
    after_help = "Without a subcommand: starts a worker process, sends add(5, 5), prints the \
                  result and stops the worker."
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
    /// Send add(x, y) tasks and wait for their results, like `add.delay(5, 5).get()`.
    Send(SendArgs),
}

#[derive(clap::Args)]
struct WorkerArgs {
    /// Stop after running this many tasks [default: run until SIGTERM or Ctrl-C].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_tasks: Option<u32>,
    /// Unacknowledged tasks the broker may hand this worker at once (Celery's default: 4).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    prefetch: u16,
    /// Do not print a line per task (for throughput runs).
    #[arg(long)]
    quiet: bool,
    /// Make every task take this long (tests kill a worker in the middle of a task).
    #[arg(long, hide = true, default_value_t = 0)]
    task_delay_ms: u64,
}

#[derive(clap::Args)]
struct SendArgs {
    /// First argument of add(x, y); task i of a --count run adds x + i.
    #[arg(long, default_value_t = 5, allow_hyphen_values = true)]
    x: i64,
    /// Second argument of add(x, y).
    #[arg(long, default_value_t = 5, allow_hyphen_values = true)]
    y: i64,
    /// Tasks to send; above 1 the run prints the round-trip rate in tasks/s.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    count: u32,
    /// Rust worker processes to start for this run (0: rely on workers already running).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=64))]
    workers: u32,
    /// Give up when no result arrives for this many seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    timeout_s: u64,
}

impl SendArgs {
    /// The plain run: the book's add(5, 5), with one worker started for it.
    fn book_demo() -> Self {
        Self {
            x: 5,
            y: 5,
            count: 1,
            workers: 1,
            timeout_s: 10,
        }
    }
}

/// Where tasks go: the broker and the queue on it.
struct Broker {
    url: String,
    queue: String,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let broker = Broker {
        url: args.broker,
        queue: args.queue,
    };
    match args.command {
        Some(Command::Worker(worker)) => block_on(work(&broker, &worker)),
        Some(Command::Send(send)) => send_and_check(&broker, &send),
        None => send_and_check(&broker, &SendArgs::book_demo()),
    }
}

fn block_on<T>(future: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    runtime()?.block_on(future)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")
}

// ---------------------------------------------------------------------------------------------
// The task and Celery's message protocol, version 2
// ---------------------------------------------------------------------------------------------

/// An exception the task raises, sent back as Celery encodes it for JSON.
#[derive(Debug, PartialEq)]
struct TaskError {
    exc_type: &'static str,
    message: String,
}

impl TaskError {
    fn type_error(message: String) -> Self {
        Self {
            exc_type: "TypeError",
            message,
        }
    }
}

// ANCHOR: add
/// The task: `add(x, y)`, with its arguments bound as Python binds them, positionally or by
/// name. Integers only; an overflow is reported as Python would report a too-large number.
fn add(args: &[Value], kwargs: &Map<String, Value>) -> Result<i64, TaskError> {
    const PARAMETERS: [&str; 2] = ["x", "y"];
    if args.len() > PARAMETERS.len() {
        return Err(TaskError::type_error(format!(
            "add() takes 2 positional arguments but {} were given",
            args.len()
        )));
    }
    if let Some(unknown) = kwargs
        .keys()
        .find(|key| !PARAMETERS.contains(&key.as_str()))
    {
        return Err(TaskError::type_error(format!(
            "add() got an unexpected keyword argument '{unknown}'"
        )));
    }
    let mut values = [0_i64; 2];
    for (i, name) in PARAMETERS.iter().enumerate() {
        let value = match (args.get(i), kwargs.get(*name)) {
            (Some(_), Some(_)) => {
                return Err(TaskError::type_error(format!(
                    "add() got multiple values for argument '{name}'"
                )));
            }
            (Some(value), None) | (None, Some(value)) => value,
            (None, None) => {
                return Err(TaskError::type_error(format!(
                    "add() missing required argument: '{name}'"
                )));
            }
        };
        values[i] = value.as_i64().ok_or_else(|| {
            TaskError::type_error(format!("add() takes integers, got {name}={value}"))
        })?;
    }
    values[0].checked_add(values[1]).ok_or(TaskError {
        exc_type: "OverflowError",
        message: format!("{} + {} does not fit in 64 bits", values[0], values[1]),
    })
}
// ANCHOR_END: add

// ANCHOR: task_message
/// The AMQP properties and headers of a task message, field for field what Celery 5's
/// `add.delay(x, y)` puts on the wire (protocol 2): the routing metadata travels in headers so
/// a worker in any language can read it without decoding the body.
fn task_properties(id: &str, x: i64, y: i64, reply_to: &str) -> BasicProperties {
    let text = |value: &str| AMQPValue::LongString(LongString::from(value));
    let mut headers = FieldTable::default();
    headers
        .insert("lang".into(), text("py"))
        .insert("task".into(), text(TASK_NAME))
        .insert("id".into(), text(id))
        .insert("shadow".into(), AMQPValue::Void)
        .insert("eta".into(), AMQPValue::Void)
        .insert("expires".into(), AMQPValue::Void)
        .insert("group".into(), AMQPValue::Void)
        .insert("group_index".into(), AMQPValue::Void)
        .insert("retries".into(), AMQPValue::LongInt(0))
        .insert(
            "timelimit".into(),
            AMQPValue::FieldArray(FieldArray::from(vec![AMQPValue::Void, AMQPValue::Void])),
        )
        .insert("root_id".into(), text(id))
        .insert("parent_id".into(), AMQPValue::Void)
        .insert("argsrepr".into(), text(&format!("({x}, {y})")))
        .insert("kwargsrepr".into(), text("{}"))
        .insert("origin".into(), text(&origin()))
        .insert("ignore_result".into(), AMQPValue::Boolean(false))
        .insert("replaced_task_nesting".into(), AMQPValue::LongInt(0))
        .insert("stamped_headers".into(), AMQPValue::Void)
        .insert(
            "stamps".into(),
            AMQPValue::FieldTable(FieldTable::default()),
        );
    BasicProperties::default()
        .with_content_type(JSON.into())
        .with_content_encoding("utf-8".into())
        .with_headers(headers)
        .with_delivery_mode(2) // persistent, as Celery sends tasks
        .with_priority(0)
        .with_correlation_id(id.into())
        .with_reply_to(reply_to.into())
}

/// The body: `[args, kwargs, embed]` in JSON; embed holds the workflow links (none here).
fn task_body(x: i64, y: i64) -> Vec<u8> {
    let embed = json!({"callbacks": null, "errbacks": null, "chain": null, "chord": null});
    json!([[x, y], {}, embed]).to_string().into_bytes()
}
// ANCHOR_END: task_message

/// Celery's `origin` header: which process sent the task (`gen<pid>@<host>` in Python).
fn origin() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned());
    format!("rust{}@{host}", std::process::id())
}

/// A task message as the worker reads it.
#[derive(Debug)]
struct TaskMessage {
    id: String,
    args: Vec<Value>,
    kwargs: Map<String, Value>,
    reply_to: String,
    correlation_id: String,
    ignore_result: bool,
}

// ANCHOR: parse_task
/// Reads a delivery as a protocol 2 task message, or says why it is not one this worker can
/// run. Nothing in the message is executed: the task name only selects `add`.
fn parse_task(properties: &BasicProperties, body: &[u8]) -> Result<TaskMessage, String> {
    let content_type = properties.content_type().as_ref().map(|t| t.as_str());
    if content_type != Some(JSON) {
        return Err(format!(
            "content type {content_type:?} is not accepted (only {JSON})"
        ));
    }
    let empty = FieldTable::default();
    let headers = properties.headers().as_ref().unwrap_or(&empty);
    let task = header_text(headers, "task")
        .ok_or("no 'task' header: not a Celery protocol 2 task message")?;
    let id = header_text(headers, "id").ok_or("no 'id' header")?;
    if task != TASK_NAME {
        return Err(format!(
            "unregistered task '{task}' (this worker runs {TASK_NAME})"
        ));
    }
    if let Some(field) = ["eta", "expires"]
        .into_iter()
        .find(|f| header_set(headers, f))
    {
        return Err(format!(
            "task {id} uses '{field}', which this worker does not implement"
        ));
    }
    let body: Value =
        serde_json::from_slice(body).map_err(|error| format!("body is not JSON: {error}"))?;
    let Some([args, kwargs, embed]) = body.as_array().map(Vec::as_slice) else {
        return Err("body is not [args, kwargs, embed]".to_owned());
    };
    let (Some(args), Some(kwargs)) = (args.as_array(), kwargs.as_object()) else {
        return Err("body is not [args, kwargs, embed]".to_owned());
    };
    let links = ["callbacks", "errbacks", "chain", "chord"];
    if let Some(link) = links.into_iter().find(|link| !embed[*link].is_null()) {
        return Err(format!(
            "task {id} has a '{link}', which this worker does not implement"
        ));
    }
    let property =
        |value: &Option<lapin::types::ShortString>| value.as_ref().map(|v| v.as_str().to_owned());
    Ok(TaskMessage {
        reply_to: property(properties.reply_to()).unwrap_or_default(),
        correlation_id: property(properties.correlation_id()).unwrap_or_else(|| id.clone()),
        ignore_result: matches!(
            headers.inner().get("ignore_result"),
            Some(AMQPValue::Boolean(true))
        ),
        id,
        args: args.clone(),
        kwargs: kwargs.clone(),
    })
}
// ANCHOR_END: parse_task

fn header_text(headers: &FieldTable, key: &str) -> Option<String> {
    match headers.inner().get(key)? {
        AMQPValue::LongString(text) => String::from_utf8(text.as_bytes().to_vec()).ok(),
        AMQPValue::ShortString(text) => Some(text.as_str().to_owned()),
        _ => None,
    }
}

fn header_set(headers: &FieldTable, key: &str) -> bool {
    !matches!(headers.inner().get(key), None | Some(AMQPValue::Void))
}

// ANCHOR: result_body
/// The result message of Celery's `rpc://` backend: the task's state, its return value (or the
/// exception as type, arguments and module), sent to the `reply_to` queue.
fn result_body(task_id: &str, outcome: &Result<i64, TaskError>) -> Vec<u8> {
    let (status, result) = match outcome {
        Ok(sum) => ("SUCCESS", json!(sum)),
        Err(error) => (
            "FAILURE",
            json!({"exc_type": error.exc_type, "exc_message": [error.message],
                   "exc_module": "builtins"}),
        ),
    };
    let done = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6f+00:00");
    json!({"status": status, "result": result, "traceback": null, "children": [],
           "date_done": done.to_string(), "task_id": task_id})
    .to_string()
    .into_bytes()
}
// ANCHOR_END: result_body

/// A result as the sender reads it: the state, and the value or the error's text.
#[derive(Debug, PartialEq)]
enum Outcome {
    Success(Value),
    Failure(String),
    /// PENDING, STARTED, RETRY: a state on the way, not the result.
    NotYet,
}

fn parse_result(body: &[u8]) -> anyhow::Result<Outcome> {
    let reply: Value = serde_json::from_slice(body).context("a result that is not JSON")?;
    let status = reply["status"]
        .as_str()
        .context("a result without a status")?;
    Ok(match status {
        "SUCCESS" => Outcome::Success(reply["result"].clone()),
        "FAILURE" | "REVOKED" | "REJECTED" => {
            let error = &reply["result"];
            let kind = error["exc_type"].as_str().unwrap_or(status);
            let message = match &error["exc_message"] {
                Value::Array(parts) => parts.iter().map(plain).collect::<Vec<_>>().join(", "),
                other => plain(other),
            };
            Outcome::Failure(format!("{kind}: {message}"))
        }
        _ => Outcome::NotYet,
    })
}

/// A JSON value as text, strings without their quotes.
fn plain(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// Broker plumbing shared by both roles
// ---------------------------------------------------------------------------------------------

/// Connects within [`CONNECT_TIMEOUT`], or fails with one line that names the broker (password
/// hidden) and `scripts/setup.sh`.
async fn connect(url: &str) -> anyhow::Result<Connection> {
    let hint = "is RabbitMQ running? scripts/setup.sh starts it";
    let shown = redact(url);
    match tokio::time::timeout(
        CONNECT_TIMEOUT,
        Connection::connect(url, ConnectionProperties::default()),
    )
    .await
    {
        Ok(Ok(connection)) => Ok(connection),
        // The broker answered and refused: the user, password or vhost is wrong.
        Ok(Err(error)) if error.is_amqp_error() => {
            bail!("the broker at {shown} refused the connection: {error}")
        }
        Ok(Err(error)) => bail!("cannot reach the broker at {shown}: {error} ({hint})"),
        Err(_) => bail!(
            "cannot reach the broker at {shown}: no answer within {}s ({hint})",
            CONNECT_TIMEOUT.as_secs()
        ),
    }
}

/// The URL with its password replaced by `***`, fit for messages and logs.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((userinfo, _)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let host_and_path = &rest[userinfo.len()..];
            format!("{scheme}://{user}:***{host_and_path}")
        }
        _ => url.to_owned(),
    }
}

// ANCHOR: declare
/// Declares the task queue exactly as Celery does (a durable queue bound to a durable direct
/// exchange of the same name), so Python and Rust workers and senders can share it in any
/// start order: RabbitMQ refuses a second declaration with different properties.
async fn declare_task_queue(channel: &Channel, queue: &str) -> anyhow::Result<()> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .exchange_declare(
            queue.into(),
            ExchangeKind::Direct,
            durable,
            FieldTable::default(),
        )
        .await
        .with_context(|| format!("cannot declare exchange '{queue}'"))?;
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await
        .with_context(|| format!("cannot declare queue '{queue}'"))?;
    channel
        .queue_bind(
            queue.into(),
            queue.into(),
            queue.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .with_context(|| format!("cannot bind queue '{queue}' to its exchange"))
}
// ANCHOR_END: declare

// ---------------------------------------------------------------------------------------------
// The worker
// ---------------------------------------------------------------------------------------------

/// SIGTERM or SIGINT, whichever comes first: the worker's stop request.
struct Shutdown {
    terminate: Signal,
    interrupt: Signal,
}

impl Shutdown {
    fn listen() -> anyhow::Result<Self> {
        Ok(Self {
            terminate: signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
            interrupt: signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
        })
    }

    async fn requested(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}

// ANCHOR: work
/// Consumes the queue until SIGTERM/SIGINT or `--max-tasks`. A task is acknowledged only after
/// it ran and its result was sent; anything unacknowledged when the worker dies goes back to
/// the queue for another worker.
async fn work(broker: &Broker, args: &WorkerArgs) -> anyhow::Result<()> {
    // Started by `send --workers` or a plain run: never outlive that parent.
    common::child::die_with_parent_if_spawned()?;
    let mut shutdown = Shutdown::listen()?;
    let connection = connect(&broker.url).await?;
    let channel = connection.create_channel().await?;
    channel
        .basic_qos(args.prefetch, BasicQosOptions::default())
        .await?;
    declare_task_queue(&channel, &broker.queue).await?;
    let tag = format!("celery-add-task-{}", std::process::id());
    let mut deliveries = channel
        .basic_consume(
            broker.queue.as_str().into(),
            tag.into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .with_context(|| format!("cannot consume queue '{}'", broker.queue))?;
    let me = std::process::id();
    println!(
        "Worker {me} ready: consuming queue '{}' at {}",
        broker.queue,
        redact(&broker.url)
    );

    let mut done = 0;
    while args.max_tasks.is_none_or(|max| done < max) {
        let delivery = tokio::select! {
            _ = shutdown.requested() => break,
            next = deliveries.next() => match next {
                Some(delivery) => delivery.context("lost the broker while waiting for tasks")?,
                None => bail!("the broker cancelled this worker's consumer"),
            },
        };
        match handle(&channel, delivery, args, &mut shutdown).await? {
            Handled::Ran => done += 1,
            Handled::Rejected => {}
            Handled::Interrupted => break,
        }
    }
    // Closing returns any prefetched, unacknowledged task to the queue.
    channel.close(200, "worker stopping".into()).await?;
    connection.close(200, "worker stopping".into()).await?;
    let plural = if done == 1 { "" } else { "s" };
    println!("Worker {me} stopped after {done} task{plural}");
    Ok(())
}
// ANCHOR_END: work

enum Handled {
    Ran,
    Rejected,
    Interrupted,
}

// ANCHOR: handle
async fn handle(
    channel: &Channel,
    delivery: Delivery,
    args: &WorkerArgs,
    shutdown: &mut Shutdown,
) -> anyhow::Result<Handled> {
    let message = match parse_task(&delivery.properties, &delivery.data) {
        Ok(message) => message,
        Err(reason) => {
            // Requeueing a message no worker can read would only bounce it forever.
            eprintln!(
                "Rejected message {}: {reason}; discarded",
                delivery.delivery_tag
            );
            let discard = BasicRejectOptions { requeue: false };
            delivery.acker.reject(discard).await?;
            return Ok(Handled::Rejected);
        }
    };
    let task = format!("Task {TASK_NAME}[{}]", message.id);
    if !args.quiet {
        println!("{task} received");
    }
    let clock = Stopwatch::start();
    let outcome = tokio::select! {
        outcome = run_task(&message, args.task_delay_ms) => outcome,
        _ = shutdown.requested() => {
            let requeue = BasicNackOptions { requeue: true, ..Default::default() };
            delivery.acker.nack(requeue).await?;
            return Ok(Handled::Interrupted);
        }
    };
    let runtime = clock.elapsed().as_secs_f64();
    if !args.quiet {
        match &outcome {
            Ok(sum) => println!("{task} succeeded in {runtime:.6}s: {sum}"),
            Err(error) => println!("{task} raised {}: {}", error.exc_type, error.message),
        }
    }
    if !message.reply_to.is_empty() && !message.ignore_result {
        let properties = BasicProperties::default()
            .with_content_type(JSON.into())
            .with_content_encoding("utf-8".into())
            .with_correlation_id(message.correlation_id.as_str().into())
            .with_delivery_mode(1); // the rpc:// backend's results are transient
        let body = result_body(&message.id, &outcome);
        channel
            .basic_publish(
                "".into(), // the default exchange routes straight to the reply queue
                message.reply_to.as_str().into(),
                BasicPublishOptions::default(),
                &body,
                properties,
            )
            .await
            .with_context(|| format!("cannot send the result of {task}"))?;
    }
    delivery.acker.ack(Default::default()).await?;
    Ok(Handled::Ran)
}
// ANCHOR_END: handle

async fn run_task(message: &TaskMessage, delay_ms: u64) -> Result<i64, TaskError> {
    if delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await; // a slow task, on request
    }
    add(&message.args, &message.kwargs)
}

// ---------------------------------------------------------------------------------------------
// The sender
// ---------------------------------------------------------------------------------------------

/// What came back: each task's result, checked against the sum computed here.
struct Sent {
    /// Task id → the result its worker sent.
    results: HashMap<String, i64>,
    took: Duration,
}

fn send_and_check(broker: &Broker, args: &SendArgs) -> anyhow::Result<()> {
    let runtime = runtime()?;
    // Connecting first makes a missing broker one clear error before any worker starts.
    let connection = runtime.block_on(connect(&broker.url))?;
    let mut pool = WorkerPool::start(broker, args.workers, args.count > 1)?;
    let sent = runtime.block_on(send(connection, &broker.queue, args));
    let stopped = pool.stop();
    let sent = sent?;
    stopped?;
    report(args, &sent)
}

// ANCHOR: send
/// Publishes `count` tasks, then waits for every result on a private reply queue (the
/// `rpc://` backend's design: one reply queue per client, results matched by correlation id).
async fn send(connection: Connection, queue: &str, args: &SendArgs) -> anyhow::Result<Sent> {
    let channel = connection.create_channel().await?;
    declare_task_queue(&channel, queue).await?;
    let (reply_to, mut replies) = reply_queue(&channel).await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;

    // Task id → the sum computed here, which the worker's answer must match (None: the sum
    // overflows, and the worker must report a failure).
    let mut expected = HashMap::new();
    let mut confirms = Vec::new();
    let clock = Stopwatch::start();
    for i in 0..i64::from(args.count) {
        let id = uuid::Uuid::new_v4().to_string();
        let x = args.x.checked_add(i).context("--x + --count overflows")?;
        if args.count == 1 {
            println!("Task {TASK_NAME}[{id}] sent: add({x}, {})", args.y);
        }
        let properties = task_properties(&id, x, args.y, &reply_to);
        let body = task_body(x, args.y);
        let options = BasicPublishOptions::default();
        let confirm = channel
            .basic_publish(queue.into(), queue.into(), options, &body, properties)
            .await
            .context("cannot publish a task")?;
        confirms.push(confirm);
        expected.insert(id, x.checked_add(args.y));
    }
    for confirm in confirms {
        ensure!(confirm.await?.is_ack(), "the broker refused a task");
    }
    let mut results = HashMap::new();
    let timeout = Duration::from_secs(args.timeout_s);
    while !expected.is_empty() {
        let Ok(next) = tokio::time::timeout(timeout, replies.next()).await else {
            bail!(
                "no result within {}s ({} of {} tasks unanswered): is a worker consuming queue \
                 '{queue}'? start one with `celery-add-task worker`",
                args.timeout_s,
                expected.len(),
                args.count,
            );
        };
        let delivery = next.context("the broker closed the reply queue")??;
        if let Some((id, sum)) = check_result(&delivery, &mut expected)? {
            results.insert(id, sum);
        }
    }
    let took = clock.elapsed();
    connection.close(200, "sender done".into()).await?;
    Ok(Sent { results, took })
}
// ANCHOR_END: send

/// A queue only this connection reads, deleted when it closes, and a consumer on it. Results
/// need no acknowledgement: a lost one is reported as a timeout.
async fn reply_queue(channel: &Channel) -> anyhow::Result<(String, lapin::Consumer)> {
    let private = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..Default::default()
    };
    let queue = channel
        .queue_declare("".into(), private, FieldTable::default())
        .await
        .context("cannot declare a reply queue")?;
    let no_ack = BasicConsumeOptions {
        no_ack: true,
        ..Default::default()
    };
    let consumer = channel
        .basic_consume(
            queue.name().clone(),
            "".into(),
            no_ack,
            FieldTable::default(),
        )
        .await
        .context("cannot consume the reply queue")?;
    Ok((queue.name().as_str().to_owned(), consumer))
}

/// Matches one reply to its task (removing it from `waiting`) and checks the sum; returns the
/// task id and result. A late duplicate (a task run twice after a worker died between sending
/// the result and acknowledging) is only noted.
fn check_result(
    delivery: &Delivery,
    waiting: &mut HashMap<String, Option<i64>>,
) -> anyhow::Result<Option<(String, i64)>> {
    let id = delivery
        .properties
        .correlation_id()
        .as_ref()
        .map(|id| id.as_str().to_owned())
        .context("a result without a correlation id")?;
    let outcome = parse_result(&delivery.data)?;
    if outcome == Outcome::NotYet {
        return Ok(None);
    }
    let Some(expected) = waiting.remove(&id) else {
        eprintln!("Ignored a result for task {id}: not waiting for it (a duplicate?)");
        return Ok(None);
    };
    match outcome {
        Outcome::Success(value) => match (value.as_i64(), expected) {
            (Some(sum), Some(expected)) if sum == expected => Ok(Some((id, sum))),
            _ => bail!("task {TASK_NAME}[{id}] returned {value}, expected {expected:?}"),
        },
        Outcome::Failure(error) => bail!("task {TASK_NAME}[{id}] failed: {error}"),
        Outcome::NotYet => unreachable!("returned above"),
    }
}

fn report(args: &SendArgs, sent: &Sent) -> anyhow::Result<()> {
    ensure!(
        sent.results.len() == args.count as usize,
        "{} results for {} tasks",
        sent.results.len(),
        args.count
    );
    if args.count == 1 {
        let sum = sent.results.values().next().context("one task was sent")?;
        println!("{sum}");
        return Ok(());
    }
    let (x, y, count) = (args.x, args.y, args.count);
    let sum = i128::from(x) + i128::from(y);
    println!("{count} results checked: add({x} + i, {y}) = {sum} + i for i in 0..{count}");
    let workers = match args.workers {
        0 => "workers already running".to_owned(),
        1 => "1 worker process".to_owned(),
        n => format!("{n} worker processes"),
    };
    let seconds = sent.took.as_secs_f64();
    println!(
        "Round trip: {count} tasks in {seconds:.3} s = {:.0} tasks/s ({workers})",
        f64::from(count) / seconds.max(f64::MIN_POSITIVE)
    );
    Ok(())
}

// ANCHOR: pool
/// Worker processes this run starts: the same binary's `worker` subcommand. Each one's stdout
/// is read by a thread that passes the lines on; the pool waits for every "ready" line, so
/// the tasks are sent to workers that already consume.
struct WorkerPool {
    children: Children,
    forwarders: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    fn start(broker: &Broker, workers: u32, quiet: bool) -> anyhow::Result<Self> {
        let mut pool = Self {
            children: Children::new(),
            forwarders: Vec::new(),
        };
        let (ready, readiness) = mpsc::channel();
        for i in 1..=workers {
            let mut args = vec!["worker", "--broker", &broker.url, "--queue", &broker.queue];
            if quiet {
                args.push("--quiet");
            }
            let mut command = common::child::self_command(args)?;
            command.stdin(Stdio::null()).stdout(Stdio::piped());
            let child = pool.children.spawn(&format!("worker {i}"), &mut command)?;
            let stdout = child
                .stdout
                .take()
                .context("the worker's stdout was piped")?;
            let ready = ready.clone();
            let forwarder = std::thread::Builder::new()
                .name(format!("worker-{i}-output"))
                .spawn(move || forward(stdout, &ready))
                .context("cannot start a thread")?;
            pool.forwarders.push(forwarder);
        }
        drop(ready);
        for _ in 0..workers {
            readiness
                .recv_timeout(WORKER_START_TIMEOUT)
                .context("a worker process ended or hung before it was ready")?;
        }
        Ok(pool)
    }

    /// SIGTERM to every worker, then waits for each and for its output.
    fn stop(&mut self) -> anyhow::Result<()> {
        for (_, child) in self.children.iter_mut() {
            common::child::terminate(child)?;
        }
        self.children.wait_all()?;
        for forwarder in self.forwarders.drain(..) {
            common::join(forwarder)?;
        }
        Ok(())
    }
}
// ANCHOR_END: pool

fn forward(stdout: ChildStdout, ready: &mpsc::Sender<()>) {
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        println!("{line}");
        if line.starts_with("Worker ") && line.contains(" ready: ") {
            // The pool stops listening after the last worker is ready; a late send is moot.
            let _ = ready.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn add_binds_arguments_like_python() {
        assert_eq!(add(&[json!(5), json!(5)], &Map::new()), Ok(10));
        assert_eq!(add(&[json!(2)], &map(json!({"y": 3}))), Ok(5));
        assert_eq!(add(&[], &map(json!({"x": -4, "y": 3}))), Ok(-1));
    }

    #[test]
    fn add_reports_python_errors() {
        let error = |args: &[Value], kwargs: Value| add(args, &map(kwargs)).unwrap_err();
        let missing = error(&[json!(1)], json!({}));
        assert_eq!(missing.exc_type, "TypeError");
        assert!(missing.message.contains("'y'"), "{missing:?}");
        assert!(
            error(&[json!(1), json!(2), json!(3)], json!({}))
                .message
                .contains("3 were")
        );
        assert!(
            error(&[json!(1)], json!({"x": 2}))
                .message
                .contains("multiple values")
        );
        assert!(
            error(&[json!(1), json!(2)], json!({"z": 2}))
                .message
                .contains("'z'")
        );
        assert!(
            error(&[json!("a"), json!(2)], json!({}))
                .message
                .contains("integers")
        );
        assert_eq!(
            error(&[json!(i64::MAX), json!(1)], json!({})).exc_type,
            "OverflowError"
        );
    }

    #[test]
    fn a_sent_task_parses_back() {
        let properties = task_properties("id-1", 5, 7, "replies");
        let message = parse_task(&properties, &task_body(5, 7)).unwrap();
        assert_eq!(
            (message.id.as_str(), message.reply_to.as_str()),
            ("id-1", "replies")
        );
        assert_eq!(message.correlation_id, "id-1");
        assert!(!message.ignore_result);
        assert_eq!(add(&message.args, &message.kwargs), Ok(12));
    }

    #[test]
    fn the_headers_are_celerys() {
        let properties = task_properties("id-2", 5, 5, "r");
        let headers = properties.headers().as_ref().unwrap();
        let fields: Vec<&str> = headers.inner().keys().map(|key| key.as_str()).collect();
        for field in [
            "lang",
            "task",
            "id",
            "root_id",
            "parent_id",
            "group",
            "retries",
        ] {
            assert!(fields.contains(&field), "{field} missing from {fields:?}");
        }
        assert_eq!(header_text(headers, "argsrepr").as_deref(), Some("(5, 5)"));
        assert_eq!(header_text(headers, "root_id").as_deref(), Some("id-2"));
        assert!(!header_set(headers, "eta"));
        let body: Value = serde_json::from_slice(&task_body(5, 5)).unwrap();
        assert_eq!(body[0], json!([5, 5]));
        assert_eq!(body[2]["chord"], Value::Null);
    }

    #[test]
    fn malformed_messages_are_refused_with_a_reason() {
        let good = task_properties("id-3", 1, 2, "r");
        let reason =
            |properties: &BasicProperties, body: &[u8]| parse_task(properties, body).unwrap_err();
        assert!(reason(&good, b"garbage").contains("not JSON"));
        assert!(reason(&good, b"[1, 2]").contains("[args, kwargs, embed]"));
        assert!(reason(&good, b"[[1], [], {}]").contains("[args, kwargs, embed]"));
        assert!(reason(&BasicProperties::default(), b"[]").contains("content type"));
        let plain = BasicProperties::default().with_content_type(JSON.into());
        assert!(reason(&plain, &task_body(1, 2)).contains("no 'task' header"));
        let mut headers = good.headers().clone().unwrap();
        headers.insert("task".into(), AMQPValue::LongString("os.system".into()));
        let other = good.clone().with_headers(headers);
        assert!(reason(&other, &task_body(1, 2)).contains("unregistered task 'os.system'"));
        let chained = br#"[[1, 2], {}, {"chain": [{"task": "x"}]}]"#;
        assert!(reason(&good, chained).contains("'chain'"));
    }

    #[test]
    fn results_round_trip_in_celerys_shape() {
        let body = result_body("id-4", &Ok(10));
        let reply: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(reply["task_id"], "id-4");
        assert_eq!(reply["children"], json!([]));
        assert_eq!(parse_result(&body).unwrap(), Outcome::Success(json!(10)));
        let failure = result_body("id-5", &Err(TaskError::type_error("bad".into())));
        assert_eq!(
            parse_result(&failure).unwrap(),
            Outcome::Failure("TypeError: bad".into())
        );
        let started = br#"{"status": "STARTED", "result": null}"#;
        assert_eq!(parse_result(started).unwrap(), Outcome::NotYet);
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("amqp://guest:secret@host:5672/%2f"),
            "amqp://guest:***@host:5672/%2f"
        );
        assert_eq!(redact("amqp://guest@host//"), "amqp://guest@host//");
        assert_eq!(redact("amqp://host"), "amqp://host");
    }
}
