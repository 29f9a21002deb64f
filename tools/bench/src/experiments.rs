//! The measurements: which recipe runs with which parameters, against which anchor, and how
//! its output becomes a figure. Every figure is a ratio against an anchor measured in the same
//! run: the recipe's own serial run or single worker (speedups), a C reference doing the same
//! work (`tools/bench/c/`), MPICH's C ping-pong, or the recipe's CPU loop (GPU kernels).
//! Sizes are the book's where a run takes seconds, so the whole report is made in minutes on
//! two cores.

use std::cell::RefCell;
use std::collections::BTreeMap;

use anyhow::{Context, ensure};

use crate::figure::{Figure, Section, Series, ms, times};
use crate::reference::References;
use crate::runner::{Runner, all_captures, median, median_number};

/// Threads, processes or ranks of the speedup figures.
pub const WORKERS: [u32; 4] = [1, 2, 4, 8];

/// What the plans share: the runner, the C references, and the rows of the Rust-against-C
/// summary that the plans add as they go.
pub struct Lab<'a> {
    pub runner: &'a Runner,
    /// The Python that times NumPy's anchors.
    pub python: &'a std::path::Path,
    pub refs: &'a References,
    pub against_c: RefCell<Vec<AgainstC>>,
    /// Anchors that could not be measured, and why (shown under "Skipped").
    pub missing: RefCell<Vec<(String, String)>>,
}

/// One row of the Rust-against-C summary: the same work in the recipe and in C.
#[derive(Debug, Clone)]
pub struct AgainstC {
    pub recipe: &'static str,
    pub work: String,
    pub rust: f64,
    pub c: f64,
    /// What was compared between the two outputs, e.g. "10 checksums".
    pub agree: String,
    /// The recipe's own speedup on 2 workers for this work, when it has one.
    pub speedup: Option<f64>,
    pub rust_command: String,
    pub c_command: String,
}

impl Lab<'_> {
    /// Runs C reference `name` and, when its results agree with the recipe's `rust` outputs
    /// (the captures of `pattern`), returns its median time (the capture of `time`). A missing
    /// reference or a disagreement is recorded and gives `None`.
    fn c_time(
        &self,
        label: &str,
        name: &str,
        args: &[&str],
        rust: &[String],
        pattern: &str,
        time: &str,
    ) -> Option<(f64, String)> {
        let measured = (|| {
            let outputs = self.runner.c(self.refs, name, args)?;
            let agreed = agree(&rust[0], &outputs[0], pattern)?;
            Ok::<_, anyhow::Error>((median_number(&outputs, time)?, agreed))
        })();
        match measured {
            Ok(value) => Some(value),
            Err(error) => {
                self.missing
                    .borrow_mut()
                    .push((format!("C reference for {label}"), format!("{error:#}")));
                None
            }
        }
    }
}

/// Checks that two outputs print the same results (the captures of `pattern`, compared as
/// numbers where both parse); returns what agreed, e.g. "10 results".
fn agree(rust: &str, c: &str, pattern: &str) -> anyhow::Result<String> {
    let ours = all_captures(rust, pattern);
    let theirs = all_captures(c, pattern);
    ensure!(!theirs.is_empty(), "the C output has no {pattern:?}");
    let same = |a: &Vec<String>, b: &Vec<String>| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(x), Ok(y)) => x == y,
                    _ => x == y,
                })
    };
    // The recipe may print a result more than once (one per phase): each must be C's.
    let mut expected = theirs.clone();
    expected.sort();
    let mut seen = ours.clone();
    seen.sort();
    seen.dedup();
    ensure!(
        seen.len() == expected.len() && seen.iter().zip(&expected).all(|(a, b)| same(a, b)),
        "the recipe printed {ours:?}, the C reference {theirs:?}"
    );
    Ok(format!(
        "{} {}",
        theirs.len(),
        if theirs.len() == 1 {
            "result"
        } else {
            "results"
        }
    ))
}

/// One recipe's measurement: the example it needs built, the program runs it makes and their
/// estimated seconds (for the progress bar), and the function.
pub struct Plan {
    pub crate_name: &'static str,
    pub example: Option<&'static str>,
    pub runs: usize,
    pub seconds: f64,
    pub run: fn(&Lab) -> anyhow::Result<Vec<Figure>>,
}

