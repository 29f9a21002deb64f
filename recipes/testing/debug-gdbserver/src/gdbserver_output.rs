//! Reading gdbserver's stderr for `--remote`: its lines are copied to ours as they come, and
//! the recipe waits, with a deadline, for the ones that say it listens and that gdb connected.

use std::io::{BufRead, BufReader};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::Instant;

use anyhow::{Context, bail};

/// Copies gdbserver's stderr lines to ours, as they come, and hands them over on a channel.
pub fn forward_lines(
    stderr: std::process::ChildStderr,
) -> anyhow::Result<(Receiver<String>, thread::JoinHandle<()>)> {
    let (sender, lines) = mpsc::channel();
    let forwarder = thread::Builder::new()
        .name("gdbserver-log".into())
        .spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                // Once the waits are over nobody listens; the copying goes on.
                let _ = sender.send(line);
            }
        })
        .context("cannot start the thread that reads gdbserver's output")?;
    Ok((lines, forwarder))
}

/// Waits until gdbserver prints a line containing `wanted` (true) or the deadline passes
/// (false). gdbserver ending first, its port taken say, is an error.
pub fn wait_for_line(
    lines: &Receiver<String>,
    deadline: Instant,
    wanted: &str,
    address: &str,
) -> anyhow::Result<bool> {
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) if line.contains(wanted) => return Ok(true),
            Ok(line) => seen.push(line),
            Err(RecvTimeoutError::Timeout) => return Ok(false),
            Err(RecvTimeoutError::Disconnected) => {
                bail!("gdbserver on {address} ended early: {}", seen.join(" / "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn waiting_ends_at_the_wanted_line_the_deadline_or_the_end() {
        let (sender, lines) = mpsc::channel();
        let far = Instant::now() + Duration::from_secs(30);
        sender
            .send("Process x created; pid = 1".to_owned())
            .unwrap();
        sender.send("Listening on port 4444".to_owned()).unwrap();
        assert!(wait_for_line(&lines, far, "Listening", "a").unwrap());
        assert!(!wait_for_line(&lines, Instant::now(), "Remote", "a").unwrap());

        sender
            .send("Can't bind address: in use.".to_owned())
            .unwrap();
        drop(sender);
        let error = wait_for_line(&lines, far, "Remote", "a").unwrap_err();
        assert!(error.to_string().contains("Can't bind"), "{error}");
    }
}
