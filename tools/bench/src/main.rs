//! `scripts/bench.sh`: runs the timing recipes with a progress bar, repeats each measurement
//! (the median of `--repeat` runs), and writes docs/src/performance.md with tables and SVG
//! plots in docs/src/performance/. Every figure is a ratio against an anchor measured in the
//! same run: C references of the CPU-bound recipes (`tools/bench/c/`, compiled here with
//! `cc -O2`), the recipe's own serial run (speedups), MPICH's C ping-pong, and, with
//! `--book <dir>`, the book's Python originals.

mod experiments;
mod figure;
mod reference;
mod runner;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use compare::comparison::{self, Settings};
use compare::meta::{self, Entry};
use compare::python::{self, Interpreter};
use experiments::{AgainstC, Lab};
use figure::{Figure, Section, Series, ms, times};
use reference::References;
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

/// Estimated seconds of one run of a Python original, for the progress bar.
const PYTHON_RUN_SECONDS: f64 = 6.0;

fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let root = std::path::absolute(&args.root).context("cannot resolve --root")?;
    let entries = meta::read_workspace(&root)?;
    let settings = Settings {
        book: args.book.clone(),
        book_ed1: None,
        // A path such as .venv/bin/python3 must still work from the runs' own directories.
        python: Interpreter::probe(&if args.python.components().count() > 1 {
            std::path::absolute(&args.python).unwrap_or_else(|_| args.python.clone())
        } else {
            args.python.clone()
        }),
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
    if terminal {
        eprintln!(
            "bench: building {} recipes (release) and the C references",
            names.len()
        );
    }
    let mut unbuilt = build(&root, &names);
    for plan in &plans {
        if let Some(example) = plan.example
            && let Err(error) = build_example(&root, plan.crate_name, example)
        {
            unbuilt.push((plan.crate_name.to_owned(), format!("{error:#}")));
        }
    }
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
    let refs = References::build(&root.join("tools/bench/c"))?;

    let repeat = usize::try_from(args.repeat).unwrap_or(usize::MAX);
    let weight = |runs: usize, seconds: f64| (seconds * 10.0 / runs.max(1) as f64).ceil() as u64;
    let versus_runs: usize = versus
        .iter()
        .map(|entry| entry.runs().map_or(0, |runs| runs.len()))
        .sum();
    let total: u64 = plans
        .iter()
        .map(|p| weight(p.runs, p.seconds) * p.runs as u64)
        .sum::<u64>()
        * repeat as u64
        + weight(1, PYTHON_RUN_SECONDS) * (versus_runs * repeat) as u64;
    // Drawn only on a terminal: in a log or a pipe the run stays quiet.
    let progress = ProgressBar::with_draw_target(
        Some(total),
        if terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    progress.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {percent:>3}%, about {eta} left  {msg}",
        )
        .context("bad progress template")?
        .progress_chars("=> "),
    );
    let runner = Runner {
        bin_dir: settings.bin_dir.clone(),
        repeat,
        timeout: settings.timeout,
        progress,
        weight: Cell::new(1),
    };
    let lab = Lab {
        runner: &runner,
        python: &settings.python.program,
        refs: &refs,
        against_c: RefCell::new(Vec::new()),
        missing: RefCell::new(Vec::new()),
    };
    let mut figures = Vec::new();
    for plan in &plans {
        runner.weight.set(weight(plan.runs, plan.seconds));
        match (plan.run)(&lab) {
            Ok(made) => figures.extend(made),
            Err(error) => skipped.push(Skipped {
                name: plan.crate_name.into(),
                why: format!("failed: {error:#}"),
            }),
        }
    }
    let mut python_ratios = BTreeMap::new();
    if !versus.is_empty() {
        runner.weight.set(weight(1, PYTHON_RUN_SECONDS));
        let (figure, ratios) = rust_against_python(&versus, &settings, &runner, &mut skipped)?;
        figures.extend(figure);
        python_ratios = ratios;
    }
    runner.progress.finish_and_clear();
    let against_c = lab.against_c.into_inner();
    if !against_c.is_empty() {
        figures.insert(
            0,
            rust_against_c(&against_c, &python_ratios, args.book.is_some()),
        );
    }
    skipped.extend(
        lab.missing
            .into_inner()
            .into_iter()
            .map(|(name, why)| Skipped { name, why }),
    );
    let machine = machine();
    let out_dir = root.join("docs/src/performance");
    fs::create_dir_all(&out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    // Plots of an earlier run that this one did not make would be stale: remove them.
    if let Ok(old) = fs::read_dir(&out_dir) {
        for file in old.flatten() {
            if file.path().extension().is_some_and(|ext| ext == "svg") {
                let _ = fs::remove_file(file.path());
            }
        }
    }
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
        "bench: wrote {} and {} plots in {} ({} skipped) in {:.0} s",
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

/// Builds example `example` of `crate_name` in release (examples/ of the profile's directory).
fn build_example(root: &Path, crate_name: &str, example: &str) -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            crate_name,
            "--example",
            example,
        ])
        .status()
        .context("cannot run cargo")?;
    anyhow::ensure!(
        status.success(),
        "example {example} does not build ({status})"
    );
    Ok(())
}

