//! Runs the real `celery-add-task` binary against the RabbitMQ on 127.0.0.1:5672, and against
//! Python's Celery in both directions. Each test has a queue of its own, deleted at the end, so
//! parallel tests never take each other's tasks.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::child::Children;
use common::testing::{TIMEOUT, run, run_fails, run_ok, run_with_env, wait_bounded};
use lapin::options::{
    BasicPublishOptions, ExchangeDeclareOptions, ExchangeDeleteOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Connection, ConnectionProperties, ExchangeKind};

const BIN: &str = env!("CARGO_BIN_EXE_celery-add-task");
const BROKER: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A queue (and its exchange, as Celery pairs them) for one test, deleted when dropped.
struct TestQueue(String);

impl TestQueue {
    fn new(test: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        Self(format!(
            "cookbook-test-{test}-{}-{nanos}",
            std::process::id()
        ))
    }

    fn name(&self) -> &str {
        &self.0
    }

    /// Declares the queue as the recipe and Celery do, then publishes raw messages to it.
    fn publish(&self, messages: Vec<(BasicProperties, Vec<u8>)>) {
        let name = self.0.clone();
        broker(async move {
            let connection = Connection::connect(BROKER, ConnectionProperties::default()).await?;
            let channel = connection.create_channel().await?;
            let durable = ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            };
            let exchange = name.as_str();
            channel
                .exchange_declare(
                    exchange.into(),
                    ExchangeKind::Direct,
                    durable,
                    FieldTable::default(),
                )
                .await?;
            let queue = name.as_str();
            channel
                .queue_declare(
                    queue.into(),
                    QueueDeclareOptions::durable(),
                    FieldTable::default(),
                )
                .await?;
            channel
                .queue_bind(
                    queue.into(),
                    exchange.into(),
                    queue.into(),
                    Default::default(),
                    FieldTable::default(),
                )
                .await?;
            for (properties, body) in messages {
                channel
                    .basic_publish(
                        "".into(),
                        queue.into(),
                        BasicPublishOptions::default(),
                        &body,
                        properties,
                    )
                    .await?;
            }
            connection.close(200, "done".into()).await
        })
        .unwrap_or_else(|error| panic!("{error}"));
    }
}

impl Drop for TestQueue {
    fn drop(&mut self) {
        let name = self.0.clone();
        let deleted = broker(async move {
            let connection = Connection::connect(BROKER, ConnectionProperties::default()).await?;
            let channel = connection.create_channel().await?;
            let queue = name.as_str();
            channel
                .queue_delete(queue.into(), QueueDeleteOptions::default())
                .await?;
            channel
                .exchange_delete(queue.into(), ExchangeDeleteOptions::default())
                .await?;
            connection.close(200, "done".into()).await
        });
        // A panic here, while a failed test unwinds, would abort the whole test binary.
        if let Err(error) = deleted {
            eprintln!("cannot delete test queue {}: {error}", self.0);
        }
    }
}

/// Runs `work` against the broker, bounded by [`TIMEOUT`].
fn broker(work: impl Future<Output = lapin::Result<()>>) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    match runtime.block_on(async { tokio::time::timeout(TIMEOUT, work).await }) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(format!(
            "RabbitMQ on 127.0.0.1:5672 is needed (scripts/setup.sh): {error}"
        )),
        Err(_) => Err(format!("the broker did not answer within {TIMEOUT:?}")),
    }
}

