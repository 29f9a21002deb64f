//! gdbserver for `--remote`, held so that nobody but this machine can reach it and nothing of
//! it outlives the recipe.
//!
//! - Reach: gdbserver's own TCP listener binds every interface whatever host it is given
//!   (gdbserver 13 does), and whoever reaches it can run code through the debugger. So
//!   gdbserver speaks over stdio (`gdbserver --once - <program>`), on one end of a socket pair,
//!   and the recipe relays it to the one connection it accepts on its own loopback listener.
//! - Lifetime: gdbserver is started through this binary's hidden `gdbserver` subcommand, which
//!   sets `PR_SET_PDEATHSIG` and then becomes gdbserver (exec keeps the setting), so the kernel
//!   kills it when the recipe dies of any signal, SIGKILL included. gdbserver kills the program
//!   it started when it dies itself (`PTRACE_O_EXITKILL`) or when the debugger leaves
//!   (`--once`).
//! - Output: gdbserver's stderr, which in stdio mode also carries the program's stdout, is
//!   copied line by line to the recipe's stdout, and watched to know when gdbserver is ready.

use std::ffi::{OsStr, OsString};
use std::io::{self, BufRead, BufReader};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use common::child::{Children, PARENT_PID_ENV};

/// The line gdbserver prints once the program is loaded, stopped, and it reads its stdin.
const READY: &str = "Remote debugging using stdio";

/// What the waits below hear about: gdbserver's lines, its end, a debugger's connection.
#[derive(Debug)]
pub enum Event {
    Said(String),
    Ended,
    Connected(io::Result<(TcpStream, SocketAddr)>),
}

/// gdbserver, started and ready, with the program it holds stopped before its first
/// instruction.
pub struct Gdbserver {
    pub pid: u32,
    events: Receiver<Event>,
    sender: Sender<Event>,
    /// The recipe's end of the socket pair gdbserver has as stdin and stdout.
    pipe: UnixStream,
    forwarder: JoinHandle<()>,
}

impl Gdbserver {
    /// Starts `gdbserver --once - <program>` as the child `gdbserver` of `children` (which ends
    /// it on any early return) and waits until it is ready, at most until `deadline`.
    pub fn start(
        children: &mut Children,
        program: &[OsString],
        deadline: Instant,
    ) -> anyhow::Result<Self> {
        let gdbserver = find_on_path(OsStr::new("gdbserver")).context(
            "gdbserver is needed for --remote: run scripts/setup.sh (package gdbserver)",
        )?;
        let (pipe, theirs) = UnixStream::pair().context("cannot create gdbserver's socket pair")?;
        let mut command =
            common::child::self_command([OsStr::new("gdbserver"), gdbserver.as_os_str()])?;
        command
            .args(["--once", "-"])
            .args(program)
            .stdin(Stdio::from(OwnedFd::from(theirs.try_clone()?)))
            .stdout(Stdio::from(OwnedFd::from(theirs)))
            .stderr(Stdio::piped());
        let child = children.spawn("gdbserver", &mut command)?;
        // The command held gdbserver's end too: closing it here lets gdbserver's exit reach the
        // relay as the end of the stream.
        drop(command);
        let pid = child.id();
        let stderr = child.stderr.take().context("gdbserver's stderr")?;
        let (sender, events) = mpsc::channel();
        let forwarder = forward_lines(stderr, sender.clone())?;
        wait_ready(&events, deadline)?;
        Ok(Self {
            pid,
            events,
            sender,
            pipe,
            forwarder,
        })
    }

    /// Waits, at most until `deadline`, for a debugger to connect to `listener`; then relays
    /// between it and gdbserver and returns its address. `None`: nobody came in time.
    pub fn serve(
        &self,
        listener: TcpListener,
        deadline: Instant,
    ) -> anyhow::Result<Option<SocketAddr>> {
        let sender = self.sender.clone();
        // On a timeout this thread stays in accept() until the process ends.
        thread::Builder::new()
            .name("accept".into())
            .spawn(move || {
                let _ = sender.send(Event::Connected(listener.accept()));
            })
            .context("cannot start the thread that accepts the debugger")?;
        loop {
            match self
                .events
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(Event::Connected(accepted)) => {
                    let (gdb, peer) = accepted.context("cannot accept the debugger")?;
                    relay(gdb, self.pipe.try_clone()?)?;
                    return Ok(Some(peer));
                }
                Ok(Event::Said(_)) => {}
                Ok(Event::Ended) => bail!("gdbserver ended before a debugger connected"),
                Err(_) => return Ok(None),
            }
        }
    }

    /// Waits for gdbserver to end (the program ended, or the debugger left) and for its last
    /// lines to be copied.
    pub fn finish(self, children: &mut Children) -> anyhow::Result<()> {
        let status = children.wait("gdbserver")?;
        common::join(self.forwarder)?;
        ensure!(status == 0, "gdbserver exited with status {status}");
        Ok(())
    }
}