pub fn plans() -> Vec<Plan> {
    vec![
        Plan {
            crate_name: "intro-serial-vs-parallel",
            example: None,
            runs: 2 * WORKERS.len() + 2 + 2 * INTRO_SIZES.len() + 3,
            seconds: 12.0,
            run: intro,
        },
        Plan {
            crate_name: "futures-pool",
            example: None,
            runs: WORKERS.len() + 1,
            seconds: 3.0,
            run: futures_pool,
        },
        Plan {
            crate_name: "thread-perf",
            example: None,
            runs: 3,
            seconds: 4.0,
            run: thread_perf,
        },
        Plan {
            crate_name: "scoop-montecarlo-pi",
            example: None,
            runs: WORKERS.len() + 2,
            seconds: 4.0,
            run: scoop_montecarlo,
        },
        Plan {
            crate_name: "scoop-map-reduce",
            example: None,
            runs: WORKERS.len() + 1,
            seconds: 8.0,
            run: scoop_map_reduce,
        },
        Plan {
            crate_name: "process-pool",
            example: Some("benchmark"),
            runs: WORKERS.len(),
            seconds: 4.0,
            run: process_pool,
        },
        Plan {
            crate_name: "mpi-p2p",
            example: Some("ping_pong"),
            runs: 2,
            seconds: 10.0,
            run: mpi_p2p,
        },
        Plan {
            crate_name: "gpu-gemm",
            example: Some("kernels"),
            runs: 2 * GEMM_SIZES.len(),
            seconds: 5.0,
            run: gpu_gemm,
        },
        Plan {
            crate_name: "gpu-bench",
            example: None,
            runs: GPU_LENGTHS.len(),
            seconds: 4.0,
            run: gpu_bench,
        },
        Plan {
            crate_name: "celery-add-task",
            example: None,
            runs: WORKERS.len(),
            seconds: 6.0,
            run: celery,
        },
    ]
}

fn speedup_figure(id: &str, title: &str, x_label: &str) -> Figure {
    Figure {
        x_label: x_label.to_owned(),
        y_label: "speedup (times faster than the anchor)".to_owned(),
        ..Figure::new(id, title, Section::Speedup)
    }
}

fn size_figure(id: &str, title: &str, x_label: &str, y_label: &str) -> Figure {
    Figure {
        x_label: x_label.to_owned(),
        y_label: y_label.to_owned(),
        ..Figure::new(id, title, Section::Size)
    }
}

fn strings<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.map(String::from).to_vec()
}

const INTRO: &str = "intro-serial-vs-parallel";
const INTRO_TOTAL: u64 = 8_000_000;
const INTRO_SIZES: [u64; 4] = [100_000, 1_000_000, 4_000_000, 10_000_000];
const INTRO_CHECKSUM: &str = r"job (\d+): (\d+) values, sum ([0-9.]+)";

/// The book's 10 jobs of 10 M numbers against C; the same 8 M numbers cut into 1, 2, 4, 8
/// jobs (every mode in one run); then 2 jobs of growing size against C.
fn intro(lab: &Lab) -> anyhow::Result<Vec<Figure>> {
    let runner = lab.runner;
    let book = runner.outputs(INTRO, &["--book"])?;
    let serial = median_number(&book, r"serial time=\s*([0-9.]+)")?;
    let threads = median_number(&book, r"multithreading time=\s*([0-9.]+)")?;
    let c_serial = lab.c_time(
        "intro-serial-vs-parallel",
        "intro",
        &["serial", "10", "10000000", "0"],
        &book,
        INTRO_CHECKSUM,
        r"serial time=\s*([0-9.]+)",
    );
    let c_threads = lab.c_time(
        "intro-serial-vs-parallel (threads)",
        "intro",
        &["threads", "10", "10000000", "0"],
        &book,
        INTRO_CHECKSUM,
        r"multithreading time=\s*([0-9.]+)",
    );
    let mut rows = lab.against_c.borrow_mut();
    if let Some((c, agreed)) = c_serial {
        rows.push(AgainstC {
            recipe: INTRO,
            work: "intro: 10 jobs × 10M random numbers, one after another".into(),
            rust: serial,
            c,
            agree: agreed,
            speedup: Some(serial / threads),
            rust_command: format!("{INTRO} --book"),
            c_command: "intro serial 10 10000000 0".into(),
        });
    }
    if let Some((c, agreed)) = c_threads {
        rows.push(AgainstC {
            recipe: INTRO,
            work: "intro: the same 10 jobs in 10 threads".into(),
            rust: threads,
            c,
            agree: agreed,
            speedup: None,
            rust_command: format!("{INTRO} --book"),
            c_command: "intro threads 10 10000000 0".into(),
        });
    }
    drop(rows);

    let mut times_by: BTreeMap<(&str, u32), f64> = BTreeMap::new();
    for workers in WORKERS {
        let size = (INTRO_TOTAL / u64::from(workers)).to_string();
        let jobs = workers.to_string();
        let outputs = runner.outputs(INTRO, &["--jobs", &jobs, "--size", &size])?;
        for (mode, pattern) in [
            ("serial", r"serial time=\s*([0-9.]+)"),
            ("threads", r"multithreading time=\s*([0-9.]+)"),
            ("processes", r"multiprocesses time=\s*([0-9.]+)"),
        ] {
            times_by.insert((mode, workers), median_number(&outputs, pattern)?);
        }
        let c = |mode: &str| -> anyhow::Result<f64> {
            let outputs = runner.c(lab.refs, "intro", &[mode, &jobs, &size, "0"])?;
            median_number(&outputs, r"time=\s*([0-9.]+)")
        };
        if let (Ok(serial), Ok(threads)) = (c("serial"), c("threads")) {
            times_by.insert(("C serial", workers), serial);
            times_by.insert(("C threads", workers), threads);
        }
    }
    let mut speedup = speedup_figure(
        "intro-speedup",
        "intro-serial-vs-parallel: 8M random numbers in N jobs",
        "jobs (threads or processes)",
    );
    speedup.header = strings([
        "jobs",
        "serial ms",
        "threads ms",
        "processes ms",
        "threads speedup",
        "processes speedup",
        "C threads speedup",
    ]);
    let series = [
        ("Rust threads", "serial", "threads"),
        ("Rust processes", "serial", "processes"),
        ("C threads (pthreads)", "C serial", "C threads"),
    ];
    for (name, base, mode) in series {
        let points: Vec<(f64, f64)> = WORKERS
            .iter()
            .filter_map(|&w| {
                Some((
                    f64::from(w),
                    times_by.get(&(base, w))? / times_by.get(&(mode, w))?,
                ))
            })
            .collect();
        if !points.is_empty() {
            speedup.series.push(Series {
                name: name.to_owned(),
                points,
            });
        }
    }
    for &w in &WORKERS {
        let serial = times_by[&("serial", w)];
        let c_speedup = match (
            times_by.get(&("C serial", w)),
            times_by.get(&("C threads", w)),
        ) {
            (Some(s), Some(t)) => times(s / t),
            _ => "—".into(),
        };
        speedup.rows.push(vec![
            w.to_string(),
            ms(serial),
            ms(times_by[&("threads", w)]),
            ms(times_by[&("processes", w)]),
            times(serial / times_by[&("threads", w)]),
            times(serial / times_by[&("processes", w)]),
            c_speedup,
        ]);
    }
    speedup.note = format!(
        "`{INTRO} --jobs N --size {INTRO_TOTAL}/N` runs every mode; speedup = its serial time ÷ \
         the mode's. C: `intro serial|threads N {INTRO_TOTAL}/N 0`, the same work in pthreads"
    );

    let mut cost = size_figure(
        "intro-size",
        "intro-serial-vs-parallel against C: 2 jobs of growing size",
        "random numbers per job",
        "Rust time ÷ C time",
    );
    cost.header = strings(["numbers per job", "Rust ms", "C ms", "Rust/C"]);
    let mut points = Vec::new();
    for size in INTRO_SIZES {
        let size_text = size.to_string();
        let outputs = runner.outputs(INTRO, &["serial", "--jobs", "2", "--size", &size_text])?;
        let rust = median_number(&outputs, r"serial time=\s*([0-9.]+)")?;
        let Some((c, _)) = lab.c_time(
            "intro-serial-vs-parallel",
            "intro",
            &["serial", "2", &size_text, "0"],
            &outputs,
            INTRO_CHECKSUM,
            r"serial time=\s*([0-9.]+)",
        ) else {
            continue;
        };
        points.push((size as f64, rust / c));
        cost.rows
            .push(vec![size_text, ms(rust), ms(c), times(rust / c)]);
    }
    cost.series.push(Series {
        name: "serial, Rust ÷ C".into(),
        points,
    });
    cost.note = format!(
        "`{INTRO} serial --jobs 2 --size S` against `intro serial 2 S 0` (the same numbers, \
         checksums compared)"
    );
    let mut figures = vec![speedup];
    if !cost.rows.is_empty() {
        figures.push(cost);
    }
    Ok(figures)
}

