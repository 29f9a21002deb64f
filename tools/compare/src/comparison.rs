//! One recipe against its original: find the files, run both sides with the same parameters,
//! normalise, align, and classify the outcome.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use crate::diff::{self, Row};
use crate::measure::{self, Cmd, Job, Measured, Server};
use crate::meta::{Edition, Entry, RunSpec};
use crate::normalise::Normaliser;
use crate::python::{self, Interpreter, VersionSpec};

/// Where things are and how to run them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The reader's clone of the 2nd edition's code.
    pub book: Option<PathBuf>,
    /// A folder of the 1st edition's listings (reStructuredText), shown for reference.
    pub book_ed1: Option<PathBuf>,
    /// The Python interpreter, as found (or not) on this machine.
    pub python: Interpreter,
    /// Where the recipes' binaries are.
    pub bin_dir: PathBuf,
    pub mpiexec: PathBuf,
    /// Decimals floats keep after normalisation.
    pub precision: usize,
    /// Time limit of a run when the recipe sets none.
    pub timeout: Duration,
    /// Run originals even when their Python version does not fit.
    pub force: bool,
}

/// The outcome of one recipe (or one run of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Match,
    Differs(usize),
    /// The port failed: exited non-zero, or could not start.
    PortFailed(String),
    /// A side did not finish within the time limit and was stopped: the port (always a
    /// failure), or an original that no `compare-timeout` declares never-ending.
    Hung {
        side: Side,
        seconds: u64,
    },
    /// The metadata names no 2nd-edition original (1st edition only, or not in the book).
    NoOriginal,
    NoBook,
    OriginalMissing(String),
    NoPython(String),
    /// The original needs another Python than the one here.
    WrongPython(String),
    NoModule(String),
    /// The original fails on current software for a known reason (the metadata's note).
    OriginalBroken(String),
    OriginalFailed(String),
    /// The port's prerequisite (MPI, OpenCL, the broker) is missing here.
    Skipped(String),
}

/// The two sides of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Original,
    Port,
}

impl Status {
    /// What makes `scripts/compare.sh` exit 1: the port failed, or either side hung.
    pub fn is_failure(&self) -> bool {
        matches!(self, Status::PortFailed(_) | Status::Hung { .. })
    }

    /// Both sides ran and were compared.
    pub fn compared(&self) -> bool {
        matches!(self, Status::Match | Status::Differs(_))
    }

    /// The worse of two statuses: a port failure first, then what stopped the original, then
    /// differences, then a match.
    fn rank(&self) -> u8 {
        match self {
            Status::Match => 0,
            Status::Differs(_) => 1,
            Status::OriginalFailed(_) => 2,
            Status::OriginalBroken(_) | Status::NoModule(_) | Status::WrongPython(_) => 3,
            Status::NoPython(_) | Status::OriginalMissing(_) | Status::NoBook => 4,
            Status::NoOriginal | Status::Skipped(_) => 5,
            Status::Hung {
                side: Side::Original,
                ..
            } => 6,
            Status::PortFailed(_)
            | Status::Hung {
                side: Side::Port, ..
            } => 7,
        }
    }

