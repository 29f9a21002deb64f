//! Real child processes for the processes chapter. Rust has no `multiprocessing`: a recipe
//! re-executes its own binary with a hidden subcommand, and the child runs the function the
//! subcommand names. The child is a separate OS process with its own PID and memory.
//!
//! [`Servers`] is the server processes of a distributed recipe's plain run: each reports in a
//! line that it is ready (usually with the address it bound) and is stopped with SIGTERM at the
//! end.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
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

/// A role a recipe's plain run started dies with it; the same role started by hand (no
/// [`PARENT_PID_ENV`]) has no parent to watch.
pub fn die_with_parent_if_spawned() -> anyhow::Result<()> {
    if std::env::var_os(PARENT_PID_ENV).is_some() {
        die_with_parent()?;
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

/// How long [`Servers::start`] waits for a server's address line (or its ready line).
pub const READY_TIMEOUT: Duration = Duration::from_secs(5);

// ANCHOR: servers
/// The server processes of a plain run. Each one's stdout is shown here with a `[role]`
/// prefix and kept, so the run can check what a server printed; a line tells when it is ready,
/// usually by ending with the address it bound. Dropping the set kills and reaps what still runs, so an early error leaves
/// no process behind.
#[derive(Debug, Default)]
pub struct Servers {
    children: Children,
    printers: Vec<JoinHandle<Vec<String>>>,
    started: Vec<(String, u32)>,
}

impl Servers {
    /// Starts this binary with `args` as the child `role` and returns the address it bound.
    pub fn start(&mut self, role: &str, args: &[&str]) -> anyhow::Result<SocketAddr> {
        self.spawn(role, self_command(args)?)
    }

    /// Starts `command` as the child `role` and returns the address it bound: the first line
    /// of its stdout that ends with one, read within [`READY_TIMEOUT`].
    pub fn spawn(&mut self, role: &str, command: Command) -> anyhow::Result<SocketAddr> {
        let (pid, ready) = self.launch(role, command, |line| bound_address(line).is_some())?;
        let address = ready
            .as_deref()
            .and_then(bound_address)
            .ok_or_else(|| anyhow!("{role} (pid {pid}) did not report its address"))?;
        println!("Started {role} (pid {pid}) on {address}");
        Ok(address)
    }

    /// Starts `command` as the child `role` and returns the first line of its stdout that
    /// `ready` accepts, read within [`READY_TIMEOUT`]: for a server whose ready line names no
    /// address (a Celery worker consuming a queue).
    pub fn spawn_ready(
        &mut self,
        role: &str,
        command: Command,
        ready: fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let (pid, line) = self.launch(role, command, ready)?;
        let line = line.ok_or_else(|| anyhow!("{role} (pid {pid}) did not report it is ready"))?;
        println!("Started {role} (pid {pid})");
        Ok(line)
    }

    /// Spawns `command` with a thread that shows and keeps its stdout; returns its PID and the
    /// first line `ready` accepts, if one came within [`READY_TIMEOUT`].
    fn launch(
        &mut self,
        role: &str,
        mut command: Command,
        ready: fn(&str) -> bool,
    ) -> anyhow::Result<(u32, Option<String>)> {
        command.stdin(Stdio::null()).stdout(Stdio::piped());
        let child = self.children.spawn(role, &mut command)?;
        let pid = child.id();
        let stdout = child.stdout.take().expect("stdout was piped above");
        let (ready_line, first_ready) = mpsc::channel();
        let prefix = format!("[{role}] ");
        let printer = std::thread::Builder::new()
            .name(role.to_owned())
            .spawn(move || {
                let mut printed = Vec::new();
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    println!("{prefix}{line}");
                    if ready(&line) {
                        // Only the first ready line matters; later sends find no receiver.
                        let _ = ready_line.send(line.clone());
                    }
                    printed.push(line);
                }
                printed
            })
            .with_context(|| format!("cannot start the thread showing {role}'s output"))?;
        self.printers.push(printer);
        self.started.push((role.to_owned(), pid));
        Ok((pid, first_ready.recv_timeout(READY_TIMEOUT).ok()))
    }

    /// Sends SIGTERM to every server, waits for each, checks they all exited 0, and returns
    /// every line they printed (in start order, each server's lines in its order). An empty
    /// set stops silently.
    pub fn stop(mut self) -> anyhow::Result<Vec<String>> {
        for (_, child) in self.children.iter_mut() {
            terminate(child)?;
        }
        self.children.wait_all()?;
        let mut printed = Vec::new();
        for printer in self.printers.drain(..) {
            printed.extend(crate::join(printer)?);
        }
        let stopped: Vec<String> = self
            .started
            .iter()
            .map(|(role, pid)| format!("{role} (pid {pid})"))
            .collect();
        let all = if stopped.len() > 1 { "all " } else { "" };
        if !stopped.is_empty() {
            println!("Stopped {}: {all}exited 0", stopped.join(", "));
        }
        Ok(printed)
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        drop(std::mem::take(&mut self.children));
        for printer in self.printers.drain(..) {
            // On the way out after an error: the children are gone, so each printer ends.
            let _ = printer.join();
        }
    }
}

/// The address at the end of a server's first line (`NS running on 127.0.0.1:9090`).
pub fn bound_address(line: &str) -> Option<SocketAddr> {
    line.split_whitespace().last()?.parse().ok()
}
// ANCHOR_END: servers

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

    /// A stand-in server: prints a line, then its address line, then waits for SIGTERM and
    /// exits with `code`. (A line after the address could race the test's SIGTERM.) The shell waits on a background `sleep` because `wait`, unlike a
    /// foreground command, returns at once when a trapped signal arrives.
    fn fake_server(port: u16, code: i32) -> Command {
        let script = format!(
            "trap 'kill $! 2>/dev/null; exit {code}' TERM; \
             echo starting; echo 'up on 127.0.0.1:{port}'; \
             sleep 30 </dev/null >/dev/null 2>&1 & wait"
        );
        let mut command = Command::new("sh");
        command.args(["-c", &script]);
        command
    }

    #[test]
    fn servers_report_their_addresses_and_stop_cleanly() {
        assert!(Servers::default().stop().unwrap().is_empty());
        let mut servers = Servers::default();
        let one = servers.spawn("one", fake_server(4001, 0)).unwrap();
        let two = servers.spawn("two", fake_server(4002, 0)).unwrap();
        assert_eq!((one.port(), two.port()), (4001, 4002));
        let printed = servers.stop().unwrap();
        assert_eq!(
            printed,
            [
                "starting",
                "up on 127.0.0.1:4001",
                "starting",
                "up on 127.0.0.1:4002"
            ]
        );
    }

    #[test]
    fn a_server_that_fails_to_stop_cleanly_is_an_error() {
        let mut servers = Servers::default();
        servers.spawn("bad", fake_server(4003, 3)).unwrap();
        let error = servers.stop().unwrap_err().to_string();
        assert!(error.starts_with("bad (pid "), "{error}");
        assert!(error.ends_with("exited with status 3"), "{error}");
    }

    #[test]
    fn a_server_without_an_address_line_is_an_error() {
        let mut servers = Servers::default();
        let mut command = Command::new("echo");
        command.arg("no address here");
        let error = servers.spawn("mute", command).unwrap_err().to_string();
        assert!(error.starts_with("mute (pid "), "{error}");
        assert!(error.ends_with("did not report its address"), "{error}");
    }

    #[test]
    fn a_server_may_say_it_is_ready_without_an_address() {
        let mut servers = Servers::default();
        let ready = servers
            .spawn_ready("worker", fake_server(4005, 0), |line| {
                line.starts_with("up ")
            })
            .unwrap();
        assert_eq!(ready, "up on 127.0.0.1:4005");
        let mut command = Command::new("echo");
        command.arg("starting");
        let error = servers
            .spawn_ready("mute", command, |line| line.ends_with("ready."))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("mute (pid "), "{error}");
        assert!(error.ends_with("did not report it is ready"), "{error}");
    }

    #[test]
    fn dropping_servers_kills_the_running_ones() {
        let mut servers = Servers::default();
        servers.spawn("left", fake_server(4004, 0)).unwrap();
        let pid = servers.started[0].1;
        drop(servers);
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"));
        assert!(stat.is_err(), "process {pid} still exists: {stat:?}");
    }

    #[test]
    fn the_bound_address_ends_the_ready_line() {
        let expected = Some(SocketAddr::from(([127, 0, 0, 1], 9090)));
        // The ready lines of the tarpc recipes' servers.
        for line in [
            "NS running on 127.0.0.1:9090",
            "Ready. Object uri = 127.0.0.1:9090",
            "server_1 started on 127.0.0.1:9090",
            "Shop ready. Object uri = 127.0.0.1:9090",
            "INFO:SLAVE/9090:server started on 127.0.0.1:9090",
        ] {
            assert_eq!(bound_address(line), expected, "{line}");
        }
        for line in [
            "Hi welcome Alice",
            "Back at 1; the chain is closed!",
            "hi python cookbook",
            "",
        ] {
            assert_eq!(bound_address(line), None, "{line}");
        }
    }
}
