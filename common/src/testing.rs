//! Running a recipe's real binary from its tests. Every run has a timeout, so a hang fails the
//! test with a message instead of stalling CI.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::child::{Children, bound_address};

/// Generous because CI machines are shared and noisy; a recipe's default run takes seconds.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// What one run of a binary produced.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Run {
    /// The stdout lines that start with `prefix`.
    pub fn lines_starting(&self, prefix: &str) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|line| line.starts_with(prefix))
            .collect()
    }
}

/// Runs `bin` with `args` (stdin closed) and returns what it printed, however it exited.
pub fn run(bin: &str, args: &[&str]) -> Run {
    run_with_env(bin, args, &[])
}

/// [`run`] with extra environment variables, e.g. `("TMPDIR", dir)`.
pub fn run_with_env(bin: &str, args: &[&str], env: &[(&str, &OsStr)]) -> Run {
    let output = assert_cmd::Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .timeout(TIMEOUT)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {bin}: {error}"));
    let run = Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    };
    assert!(
        run.code.is_some(),
        "{bin} {args:?} was killed (timeout {TIMEOUT:?}?)\n{run:#?}"
    );
    run
}

/// Runs `bin` and asserts it exited 0 with nothing on stderr; returns the run.
pub fn run_ok(bin: &str, args: &[&str]) -> Run {
    let run = run(bin, args);
    assert_eq!(run.code, Some(0), "{bin} {args:?} failed:\n{run:#?}");
    run
}

/// Runs `bin`, asserts it failed with exit code `code` and a one-line message on stderr that
/// contains `message`; returns that line.
pub fn run_fails(bin: &str, args: &[&str], code: i32, message: &str) -> String {
    let run = run(bin, args);
    assert_eq!(run.code, Some(code), "{bin} {args:?}:\n{run:#?}");
    assert!(
        run.stderr.contains(message),
        "stderr lacks {message:?}:\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked"),
        "a panic instead of an error:\n{}",
        run.stderr
    );
    run.stderr.trim().to_owned()
}

/// Runs `mpiexec -n <ranks> <bin> <args>` through `runner` ([`run`], [`run_ok`], or a closure
/// around [`run_fails`]). Fails the test, naming scripts/setup.sh, when MPICH is missing.
pub fn with_mpiexec<T>(
    ranks: u32,
    bin: &str,
    args: &[&str],
    runner: impl FnOnce(&str, &[&str]) -> T,
) -> T {
    let mpiexec = crate::mpi_launch::find_mpiexec()
        .expect("mpiexec not found on PATH: the MPI tests need MPICH; run scripts/setup.sh");
    let ranks = ranks.to_string();
    let mut all = vec!["-n", ranks.as_str(), bin];
    all.extend_from_slice(args);
    runner(&mpiexec.to_string_lossy(), &all)
}

/// Whether `pid` is a live process: it has a `/proc` entry and is not a zombie.
pub fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may contain spaces.
    let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
    !matches!(state.and_then(|rest| rest.chars().next()), Some('Z') | None)
}

/// Polls (bounded: five seconds) until `pid` is gone or a zombie, then asserts it: the check
/// that a recipe left no child process behind.
pub fn assert_gone(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!alive(pid), "process {pid} outlived the recipe");
}