    fn worse(self, other: Status) -> Status {
        match (self, other) {
            (Status::Differs(a), Status::Differs(b)) => Status::Differs(a + b),
            (a, b) if b.rank() > a.rank() => b,
            (a, _) => a,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Match => write!(f, "match"),
            Status::Differs(1) => write!(f, "differs (1 line)"),
            Status::Differs(n) => write!(f, "differs ({n} lines)"),
            Status::PortFailed(why) => write!(f, "PORT FAILED: {why}"),
            Status::Hung {
                side: Side::Port,
                seconds,
            } => {
                write!(f, "HUNG: the port did not finish within {seconds} s")
            }
            Status::Hung {
                side: Side::Original,
                seconds,
            } => write!(
                f,
                "HUNG: the original did not finish within {seconds} s (no compare-timeout says it never ends)"
            ),
            Status::NoOriginal => write!(f, "no 2nd-edition original to run"),
            Status::NoBook => write!(f, "not run: no --book folder given"),
            Status::OriginalMissing(path) => write!(f, "original not found: {path}"),
            Status::NoPython(python) => write!(f, "no Python interpreter: {python}"),
            Status::WrongPython(why) => write!(f, "original cannot run here: {why}"),
            Status::NoModule(module) => write!(f, "original cannot run here: no module {module}"),
            Status::OriginalBroken(why) => write!(f, "original cannot run here: {why}"),
            Status::OriginalFailed(why) => write!(f, "original failed: {why}"),
            Status::Skipped(why) => write!(f, "skipped: {why}"),
        }
    }
}

/// One run of a comparison: a script of the book against one run of the port.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub script: String,
    pub python_cmd: Option<String>,
    pub rust_cmd: String,
    pub python: Option<Measured>,
    pub rust: Option<Measured>,
    pub rows: Vec<Row>,
    pub only_python: Vec<String>,
    pub only_rust: Vec<String>,
    /// The port's lines that its header documents as its own (`compare-ignore`), as printed.
    pub set_aside: Vec<String>,
    pub status: Status,
}

/// A recipe's comparison: every run, and the overall status.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub name: String,
    pub title: String,
    pub originals: Vec<String>,
    pub ed1_listings: Vec<String>,
    pub note: Option<String>,
    pub timeout: Duration,
    pub runs: Vec<RunResult>,
    pub status: Status,
}

impl Comparison {
    fn without_runs(entry: &Entry, status: Status, settings: &Settings) -> Self {
        Self {
            name: entry.name.clone(),
            title: entry.recipe.title.clone(),
            originals: entry.recipe.originals.clone(),
            ed1_listings: ed1_listings(entry, settings),
            note: entry.recipe.python_note.clone(),
            timeout: timeout_of(entry, settings),
            runs: Vec::new(),
            status,
        }
    }

    /// Total wall time of each side over the runs, when every run of that side finished.
    pub fn walls(&self) -> (Option<Duration>, Option<Duration>) {
        let total = |side: fn(&RunResult) -> Option<&Measured>| {
            self.runs
                .iter()
                .map(|run| {
                    side(run)
                        .filter(|m| m.succeeded() && !m.timed_out)
                        .map(|m| m.wall)
                })
                .sum::<Option<Duration>>()
                .filter(|_| !self.runs.is_empty())
        };
        (
            total(|run| run.python.as_ref()),
            total(|run| run.rust.as_ref()),
        )
    }

    /// The status for a summary: the overall one when every run agrees, else each distinct
    /// run status once (differences added up), so that one run whose original cannot run
    /// does not hide the runs that were compared.
    pub fn summary_status(&self) -> String {
        let statuses: Vec<String> = self
            .summary_statuses()
            .iter()
            .map(Status::to_string)
            .collect();
        statuses.join("; ")
    }

    /// The statuses [`Comparison::summary_status`] names, one each.
    pub fn summary_statuses(&self) -> Vec<Status> {
        let mut distinct: Vec<Status> = Vec::new();
        for run in &self.runs {
            let differs = distinct
                .iter()
                .position(|s| matches!(s, Status::Differs(_)));
            match (&run.status, differs) {
                (Status::Differs(n), Some(index)) => {
                    distinct[index] = Status::Differs(
                        n + match distinct[index] {
                            Status::Differs(total) => total,
                            _ => 0,
                        },
                    );
                }
                (status, _) if !distinct.contains(status) => distinct.push(status.clone()),
                _ => {}
            }
        }
        if distinct.len() <= 1 {
            return vec![self.status.clone()];
        }
        distinct
    }

