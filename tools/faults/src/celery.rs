//! A Celery worker killed in the middle of its tasks must lose none of them: the broker hands
//! what it held, unacknowledged, to the other worker, and the sender gets every result.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::run::{self, Outcome};

/// A queue of the suite's own, so that no reader's `celery` queue is touched.
const QUEUE: &str = "fault-suite-celery";
/// Tasks per trial: enough that both workers hold some when one is killed.
pub const TASKS: u32 = 60;

/// What one trial saw.
pub struct Report {
    /// How the sender ended: accepted when every result came back and was right.
    pub sender: Outcome,
    /// Tasks whose result never came.
    pub lost: u32,
    /// Results that came twice (at-least-once delivery allows it; counted, not a failure).
    pub duplicates: usize,
    /// What went wrong, for the failure list.
    pub notes: Vec<String>,
}

/// Starts a slow and a quick worker on the suite's queue, sends [`TASKS`] tasks, and once the
/// slow worker has taken its first task sends it `signal`.
pub fn trial(bin: &Path, signal: Signal) -> anyhow::Result<Report> {
    let mut slow = Worker::start(bin, "200")?;
    let mut quick = Worker::start(bin, "10")?;
    slow.wait_for(" ready: ", "ready")?;
    quick.wait_for(" ready: ", "ready")?;
    // The sender only publishes and waits (no worker of its own), at most 20 s for a result.
    let count = TASKS.to_string();
    let bench = [
        "bench",
        "--queue",
        QUEUE,
        "--count",
        &count,
        "--workers",
        "0",
        "--timeout-s",
        "20",
    ];
    let sender = run::spawn(bin, &owned(&bench))?;
    slow.wait_for("] received", "its first task")?;
    kill(Pid::from_raw(slow.child.id() as i32), signal)?;
    let ran = run::finish(sender, Duration::from_secs(60));
    quick.stop();
    slow.stop();
    let lost = unanswered(&ran.stderr);
    let mut notes = Vec::new();
    if ran.outcome != Outcome::Accepted {
        notes.push(format!("{signal} to a worker: {}", ran.stderr.trim()));
    }
    Ok(Report {
        sender: ran.outcome,
        lost,
        duplicates: ran.stderr.matches("a duplicate?").count(),
        notes,
    })
}

/// `args` as strings.
fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| (*arg).to_owned()).collect()
}

/// The count in the sender's "N of M tasks unanswered", 0 when it says nothing of the kind.
fn unanswered(stderr: &str) -> u32 {
    stderr
        .split(" of ")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|count| count.parse().ok())
        .filter(|_| stderr.contains(" tasks unanswered"))
        .unwrap_or(0)
}

/// A worker process whose stdout lines arrive on a channel.
struct Worker {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Worker {
    fn start(bin: &Path, delay_ms: &str) -> anyhow::Result<Self> {
        let worker = [
            "worker",
            "--queue",
            QUEUE,
            "--prefetch",
            "4",
            "--task-delay-ms",
            delay_ms,
        ];
        let mut child = run::spawn(bin, &owned(&worker))?;
        let stdout = child.stdout.take().context("the worker's stdout")?;
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Self { child, lines })
    }

    /// Waits at most 20 s for a line containing `wanted`.
    fn wait_for(&mut self, wanted: &str, what: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(wanted) => return Ok(()),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        self.stop();
        let error = self.child.stderr.take().map(std::io::read_to_string);
        let error = error.and_then(Result::ok).unwrap_or_default();
        bail!(
            "a celery-add-task worker never reported {what} (is RabbitMQ on 127.0.0.1:5672? \
             scripts/setup.sh starts it): {}",
            error.trim()
        )
    }

    /// Ends the worker and whatever it left in its process group.
    fn stop(&mut self) {
        let group = Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::killpg(group, Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unanswered_count_is_read_from_the_senders_error() {
        let error = "error: 4 of 60 tasks unanswered: no result within 20s: is a worker";
        assert_eq!(unanswered(error), 4);
        assert_eq!(unanswered("Ignored a result for task x: a duplicate?"), 0);
        assert_eq!(unanswered(""), 0);
    }
}
