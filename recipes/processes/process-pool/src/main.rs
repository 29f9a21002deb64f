//! # Using a process pool
//!
//! Book: 1st edition §3.10 "How to use a process pool", `poll.py` (sic); 2nd edition chapter 3,
//! "Using a process pool", `process_pool.py`.
//!
//! A pool of four worker processes maps `function_square` over the numbers 0 to 99 and returns
//! the squares in input order. The same pool then maps a CPU-bound function over a larger
//! input, timed against a `rayon` pool of as many threads, so the cost of processes (starting
//! them, and copying every input and result through a pipe) is there to see.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-pool                            # 4 processes, squares of 0..99
//! cargo run -p process-pool -- --processes 2 --size 20000
//! cargo run -p process-pool -- --fail-item 42          # a worker dies on item 42
//! ```
//!
//! ## Python → Rust
//!
//! - `multiprocessing.Pool(processes=4)` → four copies of this binary started with the hidden
//!   subcommand `worker` (`common::child::self_command`); each asks the kernel to kill it if
//!   the parent dies (`common::child::die_with_parent`) and says it is ready.
//! - The pool's task and result queues → each worker's stdin and stdout pipes, one
//!   `serde_json` value per line: the parent writes chunks of inputs, the worker answers one
//!   line per item. A reader thread per worker forwards its answers to one channel, so the
//!   parent hands a new chunk to whichever worker finishes first.
//! - `pool.map(function_square, inputs)` → `Pool::map`: inputs are cut into chunks the way
//!   Python sizes them (about four chunks per worker); a worker gets its next chunk as soon as
//!   it has answered the last, and every answer carries its item's index, so the results come
//!   back in input order whichever worker computed them.
//! - `pool.close(); pool.join()` → `Pool::close`: closing a worker's stdin ends its loop; the
//!   parent waits for every worker and checks its exit status. `pool.terminate()` → SIGTERM
//!   (`common::child::terminate`), sent to the remaining workers when one fails.
//! - Functions cannot be pickled and sent: the worker runs the same binary, so the task names
//!   the function (`Function::Square`, `Function::Spin`) and the worker calls it.
//! - The comparison: `rayon::ThreadPoolBuilder` with as many threads, `par_iter().map()`.
//!   Threads share the inputs in memory, processes receive copies; in Python only processes
//!   run CPU-bound code in parallel (the GIL), in Rust both do, and the difference is the price
//!   of isolation.
//!
//! ## Differences from the book
//!
//! - The run checks itself: the squares must come back in order with sum 328350 (for 0..99),
//!   and both pools must return the same results on the CPU-bound map; otherwise it exits 1.
//! - The timing part is not in the book: `--size` items (10000) of `--rounds` rounds (2000) of
//!   integer work, on the process pool and on a thread pool; it prints both start-up times,
//!   both map times (the best of `--repeat`, 3) and the speedup of threads over processes.
//! - `--fail-item K` (a demo, not in the book) makes the worker that computes item K of the
//!   squares exit with status 3, after sending the answers it has. The parent names the
//!   item (the first of the worker's chunk it has no answer for) and the status in one line,
//!   terminates the other workers, and exits 1. (A Python `Pool` whose worker exits in the
//!   middle of a task starts a new worker but loses the task, and `map` waits for it forever.)
//! - `--processes` (4), `--items` (100) and `--chunk-size` are flags; `--show-pids` prints each
//!   worker's PID once it is ready.
//! - Python 2's tuple print in the 1st edition's output, `('Pool    :', [...])`, becomes the
//!   2nd edition's `Pool    : [...]`.

use std::collections::VecDeque;
use std::hint::black_box;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::ops::Range;
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, anyhow, ensure};
use clap::{Parser, Subcommand};
use common::timing::{best_of, seconds_line, speedup_line, timed};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The exit status of a worker told to fail by `--fail-item`.
const FAIL_STATUS: i32 = 3;

#[derive(Parser)]
#[command(
    about = "A pool of worker processes maps a function over a list, timed against threads",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Worker processes in the pool, and threads in the pool it is timed against (the book's 4).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    processes: u32,
    /// Numbers the book's map squares: 0, 1, ..., n-1 (the book's 100).
    #[arg(
        long,
        default_value_t = 100,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000)
    )]
    items: u32,
    /// Items of the CPU-bound map timed on both pools.
    #[arg(
        long,
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u32).range(1..=10_000_000)
    )]
    size: u32,
    /// Rounds of integer work per item of the CPU-bound map (a few ns each).
    #[arg(long, default_value_t = 2000)]
    rounds: u32,
    /// Times each pool runs the CPU-bound map; the best time is printed.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: u32,
    /// Items per task sent to a worker [default: as Python, about 4 chunks per worker].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    chunk_size: Option<u32>,
    /// Demo: the worker that computes item K of the squares exits with status 3.
    #[arg(long, value_name = "K")]
    fail_item: Option<u32>,
    /// Print each worker's PID once it is ready.
    #[arg(long)]
    show_pids: bool,
    #[command(subcommand)]
    role: Option<Role>,
}

