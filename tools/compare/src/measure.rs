//! Running one side of a comparison and measuring it: wall time, peak memory, what it printed.
//!
//! Peak memory comes from `getrusage(RUSAGE_CHILDREN)`, whose `ru_maxrss` is a high-water mark
//! over every child a process has ever waited for. So each measurement runs in a fresh process:
//! the tool re-executes itself with the hidden `__measure` subcommand, that process starts the
//! command (and any servers it needs), waits for them, and reports its own children's peak.
//! The figure is the largest resident set of any single process of the run (the original, one
//! of its workers, one MPI rank), not a sum.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

/// The hidden subcommand both tools answer to.
pub const SUBCOMMAND: &str = "__measure";
/// How long a server may take to say it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a server with no ready text is given for its first line: some servers (the
/// book's socket servers) print nothing until a client comes.
const FIRST_LINE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a process may take to end after SIGTERM before it gets SIGKILL.
const GRACE: Duration = Duration::from_secs(3);

/// A program to run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cmd {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Variables removed from the environment it inherits.
    pub unset: Vec<String>,
    /// Written to its standard input, which is then closed; without it stdin is empty.
    pub stdin: Option<String>,
}

impl Cmd {
    pub fn new(program: impl Into<PathBuf>, args: &[String]) -> Self {
        Self {
            program: program.into(),
            args: args.to_vec(),
            ..Self::default()
        }
    }

    /// The command line, for the reader.
    pub fn shown(&self) -> String {
        let mut words = vec![self.program.display().to_string()];
        words.extend(self.args.iter().map(|arg| {
            if arg.contains(' ') || arg.is_empty() {
                format!("{arg:?}")
            } else {
                arg.clone()
            }
        }));
        words.join(" ")
    }
}

/// A server started before the command and stopped (SIGTERM) after it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Server {
    pub role: String,
    pub cmd: Cmd,
    /// Text of the line that says it is ready; without it, its first line.
    pub ready: Option<String>,
}

/// One measured run: servers, then the command, in `cwd`, stopped after `timeout`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub cwd: PathBuf,
    pub servers: Vec<Server>,
    pub command: Cmd,
    pub timeout: Duration,
}

/// What a run printed (stdout and stderr merged, servers' lines prefixed with their role) and
/// what it cost.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Measured {
    pub output: String,
    pub wall: Duration,
    /// Peak resident set of the largest single process, in KiB.
    pub max_rss_kib: u64,
    pub code: Option<i32>,
    pub signal: Option<i32>,
    /// The command was still running at the time limit and was stopped.
    pub timed_out: bool,
    /// The command (or a server) could not be started at all.
    pub spawn_error: Option<String>,
    /// Servers that ended on their own with a failure before they were stopped:
    /// `"<role>: exit 1"`. Their failure is theirs, not the command's.
    #[serde(default)]
    pub failed_servers: Vec<String>,
}

impl Measured {
    pub fn succeeded(&self) -> bool {
        self.spawn_error.is_none() && self.code == Some(0)
    }

    /// The exit as a short phrase: "exit 1", "signal 9", "stopped after 10 s".
    pub fn exit_phrase(&self) -> String {
        if self.timed_out {
            return format!("stopped after {} s", self.wall.as_secs());
        }
        match (self.code, self.signal) {
            (Some(code), _) => format!("exit {code}"),
            (None, Some(signal)) => format!("signal {signal}"),
            _ => "did not start".to_owned(),
        }
    }
}

/// Runs `job` in a fresh process (this executable's `__measure` subcommand) and returns what
/// it measured.
pub fn measure(job: &Job) -> anyhow::Result<Measured> {
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let job_path = scratch.path().join("job.json");
    let report_path = scratch.path().join("report.json");
    fs::write(&job_path, serde_json::to_vec(job)?).context("cannot write the job file")?;
    let exe = std::env::current_exe().context("cannot locate this tool to re-execute it")?;
    let mut child = Command::new(exe)
        .arg(SUBCOMMAND)
        .arg(&job_path)
        .arg(&report_path)
        .stdin(Stdio::null())
        .spawn()
        .context("cannot start the measuring process")?;
    // The measuring process bounds its own runs; this only guards against it hanging.
    let limit = job.timeout + GRACE * (2 + 2 * job.servers.len() as u32) + READY_TIMEOUT;
    let status = wait_for(child.id(), move || child.wait(), limit)
        .context("the measuring process did not finish")?;
    anyhow::ensure!(status.success(), "the measuring process failed: {status}");
    let report = fs::read(&report_path).context("the measuring process wrote no report")?;
    serde_json::from_slice(&report).context("cannot read the measuring process's report")
}

