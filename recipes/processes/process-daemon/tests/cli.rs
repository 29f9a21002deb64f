//! Runs the real `process-daemon` binary and checks what it printed, and that no child
//! outlives it, whether it returns or is killed mid-run.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::testing::{run_fails, run_ok};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const BIN: &str = env!("CARGO_BIN_EXE_process-daemon");
const BOUND: Duration = Duration::from_secs(10);

/// The numbers of the `---> n` lines, in output order.
fn counts(stdout: &str) -> Vec<u32> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("---> "))
        .map(|n| n.parse().expect("a count"))
        .collect()
}

fn count_lines(stdout: &str, line: &str) -> usize {
    stdout.lines().filter(|l| *l == line).count()
}

#[test]
fn only_the_non_daemon_says_exiting() {
    // A long tick keeps the daemon's one second of work far longer than the moment the parent
    // needs to terminate it, even on a busy machine.
    let run = run_ok(BIN, &["--tick-ms", "200"]);
    let out = &run.stdout;
    assert_eq!(
        count_lines(out, "Starting NO_background_process"),
        1,
        "{out}"
    );
    assert_eq!(
        count_lines(out, "Exiting NO_background_process"),
        1,
        "{out}"
    );
    assert_eq!(count_lines(out, "Exiting background_process"), 0, "{out}");
    let counts = counts(out);
    let non_daemon: Vec<u32> = counts.iter().copied().filter(|&n| n >= 5).collect();
    assert_eq!(non_daemon, [5, 6, 7, 8, 9]);
    // Whatever the daemon printed before the signal is a prefix of its 0..4.
    let daemon: Vec<u32> = counts.iter().copied().filter(|&n| n < 5).collect();
    assert_eq!(daemon, (0..daemon.len() as u32).collect::<Vec<_>>());
    // The summary: the daemon terminated (-15), the other joined (0), in that order.
    let summary = run.lines_starting("Exit handler ");
    assert_eq!(summary.len(), 2, "{out}");
    assert!(summary[0].starts_with("Exit handler terminated daemon background_process (PID "));
    assert!(summary[0].ends_with("): exit code -15"), "{}", summary[0]);
    assert!(summary[1].starts_with("Exit handler joined NO_background_process (PID "));
    assert!(summary[1].ends_with("): exit code 0"), "{}", summary[1]);
}

#[test]
fn without_daemons_both_children_finish() {
    let run = run_ok(BIN, &["--no-daemons", "--tick-ms", "1"]);
    let out = &run.stdout;
    for name in ["background_process", "NO_background_process"] {
        assert_eq!(count_lines(out, &format!("Starting {name}")), 1, "{out}");
        assert_eq!(count_lines(out, &format!("Exiting {name}")), 1, "{out}");
    }
    // The children's lines interleave, but each child counts its own range in order.
    let counts = counts(out);
    let first: Vec<u32> = counts.iter().copied().filter(|&n| n < 5).collect();
    let second: Vec<u32> = counts.iter().copied().filter(|&n| n >= 5).collect();
    assert_eq!(
        (first.as_slice(), second.as_slice()),
        (&[0, 1, 2, 3, 4][..], &[5, 6, 7, 8, 9][..])
    );
    let summary = run.lines_starting("Exit handler joined ");
    assert_eq!(summary.len(), 2, "{out}");
    assert!(summary.iter().all(|line| line.ends_with("exit code 0")));
}

#[test]
fn a_daemon_that_beat_the_exit_handler_is_reported_as_finished() {
    // With no sleep at all the daemon may finish before the parent exits, or not: either way
    // the summary must match what the daemon printed.
    for _ in 0..3 {
        let run = run_ok(BIN, &["--tick-ms", "0"]);
        let out = &run.stdout;
        let exiting = count_lines(out, "Exiting background_process");
        let summary = run.lines_starting("Exit handler ");
        assert_eq!(summary.len(), 2, "{out}");
        if summary[0].starts_with("Exit handler terminated daemon background_process ") {
            assert!(summary[0].ends_with("exit code -15"), "{out}");
            assert_eq!(exiting, 0, "{out}");
        } else {
            assert!(
                summary[0]
                    .starts_with("Exit handler found already finished daemon background_process ")
            );
            assert!(summary[0].contains("exit code 0"), "{out}");
            assert_eq!(exiting, 1, "{out}");
        }
        assert_eq!(
            count_lines(out, "Exiting NO_background_process"),
            1,
            "{out}"
        );
    }
}

