//! Running a recipe binary under a time limit, in its own process group, and judging how it
//! ended.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// How one run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0 within the limit.
    Accepted,
    /// A non-zero exit with a short message that starts with `error:` (clap's own errors
    /// add a hint line or two) and no panic.
    CleanError,
    /// A panic, an allocation abort, a signal, or an error that is not one short message.
    Crash(String),
    /// Still running at the limit (then killed with its whole process group).
    Hung,
}

/// What a run printed and how it ended.
#[derive(Debug, Clone)]
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
    pub outcome: Outcome,
}

/// Starts `program args` in its own process group with stdin closed.
pub fn spawn(program: &Path, args: &[String]) -> std::io::Result<Child> {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
}

/// Runs `program args` for at most `limit` and judges the ending.
pub fn run(program: &Path, args: &[String], limit: Duration) -> std::io::Result<Ran> {
    let child = spawn(program, args)?;
    Ok(finish(child, limit))
}

/// Waits for `child` at most `limit`, killing its process group if it is still running, and
/// judges the ending.
pub fn finish(mut child: Child, limit: Duration) -> Ran {
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let group = Pid::from_raw(child.id() as i32);
    let start = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if start.elapsed() >= limit {
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // Whatever the recipe left in its group goes too: a finished run leaves nothing behind.
    let _ = killpg(group, Signal::SIGKILL);
    if status.is_none() {
        let _ = child.wait();
    }
    let stdout = stdout
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_default();
    let stderr = stderr
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_default();
    let outcome = match status {
        None => Outcome::Hung,
        Some(status) => judge(status.code(), status.signal(), &stderr),
    };
    Ran {
        stdout,
        stderr,
        outcome,
    }
}

fn judge(code: Option<i32>, signal: Option<i32>, stderr: &str) -> Outcome {
    if stderr.contains("panicked") || stderr.contains("memory allocation of") {
        let line = stderr
            .lines()
            .find(|line| line.contains("panicked") || line.contains("memory allocation"))
            .unwrap_or_default();
        return Outcome::Crash(line.trim().to_owned());
    }
    match (code, signal) {
        (Some(0), _) => Outcome::Accepted,
        (Some(_), _) => {
            let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            let clap_hint = |line: &&str| {
                line.starts_with("For more information") || line.starts_with("Usage:")
            };
            let message: Vec<&&str> = lines.iter().filter(|line| !clap_hint(line)).collect();
            if message.len() == 1 && message[0].starts_with("error:") {
                Outcome::CleanError
            } else {
                Outcome::Crash(format!(
                    "{} stderr lines: {}",
                    lines.len(),
                    lines.join(" | ")
                ))
            }
        }
        (None, Some(signal)) => Outcome::Crash(format!("killed by signal {signal}")),
        (None, None) => Outcome::Crash("no exit status".to_owned()),
    }
}

/// Reads a pipe to its end on a thread; the text arrives on the channel.
fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        let _ = sender.send(text);
    });
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_are_judged() {
        assert_eq!(judge(Some(0), None, ""), Outcome::Accepted);
        assert_eq!(
            judge(Some(1), None, "error: too big\n"),
            Outcome::CleanError
        );
        let clap =
            "error: invalid value 'x' for '--n <N>'\n\nFor more information, try '--help'.\n";
        assert_eq!(judge(Some(2), None, clap), Outcome::CleanError);
        assert!(matches!(
            judge(Some(101), None, "thread 'main' panicked at x"),
            Outcome::Crash(_)
        ));
        assert!(matches!(
            judge(
                None,
                Some(6),
                "memory allocation of 17179869184 bytes failed"
            ),
            Outcome::Crash(_)
        ));
        assert!(matches!(
            judge(Some(1), None, "error: a\nerror: b\n"),
            Outcome::Crash(_)
        ));
    }

    #[test]
    fn a_run_past_its_limit_is_hung() {
        let ran = run(
            Path::new("/bin/sleep"),
            &["5".to_owned()],
            Duration::from_millis(200),
        );
        assert_eq!(ran.unwrap().outcome, Outcome::Hung);
        let ok = run(Path::new("/bin/true"), &[], Duration::from_secs(5)).unwrap();
        assert_eq!(ok.outcome, Outcome::Accepted);
    }
}