/// The book's 10 items × 10 M steps on pools of 1, 2, 4, 8 workers; the sequential phase
/// against C.
fn futures_pool(lab: &Lab) -> anyhow::Result<Vec<Figure>> {
    let mut figure = speedup_figure(
        "futures-pool-speedup",
        "futures-pool: the book's 10 items × 10M steps on N workers",
        "workers",
    );
    figure.header = strings([
        "workers",
        "sequential ms",
        "thread pool ms",
        "process pool ms",
        "thread pool speedup",
        "process pool speedup",
    ]);
    let mut threads = Vec::new();
    let mut processes = Vec::new();
    let mut first = None;
    for workers in WORKERS {
        let outputs = lab.runner.outputs(
            "futures-pool",
            &["--book", "--workers", &workers.to_string()],
        )?;
        let serial = median_number(&outputs, r"Sequential Execution in ([0-9.]+)")?;
        let thread_pool = median_number(&outputs, r"Thread Pool Execution in ([0-9.]+)")?;
        let process_pool = median_number(&outputs, r"Process Pool Execution in ([0-9.]+)")?;
        threads.push((f64::from(workers), serial / thread_pool));
        processes.push((f64::from(workers), serial / process_pool));
        figure.rows.push(vec![
            workers.to_string(),
            ms(serial),
            ms(thread_pool),
            ms(process_pool),
            times(serial / thread_pool),
            times(serial / process_pool),
        ]);
        if workers == 2 {
            first = Some((outputs, serial, serial / thread_pool));
        }
    }
    if let Some((outputs, serial, speedup)) = first
        && let Some((c, agreed)) = lab.c_time(
            "futures-pool",
            "futures_count",
            &["10", "10000000"],
            &outputs,
            r"Item (\d+), result (\d+)",
            r"Sequential Execution in ([0-9.]+)",
        )
    {
        lab.against_c.borrow_mut().push(AgainstC {
            recipe: "futures-pool",
            work: "futures-pool: 10 items × 10M counting steps, sequential".into(),
            rust: serial,
            c,
            agree: agreed,
            speedup: Some(speedup),
            rust_command: "futures-pool --book --workers 2".into(),
            c_command: "futures_count 10 10000000".into(),
        });
    }
    figure.series = vec![
        Series {
            name: "thread pool".into(),
            points: threads,
        },
        Series {
            name: "process pool".into(),
            points: processes,
        },
    ];
    figure.note =
        "`futures-pool --book --workers N`; speedup = its sequential time ÷ the pool's".to_owned();
    Ok(vec![figure])
}

