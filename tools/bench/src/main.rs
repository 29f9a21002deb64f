//! `scripts/bench.sh`: runs the timing recipes with a progress bar, repeats each measurement
//! (the median of `--repeat` runs), and writes docs/src/performance.md with tables and SVG
//! plots in docs/src/performance/: speedup against workers, cost against problem size, and,
//! with `--book <dir>`, the Rust recipes against the book's Python originals.

mod experiments;
mod figure;
mod runner;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use compare::comparison::{self, Settings};
use compare::meta::{self, Entry};
use compare::python::{self, Interpreter};
use figure::{Figure, Section, Series};
use runner::{Runner, median};

#[derive(Parser)]
#[command(about = "Measure the timing recipes and write docs/src/performance.md with plots")]
struct Args {
    /// Runs of each measurement; the page shows their median.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    repeat: u64,
    /// Your clone of the book's 2nd-edition code: adds Rust-against-Python figures for the
    /// timing recipes whose originals run here.
    #[arg(long, value_name = "DIR")]
    book: Option<PathBuf>,
    /// The Python interpreter that runs the originals (with --book).
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Only these recipes (crate names, comma separated).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// The workspace root.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Seconds one run may take before it is stopped (and the measurement fails).
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

/// The timing recipes compared with their Python originals when `--book` is given.
const VERSUS: &[&str] = &[
    "intro-serial-vs-parallel",
    "futures-pool",
    "process-pool",
    "mpi-p2p",
    "gpu-bench",
    "celery-add-task",
];

fn main() -> ExitCode {
    if let Some(code) = compare::measure::intercept() {
        return code;
    }
    common::main(|| run(Args::parse()))
}

/// A recipe left out, and why.
struct Skipped {
    name: String,
    why: String,
}

fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let root = std::path::absolute(&args.root).context("cannot resolve --root")?;
    let entries = meta::read_workspace(&root)?;
    let settings = Settings {
        book: args.book.clone(),
        book_ed1: None,
        python: Interpreter::probe(&args.python),
        bin_dir: compare::bin_dir(&root, "release"),
        mpiexec: python::on_path("mpiexec").unwrap_or_else(|| "mpiexec".into()),
        precision: 4,
        timeout: Duration::from_secs(args.timeout),
        force: false,
    };
    let wanted = |name: &str| args.only.is_empty() || args.only.iter().any(|only| only == name);
    let mut skipped = Vec::new();
    let mut plans = Vec::new();
    for plan in experiments::plans()
        .into_iter()
        .filter(|p| wanted(p.crate_name))
    {
        match missing(&entries, plan.crate_name, &settings) {
            Some(why) => skipped.push(Skipped {
                name: plan.crate_name.into(),
                why,
            }),
            None => plans.push(plan),
        }
    }
    let versus: Vec<&Entry> = match &args.book {
        Some(_) => VERSUS
            .iter()
            .filter(|name| wanted(name))
            .filter_map(|name| entries.iter().find(|e| e.name == *name))
            .filter(|entry| missing(&entries, &entry.name, &settings).is_none())
            .collect(),
        None => Vec::new(),
    };
    let mut names: Vec<String> = plans.iter().map(|p| p.crate_name.to_owned()).collect();
    names.extend(versus.iter().map(|e| e.name.clone()));
    names.sort();
    names.dedup();
    let unbuilt = build(&root, &names);
    plans.retain(
        |plan| match unbuilt.iter().find(|(name, _)| name == plan.crate_name) {
            Some((name, why)) => {
                skipped.push(Skipped {
                    name: name.clone(),
                    why: why.clone(),
                });
                false
            }
            None => true,
        },
    );