/// The lines a process prints on one of its pipes, read by a thread so waits are bounded.
struct Lines {
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Lines {
    fn read(pipe: impl Read + Send + 'static) -> Self {
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            // Drained to the end even when nobody listens: a closed pipe would break the
            // process on its next print.
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Self {
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (at most [`TIMEOUT`]) for a line that satisfies `wanted`, and returns it.
    fn until(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("line not seen in time: {:#?}", self.seen),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the process ended without the line: {:#?}", self.seen)
                }
            }
        }
    }

    /// Every line, once the process has ended.
    fn all(mut self) -> Vec<String> {
        self.seen.extend(self.lines.iter());
        self.seen
    }
}

/// Starts `command` among `children`, its stdout and stderr read line by line. Both are piped
/// so nothing the test started writes into the test harness's own output.
fn start(children: &mut Children, name: &str, command: &mut Command) -> (Lines, Lines) {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = children
        .spawn(name, command)
        .unwrap_or_else(|error| panic!("{error:#}"));
    let stdout = Lines::read(child.stdout.take().expect("piped"));
    let stderr = Lines::read(child.stderr.take().expect("piped"));
    (stdout, stderr)
}

fn rust_worker(queue: &TestQueue, extra: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["worker", "--queue", queue.name()])
        .args(extra);
    command
}

/// The task id in "Task addTask.add[<id>] ...", checked to be a uuid as Celery makes them.
fn task_id(line: &str) -> String {
    let rest = line
        .strip_prefix("Task addTask.add[")
        .unwrap_or_else(|| panic!("not a task line: {line}"));
    let (id, _) = rest.split_once(']').expect(line);
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "not a uuid: {id}");
    id.to_owned()
}

/// The Python interpreter with Celery, looked for where `scripts/setup.sh` puts it (the
/// project's `.venv`, or `COOKBOOK_VENV`) and then on the PATH, as `bench --python` does; or a
/// failure that says how to get it.
fn python() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let venv = std::env::var_os("COOKBOOK_VENV").map_or_else(|| root.join(".venv"), PathBuf::from);
    let candidates = [venv.join("bin/python3"), PathBuf::from("python3")];
    let found = candidates.into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import celery"])
            .output()
            .is_ok_and(|output| output.status.success())
    });
    let found = found.expect(
        "python3 with celery is needed for the interoperability tests: run scripts/setup.sh",
    );
    found.to_str().expect("a UTF-8 path").to_owned()
}

fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}

// ---------------------------------------------------------------------------------------------
// The recipe's runs
// ---------------------------------------------------------------------------------------------

/// The lines a worker process of a plain or bench run printed, without their `[role] ` prefix.
fn worker_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|line| {
            line.strip_prefix("[worker")?
                .split_once("] ")
                .map(|(_, l)| l)
        })
        .collect()
}