/// The recipe measures n calls in a row against n threads itself, for each workload; the fib
/// workload (best of 200) against C with GMP.
fn thread_perf(lab: &Lab) -> anyhow::Result<Vec<Figure>> {
    let outputs = lab
        .runner
        .outputs("thread-perf", &["--threads", "1,2,4,8", "--repeat", "20"])?;
    // (workload, n) -> (in a row seconds, threaded seconds), one pair per run.
    let mut pairs: BTreeMap<(String, u32), Vec<(f64, f64)>> = BTreeMap::new();
    for output in &outputs {
        let mut workload = String::new();
        let mut serial = None;
        for line in output.lines() {
            if let Some(rest) = line.strip_prefix("Starting tests: ") {
                workload = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            } else if let Some(row) =
                all_captures(line, r"^non_threaded \((\d+) iters\)\s+([0-9.]+)").pop()
            {
                serial = row[1].parse::<f64>().ok();
            } else if let Some(row) =
                all_captures(line, r"^threaded \((\d+) threads\)\s+([0-9.]+)").pop()
                && let (Ok(n), Ok(threaded), Some(serial)) =
                    (row[0].parse::<u32>(), row[1].parse::<f64>(), serial)
            {
                pairs
                    .entry((workload.clone(), n))
                    .or_default()
                    .push((serial, threaded));
            }
        }
    }
    ensure!(!pairs.is_empty(), "thread-perf printed no timings");
    let mut figure = speedup_figure(
        "thread-perf-speedup",
        "thread-perf: n calls in a row against n threads",
        "n (calls, threads)",
    );
    figure.header = strings(["workload", "n", "in a row ms", "threads ms", "speedup"]);
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut thread_cost = Vec::new();
    let mut fib_speedup = None;
    for ((workload, n), runs) in &pairs {
        let serial = median(runs.iter().map(|r| r.0).collect()).unwrap_or(0.0);
        let threaded = median(runs.iter().map(|r| r.1).collect()).unwrap_or(0.0);
        // The empty calls take less than the printed microsecond: their threads measure only
        // what a thread costs, which the note gives instead of a row of zeros.
        if workload == "empty" {
            thread_cost.push(format!("{n}: {} ms", ms(threaded)));
            continue;
        }
        if threaded <= 0.0 || serial <= 0.0 {
            continue;
        }
        if workload == "fib" && *n == 2 {
            fib_speedup = Some(serial / threaded);
        }
        figure.rows.push(vec![
            workload.clone(),
            n.to_string(),
            ms(serial),
            ms(threaded),
            times(serial / threaded),
        ]);
        series
            .entry(workload.clone())
            .or_default()
            .push((f64::from(*n), serial / threaded));
    }
    figure.series = series
        .into_iter()
        .map(|(name, points)| Series { name, points })
        .collect();
    figure.note = format!(
        "`thread-perf --threads 1,2,4,8 --repeat 20` (the recipe keeps the best of 20; the page \
         the median of the repeats); speedup = n calls in a row ÷ n threads. The empty workload \
         measures what starting and joining the threads costs (n threads: {})",
        thread_cost.join(", ")
    );

    let fib = lab.runner.outputs(
        "thread-perf",
        &["--workload", "fib", "--threads", "1", "--repeat", "200"],
    )?;
    let rust = median_number(&fib, r"non_threaded \(1 iters\)\s+([0-9.]+)")?;
    if let Some((c, agreed)) = lab.c_time(
        "thread-perf fib",
        "fib_gmp",
        &["10000", "200"],
        &fib,
        r"F\((\d+)\), (\d+) digits",
        r"non_threaded \(1 iters\)\s+([0-9.]+)",
    ) {
        lab.against_c.borrow_mut().push(AgainstC {
            recipe: "thread-perf",
            work: "thread-perf fib: F(10000) by 10,000 big-integer additions, C with GMP".into(),
            rust,
            c,
            agree: agreed,
            speedup: fib_speedup,
            rust_command: "thread-perf --workload fib --threads 1 --repeat 200".into(),
            c_command: "fib_gmp 10000 200".into(),
        });
    }
    Ok(vec![figure])
}