/// The `__measure JOB REPORT` subcommand: runs the job, writes the report.
///
/// The commands run in process groups of their own (so that a timeout can stop a whole tree
/// of processes), which a Ctrl-C at the terminal does not reach. So this process ends them
/// when it is interrupted, and is itself interrupted when the tool that started it ends.
pub fn child_main(job_path: &Path, report_path: &Path) -> anyhow::Result<()> {
    let job: Job = serde_json::from_slice(
        &fs::read(job_path).with_context(|| format!("cannot read {}", job_path.display()))?,
    )
    .context("bad job file")?;
    let groups = Groups::default();
    stop_groups_on_signal(groups.clone())?;
    nix::sys::prctl::set_pdeathsig(Signal::SIGTERM).context("prctl(PR_SET_PDEATHSIG) failed")?;
    let measured = run_job(&job, &groups)?;
    fs::write(report_path, serde_json::to_vec(&measured)?)
        .with_context(|| format!("cannot write {}", report_path.display()))
}

/// When this process was started as `<tool> __measure JOB REPORT`, does that and returns the
/// exit code; otherwise `None` and the tool goes on as usual.
pub fn intercept() -> Option<std::process::ExitCode> {
    let args: Vec<_> = std::env::args_os().collect();
    if args.len() == 4 && args[1] == SUBCOMMAND {
        let result = child_main(Path::new(&args[2]), Path::new(&args[3]));
        return Some(common::report(result));
    }
    None
}

/// The process groups of the commands running now.
#[derive(Debug, Clone, Default)]
struct Groups(Arc<Mutex<Vec<u32>>>);

impl Groups {
    fn add(&self, pid: u32) {
        if let Ok(mut groups) = self.0.lock() {
            groups.push(pid);
        }
    }

    fn kill_all(&self) {
        if let Ok(groups) = self.0.lock() {
            for &pid in groups.iter() {
                // A group that already ended is fine.
                let _ = killpg(pgid(pid), Signal::SIGKILL);
            }
        }
    }
}

/// On SIGINT, SIGTERM or SIGHUP: kill every command's process group, then exit.
fn stop_groups_on_signal(groups: Groups) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .context("cannot watch for signals")?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                groups.kill_all();
                std::process::exit(128 + signal);
            }
        })
        .context("cannot start the signal thread")?;
    Ok(())
}

fn run_job(job: &Job, groups: &Groups) -> anyhow::Result<Measured> {
    let (lines, collected) = mpsc::channel();
    let start = Instant::now();
    let mut servers: Vec<(String, Child)> = Vec::new();
    for server in &job.servers {
        let (ready_tx, ready_rx) = mpsc::channel();
        let prefix = format!("[{}] ", server.role);
        let watch = Watch {
            prefix,
            ready: Some((server.ready.clone(), ready_tx)),
        };
        match spawn_reading(&server.cmd, &job.cwd, watch, lines.clone()) {
            Ok(child) => {
                groups.add(child.id());
                servers.push((server.role.clone(), child));
            }
            Err(error) => {
                stop_all(servers);
                return Ok(failed_start(format!("{}: {error:#}", server.role), start));
            }
        }
        // A server that never says it is ready still gets the command run against it: the
        // command's own failure then tells the reader more than a timeout here would.
        let patience = if server.ready.is_some() {
            READY_TIMEOUT
        } else {
            FIRST_LINE_TIMEOUT
        };
        let _ = ready_rx.recv_timeout(patience);
    }
    let client = match spawn_reading(&job.command, &job.cwd, Watch::plain(), lines.clone()) {
        Ok(child) => {
            groups.add(child.id());
            child
        }
        Err(error) => {
            stop_all(servers);
            return Ok(failed_start(format!("{error:#}"), start));
        }
    };
    let client_pid = client.id();
    let (status, timed_out) = wait_or_stop(client, job.timeout)?;
    // Anything the command left behind in its process group goes too.
    let _ = killpg(pgid(client_pid), Signal::SIGKILL);
    let failed_servers = failed_servers(&mut servers);
    stop_all(servers);
    let wall = start.elapsed();
    drop(lines);
    let output = collect(&collected, Duration::from_secs(2));
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).context("getrusage failed")?;
    Ok(Measured {
        output,
        wall,
        max_rss_kib: u64::try_from(usage.max_rss()).unwrap_or(0),
        code: status.code(),
        signal: status.signal(),
        timed_out,
        spawn_error: None,
        failed_servers,
    })
}