    /// Peak memory of each side over the runs, in KiB.
    pub fn peaks(&self) -> (Option<u64>, Option<u64>) {
        let peak = |side: fn(&RunResult) -> Option<&Measured>| {
            self.runs
                .iter()
                .filter_map(|run| side(run).filter(|m| m.spawn_error.is_none()))
                .map(|m| m.max_rss_kib)
                .max()
        };
        (
            peak(|run| run.python.as_ref()),
            peak(|run| run.rust.as_ref()),
        )
    }
}

/// Whether a need of the recipe (`mpi`, `opencl`, ...) is met here; `None` when it is, or
/// what is missing.
pub fn missing_need(need: &str, settings: &Settings) -> Option<String> {
    let present = match need {
        "mpi" => settings.mpiexec.is_file() || python::on_path("mpiexec").is_some(),
        "opencl" => fs::read_dir("/etc/OpenCL/vendors")
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(false),
        "rabbitmq" => std::net::TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], 5672)),
            Duration::from_secs(2),
        )
        .is_ok(),
        "python" => settings.python.version.is_some(),
        "gdb" => python::on_path("gdb").is_some(),
        _ => true,
    };
    (!present).then(|| format!("needs {need} (run scripts/setup.sh)"))
}

fn timeout_of(entry: &Entry, settings: &Settings) -> Duration {
    entry
        .recipe
        .compare_timeout
        .map_or(settings.timeout, Duration::from_secs)
}

fn ed1_listings(entry: &Entry, settings: &Settings) -> Vec<String> {
    let Ok(originals) = entry.originals() else {
        return Vec::new();
    };
    originals
        .iter()
        .filter(|original| original.edition == Edition::Ed1)
        .map(|original| match &settings.book_ed1 {
            Some(dir) if dir.join(&original.path).is_file() => {
                dir.join(&original.path).display().to_string()
            }
            Some(_) => format!("{} (not found)", original.path),
            None => original.path.clone(),
        })
        .collect()
}

/// Compares `entry` with its originals.
pub fn compare(entry: &Entry, settings: &Settings) -> anyhow::Result<Comparison> {
    let runs = entry.runs()?;
    if runs.is_empty() {
        return Ok(Comparison::without_runs(
            entry,
            Status::NoOriginal,
            settings,
        ));
    }
    if let Some(missing) = entry
        .recipe
        .needs
        .iter()
        .find_map(|need| missing_need(need, settings))
    {
        return Ok(Comparison::without_runs(
            entry,
            Status::Skipped(missing),
            settings,
        ));
    }
    let Some(book) = &settings.book else {
        return Ok(Comparison::without_runs(entry, Status::NoBook, settings));
    };
    if let Some(run) = runs.iter().find(|run| !book.join(&run.script).is_file()) {
        let status = Status::OriginalMissing(run.script.clone());
        return Ok(Comparison::without_runs(entry, status, settings));
    }
    let normaliser = Normaliser::new(&entry.patterns(), settings.precision)
        .with_context(|| format!("{}: bad metadata", entry.name))?;
    let python_gate = python_gate(entry, settings)?;
    let mut comparison = Comparison::without_runs(entry, Status::Match, settings);
    for run in &runs {
        let result = compare_run(entry, run, book, settings, &normaliser, &python_gate)?;
        comparison.status = comparison.status.worse(result.status.clone());
        comparison.runs.push(result);
    }
    Ok(comparison)
}

/// `None` when the originals may run here, or the status saying why not.
fn python_gate(entry: &Entry, settings: &Settings) -> anyhow::Result<Option<Status>> {
    let Some(version) = settings.python.version else {
        let shown = settings.python.program.display().to_string();
        return Ok(Some(Status::NoPython(shown)));
    };
    let spec_text = entry.recipe.python.as_deref().unwrap_or("3");
    let spec = VersionSpec::parse(spec_text)
        .with_context(|| format!("{}: bad python = {spec_text:?}", entry.name))?;
    if spec.admits(version) || settings.force {
        return Ok(None);
    }
    let mut why = format!(
        "needs Python {spec_text}, this is {}.{}.{}",
        version.0, version.1, version.2
    );
    if let Some(note) = &entry.recipe.python_note {
        why = format!("{note} ({why})");
    }
    Ok(Some(Status::WrongPython(why)))
}