/// The book's Monte Carlo π (3 rounds, 14 M points) on N rayon threads, the recipe's round
/// times summed; one thread and two against C.
fn scoop_montecarlo(lab: &Lab) -> anyhow::Result<Vec<Figure>> {
    let args = |threads: u32| {
        [
            "--threads".to_owned(),
            threads.to_string(),
            "--seed".to_owned(),
            "1".to_owned(),
        ]
    };
    let total = |outputs: &[String]| {
        let sums: Vec<f64> = outputs
            .iter()
            .map(|out| {
                all_captures(out, r"total time: ([0-9.]+)")
                    .iter()
                    .filter_map(|row| row[0].parse::<f64>().ok())
                    .sum()
            })
            .collect();
        median(sums).context("no total time printed")
    };
    let mut totals = Vec::new();
    let mut one = None;
    for workers in WORKERS {
        let args = args(workers);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let outputs = lab.runner.outputs("scoop-montecarlo-pi", &args)?;
        totals.push((workers, total(&outputs)?));
        if workers == 1 {
            one = Some(outputs);
        }
    }
    let base = totals[0].1;
    let mut c_totals = Vec::new();
    if let Some(rust) = &one {
        for threads in ["1", "2"] {
            let measured = lab
                .runner
                .c(lab.refs, "montecarlo_pi", &["3", "1000", "1", threads])
                .and_then(|c| {
                    let agreed = agree(&rust[0], &c[0], r"value of pi = ([0-9.]+)")?;
                    Ok((total(&c)?, agreed))
                });
            match measured {
                Ok(value) => c_totals.push(value),
                Err(error) => lab.missing.borrow_mut().push((
                    "C reference for scoop-montecarlo-pi".into(),
                    format!("{error:#}"),
                )),
            }
        }
    }
    let two = totals.iter().find(|(w, _)| *w == 2).map(|&(_, t)| t);
    if let Some((c, agreed)) = c_totals.first() {
        lab.against_c.borrow_mut().push(AgainstC {
            recipe: "scoop-montecarlo-pi",
            work: "scoop-montecarlo-pi: the book's 14M points, 1 thread".into(),
            rust: base,
            c: *c,
            agree: agreed.clone(),
            speedup: two.map(|two| base / two),
            rust_command: "scoop-montecarlo-pi --threads 1 --seed 1".into(),
            c_command: "montecarlo_pi 3 1000 1 1".into(),
        });
    }
    if let (Some((c, agreed)), Some(two)) = (c_totals.get(1), two) {
        lab.against_c.borrow_mut().push(AgainstC {
            recipe: "scoop-montecarlo-pi",
            work: "scoop-montecarlo-pi: the same on 2 threads".into(),
            rust: two,
            c: *c,
            agree: agreed.clone(),
            speedup: None,
            rust_command: "scoop-montecarlo-pi --threads 2 --seed 1".into(),
            c_command: "montecarlo_pi 3 1000 1 2".into(),
        });
    }
    let mut figure = speedup_figure(
        "scoop-montecarlo-pi-speedup",
        "scoop-montecarlo-pi: the book's 14M points on N threads",
        "threads",
    );
    figure.header = strings(["threads", "ms", "speedup"]);
    for &(w, t) in &totals {
        figure
            .rows
            .push(vec![w.to_string(), ms(t), times(base / t)]);
    }
    figure.series = vec![Series {
        name: "rayon pool".into(),
        points: totals
            .iter()
            .map(|&(w, t)| (f64::from(w), base / t))
            .collect(),
    }];
    if let [(c1, _), (c2, _)] = c_totals.as_slice() {
        figure.series.push(Series {
            name: "C, pthreads".into(),
            points: vec![(1.0, 1.0), (2.0, c1 / c2)],
        });
    }
    figure.note = "`scoop-montecarlo-pi --threads N --seed 1`, the sum of the round times it \
                   prints; speedup = time on 1 thread ÷ time on N. C: `montecarlo_pi 3 1000 1 N`"
        .to_owned();
    Ok(vec![figure])
}

/// The recipe's map of 1000 items (a 1 ms sleep and a sum each) on N threads, against the
/// sequential map; that map against C.
fn scoop_map_reduce(lab: &Lab) -> anyhow::Result<Vec<Figure>> {
    let mut figure = speedup_figure(
        "scoop-map-reduce-speedup",
        "scoop-map-reduce: 1000 items of 1 ms each on N threads",
        "threads",
    );
    figure.header = strings(["threads", "sequential ms", "map-reduce ms", "speedup"]);
    let mut points = Vec::new();
    let mut two = None;
    let mut sequential = Vec::new();
    for workers in WORKERS {
        let outputs = lab.runner.outputs(
            "scoop-map-reduce",
            &[
                "--threads",
                &workers.to_string(),
                "--items",
                "1000",
                "--sleep-ms",
                "1",
            ],
        )?;
        let parallel = median_number(
            &outputs,
            r"map-reduce on \d+ threads? executed in ([0-9.]+)s",
        )?;
        let serial = median_number(&outputs, r"sequential map executed in: ([0-9.]+)s")?;
        sequential.push(serial);
        points.push((f64::from(workers), serial / parallel));
        figure.rows.push(vec![
            workers.to_string(),
            ms(serial),
            ms(parallel),
            times(serial / parallel),
        ]);
        if workers == 2 {
            two = Some((outputs, serial / parallel));
        }
    }
    if let Some((outputs, speedup)) = two
        && let Some((c, agreed)) = lab.c_time(
            "scoop-map-reduce",
            "map_reduce",
            &["1000", "1"],
            &outputs,
            r"sequential map executed in: [0-9.]+s with result: (\d+)",
            r"sequential map executed in: ([0-9.]+)s",
        )
    {
        lab.against_c.borrow_mut().push(AgainstC {
            recipe: "scoop-map-reduce",
            work: "scoop-map-reduce: 1000 items (1 ms sleep and a sum), sequential".into(),
            rust: median(sequential).unwrap_or(f64::NAN),
            c,
            agree: agreed,
            speedup: Some(speedup),
            rust_command: "scoop-map-reduce --threads 2 --items 1000 --sleep-ms 1".into(),
            c_command: "map_reduce 1000 1".into(),
        });
    }
    figure.series = vec![Series {
        name: "rayon map-reduce".into(),
        points,
    }];
    figure.note = "`scoop-map-reduce --threads N --items 1000 --sleep-ms 1`; speedup = the \
                   sequential map's time ÷ the map-reduce's. The work is sleeping, so threads \
                   beyond the cores still help"
        .to_owned();
    Ok(vec![figure])
}

