//! # Introducing processes and threads: serial, threads, processes
//!
//! Book: 2nd edition chapter 1, "Introducing processes and threads": `do_something.py`,
//! `serial_test.py`, `multithreading_test.py`, `multiprocessing_test.py`,
//! `thread_and_processes.py`. (The 1st edition has no such listing.)
//!
//! Ten jobs each draw `size` random numbers in [0, 1). The recipe runs them one after another,
//! then in ten threads, then in ten child processes, and prints each time with the speedup over
//! the serial run. In Python the threads gain nothing (the GIL lets one run at a time); in Rust
//! they run on every core, as the processes do, without the cost of starting a process.
//!
//! ## Run
//!
//! ```text
//! cargo run -p intro-serial-vs-parallel                      # serial, threads, processes
//! cargo run -p intro-serial-vs-parallel -- threads           # one mode: serial threads processes both
//! cargo run -p intro-serial-vs-parallel -- threads --eager   # the book's threads, which run serially
//! cargo run -p intro-serial-vs-parallel -- both --book       # thread_and_processes.py, 10 x 10,000,000
//! cargo run -p intro-serial-vs-parallel -- --jobs 4 --size 100000 --seed 7
//! ```
//!
//! ## Python → Rust
//!
//! - `threading.Thread` → `std::thread::Builder` (threads named `Thread-1`.. as Python names
//!   them), joined with `common::join`. Rust has no GIL: the ten threads run in parallel.
//! - `multiprocessing.Process` → a real child process: the binary re-executes itself
//!   (`common::child::self_command`) with the hidden subcommand `job <index>`; the child asks the
//!   kernel to kill it if the parent dies, computes its one job and prints its checksum on
//!   stdout, which the parent reads back. A child that fails is reported with its exit status.
//! - `random.random()` → `SmallRng`, seeded per job (`--seed` + job index), so job *k* draws
//!   the same numbers whichever mode runs it: the recipe checks that every mode's checksums
//!   (count, sum, smallest, largest) are identical, bit for bit.
//! - `time.time()` differences → `common::timing::timed` on the monotonic clock.
//!
//! ## Differences from the book
//!
//! - The threaded originals write `Thread(target=do_something(size, out_list))`: the call runs
//!   the whole job right there, while the threads are being built, and hands `Thread` its
//!   result (`None`) as the target. Their "threads" do nothing and the jobs run serially. This
//!   recipe really runs the jobs in the threads; `--eager` reproduces the bug (each job runs in
//!   the loop that builds the threads) and says so.
//! - Memory: `do_something` appends every number to a list, and `thread_and_processes.py` even
//!   shares one list among all jobs: 10 × 10,000,000 Python floats, about 4.4 GB. Here a job
//!   appends to a buffer of 64 Ki numbers (512 KiB) and folds it into the job's checksum each
//!   time it is full, so every number is still generated and consumed, and a job's memory is
//!   the same at any `--size`: the book's sizes run in a few MB in every mode.
//! - Each job's result is printed and checked, which the book does not do; the numbers are
//!   seeded (`--seed`, default 0) instead of random from run to run, so the modes can agree.
//! - `--size` defaults to 1,000,000 for a fast run; `--book` restores 10,000,000.
//!   `thread_and_processes.py` leaves its serial part commented out: the `both` mode runs
//!   threads and processes only, with that file's wording (`threading time=`, `processes
//!   time=`); the other modes use `serial_test.py`'s and its siblings' wording.
//! - Times print with six decimals.

use std::process::{Child, Stdio};
use std::thread;

use anyhow::{Context, anyhow, bail, ensure};
use clap::{Parser, Subcommand};
use common::timing::{speedup_line, timed};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

#[derive(Parser)]
#[command(
    about = "Ten CPU-bound jobs run serially, in threads and in child processes",
    subcommand_value_name = "MODE",
    subcommand_help_heading = "Modes"
)]
struct Args {
    /// Which way to run the jobs; serial, then threads, then processes when absent.
    #[command(subcommand)]
    mode: Option<Mode>,
    /// Number of jobs, 1 to 1000 (the book's NUM_WORKERS).
    #[arg(long, global = true, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    jobs: u32,
    /// Random numbers per job [default: 1000000, or the book's 10000000 with --book].
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..))]
    size: Option<u64>,
    /// Use the book's size, 10000000 numbers per job.
    #[arg(long, global = true)]
    book: bool,
    /// Seed of job 0; job k uses seed + k, so every mode draws the same numbers.
    #[arg(long, global = true, default_value_t = 0)]
    seed: u64,
    /// Threads as the book builds them: each job runs while its thread is created, serially.
    #[arg(long, global = true)]
    eager: bool,
    /// Make the child process of this job fail (to see how a failed child is reported).
    #[arg(long, global = true, hide = true)]
    fail_job: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
