//! The fault suite: every recipe fed bad input, signalled mid-run, its servers abused, its MPI
//! jobs started at wrong rank counts, a Celery worker signalled mid-task. Prints one table of
//! figures and fails on any panic, hang, orphan, lost task or server that a single client
//! brought down.
//!
//! Run it with `scripts/faults.sh` (the full suite, a pre-release check of some minutes) or
//! `scripts/faults.sh --quick` (the short form the test command runs).

mod celery;
mod flags;
mod run;
mod servers;
mod signals;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use compare::meta::{self, Entry};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nix::sys::signal::Signal;

use crate::run::Outcome;

#[derive(Parser)]
#[command(
    about = "Feed every recipe bad input and signals, abuse its servers; one table of figures"
)]
struct Args {
    /// The short form: fewer values and signals, shorter limits.
    #[arg(long)]
    quick: bool,
    /// Only these parts.
    #[arg(long, value_enum, value_delimiter = ',')]
    parts: Vec<Part>,
    /// Only these recipes (crate names).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Where the recipes' binaries are [default: target/debug, or under CARGO_TARGET_DIR].
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// The workspace root.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Print the table as Markdown (for docs/src/failures.md).
    #[arg(long)]
    markdown: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    Flags,
    Signals,
    Servers,
    Mpi,
    Celery,
}

/// One row of the table.
#[derive(Default)]
struct Row {
    part: &'static str,
    trials: usize,
    accepted: usize,
    clean_errors: usize,
    crashes: usize,
    hangs: usize,
    orphans: usize,
    server_deaths: usize,
    lost_tasks: u32,
    failures: Vec<String>,
}

impl Row {
    fn count(&mut self, outcome: &Outcome, what: String) {
        self.trials += 1;
        match outcome {
            Outcome::Accepted => self.accepted += 1,
            Outcome::CleanError => self.clean_errors += 1,
            Outcome::Crash(why) => {
                self.crashes += 1;
                self.failures.push(format!("{what}: {why}"));
            }
            Outcome::Hung => {
                self.hangs += 1;
                self.failures.push(format!("{what}: hung"));
            }
        }
    }

    fn failed(&self) -> bool {
        !self.failures.is_empty()
            || self.crashes + self.hangs + self.orphans + self.server_deaths > 0
            || self.lost_tasks > 0
    }
}

/// The servers the suite abuses, each with a real client to serve afterwards.
const SERVER_RECIPES: &[servers::ServerRecipe] = &[
    servers::ServerRecipe {
        name: "socket-time-server",
        server: &["server", "--bind", "127.0.0.1:0"],
        client: &["client", "--server", "{addr}"],
    },
    servers::ServerRecipe {
        name: "socket-file-transfer",
        // The server's own binary: a file of tens of MB that is there on every Linux machine.
        server: &[
            "server",
            "--bind",
            "127.0.0.1:0",
            "--file",
            "/proc/self/exe",
        ],
        client: &["client", "--server", "{addr}"],
    },
    servers::ServerRecipe {
        name: "rpyc-classic",
        server: &["server", "--bind", "127.0.0.1:0"],
        client: &["client", "--server", "{addr}"],
    },
    servers::ServerRecipe {
        name: "cloud-docker-hello",
        server: &["serve", "--addr", "127.0.0.1:0"],
        client: &[],
    },
];

fn main() -> ExitCode {
    common::main(|| {
        let args = Args::parse();
        let rows = run_suite(&args)?;
        print_table(&rows, args.markdown);
        let failed: Vec<&Row> = rows.iter().filter(|row| row.failed()).collect();
        anyhow::ensure!(
            failed.is_empty(),
            "the fault suite found {} failure(s) (listed above)",
            failed.iter().map(|row| row.failures.len()).sum::<usize>()
        );
        Ok(())
    })
}