#[test]
fn the_plain_run_sends_add_5_5_to_its_own_worker_and_prints_10() {
    let queue = TestQueue::new("plain");
    let run = run_ok(BIN, &["--queue", queue.name()]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{lines:#?}");
    let ready = lines[0]
        .strip_prefix("[worker] Worker ")
        .and_then(|rest| rest.split_once(' '))
        .expect(lines[0]);
    let pid = ready.0;
    assert_eq!(
        ready.1,
        format!(
            "ready: consuming queue '{}' at amqp://guest@127.0.0.1:5672//",
            queue.name()
        )
    );
    assert_eq!(lines[1], format!("Started worker (pid {pid})"));
    let id = task_id(lines[2]);
    assert_eq!(lines[2], format!("Task addTask.add[{id}] sent: add(5, 5)"));
    assert_eq!(
        lines[3],
        format!("[worker] Task addTask.add[{id}] received")
    );
    let succeeded = format!("[worker] Task addTask.add[{id}] succeeded in ");
    assert!(lines[4].starts_with(&succeeded), "{}", lines[4]);
    assert!(lines[4].ends_with("s: 10"), "{}", lines[4]);
    assert_eq!(
        lines[5],
        format!("[worker] Worker {pid} stopped after 1 task")
    );
    assert_eq!(lines[6], format!("Stopped worker (pid {pid}): exited 0"));
    assert_eq!(lines[7], "10");
}

#[test]
fn the_benchmark_shares_the_tasks_between_two_workers_and_checks_every_result() {
    let queue = TestQueue::new("rate");
    let args = [
        "bench",
        "--queue",
        queue.name(),
        "--count",
        "40",
        "--workers",
        "2",
        "--x",
        "-3",
        "--y",
        "4",
    ];
    let run = run_ok(BIN, &args);
    let workers = worker_lines(&run.stdout);
    assert_eq!(workers.len(), 4, "{}", run.stdout);
    let ran: u32 = workers
        .iter()
        .filter_map(|line| line.split_once(" stopped after ")?.1.split(' ').next())
        .map(|count| count.parse::<u32>().expect("a count"))
        .sum();
    assert_eq!(ran, 40, "every task ran exactly once:\n{}", run.stdout);
    assert!(
        workers.iter().all(|line| line.starts_with("Worker ")),
        "quiet workers:\n{}",
        run.stdout
    );
    assert_eq!(run.lines_starting("Started worker-").len(), 2);
    assert_eq!(run.lines_starting("Stopped worker-1 (pid ").len(), 1);
    let checked = run.lines_starting("40 results checked: ");
    assert_eq!(
        checked,
        ["40 results checked: add(-3 + i, 4) = 1 + i for i in 0..40"]
    );
    let rate = run.lines_starting("Round trip: 40 tasks in ");
    assert_eq!(rate.len(), 1, "{}", run.stdout);
    assert!(
        rate[0].ends_with(" tasks/s (2 worker processes)"),
        "{}",
        rate[0]
    );
    let per_second: f64 = rate[0]
        .split(" = ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|number| number.parse().ok())
        .expect(rate[0]);
    assert!(per_second > 0.0, "{}", rate[0]);
}

#[test]
fn a_task_whose_worker_is_killed_runs_again_on_another_worker() {
    killed_mid_task("1");
}

/// The killed worker holds all three tasks (one running, two prefetched in its batch), none
/// acknowledged: all three run again elsewhere.
#[test]
fn a_batch_whose_worker_is_killed_runs_again_on_another_worker() {
    killed_mid_task("3");
}

/// A slow worker with `prefetch` is SIGKILLed in its first task of three; a second worker
/// then runs every task it held, and the sender gets all three results.
fn killed_mid_task(prefetch: &str) {
    let queue = TestQueue::new(&format!("kill-{prefetch}"));
    let mut children = Children::new();
    let slow = ["--prefetch", prefetch, "--task-delay-ms", "60000"];
    let (mut first, _) = start(&mut children, "slow", &mut rust_worker(&queue, &slow));
    first.until(|line| line.contains(" ready: "));
    let mut send = Command::new(BIN);
    send.args([
        "bench",
        "--queue",
        queue.name(),
        "--count",
        "3",
        "--workers",
        "0",
        "--timeout-s",
        "30",
    ]);
    let (sender, _) = start(&mut children, "sender", &mut send);

    let received = first.until(|line| line.ends_with("] received"));
    let interrupted = task_id(&received);
    children.get_mut("slow").unwrap().kill().unwrap(); // SIGKILL: no chance to clean up
    assert!(!wait_bounded(children.get_mut("slow").unwrap()).success());

    let (mut second, _) = start(&mut children, "second", &mut rust_worker(&queue, &[]));
    let status = wait_bounded(children.get_mut("sender").unwrap());
    let sent = sender.all();
    assert!(status.success(), "{sent:#?}");
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(
        sent[0],
        "3 results checked: add(5 + i, 5) = 10 + i for i in 0..3"
    );
    assert!(sent[1].starts_with("Round trip: 3 tasks in "), "{sent:#?}");
    second.until(|line| line.ends_with(": 10") && line.contains(&interrupted));
    common::child::terminate(children.get_mut("second").unwrap()).unwrap();
    assert!(wait_bounded(children.get_mut("second").unwrap()).success());
    let lines = second.all();
    let succeeded: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("] succeeded in "))
        .collect();
    assert_eq!(succeeded.len(), 3, "{lines:#?}");
    assert!(
        lines.last().unwrap().ends_with(" stopped after 3 tasks"),
        "{lines:#?}"
    );
}

#[test]
fn malformed_messages_are_rejected_with_a_reason_and_the_worker_goes_on() {
    let queue = TestQueue::new("garbage");
    let json = || BasicProperties::default().with_content_type("application/json".into());
    let with_task = |task: &str| {
        let mut headers = FieldTable::default();
        headers.insert("task".into(), AMQPValue::LongString(LongString::from(task)));
        headers.insert(
            "id".into(),
            AMQPValue::LongString(LongString::from("bad-1")),
        );
        json().with_headers(headers)
    };
    queue.publish(vec![
        (with_task("addTask.add"), b"this is not json".to_vec()),
        (json(), br#"[[1, 2], {}, {}]"#.to_vec()),
        (with_task("evil.task"), br#"[[1, 2], {}, {}]"#.to_vec()),
    ]);
    let mut children = Children::new();
    let mut worker = rust_worker(&queue, &["--max-tasks", "1"]);
    let (stdout, mut errors) = start(&mut children, "worker", &mut worker);

    let sent = run_ok(BIN, &["send", "--queue", queue.name()]);
    assert!(sent.stdout.ends_with("\n10\n"), "{}", sent.stdout);
    let id = task_id(sent.stdout.lines().next().unwrap());
    errors.until(|line| line.contains("evil.task"));
    assert!(wait_bounded(children.get_mut("worker").unwrap()).success());

    let rejected = errors.all();
    assert_eq!(rejected.len(), 3, "{rejected:#?}");
    let reasons = [
        "body is not JSON",
        "no 'task' header",
        "unregistered task 'evil.task'",
    ];
    for (line, reason) in rejected.iter().zip(reasons) {
        assert!(line.starts_with("Rejected message "), "{line}");
        assert!(
            line.contains(reason) && line.ends_with("; discarded"),
            "{line}"
        );
    }
    let ran = stdout.all();
    assert!(
        ran.iter()
            .any(|line| line.contains(&id) && line.ends_with(": 10")),
        "{ran:#?}"
    );
    assert!(
        ran.last().unwrap().ends_with(" stopped after 1 task"),
        "{ran:#?}"
    );
}

#[test]
fn a_task_error_comes_back_as_a_failure() {
    let queue = TestQueue::new("overflow");
    let mut children = Children::new();
    let mut worker = rust_worker(&queue, &["--max-tasks", "1"]);
    let (mut ran, _) = start(&mut children, "worker", &mut worker);
    ran.until(|line| line.contains(" ready: "));
    let max = i64::MAX.to_string();
    let args = ["send", "--queue", queue.name(), "--x", &max, "--y", "1"];
    let error = run_fails(BIN, &args, 1, "failed: OverflowError: ");
    assert!(error.starts_with("error: task addTask.add["), "{error}");
    assert!(wait_bounded(children.get_mut("worker").unwrap()).success());
    let raised = ran.until(|line| line.contains(" raised "));
    assert!(
        raised.ends_with(" raised OverflowError: 9223372036854775807 + 1 does not fit in 64 bits"),
        "{raised}"
    );
}

#[test]
fn a_missing_broker_is_one_clear_line_within_5_seconds() {
    let nowhere = "amqp://guest:guest@127.0.0.1:1/";
    for args in [
        vec!["send", "--broker", nowhere],
        vec!["worker", "--broker", nowhere],
        vec!["bench", "--broker", nowhere],
        vec!["--broker", nowhere],
    ] {
        let clock = Instant::now();
        let error = run_fails(
            BIN,
            &args,
            1,
            "cannot reach the broker at amqp://guest:***@127.0.0.1:1/",
        );
        assert!(
            clock.elapsed() < Duration::from_secs(5),
            "{args:?} took {:?}",
            clock.elapsed()
        );
        assert_eq!(error.lines().count(), 1, "{error}");
        assert!(
            error.contains("scripts/setup.sh") && !error.contains("guest:guest"),
            "{error}"
        );
    }
}

#[test]
fn a_broker_that_refuses_the_login_says_so() {
    let wrong = "amqp://guest:wrong@127.0.0.1:5672//";
    let error = run_fails(
        BIN,
        &["send", "--broker", wrong],
        1,
        "refused the connection",
    );
    assert!(
        error.contains("ACCESS_REFUSED") && !error.contains(":wrong@"),
        "{error}"
    );
}

#[test]
fn invalid_values_are_refused_by_the_parser() {
    run_fails(BIN, &["bench", "--count", "0"], 2, "--count");
    run_fails(BIN, &["bench", "--workers", "65"], 2, "--workers");
    run_fails(BIN, &["bench", "--timeout-s", "0"], 2, "--timeout-s");
    run_fails(BIN, &["send", "--timeout-s", "0"], 2, "--timeout-s");
    run_fails(BIN, &["send", "--count", "2"], 2, "--count");
    run_fails(BIN, &["worker", "--prefetch", "0"], 2, "--prefetch");
    run_fails(BIN, &["bench", "--prefetch", "0"], 2, "--prefetch");
    run_fails(BIN, &["worker", "--max-tasks", "0"], 2, "--max-tasks");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    for (args, message) in [
        (
            &["bench", "--count", "100001"][..],
            "100001 is not in 1..=100000",
        ),
        (&["bench", "--workers", "65"], "65 is not in 0..=64"),
        (&["bench", "--timeout-s", "3601"], "3601 is not in 1..=3600"),
        (&["send", "--timeout-s", "3601"], "3601 is not in 1..=3600"),
        (&["worker", "--prefetch", "1001"], "1001 is not in 1..=1000"),
        (&["bench", "--prefetch", "1001"], "1001 is not in 1..=1000"),
        (
            &["worker", "--max-tasks", "1000001"],
            "1000001 is not in 1..=1000000",
        ),
        (
            &["worker", "--task-delay-ms", "60001"],
            "60001 is not in 0..=60000",
        ),
    ] {
        run_fails(BIN, args, 2, message);
    }
    let help = run(BIN, &["--help"]);
    for subcommand in ["worker", "send", "bench"] {
        assert!(help.stdout.contains(subcommand), "{help:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Interoperability with Python's Celery
// ---------------------------------------------------------------------------------------------

#[test]
fn a_python_celery_worker_runs_a_task_sent_from_rust() {
    let python = python();
    let queue = TestQueue::new("py-worker");
    let mut children = Children::new();
    let mut worker = Command::new(&python);
    worker
        .args(["-m", "celery", "-A", "addtask", "worker", "--pool", "solo"])
        .args([
            "--concurrency",
            "1",
            "-Q",
            queue.name(),
            "--loglevel",
            "INFO",
        ])
        .args([
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ])
        .current_dir(python_dir());
    let (_, mut log) = start(&mut children, "celery worker", &mut worker);

    let sent = run(BIN, &["send", "--queue", queue.name(), "--timeout-s", "30"]);
    if sent.code != Some(0) {
        children.get_mut("celery worker").unwrap().kill().unwrap();
        wait_bounded(children.get_mut("celery worker").unwrap());
        panic!("{sent:#?}\nthe Celery worker's log:\n{:#?}", log.all());
    }
    let lines: Vec<&str> = sent.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let id = task_id(lines[0]);
    assert_eq!(lines[1], "10");
    // Celery's own log line: the task ran in Python.
    let done = log.until(|line| line.contains(&format!("Task addTask.add[{id}] succeeded in ")));
    assert!(done.ends_with("s: 10"), "{done}");
}

#[test]
fn the_rust_worker_runs_a_task_sent_by_python_add_delay() {
    let python = python();
    let queue = TestQueue::new("py-sender");
    let mut children = Children::new();
    let (mut worker, _) = start(
        &mut children,
        "worker",
        &mut rust_worker(&queue, &["--max-tasks", "1"]),
    );
    worker.until(|line| line.contains(" ready: "));

    let script = python_dir().join("addtask_main.py");
    let script = script.to_str().expect("a UTF-8 path");
    let queue_name = std::ffi::OsStr::new(queue.name());
    let sent = run_with_env(&python, &[script], &[("ADDTASK_QUEUE", queue_name)]);
    assert_eq!(sent.code, Some(0), "{sent:#?}");
    let lines: Vec<&str> = sent.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{sent:#?}");
    let id = task_id(lines[0]);
    assert_eq!(lines[1], "10", "Python read the Rust worker's result");

    assert!(wait_bounded(children.get_mut("worker").unwrap()).success());
    let ran = worker.all();
    assert!(
        ran.contains(&format!("Task addTask.add[{id}] received")),
        "{ran:#?}"
    );
    assert!(
        ran.iter()
            .any(|line| line.contains(&id) && line.ends_with("s: 10")),
        "{ran:#?}"
    );
}

/// The rate in a line `... = 669 tasks/s ...`, checked to be a positive number.
fn rate(line: &str) -> f64 {
    let rate: f64 = line
        .split_once(" = ")
        .and_then(|(_, rest)| rest.split(" tasks/s").next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no rate in {line}"));
    assert!(rate > 0.0, "{line}");
    rate
}

#[test]
fn the_python_comparison_runs_the_same_tasks_through_celery_and_prints_the_ratio() {
    python(); // a clear failure when Celery is missing
    let queue = TestQueue::new("bench-python");
    let args = [
        "bench",
        "--queue",
        queue.name(),
        "--count",
        "30",
        "--workers",
        "2",
    ];
    let run = run_ok(BIN, &[&args[..], &["--prefetch", "8", "--python"]].concat());
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| !line.starts_with('['))
        .collect();
    assert_eq!(lines.len(), 7, "{}", run.stdout);
    assert_eq!(
        lines[3],
        "30 results checked: add(5 + i, 5) = 10 + i for i in 0..30"
    );
    assert!(
        lines[4].starts_with("Round trip: 30 tasks in "),
        "{}",
        lines[4]
    );
    let rust = rate(lines[4]);
    let python = lines[5];
    assert!(
        python.starts_with("Python Celery: 30 tasks in "),
        "{python}"
    );
    assert!(
        python.contains(" tasks/s (2 worker processes, --pool solo; add.delay took "),
        "{python}"
    );
    let python = rate(python);
    let ratio = lines[6]
        .strip_prefix("Rust/Python: ")
        .and_then(|rest| rest.strip_suffix("x the round trips per second"))
        .and_then(|number| number.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("not the ratio line: {}", lines[6]));
    // The printed ratio is the two printed rates' (each rounded for print).
    let expected = rust / python;
    assert!(
        (ratio - expected).abs() <= 0.05 * expected + 0.1,
        "{ratio} vs {expected}"
    );
}

#[test]
fn bench_python_without_python_or_celery_is_one_line_naming_setup() {
    let nowhere = std::ffi::OsStr::new("/nonexistent");
    let env = [("PATH", nowhere), ("COOKBOOK_VENV", nowhere)];
    let missing = run_with_env(BIN, &["bench", "--count", "1", "--python"], &env);
    assert_eq!(missing.code, Some(1), "{missing:#?}");
    assert_eq!(
        missing.stderr.trim(),
        "error: --python needs python3 with Celery: run scripts/setup.sh"
    );
    let args = ["bench", "--workers", "0", "--python"];
    run_fails(
        BIN,
        &args,
        1,
        "--python starts its workers: give --workers 1 or more",
    );
}