/// The servers that already ended with a failure (a non-zero exit or a signal) while the
/// command ran; one that ended with exit 0 had served and finished, as the book's do.
fn failed_servers(servers: &mut [(String, Child)]) -> Vec<String> {
    servers
        .iter_mut()
        .filter_map(|(role, child)| match child.try_wait() {
            Ok(Some(status)) if !status.success() => Some(match status.code() {
                Some(code) => format!("{role}: exit {code}"),
                None => format!("{role}: signal {}", status.signal().unwrap_or(0)),
            }),
            _ => None,
        })
        .collect()
}

fn failed_start(error: String, start: Instant) -> Measured {
    Measured {
        wall: start.elapsed(),
        spawn_error: Some(error),
        ..Measured::default()
    }
}

/// How a process's lines are read: their prefix, and for a server the text that says ready.
struct Watch {
    prefix: String,
    ready: Option<(Option<String>, Sender<()>)>,
}

impl Watch {
    fn plain() -> Self {
        Self {
            prefix: String::new(),
            ready: None,
        }
    }
}

/// Starts `cmd` in its own process group with stdout and stderr on one pipe, and a thread that
/// sends each line it prints to `lines`.
fn spawn_reading(
    cmd: &Cmd,
    cwd: &Path,
    watch: Watch,
    lines: Sender<String>,
) -> anyhow::Result<Child> {
    let (reader, writer) = std::io::pipe().context("cannot create a pipe")?;
    let mut command = Command::new(&cmd.program);
    for name in &cmd.unset {
        command.env_remove(name);
    }
    command
        .args(&cmd.args)
        .envs(&cmd.env)
        .current_dir(cwd)
        .stdout(writer.try_clone().context("cannot clone a pipe")?)
        .stderr(writer)
        .stdin(if cmd.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .process_group(0);
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", cmd.program.display()))?;
    // The pipe's write ends live on in `command`; drop it so the reader sees the end.
    drop(command);
    if let (Some(text), Some(mut stdin)) = (&cmd.stdin, child.stdin.take()) {
        // A program that exits without reading its input closes the pipe: not an error here.
        let _ = stdin.write_all(text.as_bytes());
    }
    std::thread::Builder::new()
        .name("reader".into())
        .spawn(move || read_lines(reader, watch, &lines))
        .context("cannot start a reader thread")?;
    Ok(child)
}

fn read_lines(reader: std::io::PipeReader, watch: Watch, lines: &Sender<String>) {
    let mut ready = watch.ready;
    for line in BufReader::new(reader).lines() {
        let Ok(line) = line else { break };
        // The line goes out before the ready signal, so it comes before any line of the
        // command that the signal lets start.
        let is_ready = ready.as_ref().is_some_and(|(text, _)| {
            text.as_ref()
                .is_none_or(|text| line.contains(text.as_str()))
        });
        if lines.send(format!("{}{line}", watch.prefix)).is_err() {
            break;
        }
        if is_ready && let Some((_, signal)) = ready.take() {
            let _ = signal.send(());
        }
    }
}

/// Waits for `child` at most `timeout`; then SIGTERM to its group, and SIGKILL after a grace.
fn wait_or_stop(child: Child, timeout: Duration) -> anyhow::Result<(ExitStatus, bool)> {
    let pid = child.id();
    let (done_tx, done) = mpsc::channel();
    std::thread::Builder::new()
        .name("waiter".into())
        .spawn(move || {
            let mut child = child;
            let _ = done_tx.send(child.wait());
        })
        .context("cannot start a waiting thread")?;
    match done.recv_timeout(timeout) {
        Ok(status) => return Ok((status?, false)),
        Err(RecvTimeoutError::Disconnected) => anyhow::bail!("lost the wait for {pid}"),
        Err(RecvTimeoutError::Timeout) => {}
    }
    let _ = killpg(pgid(pid), Signal::SIGTERM);
    let status = match done.recv_timeout(GRACE) {
        Ok(status) => status?,
        Err(_) => {
            let _ = killpg(pgid(pid), Signal::SIGKILL);
            done.recv().context("lost the wait")??
        }
    };
    Ok((status, true))
}

/// Stops servers: SIGTERM to each one's group, SIGKILL after a grace, reaped either way.
fn stop_all(servers: Vec<(String, Child)>) {
    for (_, server) in servers {
        // Already gone or not: either way the wait below reaps it.
        let _ = wait_or_stop(server, Duration::ZERO);
    }
}

fn pgid(pid: u32) -> Pid {
    Pid::from_raw(i32::try_from(pid).unwrap_or(i32::MAX))
}

/// Every line sent before the senders were dropped, waiting at most `linger` for the rest once
/// the processes are gone (a stray grandchild may still hold a pipe open).
fn collect(lines: &Receiver<String>, linger: Duration) -> String {
    let deadline = Instant::now() + linger;
    let mut text = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                text.push_str(&line);
                text.push('\n');
            }
            Err(_) => return text,
        }
    }
}

