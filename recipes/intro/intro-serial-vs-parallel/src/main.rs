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
//!   them) in a `thread::scope`, which joins them. Rust has no GIL: the threads run in parallel.
//! - `multiprocessing.Process` → a real child process: the binary re-executes itself
//!   (`common::child::self_command`) with the hidden subcommand `job <index>`; the child asks the
//!   kernel to kill it if the parent dies, computes its one job and prints its checksum on
//!   stdout (`src/checksum.rs`), which the parent reads back. A child that fails is reported
//!   with its exit status; `common::child::Children` reaps every child, also on an error.
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
//!   The run opens with `10 jobs of 1000000 random numbers each, seed 0`, heads each mode with
//!   a line such as `Serial: the jobs one after another` (`Threads: …`, `Processes: …`), lists
//!   each job's checksum (`  job 0: 1000000 values, sum 500307.981454`) and ends with
//!   `Checksums: 10 jobs x 1000000 values in [0, 1), identical in serial, threads, processes`:
//!   these lines say what ran and that every mode computed the same numbers.
//! - `--size` defaults to 1,000,000 for a fast run; `--book` restores 10,000,000.
//!   `thread_and_processes.py` leaves its serial part commented out: the `both` mode runs
//!   threads and processes only, with that file's wording (`threading time=`, `processes
//!   time=`); the other modes use `serial_test.py`'s and its siblings' wording.
//! - Times print with six decimals.

mod checksum;

use std::process::Stdio;
use std::thread;

use anyhow::{Context, anyhow, ensure};
use checksum::{CHUNK, Checksum};
use clap::{Parser, Subcommand};
use common::child::Children;
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
    /// Random numbers per job, at most 100000000 [default: 1000000, or the book's 10000000 with
    /// --book].
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
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
    /// Make the child process of this job fail, so that tests see how a failed child is reported.
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

// ANCHOR: run
fn run(args: Args) -> anyhow::Result<()> {
    let size = args
        .size
        .unwrap_or(if args.book { 10_000_000 } else { 1_000_000 });
    let (jobs, seed) = (args.jobs, args.seed);
    let work = Work { jobs, size, seed };
    let modes = match args.mode {
        Some(Mode::Job { index }) => return child_job(work, index, args.fail_job),
        Some(Mode::Both) => vec![Mode::Threads, Mode::Processes],
        Some(mode) => vec![mode],
        None => vec![Mode::Serial, Mode::Threads, Mode::Processes],
    };
    // thread_and_processes.py words its times differently from the three separate scripts.
    let both = args.mode == Some(Mode::Both);
    println!("{jobs} jobs of {size} random numbers each, seed {seed}");
    let mut runs: Vec<(&str, Vec<Checksum>)> = Vec::new();
    let mut serial_time = None;
    for mode in modes {
        let (label, time_label, (checksums, took)) = match mode {
            Mode::Serial => {
                println!("Serial: the jobs one after another");
                ("serial", "serial", timed(|| Ok(serial(work))))
            }
            Mode::Threads => {
                println!("{}", if args.eager { EAGER } else { THREADS });
                let time_label = if both { "threading" } else { "multithreading" };
                ("threads", time_label, timed(|| threads(work, args.eager)))
            }
            _ => {
                println!("Processes: each job in its own child process, all at once");
                let time_label = if both { "processes" } else { "multiprocesses" };
                (
                    "processes",
                    time_label,
                    timed(|| processes(work, args.fail_job)),
                )
            }
        };
        let checksums = checksums.with_context(|| format!("{label} run"))?;
        for (index, checksum) in checksums.iter().enumerate() {
            println!("  job {index}: {checksum}");
        }
        println!("List processing complete.");
        println!("{time_label} time= {:.6}", took.as_secs_f64());
        match serial_time {
            None => serial_time = (mode == Mode::Serial).then_some(took),
            Some(serial) => println!("{}", speedup_line(label, serial, took)),
        }
        runs.push((label, checksums));
    }
    check(work, &runs)
}
// ANCHOR_END: run