/// What a child process runs. Hidden: the parent starts them, not the reader.
#[derive(Subcommand)]
enum Role {
    /// Computes the tasks it reads on stdin, answering on stdout.
    #[command(hide = true)]
    Worker {
        #[arg(long)]
        fail_item: Option<usize>,
    },
}

/// The functions a worker knows. Python pickles a reference to the function; here the task
/// names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Function {
    /// The book's `function_square`.
    Square,
    /// CPU-bound work: `rounds` rounds of integer mixing.
    Spin { rounds: u32 },
}

/// Parent → worker: apply `function` to `inputs`, the items numbered from `start`.
#[derive(Debug, Serialize, Deserialize)]
struct Task {
    function: Function,
    start: usize,
    inputs: Vec<u64>,
}

/// Worker → parent, one JSON value per line.
#[derive(Debug, Serialize, Deserialize)]
enum Reply {
    /// Sent once, after `die_with_parent`.
    Ready { pid: u32 },
    /// The result of item `index`.
    Done { index: usize, value: u64 },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.role {
        Some(Role::Worker { fail_item }) => {
            common::child::die_with_parent()?;
            worker(io::stdin().lock(), io::stdout().lock(), fail_item)
        }
        None => parent(&args),
    }
}

// ANCHOR: functions
fn function_square(data: u64) -> u64 {
    data * data
}

/// About `rounds` steps of integer work per call. `black_box` keeps the compiler from
/// folding the loop away or vectorising it, so each call really costs the same work.
fn spin(input: u64, rounds: u32) -> u64 {
    let mut x = input;
    for _ in 0..rounds {
        x = black_box(
            x.wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407),
        );
        x ^= x >> 29;
    }
    x
}

impl Function {
    fn apply(self, input: u64) -> u64 {
        match self {
            Function::Square => function_square(input),
            Function::Spin { rounds } => spin(input, rounds),
        }
    }
}
// ANCHOR_END: functions

