//! The measurements: which recipe runs with which parameters, and how its output becomes a
//! figure. Sizes are modest so that the whole report is made in minutes on two cores.

use std::collections::BTreeMap;

use anyhow::Context;

use crate::figure::{Figure, Section, Series};
use crate::runner::{Runner, all_captures, median, median_number};

/// Threads, processes or ranks of the speedup figures.
pub const WORKERS: [u32; 4] = [1, 2, 4, 8];

/// One recipe's measurement: how many runs it makes (before repeats) and the function.
pub struct Plan {
    pub crate_name: &'static str,
    pub runs: usize,
    pub run: fn(&Runner) -> anyhow::Result<Vec<Figure>>,
}

pub fn plans() -> Vec<Plan> {
    vec![
        Plan {
            crate_name: "intro-serial-vs-parallel",
            runs: 3 * WORKERS.len() + 3 * INTRO_SIZES.len(),
            run: intro,
        },
        Plan {
            crate_name: "thread-perf",
            runs: 1,
            run: thread_perf,
        },
        Plan {
            crate_name: "futures-pool",
            runs: WORKERS.len(),
            run: futures_pool,
        },
        Plan {
            crate_name: "process-pool",
            runs: WORKERS.len(),
            run: process_pool,
        },
        Plan {
            crate_name: "scoop-montecarlo-pi",
            runs: WORKERS.len(),
            run: scoop_montecarlo,
        },
        Plan {
            crate_name: "scoop-map-reduce",
            runs: WORKERS.len(),
            run: scoop_map_reduce,
        },
        Plan {
            crate_name: "mpi-p2p",
            runs: 1,
            run: mpi_p2p,
        },
        Plan {
            crate_name: "gpu-gemm",
            runs: 1,
            run: gpu_gemm,
        },
        Plan {
            crate_name: "gpu-bench",
            runs: GPU_LENGTHS.len(),
            run: gpu_bench,
        },
        Plan {
            crate_name: "celery-add-task",
            runs: WORKERS.len(),
            run: celery,
        },
    ]
}

fn f3(value: f64) -> String {
    format!("{value:.4}")
}

fn x(value: f64) -> String {
    format!("{value:.2}x")
}

fn speedup_figure(id: &str, title: &str, x_label: &str) -> Figure {
    Figure {
        id: id.to_owned(),
        title: title.to_owned(),
        section: Section::Speedup,
        x_label: x_label.to_owned(),
        y_label: "speedup".to_owned(),
        series: Vec::new(),
        groups: Vec::new(),
        header: Vec::new(),
        rows: Vec::new(),
        note: String::new(),
    }
}

fn cost_figure(id: &str, title: &str, x_label: &str, y_label: &str) -> Figure {
    Figure {
        section: Section::Cost,
        y_label: y_label.to_owned(),
        ..speedup_figure(id, title, x_label)
    }
}

const INTRO_TOTAL: u64 = 8_000_000;
const INTRO_SIZES: [u64; 3] = [100_000, 1_000_000, 4_000_000];
const INTRO_MODES: [(&str, &str); 3] = [
    ("serial", r"serial time=\s*([0-9.]+)"),
    ("threads", r"multithreading time=\s*([0-9.]+)"),
    ("processes", r"multiprocesses time=\s*([0-9.]+)"),
];

