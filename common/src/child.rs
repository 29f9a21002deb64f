//! Real child processes for the processes chapter. Rust has no `multiprocessing`: a recipe
//! re-executes its own binary with a hidden subcommand, and the child runs the function the
//! subcommand names. The child is a separate OS process with its own PID and memory.

use std::ffi::OsStr;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};

use anyhow::Context;
use nix::sys::signal::Signal;
use nix::unistd::getppid;

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