/// The Rust-against-C summary: one bar per work, Rust's time over C's.
fn rust_against_c(rows: &[AgainstC], python: &BTreeMap<&'static str, f64>, book: bool) -> Figure {
    let mut figure = Figure {
        x_label: "Rust time ÷ C time (1 = as fast as C; the line at 1.1 is 10% slower)".into(),
        header: [
            "work (the book's sizes)",
            "Rust ms",
            "C ms",
            "Rust/C",
            "Rust/Python",
            "Rust speedup, 2 workers",
        ]
        .map(String::from)
        .to_vec(),
        ..Figure::new(
            "rust-vs-c",
            "CPU-bound recipes against C doing the same work",
            Section::AgainstC,
        )
    };
    let mut points = Vec::new();
    let mut commands = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let ratio = row.rust / row.c;
        figure.groups.push(
            row.work.split(':').next().unwrap_or(&row.work).to_owned()
                + &format!(" ({})", index + 1),
        );
        points.push((index as f64, ratio));
        let python = match python.get(row.recipe) {
            Some(ratio) => times(*ratio),
            None if book => "no original run".into(),
            None => "not measured (--book)".into(),
        };
        figure.rows.push(vec![
            format!("({}) {}", index + 1, row.work),
            ms(row.rust),
            ms(row.c),
            times(ratio),
            python,
            row.speedup.map_or("—".into(), times),
        ]);
        commands.push(format!(
            "({}) `{}` against `{}`: {} agree",
            index + 1,
            row.rust_command,
            row.c_command,
            row.agree
        ));
    }
    figure.series = vec![Series {
        name: "Rust ÷ C".into(),
        points,
    }];
    figure.note = format!(
        "Each C reference (tools/bench/c/, built by this run with {}) does the recipe's work: the \
         same loop, sizes and random numbers; it prints the same results, and the run checks \
         they agree. Rust/Python: the whole run of the recipe's first original (`--book`). \
         Speedup: the recipe's time on 1 worker ÷ on 2, from the speedup figures below",
        References::commands()
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    figure.footer = commands;
    figure
}