fn compare_run(
    entry: &Entry,
    run: &RunSpec,
    book: &Path,
    settings: &Settings,
    normaliser: &Normaliser,
    python_gate: &Option<Status>,
) -> anyhow::Result<RunResult> {
    let timeout = timeout_of(entry, settings);
    let rust_cmd = rust_command(entry, run, settings);
    let rust_dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let mut result = RunResult {
        script: run.script.clone(),
        python_cmd: None,
        rust_cmd: rust_cmd.shown(),
        python: None,
        rust: None,
        rows: Vec::new(),
        only_python: Vec::new(),
        only_rust: Vec::new(),
        set_aside: Vec::new(),
        status: python_gate.clone().unwrap_or(Status::Match),
    };
    if python_gate.is_none() {
        let script = book.join(&run.script);
        let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
        let script_dir = script.parent().context("a script has a folder")?;
        copy_dir(script_dir, scratch.path())
            .with_context(|| format!("cannot copy {}", script_dir.display()))?;
        let site = site_dir()?;
        let job = python_job(
            entry,
            run,
            &script,
            (scratch.path(), site.path()),
            settings,
            timeout,
        );
        result.python_cmd = Some(job.command.shown());
        let measured = measure::measure(&job)?;
        result.status = python_status(entry, &measured, settings);
        result.python = Some(measured);
    }
    let measured = measure::measure(&Job {
        cwd: rust_dir.path().to_owned(),
        servers: Vec::new(),
        command: rust_cmd,
        timeout,
    })?;
    if measured.timed_out {
        let seconds = timeout.as_secs();
        result.status = Status::Hung {
            side: Side::Port,
            seconds,
        };
    } else if !measured.succeeded() {
        let why = match &measured.spawn_error {
            Some(error) => error.clone(),
            None => format!(
                "{}: {}",
                measured.exit_phrase(),
                last_line(&measured.output)
            ),
        };
        result.status = Status::PortFailed(why);
    }
    // An original that failed for a reason its metadata documents still printed what it
    // printed: compare that too, so its differences are shown, not hidden by the failure.
    let comparable = matches!(result.status, Status::Match | Status::OriginalBroken(_));
    if comparable
        && let Some(python) = &result.python
        && !python.output.trim().is_empty()
    {
        let left = normaliser.original_lines(&python.output);
        let right;
        (right, result.set_aside) = normaliser.port_lines(&measured.output);
        result.rows = diff::align(&left, &right, entry.recipe.compare_order);
        (result.only_python, result.only_rust) = diff::differences(&result.rows);
        let count = result.only_python.len() + result.only_rust.len();
        if count > 0 && result.status == Status::Match {
            result.status = Status::Differs(count);
        }
    }
    result.rust = Some(measured);
    Ok(result)
}

/// What the original's run says about it: fine (compare it), or why it could not run.
fn python_status(entry: &Entry, measured: &Measured, settings: &Settings) -> Status {
    if let Some(error) = &measured.spawn_error {
        let shown = settings.python.program.display().to_string();
        return Status::NoPython(format!("{shown} ({error})"));
    }
    if let Some(module) = python::missing_module(&measured.output) {
        return Status::NoModule(module);
    }
    if let Some(server) = measured.failed_servers.first() {
        let role = server.split(':').next().unwrap_or_default();
        let last = last_line_of_role(&measured.output, role);
        return Status::OriginalFailed(format!("server {server}: {last}"));
    }
    if measured.timed_out {
        return match entry.recipe.compare_timeout {
            // Declared never-ending: stopped at the limit and compared on what it printed.
            Some(_) => Status::Match,
            None => Status::Hung {
                side: Side::Original,
                seconds: timeout_of(entry, settings).as_secs(),
            },
        };
    }
    if measured.succeeded() {
        return Status::Match;
    }
    let last = failure_line(&measured.output);
    match &entry.recipe.python_note {
        Some(note) => Status::OriginalBroken(format!("{note} ({last})")),
        None => Status::OriginalFailed(format!("{}: {last}", measured.exit_phrase())),
    }
}