/// A pool of N processes against a pool of N threads mapping the same CPU-bound function.
fn process_pool(lab: &Lab) -> anyhow::Result<Vec<Figure>> {
    let mut runs = Vec::new();
    for workers in WORKERS {
        let outputs = lab.runner.example(
            "benchmark",
            &[
                "--processes",
                &workers.to_string(),
                "--size",
                "20000",
                "--rounds",
                "4000",
                "--repeat",
                "1",
            ],
        )?;
        let processes = median_number(&outputs, r"process pool: map in ([0-9.]+)")?;
        let threads = median_number(&outputs, r"thread pool: map in ([0-9.]+)")?;
        runs.push((workers, processes, threads));
    }
    let (_, p1, t1) = runs[0];
    let mut figure = speedup_figure(
        "process-pool-speedup",
        "process-pool: a CPU-bound map on N workers",
        "workers",
    );
    figure.header = strings([
        "workers",
        "process pool ms",
        "thread pool ms",
        "process pool speedup",
        "thread pool speedup",
    ]);
    for &(w, p, t) in &runs {
        figure.rows.push(vec![
            w.to_string(),
            ms(p),
            ms(t),
            times(p1 / p),
            times(t1 / t),
        ]);
    }
    figure.series = vec![
        Series {
            name: "process pool".into(),
            points: runs
                .iter()
                .map(|&(w, p, _)| (f64::from(w), p1 / p))
                .collect(),
        },
        Series {
            name: "thread pool".into(),
            points: runs
                .iter()
                .map(|&(w, _, t)| (f64::from(w), t1 / t))
                .collect(),
        },
    ];
    figure.note = "`cargo run --release -p process-pool --example benchmark -- --processes N \
                   --size 20000 --rounds 4000 --repeat 1`, the map times it prints; speedup = \
                   time on 1 worker ÷ time on N"
        .to_owned();
    Ok(vec![figure])
}

const ROW: &str = r"(?m)^\s*(\d+)\s+\d+\s+([0-9.]+)\s+([0-9.]+)\s*$";

/// Round trips by message size of a ping-pong table, the median of the runs.
fn round_trips(outputs: &[String]) -> BTreeMap<u64, f64> {
    let mut by_size: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for output in outputs {
        for row in all_captures(output, ROW) {
            if let (Ok(bytes), Ok(trip)) = (row[0].parse::<u64>(), row[1].parse::<f64>()) {
                by_size.entry(bytes).or_default().push(trip);
            }
        }
    }
    by_size
        .into_iter()
        .filter_map(|(bytes, trips)| Some((bytes, median(trips)?)))
        .collect()
}

/// Ping-pong between two ranks through rsmpi against the same in C on MPICH.
fn mpi_p2p(lab: &Lab) -> anyhow::Result<Vec<Figure>> {
    let rust = round_trips(
        &lab.runner
            .example("ping_pong", &["--max-bytes", "1048576"])?,
    );
    ensure!(!rust.is_empty(), "the ping_pong example printed no table");
    let c_program = lab.refs.path("ping_pong")?;
    let c = round_trips(&lab.runner.program(
        std::path::Path::new("mpiexec"),
        "C ping_pong",
        &["-n", "2", &c_program.display().to_string(), "1048576"],
    )?);
    let mut figure = size_figure(
        "mpi-p2p-size",
        "mpi-p2p ping-pong against C on MPICH",
        "message size (bytes)",
        "Rust round trip ÷ C round trip",
    );
    figure.header = strings(["bytes", "Rust round trip µs", "C round trip µs", "Rust/C"]);
    let mut points = Vec::new();
    for (bytes, trip) in &rust {
        let Some(c_trip) = c.get(bytes) else { continue };
        points.push((*bytes as f64, trip / c_trip));
        figure.rows.push(vec![
            bytes.to_string(),
            format!("{trip:.2}"),
            format!("{c_trip:.2}"),
            times(trip / c_trip),
        ]);
    }
    ensure!(!points.is_empty(), "the C ping-pong printed no table");
    figure.series = vec![Series {
        name: "round trip, Rust ÷ C".into(),
        points,
    }];
    figure.note = "`cargo run --release -p mpi-p2p --example ping_pong -- --max-bytes 1048576` \
                   against `mpiexec -n 2 ping_pong 1048576` (tools/bench/c/ping_pong.c, the same \
                   batches with MPI_Send/MPI_Recv), both on MPICH's shared memory"
        .to_owned();
    Ok(vec![figure])
}