/// The hidden `gdbserver` subcommand: dies with the recipe (`PR_SET_PDEATHSIG`, kept across
/// exec), then becomes `command` (gdbserver and its arguments). Returns only on failure.
pub fn exec_dying_with_parent(command: &[OsString]) -> anyhow::Result<()> {
    common::child::die_with_parent()?;
    let (program, args) = command.split_first().context("no program to run")?;
    let error = Command::new(program)
        .args(args)
        .env_remove(PARENT_PID_ENV)
        .exec();
    Err(error).with_context(|| format!("cannot run {}", program.to_string_lossy()))
}

/// Refuses a debugging port that another machine could reach: through it, anyone can run code.
pub fn ensure_loopback(address: SocketAddr) -> anyhow::Result<()> {
    ensure!(
        address.ip().is_loopback(),
        "refusing to debug on {address}: other machines could reach it and run code through \
         the debugger; only a loopback address is allowed"
    );
    Ok(())
}

/// The first executable file called `name` in `PATH`, as exec would find it.
fn find_on_path(name: &OsStr) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|file| {
            file.metadata()
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}

/// Copies gdbserver's stderr lines to our stdout, as they come, and reports each one, then the
/// end, on `events`.
fn forward_lines(
    stderr: std::process::ChildStderr,
    events: Sender<Event>,
) -> anyhow::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name("gdbserver-log".into())
        .spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                println!("{line}");
                // Once the waits are over nobody listens; the copying goes on.
                let _ = events.send(Event::Said(line));
            }
            let _ = events.send(Event::Ended);
        })
        .context("cannot start the thread that reads gdbserver's output")
}

/// Waits until gdbserver says it is ready. Its end first (a program it cannot start, say), or
/// the deadline, is an error.
fn wait_ready(events: &Receiver<Event>, deadline: Instant) -> anyhow::Result<()> {
    let mut seen = Vec::new();
    loop {
        match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Event::Said(line)) if line.contains(READY) => return Ok(()),
            Ok(Event::Said(line)) => seen.push(line),
            Ok(Event::Connected(_)) => {}
            Ok(Event::Ended) => bail!("gdbserver ended early: {}", seen.join(" / ")),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                bail!("gdbserver was not ready in time: {}", seen.join(" / "))
            }
        }
    }
}

/// Copies bytes both ways between the debugger's connection and gdbserver's stdio. Either side
/// ending ends the other's input: gdb sees gdbserver's exit, and gdbserver (`--once`) ends, and
/// ends the program, when gdb leaves.
fn relay(gdb: TcpStream, gdbserver: UnixStream) -> anyhow::Result<()> {
    let (mut from_gdb, mut to_gdbserver) = (gdb.try_clone()?, gdbserver.try_clone()?);
    let (mut from_gdbserver, mut to_gdb) = (gdbserver, gdb);
    thread::Builder::new()
        .name("gdb-to-gdbserver".into())
        .spawn(move || {
            let _ = io::copy(&mut from_gdb, &mut to_gdbserver);
            let _ = to_gdbserver.shutdown(Shutdown::Write);
        })
        .context("cannot start the relay from gdb")?;
    thread::Builder::new()
        .name("gdbserver-to-gdb".into())
        .spawn(move || {
            let _ = io::copy(&mut from_gdbserver, &mut to_gdb);
            let _ = to_gdb.shutdown(Shutdown::Write);
        })
        .context("cannot start the relay to gdb")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn readiness_is_the_ready_line_and_an_early_end_is_an_error() {
        let (sender, events) = mpsc::channel();
        let far = Instant::now() + Duration::from_secs(30);
        for line in ["Process x created; pid = 1", READY] {
            sender.send(Event::Said(line.to_owned())).unwrap();
        }
        wait_ready(&events, far).unwrap();
        let late = wait_ready(&events, Instant::now()).unwrap_err();
        assert!(late.to_string().contains("not ready in time"), "{late}");

        let failure = "Cannot exec /nowhere: No such file or directory.";
        sender.send(Event::Said(failure.to_owned())).unwrap();
        sender.send(Event::Ended).unwrap();
        let error = wait_ready(&events, far).unwrap_err();
        assert!(error.to_string().contains(failure), "{error}");
    }

    #[test]
    fn only_loopback_addresses_are_allowed() {
        for allowed in ["127.0.0.1:4444", "[::1]:4444"] {
            assert!(
                ensure_loopback(allowed.parse().unwrap()).is_ok(),
                "{allowed}"
            );
        }
        for exposed in ["0.0.0.0:4444", "[::]:4444", "192.168.1.5:4444"] {
            let error = ensure_loopback(exposed.parse().unwrap()).unwrap_err();
            assert!(error.to_string().starts_with("refusing"), "{error}");
        }
    }

    #[test]
    fn programs_are_found_on_the_path_like_exec_finds_them() {
        assert!(find_on_path(OsStr::new("sh")).is_some());
        assert!(find_on_path(OsStr::new("no-such-program-here")).is_none());
    }
}