    let repeat = usize::try_from(args.repeat).unwrap_or(usize::MAX);
    let versus_runs: usize = versus
        .iter()
        .map(|entry| entry.runs().map_or(0, |runs| runs.len()))
        .sum();
    let total = plans.iter().map(|p| p.runs).sum::<usize>() * repeat + versus_runs * repeat;
    let progress = ProgressBar::new(total as u64);
    progress.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} runs  {msg}")
            .context("bad progress template")?
            .progress_chars("=> "),
    );
    let runner = Runner {
        bin_dir: settings.bin_dir.clone(),
        repeat,
        timeout: settings.timeout,
        progress,
    };
    let mut figures = Vec::new();
    for plan in &plans {
        match (plan.run)(&runner) {
            Ok(made) => figures.extend(made),
            Err(error) => skipped.push(Skipped {
                name: plan.crate_name.into(),
                why: format!("failed: {error:#}"),
            }),
        }
    }
    if !versus.is_empty() {
        figures.extend(rust_against_python(
            &versus,
            &settings,
            &runner,
            &mut skipped,
        )?);
    }
    runner.progress.finish_and_clear();
    let machine = machine();
    let out_dir = root.join("docs/src/performance");
    fs::create_dir_all(&out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    for figure in &figures {
        figure.draw(&out_dir.join(format!("{}.svg", figure.id)), &machine)?;
    }
    let page = page(
        &figures,
        &skipped,
        &machine,
        &args,
        &settings,
        started.elapsed(),
    );
    let page_path = root.join("docs/src/performance.md");
    fs::write(&page_path, page).with_context(|| format!("cannot write {}", page_path.display()))?;
    println!(
        "bench: wrote {} and {} plots in {} ({} recipes skipped) in {:.0} s",
        page_path.display(),
        figures.len(),
        out_dir.display(),
        skipped.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Why `name` cannot be measured here (a missing prerequisite), if it cannot.
fn missing(entries: &[Entry], name: &str, settings: &Settings) -> Option<String> {
    let Some(entry) = entries.iter().find(|entry| entry.name == name) else {
        return Some("no such recipe in this workspace".into());
    };
    entry
        .recipe
        .needs
        .iter()
        .find_map(|need| comparison::missing_need(need, settings))
}

/// Builds `names` in release; returns the ones that do not build, with the reason. One cargo
/// call for all, and crate by crate only when that fails.
fn build(root: &Path, names: &[String]) -> Vec<(String, String)> {
    eprintln!("bench: building {} recipes (release)", names.len());
    if compare::build(root, "release", names).is_ok() {
        return Vec::new();
    }
    names
        .iter()
        .filter_map(|name| {
            compare::build(root, "release", std::slice::from_ref(name))
                .err()
                .map(|error| (name.clone(), format!("does not build: {error:#}")))
        })
        .collect()
}

/// The timing recipes against their originals: each run's wall time, the median of the
/// repeats, as a table and a bar chart.
fn rust_against_python(
    versus: &[&Entry],
    settings: &Settings,
    runner: &Runner,
    skipped: &mut Vec<Skipped>,
) -> anyhow::Result<Vec<Figure>> {
    let mut figure = Figure {
        id: "rust-vs-python".into(),
        title: "Rust recipes against the book's Python originals (wall time)".into(),
        section: Section::Versus,
        x_label: String::new(),
        y_label: "seconds".into(),
        series: vec![
            Series {
                name: "Python original".into(),
                points: Vec::new(),
            },
            Series {
                name: "Rust recipe".into(),
                points: Vec::new(),
            },
        ],
        groups: Vec::new(),
        header: [
            "recipe",
            "original",
            "Python s",
            "Rust s",
            "Rust/Python",
            "Python peak MiB",
            "Rust peak MiB",
            "outputs",
        ]
        .map(String::from)
        .to_vec(),
        rows: Vec::new(),
        note: format!(
            "Each original run unmodified by Python {} and the recipe with its compare-args (`scripts/compare.sh <recipe> --book DIR` shows the outputs side by side)",
            settings.python.version_text()
        ),
    };
    for entry in versus {
        let runs = entry.runs()?.len();
        // (python walls, rust walls, python peaks, rust peaks) per run, over the repeats.
        let mut samples = vec![(Vec::new(), Vec::new(), Vec::new(), Vec::new()); runs];
        let mut status = None;
        for _ in 0..runner.repeat {
            runner
                .progress
                .set_message(format!("{} against its original", entry.name));
            let comparison = comparison::compare(entry, settings)?;
            runner.progress.inc(runs as u64);
            for (index, run) in comparison.runs.iter().enumerate() {
                if let (Some(p), Some(r)) = (&run.python, &run.rust)
                    && p.succeeded()
                    && r.succeeded()
                    && let Some(sample) = samples.get_mut(index)
                {
                    sample.0.push(p.wall.as_secs_f64());
                    sample.1.push(r.wall.as_secs_f64());
                    sample.2.push(p.max_rss_kib as f64 / 1024.0);
                    sample.3.push(r.max_rss_kib as f64 / 1024.0);
                }
            }
            let compared = comparison.runs.iter().any(|run| run.status.compared());
            status = Some((comparison.status.clone(), compared, comparison.runs));
            if !compared {
                break;
            }
        }
        let Some((status, compared, results)) = status else {
            continue;
        };
        if !compared {
            skipped.push(Skipped {
                name: format!("{} (against Python)", entry.name),
                why: status.to_string(),
            });
            continue;
        }
        for (result, sample) in results.iter().zip(samples) {
            let (Some(p), Some(r)) = (median(sample.0), median(sample.1)) else {
                continue;
            };
            let group = figure.groups.len() as f64;
            let stem = result
                .script
                .rsplit('/')
                .next()
                .unwrap_or(&result.script)
                .trim_end_matches(".py");
            figure.groups.push(stem.to_owned());
            figure.series[0].points.push((group, p));
            figure.series[1].points.push((group, r));
            figure.rows.push(vec![
                entry.name.clone(),
                format!("{stem}.py"),
                format!("{p:.3}"),
                format!("{r:.3}"),
                format!("{:.3}x", r / p),
                median(sample.2).map_or("—".into(), |m| format!("{m:.1}")),
                median(sample.3).map_or("—".into(), |m| format!("{m:.1}")),
                result.status.to_string(),
            ]);
        }
    }
    Ok(if figure.rows.is_empty() {
        Vec::new()
    } else {
        vec![figure]
    })
}

/// "2 cores, Intel(R) Xeon(R) Processor": the core count (`nproc`) and the CPU model.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cores} cores, {model}")
}

fn page(
    figures: &[Figure],
    skipped: &[Skipped],
    machine: &str,
    args: &Args,
    settings: &Settings,
    took: Duration,
) -> String {
    let mut text = String::from(
        "# Performance\n\n<!-- Generated by scripts/bench.sh (tools/bench). Do not edit: run it again. -->\n\n",
    );
    let _ = writeln!(
        text,
        "Measured by `scripts/bench.sh{}` on **{machine}**, release builds; every figure is the \
         median of {} runs. The timing recipes print their own timings, which the tables use; \
         workers are threads, processes or ranks as the recipe has them. On a machine with few \
         cores, more workers than cores cannot add speed to CPU-bound work: that is part of what \
         the figures show. Run `scripts/bench.sh` (add `--book <dir>` with your clone of the \
         book's code for the Python columns) to measure your own machine.\n",
        if args.book.is_some() {
            " --book <dir>"
        } else {
            ""
        },
        args.repeat
    );
    let sections = [
        (Section::Speedup, "Speedup against workers"),
        (Section::Cost, "Cost against problem size"),
        (Section::Versus, "Rust against the Python original"),
    ];
    for (section, heading) in sections {
        let _ = writeln!(text, "## {heading}\n");
        let in_section: Vec<&Figure> = figures.iter().filter(|f| f.section == section).collect();
        if in_section.is_empty() {
            let why = if section == Section::Versus && args.book.is_none() {
                "Not measured: run `scripts/bench.sh --book <dir>` with a clone of the book's code."
            } else {
                "Nothing measured here (see the skipped recipes below)."
            };
            let _ = writeln!(text, "{why}\n");
        }
        for figure in in_section {
            let _ = writeln!(text, "### {}\n", figure.title);
            let _ = writeln!(text, "![{}](performance/{}.svg)\n", figure.title, figure.id);
            let _ = writeln!(
                text,
                "*Machine: {machine}. Median of {} runs. {}*\n",
                args.repeat, figure.note
            );
            text.push_str(&figure.table());
            text.push('\n');
        }
    }
    if !skipped.is_empty() {
        text.push_str("## Skipped\n\n");
        for skip in skipped {
            let _ = writeln!(text, "- `{}`: {}", skip.name, skip.why);
        }
        text.push('\n');
    }
    let _ = writeln!(
        text,
        "---\n\nThis run took {:.0} s{}.",
        took.as_secs_f64(),
        match &settings.book {
            Some(_) => format!(", Python {}", settings.python.version_text()),
            None => String::new(),
        }
    );
    text
}
