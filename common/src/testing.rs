//! Running a recipe's real binary from its tests. Every run has a timeout, so a hang fails the
//! test with a message instead of stalling CI.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// The path of one of the crate's examples (`examples/<name>.rs`), which `cargo test` builds
/// beside the test binaries, in `target/<profile>/examples/`. Fails the test, saying how to
/// build it, when it is not there (`cargo test --test cli` alone builds no examples).
pub fn example(name: &str) -> String {
    let test_binary = std::env::current_exe().expect("the test binary has a path");
    let profile_dir = test_binary
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.is_file(),
        "example {name} is not built at {}: run `cargo test -p <crate>` (it builds the examples)",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// Connects to `address` and closes at once with SO_LINGER 0, so the server's side of the
/// connection is reset: the abuse a server must survive at the cost of one line on stderr.
pub fn reset_connection(address: impl std::net::ToSocketAddrs) {
    use nix::sys::socket::{setsockopt, sockopt};
    let stream = std::net::TcpStream::connect(address).expect("the server accepts a connection");
    let linger = nix::libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    setsockopt(&stream, sockopt::Linger, &linger).expect("SO_LINGER can be set");
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

/// An empty directory of its own under [`std::env::temp_dir`], removed when dropped.
#[derive(Debug)]
pub struct EmptyDir(PathBuf);

impl EmptyDir {
    pub fn new() -> Self {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "common-testing-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        // A leftover of an earlier process with the same PID would not be empty.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir(&path)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", path.display()));
        Self(path)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Default for EmptyDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for EmptyDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The one line a gpu recipe prints on stderr when no OpenCL platform is installed.
pub const NO_OPENCL_PLATFORM_ERROR: &str = "error: no OpenCL platform found: install one with scripts/setup.sh \
     (PoCL runs OpenCL on the CPU)\n";

/// Runs `bin` with `args` and the OpenCL ICD loader pointed at an empty vendors folder, and
/// asserts it fails fast (under 8 s), with exit code 1, nothing on stdout and exactly
/// [`NO_OPENCL_PLATFORM_ERROR`] on stderr.
pub fn assert_no_opencl_platform_error(bin: &str, args: &[&str]) {
    let empty = EmptyDir::new();
    let started = Instant::now();
    let run = run_with_env(
        bin,
        args,
        &[
            ("OCL_ICD_VENDORS", empty.path().as_os_str()),
            ("OCL_ICD_FILENAMES", OsStr::new("")),
        ],
    );
    // `ocl` alone would retry for 10 s and then panic.
    assert!(started.elapsed() < Duration::from_secs(8), "{run:?}");
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr, NO_OPENCL_PLATFORM_ERROR);
    assert!(run.stdout.is_empty(), "{run:?}");
}

/// Runs `bin` with `args` then `<flag> 99` (`--platform` or `--device`) and asserts it fails
/// with exit code 1 and one line saying there is no such `what` and naming scripts/setup.sh.
fn assert_no_such(bin: &str, args: &[&str], flag: &str, what: &str) {
    let all: Vec<&str> = args.iter().copied().chain([flag, "99"]).collect();
    let line = run_fails(bin, &all, 1, &format!("{flag} 99: no OpenCL {what} 99"));
    assert!(
        line.contains("scripts/setup.sh") && line.lines().count() == 1,
        "not one line naming scripts/setup.sh: {line}"
    );
}

/// `bin args --platform 99` fails with one line (exit 1) naming scripts/setup.sh.
pub fn assert_bad_platform_error(bin: &str, args: &[&str]) {
    assert_no_such(bin, args, "--platform", "platform");
}

/// `bin args --device 99` fails with one line (exit 1) naming scripts/setup.sh.
pub fn assert_bad_device_error(bin: &str, args: &[&str]) {
    assert_no_such(bin, args, "--device", "device");
}

/// Both [`assert_bad_platform_error`] and [`assert_bad_device_error`].
pub fn assert_bad_platform_and_device_errors(bin: &str, args: &[&str]) {
    assert_bad_platform_error(bin, args);
    assert_bad_device_error(bin, args);
}

/// A gpu recipe's output after its first line, which must name the OpenCL device.
pub fn after_device_line(stdout: &str) -> &str {
    let (device, rest) = stdout.split_once('\n').expect("more than one line");
    assert!(device.starts_with("OpenCL device: "), "{device}");
    rest
}

/// The rows of the NumPy-style array printed on the lines after `header` (a vector is one
/// row). `header` may span lines (`"MATRIX A\n:"`); trailing spaces, which the book's prints
/// leave on some headers, are ignored. A long row may wrap; `...` (NumPy's summary of a long
/// array) is skipped; each number must parse as a `T`.
pub fn numpy_matrix_after<T: FromStr>(stdout: &str, header: &str) -> Vec<Vec<T>> {
    let lines: Vec<&str> = stdout.lines().collect();
    let wanted: Vec<&str> = header.lines().map(str::trim_end).collect();
    let start = lines
        .windows(wanted.len())
        .position(|window| window.iter().map(|line| line.trim_end()).eq(wanted.clone()))
        .unwrap_or_else(|| panic!("no {header:?} in:\n{stdout}"));
    let mut rows = Vec::new();
    let mut row = Vec::new();
    // Whether the innermost `[` seen last is still open, so its numbers form a row.
    let mut in_row = false;
    let mut depth = 0usize;
    let push = |word: &str, row: &mut Vec<T>, in_row: bool| {
        if word.is_empty() || word == "..." {
            return;
        }
        assert!(
            in_row,
            "{word:?} outside a row of the array after {header:?}"
        );
        row.push(
            word.parse()
                .unwrap_or_else(|_| panic!("not a number: {word:?} after {header:?}")),
        );
    };
    for line in &lines[start + wanted.len()..] {
        let mut word_start = 0;
        for (at, c) in line.char_indices() {
            if c == '[' || c == ']' || c.is_whitespace() {
                push(&line[word_start..at], &mut row, in_row);
                word_start = at + c.len_utf8();
            }
            if c == '[' {
                depth += 1;
                in_row = true;
                row.clear();
            } else if c == ']' {
                if in_row {
                    rows.push(std::mem::take(&mut row));
                    in_row = false;
                }
                depth = depth
                    .checked_sub(1)
                    .unwrap_or_else(|| panic!("unbalanced ']' after {header:?}: {line:?}"));
            }
        }
        push(&line[word_start..], &mut row, in_row);
        if depth == 0 {
            assert!(!rows.is_empty(), "no array after {header:?} in:\n{stdout}");
            return rows;
        }
    }
    panic!("the array after {header:?} never closes:\n{stdout}")
}

/// The numbers of the NumPy-style array printed on the lines after `header`, row after row
/// for a matrix; see [`numpy_matrix_after`].
pub fn numpy_vector_after<T: FromStr>(stdout: &str, header: &str) -> Vec<T> {
    numpy_matrix_after(stdout, header)
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_dir_is_empty_and_removed_when_dropped() {
        let (a, b) = (EmptyDir::new(), EmptyDir::new());
        assert_ne!(a.path(), b.path());
        assert_eq!(std::fs::read_dir(a.path()).unwrap().count(), 0);
        let path = a.path().to_owned();
        drop(a);
        assert!(!path.exists());
    }

    /// A fake recipe: fails like a gpu recipe without OpenCL when `OCL_ICD_VENDORS` is an
    /// existing empty folder.
    const NO_PLATFORM: &str = r#"[ -d "$OCL_ICD_VENDORS" ] && [ -z "$(ls -A "$OCL_ICD_VENDORS")" ] || exit 3
printf 'error: no OpenCL platform found: install one with scripts/setup.sh (PoCL runs OpenCL on the CPU)\n' >&2
exit 1"#;

    #[test]
    fn a_recipe_without_a_platform_passes_the_no_platform_check() {
        assert_no_opencl_platform_error("sh", &["-c", NO_PLATFORM]);
    }

    #[test]
    #[should_panic(expected = "assertion `left == right` failed")]
    fn a_different_message_fails_the_no_platform_check() {
        assert_no_opencl_platform_error("sh", &["-c", "echo 'error: something else' >&2; exit 1"]);
    }

    #[test]
    fn bad_selections_pass_the_bad_platform_and_device_checks() {
        // `--platform 99` becomes "$1 $2".
        let script = r#"echo "error: $1 $2: no OpenCL ${1#--} $2, only 1 (0..=0); scripts/setup.sh installs PoCL" >&2; exit 1"#;
        assert_bad_platform_and_device_errors("sh", &["-c", script, "sh"]);
    }

    #[test]
    #[should_panic(expected = "not one line naming scripts/setup.sh")]
    fn a_bad_device_error_must_name_the_setup_script() {
        let script = r#"echo "error: $1 $2: no OpenCL device $2" >&2; exit 1"#;
        assert_bad_device_error("sh", &["-c", script, "sh"]);
    }

    #[test]
    fn after_device_line_drops_the_device_line() {
        let stdout = "OpenCL device: Fake CPU (CPU, 4 compute units) on Fake Platform\nRESULT\n7\n";
        assert_eq!(after_device_line(stdout), "RESULT\n7\n");
    }

    #[test]
    #[should_panic(expected = "Platform Selected")]
    fn after_device_line_wants_the_device_first() {
        after_device_line("Platform Selected = Fake\nRESULT\n");
    }

    #[test]
    fn a_wrapped_float_matrix_reads_back_by_rows() {
        let stdout = "FIRST\n\
                      [[ 1.5 -2.25  3.0\n   \
                      4.0]\n \
                      [ 0.5  6e-3 -7.0  8.0]]\n\
                      SECOND \n\
                      [[1 2]\n [3 4]]\n";
        let first: Vec<Vec<f32>> = numpy_matrix_after(stdout, "FIRST");
        assert_eq!(first, [[1.5, -2.25, 3.0, 4.0], [0.5, 6e-3, -7.0, 8.0]]);
        // Trailing spaces on the header line are ignored, on either side.
        let second: Vec<i64> = numpy_vector_after(stdout, "SECOND");
        assert_eq!(second, [1, 2, 3, 4]);
    }

    #[test]
    fn a_header_may_span_lines() {
        let stdout = "M\n:\n[[9 2]\n [6 5]]\nN\n:\n[[1]]\n";
        let m: Vec<Vec<u8>> = numpy_matrix_after(stdout, "M\n:");
        assert_eq!(m, [[9, 2], [6, 5]]);
        assert_eq!(numpy_vector_after::<u8>(stdout, "N\n:"), [1]);
    }

    #[test]
    fn a_vector_wraps_and_a_summary_skips_its_dots() {
        let stdout =
            "V = \n[  0.25 -1.0\n  2.5]\nLONG\n[    1     2     3 ...  9998  9999 10000]\nafter\n";
        assert_eq!(numpy_vector_after::<f64>(stdout, "V ="), [0.25, -1.0, 2.5]);
        assert_eq!(
            numpy_vector_after::<u32>(stdout, "LONG"),
            [1, 2, 3, 9998, 9999, 10000]
        );
    }

    #[test]
    #[should_panic(expected = "no \"MISSING\"")]
    fn a_missing_header_fails() {
        numpy_vector_after::<i64>("HEADER\n[1 2]\n", "MISSING");
    }

    #[test]
    #[should_panic(expected = "not a number")]
    fn a_word_that_is_no_number_fails() {
        numpy_vector_after::<i64>("HEADER\n[1 two]\n", "HEADER");
    }

    #[test]
    #[should_panic(expected = "outside a row")]
    fn a_line_before_the_array_fails() {
        numpy_vector_after::<i64>("HEADER\n:\n[1 2]\n", "HEADER");
    }

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
