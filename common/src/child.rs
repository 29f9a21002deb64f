//! Real child processes for the processes chapter. Rust has no `multiprocessing`: a recipe
//! re-executes its own binary with a hidden subcommand, and the child runs the function the
//! subcommand names. The child is a separate OS process with its own PID and memory.

use std::ffi::OsStr;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus};

use anyhow::{Context, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, getppid};

/// Set by [`self_command`] on the child: the PID of the process that started it.
pub const PARENT_PID_ENV: &str = "COOKBOOK_PARENT_PID";

/// A `Command` that runs this same binary again with `args` (usually a hidden subcommand and
/// its arguments). Spawn it, pipe it, or `exec` it as the recipe needs.
pub fn self_command<I, S>(args: I) -> anyhow::Result<Command>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let exe = std::env::current_exe().context("cannot locate the running binary to re-execute")?;
    let mut command = Command::new(exe);
    command
        .args(args)
        .env(PARENT_PID_ENV, std::process::id().to_string());
    Ok(command)
}

/// The first call of a child: the kernel kills this process when the thread that spawned it
/// ends (`PR_SET_PDEATHSIG`), so no child outlives its recipe even when the parent is killed.
/// If the parent died before this call, the child exits at once.
pub fn die_with_parent() -> anyhow::Result<()> {
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).context("prctl(PR_SET_PDEATHSIG) failed")?;
    if let Ok(expected) = std::env::var(PARENT_PID_ENV)
        && getppid().as_raw().to_string() != expected
    {
        anyhow::bail!("parent process {expected} is gone; child exits");
    }
    Ok(())
}

/// A finished child's status the way Python's `Process.exitcode` shows it: the exit code, or
/// minus the signal number when a signal ended it (SIGTERM → -15, SIGKILL → -9).
pub fn exit_code(status: ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => -signal,
        (None, None) => unreachable!("a finished child has an exit code or a signal"),
    }
}

/// Sends SIGTERM to `child`, as Python's `Process.terminate()` does. (`Child::kill` sends
/// SIGKILL, which the child cannot catch and which reports as -9.)
pub fn terminate(child: &Child) -> anyhow::Result<()> {
    let pid = Pid::from_raw(i32::try_from(child.id()).context("a PID out of range")?);
    kill(pid, Signal::SIGTERM).with_context(|| format!("cannot signal process {pid}"))
}

/// The named child processes a recipe started. Dropping the set kills and reaps every child
/// still running, so an early return or an error in the parent leaves no process behind.
#[derive(Debug, Default)]
pub struct Children(Vec<(String, Child)>);

impl Children {
    pub fn new() -> Self {
        Self::default()
    }

    /// Spawns `command` as the child called `name` and returns it (to take its pipes).
    pub fn spawn(&mut self, name: &str, command: &mut Command) -> anyhow::Result<&mut Child> {
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        self.0.push((name.to_owned(), child));
        Ok(&mut self.0.last_mut().expect("just pushed").1)
    }

    /// The child called `name`.
    pub fn get_mut(&mut self, name: &str) -> anyhow::Result<&mut Child> {
        self.0
            .iter_mut()
            .find(|(child_name, _)| child_name == name)
            .map(|(_, child)| child)
            .with_context(|| format!("no child called {name}"))
    }

    /// Names and children, in start order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Child)> {
        self.0
            .iter_mut()
            .map(|(name, child)| (name.as_str(), child))
    }

    /// Waits for the child called `name`; returns its [`exit_code`].
    pub fn wait(&mut self, name: &str) -> anyhow::Result<i32> {
        let child = self.get_mut(name)?;
        let status = child
            .wait()
            .with_context(|| format!("cannot wait for {name}"))?;
        Ok(exit_code(status))
    }

    /// Waits for every child in start order; an error names each one that did not exit 0.
    pub fn wait_all(&mut self) -> anyhow::Result<()> {
        let mut failures = Vec::new();
        for (name, child) in &mut self.0 {
            let status = child
                .wait()
                .with_context(|| format!("cannot wait for {name}"))?;
            let code = exit_code(status);
            if code != 0 {
                failures.push(format!(
                    "{name} (pid {}) exited with status {code}",
                    child.id()
                ));
            }
        }
        if !failures.is_empty() {
            bail!("{}", failures.join("; "));
        }
        Ok(())
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for (_, child) in &mut self.0 {
            if let Ok(None) = child.try_wait() {
                // Best effort on the way out: a child that already ended just gets reaped.
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs in the child started by `self_command_starts_a_real_child`: the test harness is the
    /// binary being re-executed, and this test is the "subcommand" it is asked to run.
    #[test]
    fn child_side_sees_its_parent() {
        let Ok(parent) = std::env::var(PARENT_PID_ENV) else {
            return; // Run directly by the harness rather than as the child: nothing to check.
        };
        die_with_parent().unwrap();
        assert_eq!(parent, getppid().as_raw().to_string());
        assert_ne!(parent, std::process::id().to_string());
        println!("child-ok");
    }

    #[test]
    fn exit_codes_follow_python() {
        assert_eq!(exit_code(ExitStatus::from_raw(0)), 0);
        assert_eq!(exit_code(ExitStatus::from_raw(3 << 8)), 3);
        assert_eq!(exit_code(ExitStatus::from_raw(15)), -15);
        assert_eq!(exit_code(ExitStatus::from_raw(9)), -9);
    }

    #[test]
    fn terminate_sends_sigterm() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        terminate(&child).unwrap();
        assert_eq!(exit_code(child.wait().unwrap()), -15);
    }

    #[test]
    fn children_report_failures_by_name() {
        let mut children = Children::new();
        children.spawn("ok", Command::new("true").arg("x")).unwrap();
        children
            .spawn("bad", Command::new("sh").args(["-c", "exit 3"]))
            .unwrap();
        let error = children.wait_all().unwrap_err().to_string();
        assert!(error.starts_with("bad (pid "), "{error}");
        assert!(error.ends_with("exited with status 3"), "{error}");
        assert_eq!(children.wait("ok").unwrap(), 0);
    }

    #[test]
    fn dropping_children_kills_the_running_ones() {
        let mut children = Children::new();
        let pid = children
            .spawn("sleeper", Command::new("sleep").arg("30"))
            .unwrap()
            .id();
        drop(children);
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"));
        assert!(stat.is_err(), "process {pid} still exists: {stat:?}");
    }

    #[test]
    fn self_command_starts_a_real_child() {
        let output = self_command([
            "--exact",
            "child::tests::child_side_sees_its_parent",
            "--nocapture",
            "--test-threads=1",
        ])
        .unwrap()
        .output()
        .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(stdout.contains("child-ok"), "child did not run: {stdout}");
    }
}