/// The same 8 million random numbers cut into 1, 2, 4, 8 jobs, each mode's time printed by the
/// recipe; then 2 jobs of growing size.
fn intro(runner: &Runner) -> anyhow::Result<Vec<Figure>> {
    let name = "intro-serial-vs-parallel";
    let mut times: BTreeMap<(&str, u32), f64> = BTreeMap::new();
    for workers in WORKERS {
        let size = (INTRO_TOTAL / u64::from(workers)).to_string();
        let jobs = workers.to_string();
        for (mode, pattern) in INTRO_MODES {
            let outputs = runner.outputs(name, &[mode, "--jobs", &jobs, "--size", &size])?;
            times.insert((mode, workers), median_number(&outputs, pattern)?);
        }
    }
    let mut speedup = speedup_figure(
        "intro-speedup",
        "intro-serial-vs-parallel: 8M random numbers in N jobs",
        "jobs (threads or processes)",
    );
    speedup.header = [
        "jobs",
        "serial s",
        "threads s",
        "processes s",
        "threads speedup",
        "processes speedup",
    ]
    .map(String::from)
    .to_vec();
    for mode in ["threads", "processes"] {
        let points = WORKERS
            .iter()
            .map(|&w| (f64::from(w), times[&("serial", w)] / times[&(mode, w)]))
            .collect();
        speedup.series.push(Series {
            name: mode.to_owned(),
            points,
        });
    }
    for &w in &WORKERS {
        let serial = times[&("serial", w)];
        speedup.rows.push(vec![
            w.to_string(),
            f3(serial),
            f3(times[&("threads", w)]),
            f3(times[&("processes", w)]),
            x(serial / times[&("threads", w)]),
            x(serial / times[&("processes", w)]),
        ]);
    }
    speedup.note = format!(
        "`{name} <mode> --jobs N --size {INTRO_TOTAL}/N`; the time each mode prints (speedup = serial ÷ mode)"
    );

    let mut cost = cost_figure(
        "intro-cost",
        "intro-serial-vs-parallel: 2 jobs of growing size",
        "random numbers per job",
        "seconds",
    );
    cost.header = ["numbers per job", "serial s", "threads s", "processes s"]
        .map(String::from)
        .to_vec();
    let mut by_mode: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for size in INTRO_SIZES {
        let mut row = vec![size.to_string()];
        for (mode, pattern) in INTRO_MODES {
            let outputs =
                runner.outputs(name, &[mode, "--jobs", "2", "--size", &size.to_string()])?;
            let seconds = median_number(&outputs, pattern)?;
            by_mode
                .entry(mode)
                .or_default()
                .push((size as f64, seconds));
            row.push(f3(seconds));
        }
        cost.rows.push(row);
    }
    for (mode, _) in INTRO_MODES {
        cost.series.push(Series {
            name: mode.to_owned(),
            points: by_mode.remove(mode).unwrap_or_default(),
        });
    }
    cost.note = format!("`{name} <mode> --jobs 2 --size S`; the time each mode prints");
    Ok(vec![speedup, cost])
}

/// The recipe measures n calls in a row against n threads itself, for each workload.
fn thread_perf(runner: &Runner) -> anyhow::Result<Vec<Figure>> {
    let outputs = runner.outputs("thread-perf", &["--threads", "1,2,4,8", "--repeat", "5"])?;
    // (workload, n) -> (non-threaded seconds, threaded seconds), one pair per run.
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
    anyhow::ensure!(!pairs.is_empty(), "thread-perf printed no timings");
    let mut figure = speedup_figure(
        "thread-perf-speedup",
        "thread-perf: n calls in a row against n threads",
        "n (calls, threads)",
    );
    figure.header = ["workload", "n", "in a row s", "threads s", "speedup"]
        .map(String::from)
        .to_vec();
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for ((workload, n), runs) in &pairs {
        let serial = median(runs.iter().map(|r| r.0).collect()).unwrap_or(0.0);
        let threaded = median(runs.iter().map(|r| r.1).collect()).unwrap_or(0.0);
        let speedup = if threaded > 0.0 {
            serial / threaded
        } else {
            0.0
        };
        figure.rows.push(vec![
            workload.clone(),
            n.to_string(),
            format!("{serial:.6}"),
            format!("{threaded:.6}"),
            x(speedup),
        ]);
        // The empty workload measures only the cost of a thread: its "speedup" is ~0.
        if workload != "empty" {
            series
                .entry(workload.clone())
                .or_default()
                .push((f64::from(*n), speedup));
        }
    }
    figure.series = series
        .into_iter()
        .map(|(name, points)| Series { name, points })
        .collect();
    figure.note = "`thread-perf --threads 1,2,4,8 --repeat 5` (the recipe keeps the best of 5; this page the median of the repeats)".to_owned();
    Ok(vec![figure])
}