#[test]
fn first_edition_daemon_is_terminated_and_the_other_waited_for() {
    let run = run_ok(BIN, &["--edition", "ed1", "--tick-ms", "100"]);
    let out = &run.stdout;
    assert_eq!(
        count_lines(out, "Exiting NO_background_process"),
        1,
        "{out}"
    );
    assert_eq!(count_lines(out, "Exiting background_process"), 0, "{out}");
    assert!(counts(out).is_empty(), "the 1st edition does not count");

    let run = run_ok(BIN, &["--edition", "ed1", "--no-daemons", "--tick-ms", "1"]);
    assert_eq!(count_lines(&run.stdout, "Exiting background_process"), 1);
    assert_eq!(count_lines(&run.stdout, "Exiting NO_background_process"), 1);
}

/// The PIDs the children printed with --show-pids.
fn child_pids<'a>(lines: impl IntoIterator<Item = &'a String>) -> Vec<i32> {
    lines
        .into_iter()
        .filter_map(|line| line.split_once("(PID ")?.1.strip_suffix(')')?.parse().ok())
        .collect()
}

/// True once `pid` has ended: no /proc entry, or a zombie waiting for its new parent.
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

fn assert_all_gone(pids: &[i32]) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !pids.iter().all(|&pid| gone(pid)) {
        assert!(
            Instant::now() < deadline,
            "children outlived the recipe: {:?}",
            pids.iter().filter(|&&pid| !gone(pid)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn no_child_remains_after_a_normal_return() {
    let run = run_ok(BIN, &["--no-daemons", "--show-pids", "--tick-ms", "1"]);
    let lines: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    let pids = child_pids(&lines);
    assert_eq!(pids.len(), 2, "{}", run.stdout);
    assert_all_gone(&pids);
}

/// The recipe running in the background, its stdout read line by line by a thread.
struct Running {
    process: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(args: &[&str]) -> Self {
        let mut process = Command::new(BIN)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start process-daemon");
        let stdout = process.stdout.take().expect("stdout was piped");
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            process,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines until `enough` holds for the lines seen so far (at most BOUND).
    fn read_until(&mut self, enough: impl Fn(&[String]) -> bool) {
        let deadline = Instant::now() + BOUND;
        while !enough(&self.seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Timeout) => self.fail("timed out waiting for output"),
                Err(RecvTimeoutError::Disconnected) => self.fail("output ended early"),
            }
        }
    }

    /// Sends `signal` to the recipe and waits (at most BOUND) for it to die of it.
    fn kill_with(&mut self, signal: Signal) {
        let pid = Pid::from_raw(self.process.id() as i32);
        kill(pid, signal).expect("signal the recipe");
        let deadline = Instant::now() + BOUND;
        let status = loop {
            if let Some(status) = self.process.try_wait().expect("poll the recipe") {
                break status;
            }
            if Instant::now() > deadline {
                self.fail("the recipe did not die of the signal");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(signal as i32), "{status:?}");
    }

    fn fail(&mut self, why: &str) -> ! {
        let _ = self.process.kill();
        let _ = self.process.wait();
        panic!("{why}; output so far: {:#?}", self.seen);
    }
}

#[test]
fn sigterm_mid_run_leaves_no_child() {
    // Both children sleep a long book second; the recipe is killed while they do.
    let mut recipe = Running::start(&["--no-daemons", "--show-pids", "--tick-ms", "60000"]);
    recipe.read_until(|seen| child_pids(seen).len() == 2);
    let pids = child_pids(&recipe.seen);
    recipe.kill_with(Signal::SIGTERM);
    assert_all_gone(&pids);
}

#[test]
fn sigint_mid_run_leaves_no_child() {
    // The daemon is terminated at once; the other child sleeps while SIGINT hits the parent.
    let mut recipe = Running::start(&["--show-pids", "--tick-ms", "60000"]);
    recipe.read_until(|seen| {
        seen.iter()
            .any(|line| line.starts_with("Starting NO_background_process (PID "))
    });
    let pids = child_pids(&recipe.seen);
    recipe.kill_with(Signal::SIGINT);
    assert_all_gone(&pids);
}

#[test]
fn invalid_values_are_refused() {
    run_fails(BIN, &["--edition", "ed0"], 2, "--edition");
    run_fails(BIN, &["--tick-ms", "soon"], 2, "--tick-ms");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