const THREADS: &str = "Threads: each job in its own thread, all at once";
const EAGER: &str = "Threads, --eager as in the book: each job runs while its thread is being \
                     built, so the jobs run one after another and the threads have nothing to do";

// ANCHOR: do_something
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

fn serial(work: Work) -> Vec<Checksum> {
    (0..work.jobs).map(|index| work.job(index)).collect()
}

// ANCHOR: threads
/// One thread per job, all started before any is joined. With `eager`, the job runs before its
/// thread exists, as in the book's `Thread(target=do_something(...))`, and the thread only
/// hands back the finished result. The scope joins every thread, also on an early error.
fn threads(work: Work, eager: bool) -> anyhow::Result<Vec<Checksum>> {
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for index in 0..work.jobs {
            let done = eager.then(|| work.job(index));
            let handle = thread::Builder::new()
                .name(format!("Thread-{}", index + 1))
                .spawn_scoped(scope, move || done.unwrap_or_else(|| work.job(index)))
                .with_context(|| format!("cannot start a thread for job {index}"))?;
            handles.push(handle);
        }
        let joined = handles.into_iter().map(|handle| handle.join());
        joined
            .map(|checksum| checksum.map_err(|_| anyhow!("a thread panicked")))
            .collect()
    })
}
// ANCHOR_END: threads

// ANCHOR: processes
/// One child process per job, all started before any is waited for. Each child is this binary
/// run as `job <index>`; its stdout carries the checksum back. Dropping `children` kills and
/// reaps any child still running when an error ends the run early.
fn processes(work: Work, fail_job: Option<u32>) -> anyhow::Result<Vec<Checksum>> {
    let mut children = Children::new();
    let (size, seed) = (
        format!("--size={}", work.size),
        format!("--seed={}", work.seed),
    );
    for index in 0..work.jobs {
        let mut command = common::child::self_command(["job", &index.to_string(), &size, &seed])?;
        command.args(fail_job.map(|job| format!("--fail-job={job}")));
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        children.spawn(&format!("the child process of job {index}"), &mut command)?;
    }
    let children = children.iter_mut().zip(0..);
    children
        .map(|((_, child), index)| Checksum::read_from(index, child))
        .collect()
}

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
// ANCHOR_END: processes

/// Every job of every mode drew `size` numbers in [0, 1), and the modes agree job by job.
fn check(work: Work, runs: &[(&str, Vec<Checksum>)]) -> anyhow::Result<()> {
    let (first, expected) = &runs[0];
    for (mode, checksums) in runs {
        let results = checksums.len();
        ensure!(
            results == work.jobs as usize,
            "{mode}: {results} results for {} jobs",
            work.jobs
        );
        for (index, (c, e)) in checksums.iter().zip(expected).enumerate() {
            c.drew(work.size)
                .with_context(|| format!("{mode}: job {index}"))?;
            ensure!(c == e, "job {index}: {mode} computed {c:?}, {first} {e:?}");
        }
    }
    let modes: Vec<&str> = runs.iter().map(|(mode, _)| *mode).collect();
    let (jobs, size, modes) = (work.jobs, work.size, modes.join(", "));
    println!("Checksums: {jobs} jobs x {size} values in [0, 1), identical in {modes}");
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
        let short = vec![work.job(0)];
        let error = check(work, &[("processes", short)]).unwrap_err();
        assert_eq!(error.to_string(), "processes: 1 results for 2 jobs");
    }

    #[test]
    fn check_wants_every_number_of_every_job() {
        let work = Work {
            jobs: 1,
            size: 10,
            seed: 0,
        };
        let mut short = work.job(0);
        short.count -= 1;
        let error = check(work, &[("serial", vec![short])]).unwrap_err();
        assert!(
            format!("{error:#}").starts_with("serial: job 0: drew 9 numbers"),
            "{error:#}"
        );
    }
}