/// The wait for `pid`, given up after `limit`.
fn wait_for(
    pid: u32,
    wait: impl FnOnce() -> std::io::Result<ExitStatus> + Send + 'static,
    limit: Duration,
) -> anyhow::Result<ExitStatus> {
    let (done_tx, done) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(wait());
    });
    match done.recv_timeout(limit) {
        Ok(status) => Ok(status?),
        Err(_) => {
            let _ = nix::sys::signal::kill(pgid(pid), Signal::SIGKILL);
            anyhow::bail!("process {pid} still ran after {limit:?} and was killed")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_job_plain(job: &Job) -> anyhow::Result<Measured> {
        run_job(job, &Groups::default())
    }

    fn sh(script: &str) -> Cmd {
        Cmd::new("sh", &["-c".to_owned(), script.to_owned()])
    }

    fn job(command: Cmd, timeout: Duration) -> Job {
        Job {
            cwd: std::env::temp_dir(),
            servers: Vec::new(),
            command,
            timeout,
        }
    }

    #[test]
    fn output_is_merged_and_the_exit_kept() {
        let measured = run_job_plain(&job(
            sh("echo out; echo err >&2; exit 3"),
            Duration::from_secs(20),
        ))
        .unwrap();
        let mut lines: Vec<&str> = measured.output.lines().collect();
        lines.sort();
        assert_eq!(lines, ["err", "out"]);
        assert_eq!(measured.code, Some(3));
        assert!(!measured.timed_out);
        assert!(measured.max_rss_kib > 0);
        assert!(!measured.succeeded());
    }

    #[test]
    fn a_command_that_runs_on_is_stopped_with_its_output_kept() {
        let measured = run_job_plain(&job(
            sh("echo started; exec sleep 30"),
            Duration::from_millis(300),
        ))
        .unwrap();
        assert!(measured.timed_out);
        assert_eq!(measured.output.trim(), "started");
        assert_eq!(measured.signal, Some(Signal::SIGTERM as i32));
        assert!(measured.exit_phrase().starts_with("stopped after"));
    }

    #[test]
    fn a_missing_program_is_a_start_error() {
        let measured = run_job_plain(&job(
            Cmd::new("/nonexistent/program", &[]),
            Duration::from_secs(5),
        ))
        .unwrap();
        assert!(measured.spawn_error.is_some());
        assert_eq!(measured.exit_phrase(), "did not start");
    }

    #[test]
    fn servers_start_first_and_are_stopped_after() {
        let mut job = job(sh("echo client"), Duration::from_secs(20));
        job.servers.push(Server {
            role: "server".into(),
            cmd: sh("echo listening; exec sleep 30"),
            ready: Some("listening".into()),
        });
        let measured = run_job_plain(&job).unwrap();
        let lines: Vec<&str> = measured.output.lines().collect();
        assert_eq!(lines, ["[server] listening", "client"]);
        assert_eq!(measured.code, Some(0));
        assert!(measured.wall < Duration::from_secs(20));
    }

    #[test]
    fn stdin_is_fed() {
        let mut cmd = sh("read name; echo hi $name");
        cmd.stdin = Some("Alice\n".into());
        let measured = run_job_plain(&job(cmd, Duration::from_secs(20))).unwrap();
        assert_eq!(measured.output.trim(), "hi Alice");
    }
}
