//! Running a recipe's real binary from its tests. Every run has a timeout, so a hang fails the
//! test with a message instead of stalling CI.

use std::ffi::OsStr;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

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
}