// ANCHOR: parent
fn parent(args: &Args) -> anyhow::Result<()> {
    if let Some(k) = args.fail_item {
        ensure!(
            k < args.items,
            "--fail-item {k} is not one of the items 0..{}",
            args.items
        );
    }
    let processes = args.processes as usize;
    let (pool, pool_start) = timed(|| Pool::start(processes, args.fail_item, args.show_pids));
    let mut pool = pool?;

    // The book's run.
    let inputs: Vec<u64> = (0..u64::from(args.items)).collect();
    let chunk = chunk_size(args.chunk_size, inputs.len(), processes);
    let pool_outputs = pool.map(Function::Square, &inputs, chunk)?;
    println!("Pool    : {}", python_list(&pool_outputs));
    check_squares(&pool_outputs)?;

    // The same pool against as many threads, on CPU-bound work.
    let spin = Function::Spin {
        rounds: args.rounds,
    };
    let inputs: Vec<u64> = (0..u64::from(args.size)).collect();
    let chunk = chunk_size(args.chunk_size, inputs.len(), processes);
    let (by_processes, process_map) = best_time(args.repeat, || pool.map(spin, &inputs, chunk))?;
    // Closed first, so that idle workers do not share the cores with the threads.
    pool.close()?;
    let (by_threads, thread_start, thread_map) =
        thread_pool_map(spin, &inputs, processes, args.repeat)?;

    println!(
        "CPU-bound map: {} items × {} rounds, on {processes} processes and on {processes} threads",
        args.size, args.rounds
    );
    println!("{}", seconds_line("process pool: start", pool_start));
    println!("{}", seconds_line("process pool: map", process_map));
    println!("{}", seconds_line("thread pool: start", thread_start));
    println!("{}", seconds_line("thread pool: map", thread_map));
    let (processes_total, threads_total) = (pool_start + process_map, thread_start + thread_map);
    let label = "thread pool vs process pool (start + map)";
    println!("{}", speedup_line(label, processes_total, threads_total));
    ensure!(
        by_processes == by_threads,
        "the process pool and the thread pool disagree"
    );
    println!(
        "Checked: {} squares in order (sum {}); both pools returned the same {} results",
        pool_outputs.len(),
        pool_outputs.iter().sum::<u64>(),
        by_threads.len()
    );
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: threads
/// The same map on a rayon pool of `threads` threads: the results, the time to build the
/// pool, and the best time of the map.
fn thread_pool_map(
    function: Function,
    inputs: &[u64],
    threads: usize,
    repeat: u32,
) -> anyhow::Result<(Vec<u64>, Duration, Duration)> {
    let (pool, start) = timed(|| rayon::ThreadPoolBuilder::new().num_threads(threads).build());
    let pool = pool.context("cannot build the thread pool")?;
    let map = || inputs.par_iter().map(|&x| function.apply(x)).collect();
    let (results, best) = best_of(repeat as usize, || pool.install(map));
    Ok((results, start, best))
}
// ANCHOR_END: threads

/// Runs `map` `repeat` times and returns its results with the shortest time, the usual way
/// to take a busy machine's noise out of a measurement. Stops at the first error: a pool that
/// lost a worker cannot map again.
fn best_time(
    repeat: u32,
    mut map: impl FnMut() -> anyhow::Result<Vec<u64>>,
) -> anyhow::Result<(Vec<u64>, Duration)> {
    let (results, mut fastest) = timed(&mut map);
    let mut results = results?;
    for _ in 1..repeat {
        let (again, took) = timed(&mut map);
        results = again?;
        fastest = fastest.min(took);
    }
    Ok((results, fastest))
}

/// Python's `Pool.map` chunk size: the items split into about four chunks per worker.
fn chunk_size(requested: Option<u32>, items: usize, processes: usize) -> usize {
    match requested {
        Some(size) => size as usize,
        None => items.div_ceil(processes * 4).max(1),
    }
}

fn check_squares(squares: &[u64]) -> anyhow::Result<()> {
    let n = squares.len() as u64;
    ensure!(
        squares
            .iter()
            .enumerate()
            .all(|(i, &s)| s == (i as u64) * (i as u64)),
        "the pool's results are not the squares of 0..{n} in order"
    );
    // Σ i² for i < n = (n-1)·n·(2n-1)/6: 328350 for the book's 100.
    let sum: u64 = squares.iter().sum();
    ensure!(
        sum == n.saturating_sub(1) * n * (2 * n).saturating_sub(1) / 6,
        "the squares add up to {sum}"
    );
    Ok(())
}

/// Python's list repr: `[0, 1, 4]`.
fn python_list(values: &[u64]) -> String {
    let items: Vec<String> = values.iter().map(u64::to_string).collect();
    format!("[{}]", items.join(", "))
}

// ANCHOR: worker
/// A worker's loop: reads tasks until its stdin closes, answers one line per item, and sends
/// each task's answers as soon as the task is done.
fn worker(tasks: impl BufRead, out: impl Write, fail_item: Option<usize>) -> anyhow::Result<()> {
    let mut out = BufWriter::new(out);
    send(
        &mut out,
        &Reply::Ready {
            pid: std::process::id(),
        },
    )?;
    out.flush()?;
    for line in tasks.lines() {
        let line = line.context("cannot read a task")?;
        let task: Task =
            serde_json::from_str(&line).with_context(|| format!("bad task {line:?}"))?;
        for (index, &input) in (task.start..).zip(&task.inputs) {
            if task.function == Function::Square && fail_item == Some(index) {
                // The answers so far go out first, so the parent knows where this one stopped.
                out.flush()?;
                std::process::exit(FAIL_STATUS);
            }
            let value = task.function.apply(input);
            send(&mut out, &Reply::Done { index, value })?;
        }
        out.flush().context("the parent has gone")?;
    }
    Ok(())
}
// ANCHOR_END: worker

fn send(out: &mut impl Write, reply: &Reply) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, reply)?;
    out.write_all(b"\n").context("the parent has gone")
}

/// What a reader thread forwards from its worker's stdout.
#[derive(Debug)]
enum Event {
    Reply(Reply),
    /// The worker's stdout ended (it exited), or said something that is not a reply.
    Closed(Option<String>),
}

/// One worker process, seen from the parent.
struct Worker {
    number: usize,
    child: Child,
    tasks: Option<ChildStdin>,
    /// The items of its current chunk not yet answered.
    in_flight: Option<Range<usize>>,
    reader: Option<JoinHandle<()>>,
}

// ANCHOR: pool
/// A pool of worker processes. Dropping it terminates and reaps any worker still running.
struct Pool {
    workers: Vec<Worker>,
    events: Receiver<(usize, Event)>,
}