/// The GEMM sizes of the figure: the book's 10 is too small to time, 1024 the recipe's default.
const GEMM_SIZES: [u64; 4] = [128, 256, 512, 1024];
/// The paths of the GEMM figure: each label and the pattern of its rate in the output.
const GEMM_PATHS: [(&str, &str); 6] = [
    (
        "NumPy A @ B",
        r"NumPy \S+ A @ B took [0-9.]+ seconds: ([0-9.]+) GFLOP/s",
    ),
    (
        "ndarray (CPU)",
        r"ndarray \(CPU\) took [0-9.]+ seconds: ([0-9.]+) GFLOP/s",
    ),
    (
        "CLBlast",
        r"CLBlast took [0-9.]+ seconds: ([0-9.]+) GFLOP/s",
    ),
    (
        "blocked kernel",
        r"blocked kernel \(8x8, float8\)\s+[0-9.]+ s\s+([0-9.]+) GFLOP/s",
    ),
    (
        "tiled kernel",
        r"tiled kernel \(16x16 tiles\)\s+[0-9.]+ s\s+([0-9.]+) GFLOP/s",
    ),
    (
        "naive kernel",
        r"naive kernel\s+[0-9.]+ s\s+([0-9.]+) GFLOP/s",
    ),
];

/// GEMM rates against n: the recipe's two libraries (ndarray on the CPU, CLBlast on the
/// OpenCL device) and its example's hand-written kernels, beside NumPy's `A @ B` timed by the
/// recipe in the same run (the anchor) and under the CPU's fp32 peak.
fn gpu_gemm(lab: &Lab) -> anyhow::Result<Vec<Figure>> {
    let python = lab.python.display().to_string();
    let mut outputs: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for n in GEMM_SIZES {
        let n_text = n.to_string();
        // Ten timed products after the warm-up: with fewer, the CPU library's threads and the
        // clock have not settled and its rate reads up to a fifth low.
        let args = [
            "--dim", &n_text, "--seed", "1", "--repeat", "10", "--numpy", "--python", &python,
        ];
        let mut runs = lab.runner.outputs("gpu-gemm", &args)?;
        let kernels = ["--sizes", &n_text, "--cpu-max", "0", "--seed", "1"];
        runs.extend(lab.runner.example("kernels", &kernels)?);
        outputs.insert(n, runs);
    }
    let all: Vec<String> = outputs.values().flatten().cloned().collect();
    let peak = median_number(&all, r"CPU fp32 peak: .* = ([0-9.]+) GFLOP/s")?;
    let mut figure = Figure {
        x_label: "n (n×n float32 matrices)".to_owned(),
        y_label: "GFLOP/s (log)".to_owned(),
        ceiling: Some((format!("CPU fp32 peak, {peak:.0} GFLOP/s"), peak)),
        ..Figure::new(
            "gpu-gemm-rate",
            "gpu-gemm: GFLOP/s of every path beside NumPy's",
            Section::Rate,
        )
    };
    figure.header = vec!["n".to_owned()];
    figure.header.extend(
        GEMM_PATHS
            .iter()
            .map(|(label, _)| format!("{label} GFLOP/s")),
    );
    figure.header.extend(
        GEMM_PATHS[1..]
            .iter()
            .map(|(label, _)| format!("{label} / NumPy")),
    );
    let mut series: Vec<Series> = GEMM_PATHS
        .iter()
        .map(|(label, _)| Series {
            name: (*label).to_owned(),
            points: Vec::new(),
        })
        .collect();
    for (n, runs) in &outputs {
        let rates: Vec<f64> = GEMM_PATHS
            .iter()
            .map(|(label, pattern)| {
                median_number(runs, pattern).with_context(|| format!("gpu-gemm {label}, n = {n}"))
            })
            .collect::<anyhow::Result<_>>()?;
        let mut row = vec![n.to_string()];
        row.extend(rates.iter().map(|rate| format!("{rate:.2}")));
        row.extend(rates[1..].iter().map(|rate| times(rate / rates[0])));
        figure.rows.push(row);
        for (line, rate) in series.iter_mut().zip(&rates) {
            line.points.push((*n as f64, *rate));
        }
    }
    figure.series = series;
    figure.note = format!(
        "`cargo run --release -p gpu-gemm -- --dim N --seed 1 --repeat 10 --numpy` (ndarray, CLBlast and \
         NumPy's `A @ B`, timed by the recipe in the same run: NumPy is the anchor) and `cargo \
         run --release -p gpu-gemm --example kernels -- --sizes N --cpu-max 0 --seed 1` (the \
         hand-written kernels, from profiling events), on the first OpenCL device (PoCL on the \
         CPU when there is no GPU). Each rate is 2n³ flops over the median time. The peak is \
         the recipe's: cores × clock × FMA units × SIMD lanes × 2, from /proc/cpuinfo \
         ({peak:.1} GFLOP/s here)"
    );
    Ok(vec![figure])
}