enum Mode {
    /// The jobs one after another (serial_test.py)
    Serial,
    /// Each job in its own thread (multithreading_test.py)
    Threads,
    /// Each job in its own child process (multiprocessing_test.py)
    Processes,
    /// Threads, then processes (thread_and_processes.py)
    Both,
    /// Child side of `processes`: run one job and print its checksum.
    #[command(hide = true)]
    Job { index: u32 },
}

/// What every mode runs: `jobs` jobs of `size` numbers, job k seeded with `seed + k`.
#[derive(Debug, Clone, Copy)]
struct Work {
    jobs: u32,
    size: u64,
    seed: u64,
}

impl Work {
    fn job(self, index: u32) -> Checksum {
        let mut rng = SmallRng::seed_from_u64(self.seed.wrapping_add(u64::from(index)));
        do_something(self.size, &mut rng)
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let work = Work {
        jobs: args.jobs,
        size: args
            .size
            .unwrap_or(if args.book { 10_000_000 } else { 1_000_000 }),
        seed: args.seed,
    };
    let modes = match args.mode {
        Some(Mode::Job { index }) => return child_job(work, index, args.fail_job),
        Some(Mode::Both) => vec![Mode::Threads, Mode::Processes],
        Some(mode) => vec![mode],
        None => vec![Mode::Serial, Mode::Threads, Mode::Processes],
    };
    let wording = if args.mode == Some(Mode::Both) {
        Wording::ThreadAndProcesses
    } else {
        Wording::Separate
    };
    println!(
        "{} jobs of {} random numbers each, seed {}",
        work.jobs, work.size, work.seed
    );

    let mut runs = Vec::new();
    let mut serial_time = None;
    for mode in modes {
        let (label, time_label) = wording.labels(mode);
        announce(mode, args.eager);
        let (checksums, took) = match mode {
            Mode::Serial => timed(|| Ok(serial(work))),
            Mode::Threads => timed(|| threads(work, args.eager)),
            _ => timed(|| processes(work, args.fail_job)),
        };
        let checksums = checksums.with_context(|| format!("{label} run"))?;
        for (index, checksum) in checksums.iter().enumerate() {
            println!("  job {index}: {checksum}");
        }
        println!("List processing complete.");
        println!("{time_label} time= {:.6}", took.as_secs_f64());
        match serial_time {
            None if mode == Mode::Serial => serial_time = Some(took),
            Some(serial) => println!("{}", speedup_line(label, serial, took)),
            None => {}
        }
        runs.push((label, checksums));
    }
    check(work, &runs)
}

/// `thread_and_processes.py` words its times differently from the three separate scripts.
#[derive(Debug, Clone, Copy)]
enum Wording {
    Separate,
    ThreadAndProcesses,
}

impl Wording {
    /// The mode's name and the word before ` time=` in the book's output.
    fn labels(self, mode: Mode) -> (&'static str, &'static str) {
        match (self, mode) {
            (_, Mode::Serial) => ("serial", "serial"),
            (Wording::Separate, Mode::Threads) => ("threads", "multithreading"),
            (Wording::Separate, _) => ("processes", "multiprocesses"),
            (Wording::ThreadAndProcesses, Mode::Threads) => ("threads", "threading"),
            (Wording::ThreadAndProcesses, _) => ("processes", "processes"),
        }
    }
}

fn announce(mode: Mode, eager: bool) {
    match mode {
        Mode::Serial => println!("Serial: the jobs one after another"),
        Mode::Threads if eager => println!(
            "Threads, --eager as in the book: each job runs while its thread is being built, \
             so the jobs run one after another and the threads have nothing to do"
        ),
        Mode::Threads => println!("Threads: each job in its own thread, all at once"),
        _ => println!("Processes: each job in its own child process, all at once"),
    }
}

// ANCHOR: do_something
/// Numbers appended to the buffer before it is folded into the checksum and reused: 64 Ki
/// numbers, 512 KiB, whatever the job's size.
const CHUNK: usize = 64 * 1024;

/// The book's `do_something`: append `count` random numbers in [0, 1) to a list. The list is
/// a bounded buffer, emptied into the job's checksum each time it fills up.
fn do_something(count: u64, rng: &mut SmallRng) -> Checksum {
    let mut out_list: Vec<f64> = Vec::with_capacity(CHUNK);
    let mut checksum = Checksum::EMPTY;
    let mut left = count;
    while left > 0 {
        let take = left.min(CHUNK as u64);
        out_list.extend((0..take).map(|_| rng.random::<f64>()));
        checksum.add_all(&out_list);
        out_list.clear();
        left -= take;
    }
    checksum
}
// ANCHOR_END: do_something

/// A job's result: how many numbers, their sum in drawing order, and their range. Two runs of
/// the same job give identical checksums, bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Checksum {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Checksum {
    const EMPTY: Self = Self {
        count: 0,
        sum: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };

    fn add_all(&mut self, values: &[f64]) {
        for &value in values {
            self.count += 1;
            self.sum += value;
            self.min = self.min.min(value);
            self.max = self.max.max(value);
        }
    }

    /// The exact form a child prints and the parent parses back: Rust prints an `f64` with
    /// the fewest digits that read back as the same number.
    fn to_wire(self) -> String {
        format!(
            "checksum {} {} {} {}",
            self.count, self.sum, self.min, self.max
        )
    }

    fn from_wire(line: &str) -> Option<Self> {
        let mut fields = line.strip_prefix("checksum ")?.split(' ');
        let checksum = Self {
            count: fields.next()?.parse().ok()?,
            sum: fields.next()?.parse().ok()?,
            min: fields.next()?.parse().ok()?,
            max: fields.next()?.parse().ok()?,
        };
        fields.next().is_none().then_some(checksum)
    }
}

impl std::fmt::Display for Checksum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} values, sum {:.6}", self.count, self.sum)
    }
}

fn serial(work: Work) -> Vec<Checksum> {
    (0..work.jobs).map(|index| work.job(index)).collect()
}

// ANCHOR: threads
/// One thread per job. With `eager`, the job runs before its thread exists, as in the book's
/// `Thread(target=do_something(...))`, and the thread only hands back the finished result.
fn threads(work: Work, eager: bool) -> anyhow::Result<Vec<Checksum>> {
    let mut handles = Vec::new();
    let mut spawn_error = None;
    for index in 0..work.jobs {
        let builder = thread::Builder::new().name(format!("Thread-{}", index + 1));
        let spawned = if eager {
            let done = work.job(index);
            builder.spawn(move || done)
        } else {
            builder.spawn(move || work.job(index))
        };
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(error) => {
                spawn_error =
                    Some(anyhow!(error).context(format!("cannot start a thread for job {index}")));
                break;
            }
        }
    }
    // Join every thread that started before judging any result, so none is left running.
    let joined: Vec<_> = handles.into_iter().map(common::join).collect();
    if let Some(error) = spawn_error {
        return Err(error);
    }
    joined.into_iter().collect()
}
// ANCHOR_END: threads

// ANCHOR: processes
/// One child process per job, all started before any is waited for. Each child is this binary
/// run as `job <index>`; its stdout carries the checksum back.
fn processes(work: Work, fail_job: Option<u32>) -> anyhow::Result<Vec<Checksum>> {
    let mut children = Vec::new();
    for index in 0..work.jobs {
        match spawn_child(work, index, fail_job) {
            Ok(child) => children.push((index, child)),
            Err(error) => {
                // Do not leave the children already started running unwaited.
                for (_, mut child) in children {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                return Err(error);
            }
        }
    }
    // Wait for every child before judging any, so none is left running unwaited.
    let finished: Vec<_> = children
        .into_iter()
        .map(|(index, child)| (index, child.id(), child.wait_with_output()))
        .collect();
    finished
        .into_iter()
        .map(|(index, pid, output)| {
            let output = output.with_context(|| format!("job {index}: lost child {pid}"))?;
            child_checksum(index, pid, &output)
        })
        .collect()
}

fn spawn_child(work: Work, index: u32, fail_job: Option<u32>) -> anyhow::Result<Child> {
    let mut args = vec![
        "job".to_owned(),
        index.to_string(),
        format!("--size={}", work.size),
        format!("--seed={}", work.seed),
    ];
    if let Some(job) = fail_job {
        args.push(format!("--fail-job={job}"));
    }
    common::child::self_command(args)?
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start the child process of job {index}"))
}

/// The checksum a child printed, or an error naming the job and how its process ended.
fn child_checksum(index: u32, pid: u32, output: &std::process::Output) -> anyhow::Result<Checksum> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr.lines().next().unwrap_or("no message");
        bail!(
            "job {index}: child process {pid} failed ({}): {}",
            output.status,
            reason.strip_prefix("error: ").unwrap_or(reason)
        );
    }
    Checksum::from_wire(stdout.trim_end())
        .with_context(|| format!("job {index}: child process {pid} printed {stdout:?}"))
}
// ANCHOR_END: processes