impl Pool {
    /// Starts `processes` workers and waits until each has said it is ready.
    fn start(processes: usize, fail_item: Option<u32>, show_pids: bool) -> anyhow::Result<Self> {
        let (sender, events) = mpsc::channel();
        let mut pool = Pool {
            workers: Vec::new(),
            events,
        };
        let mut role = vec!["worker".to_owned()];
        if let Some(k) = fail_item {
            role.extend(["--fail-item".to_owned(), k.to_string()]);
        }
        for number in 1..=processes {
            // Spawned from this (the main) thread: the workers' PR_SET_PDEATHSIG watches it.
            let mut child = common::child::self_command(&role)?
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .with_context(|| format!("cannot start worker {number}"))?;
            let tasks = child.stdin.take().expect("stdin was piped");
            let answers = child.stdout.take().expect("stdout was piped");
            let reader = spawn_reader(number - 1, answers, sender.clone())?;
            pool.workers.push(Worker {
                number,
                child,
                tasks: Some(tasks),
                in_flight: None,
                reader: Some(reader),
            });
        }
        for _ in 0..processes {
            match pool.next_event()? {
                (w, Event::Reply(Reply::Ready { pid })) if show_pids => {
                    println!("worker {} started with pid {pid}", w + 1);
                }
                (_, Event::Reply(Reply::Ready { .. })) => {}
                (w, event) => return Err(pool.failure(w, event)),
            }
        }
        Ok(pool)
    }

    /// `pool.map(function, inputs)`: the results in input order.
    fn map(
        &mut self,
        function: Function,
        inputs: &[u64],
        chunk: usize,
    ) -> anyhow::Result<Vec<u64>> {
        let mut chunks: VecDeque<Range<usize>> = (0..inputs.len())
            .step_by(chunk)
            .map(|start| start..(start + chunk).min(inputs.len()))
            .collect();
        for w in 0..self.workers.len() {
            if let Some(chunk) = chunks.pop_front() {
                self.send(w, function, inputs, chunk)?;
            }
        }
        let mut results = vec![None; inputs.len()];
        let mut remaining = inputs.len();
        while remaining > 0 {
            let (w, event) = self.next_event()?;
            let Event::Reply(Reply::Done { index, value }) = event else {
                return Err(self.failure(w, event));
            };
            let current = self.workers[w]
                .in_flight
                .as_mut()
                .filter(|range| range.start == index);
            let current = current.with_context(|| {
                format!(
                    "worker {} answered item {index}, which it was not computing",
                    w + 1
                )
            })?;
            current.start += 1;
            results[index] = Some(value);
            remaining -= 1;
            if current.start == current.end {
                self.workers[w].in_flight = None;
                if let Some(next) = chunks.pop_front() {
                    self.send(w, function, inputs, next)?;
                }
            }
        }
        Ok(results
            .into_iter()
            .map(|r| r.expect("every item was answered"))
            .collect())
    }

    /// `pool.close(); pool.join()`: closes every worker's stdin, then waits for all of them.
    fn close(mut self) -> anyhow::Result<()> {
        for worker in &mut self.workers {
            worker.tasks = None;
        }
        for worker in &mut self.workers {
            let code = common::child::exit_code(worker.child.wait()?);
            ensure!(
                code == 0,
                "worker {} (pid {}) exited with status {code}",
                worker.number,
                worker.child.id()
            );
            if let Some(reader) = worker.reader.take() {
                common::join(reader)?;
            }
        }
        Ok(())
    }
}
// ANCHOR_END: pool

impl Pool {
    fn send(
        &mut self,
        w: usize,
        function: Function,
        inputs: &[u64],
        chunk: Range<usize>,
    ) -> anyhow::Result<()> {
        let task = Task {
            function,
            start: chunk.start,
            inputs: inputs[chunk.clone()].to_vec(),
        };
        let mut line = serde_json::to_string(&task)?;
        line.push('\n');
        let worker = &mut self.workers[w];
        let tasks = worker.tasks.as_mut().context("the pool is closed")?;
        worker.in_flight = Some(chunk);
        // A failed write means the worker has died; its reader reports that, and the failure
        // names the item from `in_flight`.
        let _ = tasks.write_all(line.as_bytes());
        Ok(())
    }

    fn next_event(&self) -> anyhow::Result<(usize, Event)> {
        // The senders live in the reader threads, and each sends `Closed` before it ends.
        self.events
            .recv()
            .context("every worker's output has closed")
    }