/// Waits at most [`TIMEOUT`] for `child` (started by the test itself), killing it and failing
/// the test if it does not end.
pub fn wait_bounded(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("process {} did not end within {TIMEOUT:?}", child.id());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A server a test started with [`start_server`].
#[derive(Debug)]
pub struct Server {
    /// The address its first line ended with.
    pub address: SocketAddr,
    pub pid: u32,
    /// The lines it printed after the first, as they come; read them with [`next_line`].
    pub lines: Receiver<String>,
}

/// Starts `bin` with `args` (stdin closed, stdout piped) as the child `name` of `children`,
/// which kills and reaps it when dropped, and reads its first line (at most [`TIMEOUT`]),
/// which must end with the address it bound.
pub fn start_server(children: &mut Children, name: &str, bin: &str, args: &[&str]) -> Server {
    let (pid, lines) = start_reading(children, name, bin, args);
    let first = next_line(&lines);
    let address = bound_address(&first)
        .unwrap_or_else(|| panic!("{name}: no address at the end of {first:?}"));
    Server {
        address,
        pid,
        lines,
    }
}

/// Starts `bin` with `args` (stdin closed, stdout piped) as the child `name` of `children`;
/// returns its PID and its stdout lines. A thread reads the pipe, so a wait for a line can be
/// bounded; it drains the pipe to the end even when nobody listens any more, so the process
/// never meets a closed pipe (which would end it on its next print).
fn start_reading(
    children: &mut Children,
    name: &str,
    bin: &str,
    args: &[&str],
) -> (u32, Receiver<String>) {
    let mut command = Command::new(bin);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let child = children
        .spawn(name, &mut command)
        .unwrap_or_else(|error| panic!("{error:#}"));
    let stdout = child.stdout.take().expect("stdout was piped");
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    (child.id(), lines)
}

/// The next line from `lines`, waiting at most [`TIMEOUT`].
pub fn next_line(lines: &Receiver<String>) -> String {
    lines
        .recv_timeout(TIMEOUT)
        .unwrap_or_else(|error| panic!("no line within {TIMEOUT:?}: {error}"))
}

/// The PIDs in the `Started <role> (pid N) on <address>` lines a plain run prints (see
/// [`crate::child::Servers`]).
pub fn started_pids(stdout: &str) -> Vec<u32> {
    stdout
        .lines()
        .filter_map(|line| {
            line.strip_prefix("Started ")?
                .split_once("(pid ")?
                .1
                .split_once(')')
        })
        .map(|(pid, _)| pid.parse().expect("a numeric PID"))
        .collect()
}

/// The no-orphans check of a recipe killed mid-run. Starts `bin` with `args` (stdin closed,
/// stdout piped) and reads its stdout until `children`, given the lines so far, returns the
/// PIDs of the child processes to watch (at most [`TIMEOUT`]); then sends `signal` to `bin`
/// alone, waits for it ([`wait_bounded`]) and asserts each of those PIDs is gone
/// ([`assert_gone`]). Returns `bin`'s exit status and the lines read by then.
///
/// `children` may also assert what must hold while the children run (that they are alive,
/// what `/proc` says of them). Its PIDs are `u32`, like [`std::process::Child::id`].
pub fn signal_mid_run(
    bin: &str,
    args: &[&str],
    signal: Signal,
    mut children: impl FnMut(&[String]) -> Option<Vec<u32>>,
) -> (ExitStatus, Vec<String>) {
    // Held in a `Children`, the recipe is killed and reaped if an assertion below fails.
    let mut recipe = Children::new();
    // The pipe stays open (and drained) until the end: a closed pipe would end the children
    // on their next print, and the check would prove nothing.
    let (_, lines) = start_reading(&mut recipe, bin, bin, args);
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    let pids = loop {
        if let Some(pids) = children(&seen) {
            break pids;
        }
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => seen.push(line),
            Err(RecvTimeoutError::Timeout) => {
                panic!("{bin} {args:?}: no children seen within {TIMEOUT:?}; output: {seen:#?}")
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("{bin} {args:?} ended before its children were seen; output: {seen:#?}")
            }
        }
    };
    let process = recipe.get_mut(bin).expect("started above");
    let pid = Pid::from_raw(i32::try_from(process.id()).expect("a PID fits in pid_t"));
    kill(pid, signal).unwrap_or_else(|error| panic!("cannot signal {bin}: {error}"));
    let status = wait_bounded(process);
    for pid in pids {
        assert_gone(pid);
    }
    drop(lines);
    (status, seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_process_is_gone_and_a_running_one_alive() {
        let mut sleeper = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        assert!(alive(sleeper.id()));
        sleeper.kill().unwrap();
        assert!(!wait_bounded(&mut sleeper).success());
        assert_gone(sleeper.id());
    }

    #[test]
    fn signal_mid_run_sees_the_children_and_checks_they_are_gone() {
        // A parent that, like a recipe, ends its child when it is terminated.
        let script =
            r#"trap 'kill $child; exit 1' TERM; sleep 30 & child=$!; echo "child $child"; wait"#;
        let (status, seen) = signal_mid_run("sh", &["-c", script], Signal::SIGTERM, |seen| {
            let pids: Vec<u32> = seen
                .iter()
                .filter_map(|line| line.strip_prefix("child ")?.parse().ok())
                .collect();
            let &[pid] = pids.as_slice() else {
                return None;
            };
            // Until the forked shell has exec'd `sleep`, it still runs the parent's TERM trap
            // and would swallow the parent's `kill`: wait (bounded) for the exec.
            let deadline = Instant::now() + TIMEOUT;
            let comm = || std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            while comm().trim() != "sleep" && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            assert!(alive(pid), "the child runs until the signal");
            Some(pids)
        });
        assert_eq!(status.code(), Some(1), "{status:?}");
        assert_eq!(seen.len(), 1, "{seen:?}");
    }

    #[test]
    fn start_server_reads_the_address_then_the_other_lines() {
        let mut children = Children::new();
        let script = "echo 'ready on 127.0.0.1:4242'; echo second; exec sleep 30";
        let server = start_server(&mut children, "fake", "sh", &["-c", script]);
        assert_eq!(server.address, SocketAddr::from(([127, 0, 0, 1], 4242)));
        assert_eq!(next_line(&server.lines), "second");
        assert!(alive(server.pid));
        drop(children);
        assert_gone(server.pid);
    }

    #[test]
    fn started_pids_come_from_the_started_lines() {
        let stdout = "[ns] NS running on 127.0.0.1:1\n\
                      Started name-server (pid 12) on 127.0.0.1:1\n\
                      Started server (pid 345) on 127.0.0.1:2\n\
                      Stopped name-server (pid 12), server (pid 345): all exited 0\n";
        assert_eq!(started_pids(stdout), [12, 345]);
    }
}