fn run_suite(args: &Args) -> anyhow::Result<Vec<Row>> {
    // Trials run in a scratch folder of their own: a value taken as a path (`--cache-dir x7`)
    // must not leave files in the checkout.
    let args = &Args {
        bin_dir: Some(std::path::absolute(
            args.bin_dir
                .clone()
                .unwrap_or_else(|| compare::bin_dir(&args.root, "dev")),
        )?),
        root: std::path::absolute(&args.root)?,
        parts: args.parts.clone(),
        only: args.only.clone(),
        ..*args
    };
    let scratch = std::env::temp_dir().join(format!("fault-suite-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).context("cannot create a scratch folder")?;
    std::env::set_current_dir(&scratch)?;
    let rows = run_parts(args);
    let _ = std::fs::remove_dir_all(&scratch);
    rows
}

fn run_parts(args: &Args) -> anyhow::Result<Vec<Row>> {
    let entries: Vec<Entry> = meta::read_workspace(&args.root)?
        .into_iter()
        .filter(|entry| args.only.is_empty() || args.only.contains(&entry.name))
        .collect();
    let wanted = |part| args.parts.is_empty() || args.parts.contains(&part);
    let progress = progress_bar();
    let mut rows = Vec::new();
    if wanted(Part::Flags) {
        rows.push(flag_row(args, &entries, &progress)?);
    }
    if wanted(Part::Signals) {
        rows.extend(signal_rows(args, &entries, &progress)?);
    }
    if wanted(Part::Servers) {
        rows.push(server_row(args, &entries, &progress)?);
    }
    if wanted(Part::Mpi) {
        rows.push(mpi_row(args, &entries, &progress)?);
    }
    if wanted(Part::Celery) && entries.iter().any(|entry| entry.name == "celery-add-task") {
        rows.push(celery_row(args, &progress)?);
    }
    progress.finish_and_clear();
    for row in &rows {
        for failure in &row.failures {
            println!("FAILED {}: {failure}", row.part);
        }
    }
    Ok(rows)
}

fn bin(args: &Args, name: &str) -> anyhow::Result<PathBuf> {
    let path = args
        .bin_dir
        .as_deref()
        .unwrap_or(Path::new("target/debug"))
        .join(name);
    anyhow::ensure!(
        path.is_file(),
        "{} is not built: run `cargo build --workspace` first (scripts/faults.sh does)",
        path.display()
    );
    Ok(path)
}

/// A bar on a terminal only, with the time left; nothing when the output is a pipe or a log.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} (about {eta} left)")
            .expect("a valid template"),
    );
    bar
}

fn flag_row(args: &Args, entries: &[Entry], progress: &ProgressBar) -> anyhow::Result<Row> {
    let mut row = Row {
        part: "numeric flags: 0, -1, huge, not a number",
        ..Row::default()
    };
    let limit = Duration::from_secs(if args.quick { 10 } else { 20 });
    let values: &[&str] = if args.quick {
        &["-1", "4294967295", "18446744073709551615", "x7"]
    } else {
        flags::VALUES
    };
    progress.set_length(entries.len() as u64);
    progress.set_position(0);
    for entry in entries {
        progress.set_message(format!("flags of {}", entry.name));
        let bin = bin(args, &entry.name)?;
        for flag in flags::flags(&bin)? {
            if !flags::is_numeric(&bin, &flag)? {
                continue;
            }
            for trial in flags::trials(&bin, &flag, limit, values)? {
                let shown = match &trial.flag.subcommand {
                    Some(sub) => {
                        format!("{} {sub} {}={}", entry.name, trial.flag.name, trial.value)
                    }
                    None => format!("{} {}={}", entry.name, trial.flag.name, trial.value),
                };
                row.count(&trial.outcome, shown);
            }
        }
        progress.inc(1);
    }
    Ok(row)
}

/// The arguments a recipe is signalled with: its default run, except where that starts no
/// child process.
fn signal_args(name: &str) -> Vec<String> {
    let args: &[&str] = match name {
        "debug-gdbserver" => &["--remote", "--port", "0", "--wait-secs", "15"],
        _ => &[],
    };
    args.iter().map(|arg| (*arg).to_owned()).collect()
}

/// Recipes whose default run starts child processes: every chapter but MPI (mpiexec has its
/// own row) and the GPU, whose recipes start none.
fn spawns_children(entry: &Entry) -> bool {
    !matches!(entry.chapter.as_str(), "mpi" | "gpu")
}

fn signal_rows(args: &Args, entries: &[Entry], progress: &ProgressBar) -> anyhow::Result<Vec<Row>> {
    let signals: &[Signal] = if args.quick {
        &[Signal::SIGTERM, Signal::SIGKILL]
    } else {
        &[Signal::SIGINT, Signal::SIGTERM, Signal::SIGKILL]
    };
    let candidates: Vec<&Entry> = entries.iter().filter(|e| spawns_children(e)).collect();
    progress.set_length((candidates.len() * signals.len()) as u64);
    progress.set_position(0);
    let mut rows = Vec::new();
    for &signal in signals {
        let mut row = Row {
            part: match signal {
                Signal::SIGINT => "signalled mid-run: SIGINT",
                Signal::SIGTERM => "signalled mid-run: SIGTERM",
                _ => "signalled mid-run: SIGKILL",
            },
            ..Row::default()
        };
        for entry in &candidates {
            progress.set_message(format!("{signal} to {}", entry.name));
            let verdict =
                signals::trial(&bin(args, &entry.name)?, &signal_args(&entry.name), signal)?;
            match verdict {
                signals::Verdict::NoChildren => {}
                signals::Verdict::Clean { .. } => {
                    row.trials += 1;
                    row.accepted += 1;
                }
                signals::Verdict::Orphans(pids) => {
                    row.trials += 1;
                    row.orphans += pids.len();
                    row.failures
                        .push(format!("{}: survivors {pids:?}", entry.name));
                }
            }
            progress.inc(1);
        }
        rows.push(row);
    }
    Ok(rows)
}