/// Sequential against a thread pool and a process pool of 1, 2, 4, 8 workers.
fn futures_pool(runner: &Runner) -> anyhow::Result<Vec<Figure>> {
    let mut figure = speedup_figure(
        "futures-pool-speedup",
        "futures-pool: 8 CPU-bound items on pools of N workers",
        "workers",
    );
    figure.header = [
        "workers",
        "sequential s",
        "thread pool s",
        "process pool s",
        "thread pool speedup",
        "process pool speedup",
    ]
    .map(String::from)
    .to_vec();
    let mut threads = Vec::new();
    let mut processes = Vec::new();
    for workers in WORKERS {
        let outputs = runner.outputs(
            "futures-pool",
            &[
                "--workers",
                &workers.to_string(),
                "--items",
                "8",
                "--steps",
                "100000000",
            ],
        )?;
        let serial = median_number(&outputs, r"Sequential Execution in ([0-9.]+)")?;
        let thread_pool = median_number(&outputs, r"Thread Pool Execution in ([0-9.]+)")?;
        let process_pool = median_number(&outputs, r"Process Pool Execution in ([0-9.]+)")?;
        threads.push((f64::from(workers), serial / thread_pool));
        processes.push((f64::from(workers), serial / process_pool));
        figure.rows.push(vec![
            workers.to_string(),
            f3(serial),
            f3(thread_pool),
            f3(process_pool),
            x(serial / thread_pool),
            x(serial / process_pool),
        ]);
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
    figure.note = "`futures-pool --workers N --items 8 --steps 100000000`; the times the recipe prints (speedup = sequential ÷ pool)".to_owned();
    Ok(vec![figure])
}

/// A pool of N processes against a pool of N threads mapping the same CPU-bound function.
fn process_pool(runner: &Runner) -> anyhow::Result<Vec<Figure>> {
    let mut runs = Vec::new();
    for workers in WORKERS {
        let outputs = runner.outputs(
            "process-pool",
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
    figure.header = [
        "workers",
        "process pool s",
        "thread pool s",
        "process pool speedup",
        "thread pool speedup",
    ]
    .map(String::from)
    .to_vec();
    for &(w, p, t) in &runs {
        figure
            .rows
            .push(vec![w.to_string(), f3(p), f3(t), x(p1 / p), x(t1 / t)]);
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
    figure.note = "`process-pool --processes N --size 20000 --rounds 4000 --repeat 1`; the map times the recipe prints (speedup = time on 1 worker ÷ time on N)".to_owned();
    Ok(vec![figure])
}

/// Monte Carlo pi on N rayon threads: the recipe's own round times, summed.
fn scoop_montecarlo(runner: &Runner) -> anyhow::Result<Vec<Figure>> {
    let mut totals = Vec::new();
    for workers in WORKERS {
        let outputs = runner.outputs(
            "scoop-montecarlo-pi",
            &[
                "--threads",
                &workers.to_string(),
                "--rounds",
                "3",
                "--scale",
                "1500",
                "--seed",
                "1",
            ],
        )?;
        let sums: Vec<f64> = outputs
            .iter()
            .map(|out| {
                all_captures(out, r"total time: ([0-9.]+)")
                    .iter()
                    .filter_map(|row| row[0].parse::<f64>().ok())
                    .sum()
            })
            .collect();
        totals.push((
            workers,
            median(sums).context("scoop-montecarlo-pi printed no time")?,
        ));
    }
    let base = totals[0].1;
    let mut figure = speedup_figure(
        "scoop-montecarlo-pi-speedup",
        "scoop-montecarlo-pi: Monte Carlo pi on N threads",
        "threads",
    );
    figure.header = ["threads", "seconds", "speedup"].map(String::from).to_vec();
    for &(w, t) in &totals {
        figure.rows.push(vec![w.to_string(), f3(t), x(base / t)]);
    }
    figure.series = vec![Series {
        name: "rayon pool".into(),
        points: totals
            .iter()
            .map(|&(w, t)| (f64::from(w), base / t))
            .collect(),
    }];
    figure.note = "`scoop-montecarlo-pi --threads N --rounds 3 --scale 1500 --seed 1`; the sum of the round times it prints".to_owned();
    Ok(vec![figure])
}

/// A map of 1 ms sleeps and a sum on N threads, against the sequential map.
fn scoop_map_reduce(runner: &Runner) -> anyhow::Result<Vec<Figure>> {
    let mut figure = speedup_figure(
        "scoop-map-reduce-speedup",
        "scoop-map-reduce: 400 items of 1 ms each on N threads",
        "threads",
    );
    figure.header = ["threads", "sequential s", "map-reduce s", "speedup"]
        .map(String::from)
        .to_vec();
    let mut points = Vec::new();
    for workers in WORKERS {
        let outputs = runner.outputs(
            "scoop-map-reduce",
            &[
                "--threads",
                &workers.to_string(),
                "--items",
                "400",
                "--sleep-ms",
                "1",
            ],
        )?;
        let parallel = median_number(
            &outputs,
            r"map-reduce on \d+ threads? executed in ([0-9.]+)s",
        )?;
        let serial = median_number(&outputs, r"sequential map executed in: ([0-9.]+)s")?;
        points.push((f64::from(workers), serial / parallel));
        figure.rows.push(vec![
            workers.to_string(),
            f3(serial),
            f3(parallel),
            x(serial / parallel),
        ]);
    }
    figure.series = vec![Series {
        name: "rayon map-reduce".into(),
        points,
    }];
    figure.note = "`scoop-map-reduce --threads N --items 400 --sleep-ms 1`: the work is sleeping, so threads beyond the cores still help".to_owned();
    Ok(vec![figure])
}

/// Ping-pong between two ranks: round-trip time against message size.
fn mpi_p2p(runner: &Runner) -> anyhow::Result<Vec<Figure>> {
    let outputs = runner.outputs("mpi-p2p", &["--bench", "--max-bytes", "1048576"])?;
    let mut by_size: BTreeMap<u64, Vec<(f64, f64)>> = BTreeMap::new();
    for output in &outputs {
        for row in all_captures(output, r"(?m)^\s*(\d+)\s+\d+\s+([0-9.]+)\s+([0-9.]+)\s*$") {
            if let (Ok(bytes), Ok(trip), Ok(rate)) = (
                row[0].parse::<u64>(),
                row[1].parse::<f64>(),
                row[2].parse::<f64>(),
            ) {
                by_size.entry(bytes).or_default().push((trip, rate));
            }
        }
    }
    anyhow::ensure!(!by_size.is_empty(), "mpi-p2p --bench printed no table");
    let mut figure = cost_figure(
        "mpi-p2p-cost",
        "mpi-p2p --bench: ping-pong between 2 ranks",
        "message size (bytes)",
        "round trip (µs)",
    );
    figure.header = ["bytes", "round trip µs", "MB/s"]
        .map(String::from)
        .to_vec();
    let mut points = Vec::new();
    for (bytes, runs) in &by_size {
        let trip = median(runs.iter().map(|r| r.0).collect()).unwrap_or(0.0);
        let rate = median(runs.iter().map(|r| r.1).collect()).unwrap_or(0.0);
        points.push((*bytes as f64, trip));
        figure.rows.push(vec![
            bytes.to_string(),
            format!("{trip:.2}"),
            format!("{rate:.1}"),
        ]);
    }
    figure.series = vec![Series {
        name: "round trip".into(),
        points,
    }];
    figure.note =
        "`mpi-p2p --bench --max-bytes 1048576` (2 ranks under MPICH's mpiexec, shared memory)"
            .to_owned();
    Ok(vec![figure])
}

/// GEMM on the CPU and in two OpenCL kernels against the matrix side.
fn gpu_gemm(runner: &Runner) -> anyhow::Result<Vec<Figure>> {
    let outputs = runner.outputs(
        "gpu-gemm",
        &[
            "--sizes",
            "64,128,256,512",
            "--cpu-max",
            "512",
            "--seed",
            "1",
        ],
    )?;
    let kinds = [
        ("CPU", r"CPU \(i-k-j loop, 1 core\)"),
        ("naive kernel", "naive kernel"),
        ("tiled kernel", r"tiled kernel \(16x16 tiles\)"),
    ];
    let mut figure = cost_figure(
        "gpu-gemm-cost",
        "gpu-gemm: C = A·B of n×n float32 matrices",
        "n",
        "seconds",
    );
    figure.header = ["n", "CPU s", "naive s", "tiled s", "tiled GFLOP/s"]
        .map(String::from)
        .to_vec();
    let mut table: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (label, pattern) in kinds {
        let mut by_n: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
        for output in &outputs {
            for row in all_captures(output, &format!(r"n = (\d+): {pattern}\s+([0-9.]+) s")) {
                if let (Ok(n), Ok(seconds)) = (row[0].parse::<u64>(), row[1].parse::<f64>()) {
                    by_n.entry(n).or_default().push(seconds);
                }
            }
        }
        let points: Vec<(f64, f64)> = by_n
            .into_iter()
            .filter_map(|(n, runs)| Some((n as f64, median(runs)?)))
            .collect();
        for &(n, seconds) in &points {
            table
                .entry(n as u64)
                .or_default()
                .push(format!("{seconds:.6}"));
        }
        figure.series.push(Series {
            name: label.to_owned(),
            points,
        });
    }
    for (n, mut cells) in table {
        let flops = 2.0 * (n as f64).powi(3);
        let tiled = cells
            .last()
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(0.0);
        cells.push(if tiled > 0.0 {
            format!("{:.2}", flops / tiled / 1e9)
        } else {
            "—".into()
        });
        let mut row = vec![n.to_string()];
        row.extend(cells);
        figure.rows.push(row);
    }
    anyhow::ensure!(!figure.rows.is_empty(), "gpu-gemm printed no timings");
    figure.note = "`gpu-gemm --sizes 64,128,256,512 --cpu-max 512 --seed 1` on the first OpenCL device (PoCL on the CPU when there is no GPU); kernel times from profiling events".to_owned();
    Ok(vec![figure])
}

const GPU_LENGTHS: [u64; 3] = [10_000, 100_000, 1_000_000];

/// The book's vector sum on the CPU and the device against the vector length.
fn gpu_bench(runner: &Runner) -> anyhow::Result<Vec<Figure>> {
    let mut figure = cost_figure(
        "gpu-bench-cost",
        "gpu-bench: a vector sum recomputed 100 times",
        "vector length",
        "seconds",
    );
    figure.header = ["length", "CPU s", "kernel s", "device total s"]
        .map(String::from)
        .to_vec();
    let kinds = [
        ("CPU", r"CPU Time: ([0-9.e-]+) s"),
        (
            "device kernel",
            r"GPU Kernel evaluation Time: ([0-9.e-]+) s",
        ),
        ("device total (copies + kernel)", r"GPU Time: ([0-9.e-]+) s"),
    ];
    let mut series: Vec<Vec<(f64, f64)>> = vec![Vec::new(); kinds.len()];
    for length in GPU_LENGTHS {
        let outputs = runner.outputs(
            "gpu-bench",
            &[
                "--length",
                &length.to_string(),
                "--repeat",
                "100",
                "--bandwidth-mib",
                "8",
                "--seed",
                "1",
            ],
        )?;
        let mut row = vec![length.to_string()];
        for (index, (_, pattern)) in kinds.iter().enumerate() {
            let seconds = median_number(&outputs, pattern)?;
            series[index].push((length as f64, seconds));
            row.push(format!("{seconds:.6}"));
        }
        figure.rows.push(row);
    }
    figure.series = kinds
        .iter()
        .zip(series)
        .map(|((name, _), points)| Series {
            name: (*name).to_owned(),
            points,
        })
        .collect();
    figure.note =
        "`gpu-bench --length L --repeat 100 --bandwidth-mib 8 --seed 1` on the first OpenCL device"
            .to_owned();
    Ok(vec![figure])
}

/// Celery tasks through RabbitMQ: round-trip rate with N Rust worker processes.
fn celery(runner: &Runner) -> anyhow::Result<Vec<Figure>> {
    let mut rates = Vec::new();
    for workers in WORKERS {
        let outputs = runner.outputs(
            "celery-add-task",
            &["send", "--count", "300", "--workers", &workers.to_string()],
        )?;
        rates.push((workers, median_number(&outputs, r"= ([0-9.]+) tasks/s")?));
    }
    let base = rates[0].1;
    let mut figure = speedup_figure(
        "celery-add-task-speedup",
        "celery-add-task: 300 add tasks through RabbitMQ, N workers",
        "worker processes",
    );
    figure.y_label = "throughput relative to 1 worker".into();
    figure.header = ["workers", "tasks/s", "relative"]
        .map(String::from)
        .to_vec();
    for &(w, rate) in &rates {
        figure
            .rows
            .push(vec![w.to_string(), format!("{rate:.0}"), x(rate / base)]);
    }
    figure.series = vec![Series {
        name: "round trips".into(),
        points: rates
            .iter()
            .map(|&(w, r)| (f64::from(w), r / base))
            .collect(),
    }];
    figure.note =
        "`celery-add-task send --count 300 --workers N` against RabbitMQ on 127.0.0.1:5672"
            .to_owned();
    Ok(vec![figure])
}