/// The timing recipes against their originals: each run's wall time, the median of the
/// repeats, as a table and a bar chart of Rust's time over Python's. Also returns each
/// recipe's ratio on its first original, for the Rust-against-C table.
fn rust_against_python(
    versus: &[&Entry],
    settings: &Settings,
    runner: &Runner,
    skipped: &mut Vec<Skipped>,
) -> anyhow::Result<(Option<Figure>, BTreeMap<&'static str, f64>)> {
    let mut figure = Figure {
        x_label: "Rust wall time ÷ Python wall time (log scale)".into(),
        header: [
            "original",
            "Python ms",
            "Rust ms",
            "Rust/Python",
            "peak MiB, Python / Rust",
            "outputs",
        ]
        .map(String::from)
        .to_vec(),
        ..Figure::new(
            "rust-vs-python",
            "Rust recipes against the book's Python originals",
            Section::AgainstPython,
        )
    };
    let mut first_ratio = BTreeMap::new();
    let mut points = Vec::new();
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
            runner.progress.inc(runner.weight.get() * runs as u64);
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
            let stem = result
                .script
                .rsplit('/')
                .next()
                .unwrap_or(&result.script)
                .trim_end_matches(".py");
            if let Some(name) = VERSUS.iter().find(|name| **name == entry.name) {
                first_ratio.entry(*name).or_insert(r / p);
            }
            points.push((figure.groups.len() as f64, r / p));
            figure.groups.push(format!("{stem}.py"));
            let peak =
                |values: Vec<f64>| median(values).map_or("—".into(), |m| format!("{m:.1}"));
            figure.rows.push(vec![
                format!("{stem}.py ({})", entry.name),
                ms(p),
                ms(r),
                times(r / p),
                format!("{} / {}", peak(sample.2), peak(sample.3)),
                result.status.to_string(),
            ]);
        }
    }
    figure.series = vec![Series {
        name: "Rust ÷ Python".into(),
        points,
    }];
    figure.note = format!(
        "Each original run unmodified by Python {} against the recipe with its compare-args, \
         wall time of the whole run (`scripts/compare.sh <recipe> --book DIR` shows the outputs \
         side by side)",
        settings.python.version_text()
    );
    Ok(((!figure.rows.is_empty()).then_some(figure), first_ratio))
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
         median of {} runs. Every figure is a ratio against an anchor measured in the same run: \
         C doing the same work, the recipe's own serial run or single worker, MPICH's C \
         ping-pong, the recipe's CPU loop, or the book's Python original. Times (in ms) are \
         there as context. Workers are threads, processes or ranks as the recipe has them; on a \
         machine with few cores, more workers than cores cannot add speed to CPU-bound work, \
         which the figures show too. The runs of a recipe and of its anchor follow one another, \
         they are not interleaved: on a shared machine whose speed drifts, a ratio can move by \
         tens of percent from one run of this page to the next, so read each as one run's. Run \
         `scripts/bench.sh` (add `--book <dir>` with your clone \
         of the book's code for the Python columns) to measure your own machine.\n",
        if args.book.is_some() {
            " --book <dir>"
        } else {
            ""
        },
        args.repeat
    );
    let sections = [
        (Section::AgainstC, "Rust against C"),
        (Section::Speedup, "Speedup on N workers"),
        (Section::Size, "Against the problem size"),
        (Section::Rate, "Rates under the machine's peak"),
        (Section::AgainstPython, "Rust against the Python original"),
    ];
    for (section, heading) in sections {
        let _ = writeln!(text, "## {heading}\n");
        let in_section: Vec<&Figure> = figures.iter().filter(|f| f.section == section).collect();
        if in_section.is_empty() {
            let why = if section == Section::AgainstPython && args.book.is_none() {
                "Not measured: run `scripts/bench.sh --book <dir>` with a clone of the book's code."
            } else {
                "Nothing measured here (see the skipped recipes below)."
            };
            let _ = writeln!(text, "{why}\n");
        }
        for figure in in_section {
            let _ = writeln!(text, "### {}\n", figure.title);
            let _ = writeln!(text, "![{}](performance/{}.svg)\n", figure.title, figure.id);
            let _ = writeln!(text, "*{}*\n", figure.note);
            text.push_str(&figure.table());
            text.push('\n');
            for line in &figure.footer {
                let _ = writeln!(text, "- {line}");
            }
            if !figure.footer.is_empty() {
                text.push('\n');
            }
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