fn server_row(args: &Args, entries: &[Entry], progress: &ProgressBar) -> anyhow::Result<Row> {
    let mut row = Row {
        part: "servers: resets, garbage, never-reading and 500 idle clients, then a real one",
        ..Row::default()
    };
    let recipes: Vec<&servers::ServerRecipe> = SERVER_RECIPES
        .iter()
        .filter(|recipe| entries.iter().any(|entry| entry.name == recipe.name))
        .collect();
    progress.set_length(recipes.len() as u64);
    progress.set_position(0);
    for recipe in recipes {
        progress.set_message(format!("abusing {}", recipe.name));
        let report = servers::trial(&bin(args, recipe.name)?, recipe)
            .with_context(|| format!("{}: the server did not start", recipe.name))?;
        row.trials += report.trials;
        row.accepted += report.survived;
        row.server_deaths += report.trials - report.survived;
        if !report.client_served {
            row.server_deaths += 1;
        }
        row.failures.extend(report.notes);
        progress.inc(1);
    }
    Ok(row)
}

fn mpi_row(args: &Args, entries: &[Entry], progress: &ProgressBar) -> anyhow::Result<Row> {
    let mut row = Row {
        part: "MPI at other rank counts",
        ..Row::default()
    };
    let mpi: Vec<&Entry> = entries.iter().filter(|e| e.chapter == "mpi").collect();
    if mpi.is_empty() {
        return Ok(row);
    }
    let mpiexec = common::mpi_launch::find_mpiexec()
        .context("mpiexec not found: the MPI part needs MPICH; run scripts/setup.sh")?;
    let counts: &[u32] = if args.quick {
        &[1, 2]
    } else {
        &[1, 2, 3, 4, 7]
    };
    progress.set_length((mpi.len() * counts.len()) as u64);
    progress.set_position(0);
    for entry in mpi {
        for &ranks in counts {
            progress.set_message(format!("{} on {ranks} ranks", entry.name));
            let mut all = vec!["-n".to_owned(), ranks.to_string()];
            all.push(bin(args, &entry.name)?.display().to_string());
            let ran = run::run(&mpiexec, &all, Duration::from_secs(30))?;
            row.count(&ran.outcome, format!("{} on {ranks} ranks", entry.name));
            progress.inc(1);
        }
    }
    Ok(row)
}

fn celery_row(args: &Args, progress: &ProgressBar) -> anyhow::Result<Row> {
    let mut row = Row {
        part: "a Celery worker signalled mid-task, tasks sent by another process",
        ..Row::default()
    };
    let signals: &[Signal] = if args.quick {
        &[Signal::SIGKILL]
    } else {
        &[Signal::SIGKILL, Signal::SIGTERM, Signal::SIGINT]
    };
    progress.set_length(signals.len() as u64);
    progress.set_position(0);
    let bin = bin(args, "celery-add-task")?;
    for &signal in signals {
        progress.set_message(format!("{signal} to a Celery worker"));
        let report = celery::trial(&bin, signal)?;
        row.trials += 1;
        row.lost_tasks += report.lost;
        // The sender's error when results are missing is counted as lost tasks, not again.
        match report.sender {
            Outcome::Accepted => row.accepted += 1,
            Outcome::Hung => row.hangs += 1,
            _ if report.lost > 0 => {}
            _ => row.crashes += 1,
        }
        row.failures.extend(report.notes);
        if report.duplicates > 0 {
            println!(
                "note: {signal} to a Celery worker: {} of {} results came twice \
                 (at-least-once delivery)",
                report.duplicates,
                celery::TASKS
            );
        }
        progress.inc(1);
    }
    Ok(row)
}

fn print_table(rows: &[Row], markdown: bool) {
    let header = [
        "what",
        "trials",
        "accepted",
        "clean errors",
        "panics",
        "hangs",
        "orphans",
        "server deaths",
        "lost tasks",
    ];
    let cells = |row: &Row| {
        [
            row.part.to_owned(),
            row.trials.to_string(),
            row.accepted.to_string(),
            row.clean_errors.to_string(),
            row.crashes.to_string(),
            row.hangs.to_string(),
            row.orphans.to_string(),
            row.server_deaths.to_string(),
            row.lost_tasks.to_string(),
        ]
    };
    if markdown {
        println!("| {} |", header.join(" | "));
        println!("|{}", "---|".repeat(header.len()));
        for row in rows {
            println!("| {} |", cells(row).join(" | "));
        }
        return;
    }
    let line = |c: &[String]| {
        let figures: Vec<String> = (1..c.len())
            .map(|i| format!("{:>width$}", c[i], width = header[i].len().max(6)))
            .collect();
        println!("{:<78} {}", c[0], figures.join(" "));
    };
    println!();
    line(&header.map(str::to_owned));
    for row in rows {
        line(&cells(row));
    }
}
