//! `scripts/compare.sh <crate> --book <dir>`: runs a recipe and the book's Python original
//! with the same parameters, and prints both outputs side by side (normalised), the
//! differences that remain, and each side's wall time and peak memory. `--all` does it for
//! every recipe and ends with a summary table. See docs/src/comparing.md.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use compare::comparison::{self, Comparison, Settings};
use compare::meta::{self, Entry};
use compare::python::{self, Interpreter};
use compare::report;

#[derive(Parser)]
#[command(
    about = "Run recipes next to the book's Python originals and compare their outputs",
    after_help = "Statuses: match; differs (N lines); original cannot run here (a missing module, \
                  a Python too new for it); no 2nd-edition original; skipped (a prerequisite of \
                  the port is missing); PORT FAILED; HUNG (a side stopped at the time limit, \
                  unless compare-timeout says the original never ends). A failed port or a hang \
                  makes the exit status 1."
)]
struct Args {
    /// Recipes to compare (crate names, e.g. thread-queue).
    #[arg(required_unless_present = "all")]
    crates: Vec<String>,
    /// Compare every recipe and end with a summary table.
    #[arg(long, conflicts_with = "crates")]
    all: bool,
    /// Your clone of the book's 2nd-edition code (Python-Parallel-Programming-Cookbook-Second-Edition).
    #[arg(long, value_name = "DIR")]
    book: PathBuf,
    /// A folder of the 1st edition's listings (chapterN/*.rst), shown for reference; never run.
    #[arg(long, value_name = "DIR")]
    book_ed1: Option<PathBuf>,
    /// The Python interpreter that runs the originals.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Cargo profile the recipes are built with and run from.
    #[arg(long, default_value = "release")]
    profile: String,
    /// Run the recipes' binaries from this folder instead of building them.
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
    /// The workspace root.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Seconds a side may run when the recipe sets no compare-timeout.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Decimals a float keeps after normalisation.
    #[arg(long, default_value_t = 4)]
    precision: usize,
    /// Width of the side-by-side view [default: the terminal's, or 160].
    #[arg(long)]
    width: Option<usize>,
    /// Run originals even where the metadata says this Python is too new or too old for them.
    #[arg(long)]
    force: bool,
    /// With --all: print only the summary table, not each recipe's report.
    #[arg(long)]
    summary_only: bool,
    /// With --all: write each recipe's standing against its original to this file (the
    /// chapter pages' tables read docs/generated/standing.tsv).
    #[arg(long, value_name = "FILE", requires = "all")]
    record: Option<PathBuf>,
}

fn main() -> ExitCode {
    if let Some(code) = compare::measure::intercept() {
        return code;
    }
    let args = Args::parse();
    let mut failed = false;
    let code = common::main(|| {
        failed = run(args)?;
        Ok(())
    });
    if failed { ExitCode::FAILURE } else { code }
}

/// Returns whether a port failed.
fn run(args: Args) -> anyhow::Result<bool> {
    if !args.book.is_dir() {
        bail!(
            "--book {}: no such folder (clone the book's code first: see docs/src/comparing.md)",
            args.book.display()
        );
    }
    let entries = select(&args)?;
    let root = std::path::absolute(&args.root).context("cannot resolve --root")?;
    let bin_dir = match &args.bin_dir {
        Some(dir) => std::path::absolute(dir).context("cannot resolve --bin-dir")?,
        None => compare::bin_dir(&root, &args.profile),
    };
    let settings = Settings {
        book: Some(args.book.clone()),
        book_ed1: args.book_ed1.clone(),
        python: Interpreter::probe(&args.python),
        bin_dir,
        mpiexec: python::on_path("mpiexec").unwrap_or_else(|| "mpiexec".into()),
        precision: args.precision,
        timeout: Duration::from_secs(args.timeout),
        force: args.force,
    };
    if args.bin_dir.is_none() {
        let wanted: Vec<String> = entries
            .iter()
            .filter(|entry| runnable(entry, &settings))
            .map(|entry| entry.name.clone())
            .collect();
        eprintln!(
            "compare: building {} recipes ({})",
            wanted.len(),
            args.profile
        );
        compare::build(&root, &args.profile, &wanted)?;
    }
    let width = args.width.unwrap_or_else(terminal_width);
    let mut comparisons: Vec<Comparison> = Vec::new();
    // On a terminal: recipe k of N and the time left; nothing when stderr is a pipe or a log.
    let progress = ProgressBar::new(entries.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("compare {bar:30} {pos}/{len} {msg} (about {eta} left)")
            .context("a progress template")?,
    );
    if !args.all {
        progress.set_draw_target(ProgressDrawTarget::hidden());
    }
    for entry in &entries {
        progress.set_message(entry.name.clone());
        let comparison = comparison::compare(entry, &settings)?;
        if !(args.all && args.summary_only) {
            let report = report::full(
                &comparison,
                entry.recipe.compare_order,
                &settings.python.version_text(),
                width,
            );
            progress.suspend(|| print!("{report}"));
        }
        comparisons.push(comparison);
        progress.inc(1);
    }
    progress.finish_and_clear();
    if args.all || comparisons.len() > 1 {
        let rust = match &args.bin_dir {
            Some(dir) => format!("Rust binaries from {}", dir.display()),
            None => format!("Rust {} profile", args.profile),
        };
        println!(
            "Summary (Python {} at {}; {rust}; {} cores):\n",
            settings.python.version_text(),
            settings.python.program.display(),
            std::thread::available_parallelism().map_or(1, usize::from)
        );
        print!("{}", report::summary(&comparisons));
    }
    if let Some(path) = &args.record {
        let python = settings.python.version_text();
        let text = report::standing_file(&comparisons, &python);
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("compare: standings written to {}", path.display());
    }
    Ok(comparisons.iter().any(|c| c.status.is_failure()))
}

/// Whether the recipe gets as far as running its port: it has an original and its needs are met.
fn runnable(entry: &Entry, settings: &Settings) -> bool {
    entry.runs().is_ok_and(|runs| !runs.is_empty())
        && entry
            .recipe
            .needs
            .iter()
            .all(|need| comparison::missing_need(need, settings).is_none())
}

fn select(args: &Args) -> anyhow::Result<Vec<Entry>> {
    let all = meta::read_workspace(&args.root)
        .with_context(|| format!("cannot read the recipes under {}", args.root.display()))?;
    if args.all {
        return Ok(all);
    }
    args.crates
        .iter()
        .map(|name| {
            all.iter()
                .find(|entry| &entry.name == name)
                .cloned()
                .with_context(|| format!("no recipe called {name}"))
        })
        .collect()
}

fn terminal_width() -> usize {
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    match columns {
        Some(columns) if std::io::stdout().is_terminal() => columns,
        _ => 160,
    }
}