const GPU_LENGTHS: [u64; 3] = [10_000, 100_000, 1_000_000];

/// The book's vector sum on the device against the CPU loop of the same run.
fn gpu_bench(lab: &Lab) -> anyhow::Result<Vec<Figure>> {
    let mut figure = size_figure(
        "gpu-bench-size",
        "gpu-bench: a vector sum recomputed 100 times, device against CPU",
        "vector length",
        "device time ÷ CPU loop time",
    );
    figure.header = strings([
        "length",
        "CPU ms",
        "kernel ms",
        "device total ms",
        "kernel/CPU",
        "total/CPU",
    ]);
    let mut kernel_points = Vec::new();
    let mut total_points = Vec::new();
    for length in GPU_LENGTHS {
        let outputs = lab.runner.outputs(
            "gpu-bench",
            &[
                "--length",
                &length.to_string(),
                "--repeat",
                "100",
                "--seed",
                "1",
            ],
        )?;
        let cpu = median_number(&outputs, r"CPU Time: ([0-9.e-]+) s")?;
        let kernel = median_number(&outputs, r"GPU Kernel evaluation Time: ([0-9.e-]+) s")?;
        let total = median_number(&outputs, r"GPU Time: ([0-9.e-]+) s")?;
        kernel_points.push((length as f64, kernel / cpu));
        total_points.push((length as f64, total / cpu));
        figure.rows.push(vec![
            length.to_string(),
            ms(cpu),
            ms(kernel),
            ms(total),
            times(kernel / cpu),
            times(total / cpu),
        ]);
    }
    figure.series = vec![
        Series {
            name: "kernel ÷ CPU loop".into(),
            points: kernel_points,
        },
        Series {
            name: "copies + kernel ÷ CPU loop".into(),
            points: total_points,
        },
    ];
    figure.note = "`gpu-bench --length L --repeat 100 --seed 1` on the first OpenCL device; the \
                   anchor is the recipe's CPU loop in the same run"
        .to_owned();
    Ok(vec![figure])
}

/// Celery tasks through RabbitMQ: round-trip rate with N Rust worker processes.
fn celery(lab: &Lab) -> anyhow::Result<Vec<Figure>> {
    let mut rates = Vec::new();
    for workers in WORKERS {
        let outputs = lab.runner.outputs(
            "celery-add-task",
            &["bench", "--count", "300", "--workers", &workers.to_string()],
        )?;
        rates.push((workers, median_number(&outputs, r"= ([0-9.]+) tasks/s")?));
    }
    let base = rates[0].1;
    let mut figure = speedup_figure(
        "celery-add-task-speedup",
        "celery-add-task: 300 add tasks through RabbitMQ, N workers",
        "worker processes",
    );
    figure.y_label = "throughput ÷ throughput with 1 worker".into();
    figure.header = strings(["workers", "tasks/s", "relative to 1 worker"]);
    for &(w, rate) in &rates {
        figure.rows.push(vec![
            w.to_string(),
            format!("{rate:.0}"),
            times(rate / base),
        ]);
    }
    figure.series = vec![Series {
        name: "round trips".into(),
        points: rates
            .iter()
            .map(|&(w, r)| (f64::from(w), r / base))
            .collect(),
    }];
    figure.note =
        "`celery-add-task bench --count 300 --workers N` against RabbitMQ on 127.0.0.1:5672; the anchor is the rate with 1 worker"
            .to_owned();
    Ok(vec![figure])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_agree_on_numbers_whatever_their_digits() {
        let rust = "value of pi = 3.142059111111111\nvalue of pi = 3.14\n";
        let c = "value of pi = 3.1420591111111111\nvalue of pi = 3.1400\n";
        assert_eq!(
            agree(rust, c, r"value of pi = ([0-9.]+)").unwrap(),
            "2 results"
        );
        let wrong = "value of pi = 3.142059111111112\nvalue of pi = 3.14\n";
        assert!(agree(wrong, c, r"value of pi = ([0-9.]+)").is_err());
        assert!(agree(rust, "nothing", r"value of pi = ([0-9.]+)").is_err());
    }

    #[test]
    fn a_result_printed_in_every_phase_agrees_once() {
        let rust = "Item 1, result 10\nItem 2, result 20\nItem 2, result 20\nItem 1, result 10\n";
        let c = "Item 1, result 10\nItem 2, result 20\n";
        assert_eq!(
            agree(rust, c, r"Item (\d+), result (\d+)").unwrap(),
            "2 results"
        );
        let missing = "Item 1, result 10\n";
        assert!(agree(missing, c, r"Item (\d+), result (\d+)").is_err());
    }

    #[test]
    fn ping_pong_rows_are_read_by_size() {
        let table = "     bytes    batch  round trip (us)         MB/s\n         1      400             0.65          3.1\n      1024      400             1.30       1572.7\n";
        let trips = round_trips(&[table.to_owned()]);
        assert_eq!(trips.get(&1), Some(&0.65));
        assert_eq!(trips.get(&1024), Some(&1.30));
    }
}