/// The line of a traceback that names the exception, or else the last line.
fn failure_line(text: &str) -> String {
    let exception =
        regex::Regex::new(r"^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception|Exit|Interrupt)\b")
            .expect("a valid literal pattern");
    text.lines()
        .rev()
        .map(str::trim)
        .find(|line| exception.is_match(line))
        .map_or_else(|| last_line(text), str::to_owned)
}

/// The last line a server printed (its lines carry a `[role] ` prefix).
fn last_line_of_role(text: &str, role: &str) -> String {
    let prefix = format!("[{role}] ");
    let lines: String = text
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .collect::<Vec<_>>()
        .join("\n");
    last_line(&lines)
}

fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("no output")
        .to_owned()
}

fn with_mpiexec(entry: &Entry, settings: &Settings, program: PathBuf, args: Vec<String>) -> Cmd {
    match entry.recipe.ranks {
        Some(ranks) => {
            let mut all = vec!["-n".to_owned(), ranks.to_string()];
            all.push(program.display().to_string());
            all.extend(args);
            Cmd::new(&settings.mpiexec, &all)
        }
        None => Cmd::new(program, &args),
    }
}

fn rust_command(entry: &Entry, run: &RunSpec, settings: &Settings) -> Cmd {
    let mut args = entry.recipe.compare_args.clone();
    args.extend(run.rust.iter().cloned());
    with_mpiexec(entry, settings, settings.bin_dir.join(&entry.name), args)
}

fn python_job(
    entry: &Entry,
    run: &RunSpec,
    script: &Path,
    (cwd, site): (&Path, &Path),
    settings: &Settings,
    timeout: Duration,
) -> Job {
    let file = script
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut args = vec![file];
    args.extend(run.args.iter().cloned());
    let mut command = with_mpiexec(entry, settings, settings.python.program.clone(), args);
    python_env(&mut command, site);
    command.stdin = entry.recipe.compare_stdin.clone();
    let servers = entry
        .recipe
        .compare_servers
        .iter()
        .map(|server| {
            let args: Vec<String> = server
                .python
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            let mut cmd = Cmd::new(&settings.python.program, &args);
            python_env(&mut cmd, site);
            Server {
                role: server.role.clone(),
                cmd,
                ready: server.ready.clone(),
            }
        })
        .collect();
    Job {
        cwd: cwd.to_owned(),
        servers,
        command,
        timeout,
    }
}

/// Makes Python's stdout and stderr line-buffered, as they are on a terminal. Through a pipe
/// stdout would be block-buffered: a stopped original would lose what it printed last and its
/// stdout and stderr (logging) lines would lose their order. Unbuffered (`-u`) would be worse:
/// `print(a, b)` becomes several writes, which other threads and MPI ranks cut into.
const SITECUSTOMIZE: &str = "\
# Written by tools/compare: line-buffered output, as on a terminal.
import sys
for _stream in (sys.stdout, sys.stderr):
    try:
        _stream.reconfigure(line_buffering=True, write_through=False)
    except (AttributeError, ValueError):
        pass
";

/// A folder holding the `sitecustomize.py` above, put on the originals' `PYTHONPATH`.
fn site_dir() -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    fs::write(dir.path().join("sitecustomize.py"), SITECUSTOMIZE)
        .context("cannot write sitecustomize.py")?;
    Ok(dir)
}