/// The hidden `job` subcommand: the body of one child process.
fn child_job(work: Work, index: u32, fail_job: Option<u32>) -> anyhow::Result<()> {
    common::child::die_with_parent()?;
    ensure!(
        fail_job != Some(index),
        "job {index} failed on purpose (--fail-job)"
    );
    println!("{}", work.job(index).to_wire());
    Ok(())
}

/// Every job of every mode drew `size` numbers in [0, 1), and the modes agree job by job.
fn check(work: Work, runs: &[(&str, Vec<Checksum>)]) -> anyhow::Result<()> {
    for (mode, checksums) in runs {
        ensure!(
            checksums.len() == work.jobs as usize,
            "{mode}: {} results for {} jobs",
            checksums.len(),
            work.jobs
        );
        for (index, c) in checksums.iter().enumerate() {
            ensure!(
                c.count == work.size && c.min >= 0.0 && c.max < 1.0,
                "{mode}: job {index} drew {} numbers in [{}, {}], not {} in [0, 1)",
                c.count,
                c.min,
                c.max,
                work.size
            );
        }
    }
    let (first, expected) = &runs[0];
    for (mode, checksums) in &runs[1..] {
        if let Some(index) = (0..expected.len()).find(|&i| checksums[i] != expected[i]) {
            bail!(
                "job {index}: {mode} computed {:?}, {first} {:?}",
                checksums[index],
                expected[index]
            );
        }
    }
    let modes: Vec<&str> = runs.iter().map(|(mode, _)| *mode).collect();
    println!(
        "Checksums: {} jobs x {} values in [0, 1), identical in {}",
        work.jobs,
        work.size,
        modes.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same numbers drawn one by one, without the buffer.
    fn direct(seed: u64, count: u64) -> Checksum {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut checksum = Checksum::EMPTY;
        for _ in 0..count {
            checksum.add_all(&[rng.random::<f64>()]);
        }
        checksum
    }

    #[test]
    fn a_job_equals_the_direct_computation_across_chunk_boundaries() {
        let work = Work {
            jobs: 3,
            size: 2 * CHUNK as u64 + 17,
            seed: 40,
        };
        let checksum = work.job(2);
        assert_eq!(checksum, direct(42, work.size));
        assert_eq!(checksum.count, work.size);
        assert!(checksum.min >= 0.0 && checksum.max < 1.0);
        let mean = checksum.sum / work.size as f64;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
    }

    #[test]
    fn jobs_differ_and_repeat() {
        let work = Work {
            jobs: 2,
            size: 1000,
            seed: 5,
        };
        assert_eq!(work.job(0), work.job(0));
        assert_ne!(work.job(0), work.job(1));
    }

    #[test]
    fn all_modes_in_process_agree() {
        let work = Work {
            jobs: 4,
            size: 5000,
            seed: 1,
        };
        let serial = serial(work);
        assert_eq!(threads(work, false).unwrap(), serial);
        assert_eq!(threads(work, true).unwrap(), serial);
    }

    #[test]
    fn the_wire_format_round_trips_exactly() {
        let checksum = direct(3, 777);
        assert_eq!(Checksum::from_wire(&checksum.to_wire()), Some(checksum));
        assert_eq!(Checksum::from_wire("checksum 1 2 3"), None);
        assert_eq!(Checksum::from_wire("checksum 1 2 3 4 5"), None);
        assert_eq!(Checksum::from_wire("sum 1 2 3 4"), None);
    }

    #[test]
    fn check_names_the_job_where_modes_disagree() {
        let work = Work {
            jobs: 2,
            size: 10,
            seed: 0,
        };
        let good = vec![work.job(0), work.job(1)];
        let mut bad = good.clone();
        bad[1].sum += 1e-9;
        let error = check(work, &[("serial", good), ("threads", bad)]).unwrap_err();
        assert!(
            error.to_string().starts_with("job 1: threads computed"),
            "{error}"
        );
    }
}