    // ANCHOR: failure
    /// The error for worker `w`, whose answers ended with `event`: it names the worker, its
    /// exit status and the item it was computing (the first it sent and did not answer).
    fn failure(&mut self, w: usize, event: Event) -> anyhow::Error {
        let worker = &mut self.workers[w];
        let (number, pid) = (worker.number, worker.child.id());
        match event {
            Event::Closed(Some(reason)) => return anyhow!("worker {number} (pid {pid}) {reason}"),
            Event::Reply(reply) => {
                return anyhow!("worker {number} (pid {pid}) sent {reply:?} out of turn");
            }
            Event::Closed(None) => {}
        }
        // Its stdout has ended: it has exited, or is about to.
        let status = match worker.child.wait() {
            Ok(status) => format!("status {}", common::child::exit_code(status)),
            Err(error) => format!("an unknown status ({error})"),
        };
        match &worker.in_flight {
            Some(range) => anyhow!(
                "worker {number} (pid {pid}) exited with {status} while computing item {}",
                range.start
            ),
            None => anyhow!("worker {number} (pid {pid}) exited with {status} between tasks"),
        }
    }
    // ANCHOR_END: failure
}

// Not `common::child::Children`: a pool ends its workers the way `pool.terminate()` does,
// with SIGTERM rather than SIGKILL, after closing their task pipes, and it also joins each
// worker's reader thread; the workers keep their pipes and chunk bookkeeping alongside.
impl Drop for Pool {
    /// `pool.terminate()` for whatever is still running, then reap everything.
    fn drop(&mut self) {
        for worker in &mut self.workers {
            worker.tasks = None;
            if let Ok(None) = worker.child.try_wait() {
                // A worker that exited since try_wait is reaped below all the same.
                let _ = common::child::terminate(&worker.child);
            }
            let _ = worker.child.wait();
            if let Some(reader) = worker.reader.take() {
                let _ = common::join(reader);
            }
        }
    }
}

/// Forwards worker `w`'s answers to the pool's channel, then `Closed` when its stdout ends.
fn spawn_reader(
    w: usize,
    answers: ChildStdout,
    events: Sender<(usize, Event)>,
) -> anyhow::Result<JoinHandle<()>> {
    let forward = move || {
        for line in BufReader::new(answers).lines() {
            let reply = line
                .map_err(|error| format!("cannot read its answer: {error}"))
                .and_then(|line| {
                    serde_json::from_str(&line).map_err(|_| format!("sent {line:?}, not an answer"))
                });
            let event = match reply {
                Ok(reply) => Event::Reply(reply),
                Err(reason) => Event::Closed(Some(reason)),
            };
            let closing = matches!(event, Event::Closed(_));
            if events.send((w, event)).is_err() || closing {
                return;
            }
        }
        let _ = events.send((w, Event::Closed(None)));
    };
    std::thread::Builder::new()
        .name(format!("reader-{}", w + 1))
        .spawn(forward)
        .context("cannot start a reader thread")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers_of(tasks: &str, fail_item: Option<usize>) -> Vec<String> {
        let mut out = Vec::new();
        worker(tasks.as_bytes(), &mut out, fail_item).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_worker_says_ready_then_answers_each_item_with_its_index() {
        let task = serde_json::to_string(&Task {
            function: Function::Square,
            start: 5,
            inputs: vec![5, 6],
        })
        .unwrap();
        let answers = answers_of(&format!("{task}\n"), None);
        assert!(answers[0].starts_with(r#"{"Ready":{"pid":"#), "{answers:?}");
        assert_eq!(
            answers[1..],
            [
                r#"{"Done":{"index":5,"value":25}}"#,
                r#"{"Done":{"index":6,"value":36}}"#
            ]
        );
    }

    #[test]
    fn chunk_sizes_follow_python() {
        assert_eq!(chunk_size(None, 100, 4), 7);
        assert_eq!(chunk_size(None, 3, 4), 1);
        assert_eq!(chunk_size(Some(10), 100, 4), 10);
    }

    #[test]
    fn spin_is_deterministic_and_depends_on_its_input() {
        assert_eq!(spin(7, 1000), spin(7, 1000));
        assert_ne!(spin(7, 1000), spin(8, 1000));
        assert_eq!(spin(7, 0), 7);
    }

    #[test]
    fn the_squares_check_knows_the_books_sum() {
        let squares: Vec<u64> = (0..100).map(|i| i * i).collect();
        assert_eq!(squares.iter().sum::<u64>(), 328_350);
        assert!(check_squares(&squares).is_ok());
        let mut swapped = squares.clone();
        swapped.swap(3, 4);
        assert!(check_squares(&swapped).is_err());
    }

    #[test]
    fn lists_print_like_python() {
        assert_eq!(python_list(&[0, 1, 4]), "[0, 1, 4]");
        assert_eq!(python_list(&[]), "[]");
    }
}