/// Line-buffered output (see [`SITECUSTOMIZE`]), no `__pycache__` in the copy, and no
/// deprecation warnings mixed into the output. The original itself runs unmodified.
fn python_env(cmd: &mut Cmd, site: &Path) {
    let mut path = site.display().to_string();
    if let Some(existing) = std::env::var_os("PYTHONPATH") {
        path = format!("{path}:{}", existing.to_string_lossy());
    }
    for (key, value) in [
        ("PYTHONPATH", path.as_str()),
        ("PYTHONDONTWRITEBYTECODE", "1"),
        ("PYTHONWARNINGS", "ignore::DeprecationWarning"),
    ] {
        cmd.env.insert(key.to_owned(), value.to_owned());
    }
    cmd.unset.push("PYTHONUNBUFFERED".to_owned());
}

/// Copies the files of `from` (recursively, without `__pycache__`) into `to`: the original
/// runs in a scratch copy, so files it writes never land in the reader's clone.
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            if entry.file_name() != "__pycache__" {
                fs::create_dir_all(&target)?;
                copy_dir(&path, &target)?;
            }
        } else {
            fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worse_status_wins_and_differences_add_up() {
        assert_eq!(Status::Match.worse(Status::Differs(2)), Status::Differs(2));
        assert_eq!(
            Status::Differs(1).worse(Status::Differs(2)),
            Status::Differs(3)
        );
        let failed = Status::PortFailed("exit 1".into());
        assert_eq!(Status::Differs(1).worse(failed.clone()), failed);
        assert_eq!(failed.clone().worse(Status::Match), failed);
    }

    fn run_with(status: Status) -> RunResult {
        RunResult {
            script: "x.py".into(),
            python_cmd: None,
            rust_cmd: String::new(),
            python: None,
            rust: None,
            rows: Vec::new(),
            only_python: Vec::new(),
            only_rust: Vec::new(),
            set_aside: Vec::new(),
            status,
        }
    }

    #[test]
    fn a_summary_names_each_distinct_run_status() {
        let mut comparison = Comparison {
            name: "x".into(),
            title: "X".into(),
            originals: Vec::new(),
            ed1_listings: Vec::new(),
            note: None,
            timeout: Duration::from_secs(1),
            runs: vec![run_with(Status::Match), run_with(Status::Match)],
            status: Status::Match,
        };
        assert_eq!(comparison.summary_status(), "match");
        comparison.runs = vec![
            run_with(Status::Differs(2)),
            run_with(Status::NoModule("pycuda".into())),
            run_with(Status::Differs(1)),
            run_with(Status::NoModule("pycuda".into())),
        ];
        assert_eq!(
            comparison.summary_status(),
            "differs (3 lines); original cannot run here: no module pycuda"
        );
    }

    #[test]
    fn statuses_read_as_sentences() {
        assert_eq!(Status::Differs(1).to_string(), "differs (1 line)");
        assert_eq!(
            Status::NoModule("numpy".into()).to_string(),
            "original cannot run here: no module numpy"
        );
        assert!(Status::PortFailed("x".into()).is_failure());
        assert!(!Status::NoModule("x".into()).is_failure());
        let hung = Status::Hung {
            side: Side::Original,
            seconds: 3,
        };
        assert!(hung.is_failure());
        assert!(hung.to_string().starts_with("HUNG: the original"), "{hung}");
        assert_eq!(Status::Match.worse(hung.clone()), hung);
    }

    #[test]
    fn the_last_line_skips_blanks() {
        assert_eq!(last_line("a\nTypeError: x\n\n"), "TypeError: x");
        assert_eq!(last_line(""), "no output");
        let traceback =
            "Traceback\n  File x\nAttributeError: no int.\n`np.int` was...\n  https://x\n";
        assert_eq!(failure_line(traceback), "AttributeError: no int.");
        assert_eq!(failure_line("plain\n"), "plain");
    }
}
