//! Headless Chromium driven over the Chrome DevTools Protocol. `--remote-debugging-pipe` makes
//! Chromium read commands on its fd 3 and write answers and events on its fd 4, JSON messages
//! each ended by a NUL byte: no WebSocket, no port. A `sh -c 'exec ...'` wrapper maps our stdin
//! and stdout pipes onto fds 3 and 4, because std's Command can only set fds 0 to 2 safely.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::{Value, json};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

/// The launch flags that work in containers and keep the browser off the network.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--remote-debugging-pipe",
];

/// Where the browser is looked for when `--chromium` is not given.
pub const CANDIDATES: &[&str] = &["/usr/bin/chromium", "/usr/bin/chromium-browser"];

pub struct Browser {
    // Held for its Drop, which kills the browser.
    _process: Process,
    commands: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Events that arrived while a command waited for its answer.
    pending: VecDeque<Value>,
    next_id: u64,
    log: PathBuf,
    signal_guard: Handle,
    // Last, so that the profile is deleted after the browser is killed (fields drop in order).
    _profile: tempfile::TempDir,
}

/// Chromium's process group (its renderers and helpers share it), killed when dropped, also
/// when launching fails half-way: Chromium does not quit when its pipe closes.
struct Process {
    child: Child,
    group: Pid,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = killpg(self.group, Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Browser {
    /// Starts Chromium with a fresh profile; fails when it does not answer by `deadline`.
    pub fn launch(chromium: &Path, deadline: Instant) -> anyhow::Result<Browser> {
        let profile = tempfile::tempdir().context("cannot create a browser profile folder")?;
        let log = profile.path().join("chromium.log");
        let log_file = File::create(&log).context("cannot create the browser's log file")?;
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>&2"#)
            .arg(chromium)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            // Its own process group, so that the end kills the renderers and helpers too.
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {}", chromium.display()))?;
        let group = Pid::from_raw(i32::try_from(child.id()).context("a process id out of range")?);
        let mut process = Process { child, group };
        let signal_guard = kill_on_signal(group, profile.path().to_path_buf())?;
        let commands = process.child.stdin.take();
        let output = process
            .child
            .stdout
            .take()
            .context("no pipe from the browser")?;
        let (sender, messages) = mpsc::channel();
        thread::Builder::new()
            .name("cdp reader".to_owned())
            .spawn(move || {
                let mut reader = BufReader::new(output);
                let mut buffer = Vec::new();
                while matches!(reader.read_until(0, &mut buffer), Ok(n) if n > 0) {
                    let text = buffer.strip_suffix(&[0]).unwrap_or(&buffer);
                    if let Ok(message) = serde_json::from_slice::<Value>(text)
                        && sender.send(message).is_err()
                    {
                        return;
                    }
                    buffer.clear();
                }
            })
            .context("cannot start the browser reader thread")?;
        let mut browser = Browser {
            _process: process,
            commands,
            messages,
            pending: VecDeque::new(),
            next_id: 0,
            log,
            signal_guard,
            _profile: profile,
        };
        browser
            .call(None, "Browser.getVersion", json!({}), deadline)
            .context("headless Chromium did not start")?;
        Ok(browser)
    }

    /// Sends a command (to a page's session, or to the browser) and waits for its answer.
    pub fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        deadline: Instant,
    ) -> anyhow::Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.send(&message)
            .with_context(|| format!("cannot send {method} to the browser"))?;
        loop {
            let message = self
                .receive(deadline)?
                .ok_or_else(|| anyhow!("{method}: no answer from the browser in time"))?;
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    bail!(
                        "{method}: {}",
                        error["message"].as_str().unwrap_or("failed")
                    );
                }
                return Ok(message["result"].clone());
            }
            if message.get("method").is_some() {
                self.pending.push_back(message);
            }
        }
    }

    /// The next event, `None` when none comes by `deadline`.
    pub fn next_event(&mut self, deadline: Instant) -> anyhow::Result<Option<Value>> {
        if let Some(event) = self.pending.pop_front() {
            return Ok(Some(event));
        }
        while let Some(message) = self.receive(deadline)? {
            if message.get("method").is_some() {
                return Ok(Some(message));
            }
        }
        Ok(None)
    }

    /// The events already received, without waiting for more.
    pub fn received_events(&mut self) -> Vec<Value> {
        let mut events: Vec<Value> = self.pending.drain(..).collect();
        events.extend(
            self.messages
                .try_iter()
                .filter(|message| message.get("method").is_some()),
        );
        events
    }

    fn send(&mut self, message: &Value) -> anyhow::Result<()> {
        let pipe = self.commands.as_mut().context("the browser is closed")?;
        let mut bytes = serde_json::to_vec(message)?;
        bytes.push(0);
        pipe.write_all(&bytes)?;
        Ok(pipe.flush()?)
    }

    fn receive(&mut self, deadline: Instant) -> anyhow::Result<Option<Value>> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(wait) {
            Ok(message) => Ok(Some(message)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => bail!(
                "the browser exited{}",
                last_line(&self.log).map_or(String::new(), |line| format!(": {line}"))
            ),
        }
    }

    /// Asks the browser to close; dropping it then kills whatever of it is left.
    pub fn close(mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let _ = self.call(None, "Browser.close", json!({}), deadline);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.signal_guard.close();
    }
}

/// Kills the browser when doc-check is stopped by a signal (Ctrl-C, kill): in its own process
/// group, Chromium does not get the terminal's Ctrl-C, and it does not quit when its pipe closes.
fn kill_on_signal(group: Pid, profile: PathBuf) -> anyhow::Result<Handle> {
    let mut signals =
        Signals::new([SIGINT, SIGTERM, SIGHUP]).context("cannot watch for signals")?;
    let handle = signals.handle();
    thread::Builder::new()
        .name("signal guard".to_owned())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let _ = killpg(group, Signal::SIGKILL);
                let _ = std::fs::remove_dir_all(&profile);
                std::process::exit(128 + signal);
            }
        })
        .context("cannot start the signal guard thread")?;
    Ok(handle)
}

/// The last non-empty line of the browser's log, to explain an exit.
fn last_line(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let line = text.lines().rev().find(|line| !line.trim().is_empty())?;
    Some(line.trim().to_owned())
}
