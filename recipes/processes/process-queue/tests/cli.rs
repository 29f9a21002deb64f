//! Runs the real `process-queue` binary: checks the items that went through the queue, and
//! that no child process outlives the recipe, even when it is killed mid-run.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::testing::{run_fails, run_ok};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const BIN: &str = env!("CARGO_BIN_EXE_process-queue");

/// What the two children printed, in output order.
#[derive(Debug, Default)]
struct Exchange {
    put: Vec<u32>,
    sizes: Vec<usize>,
    taken: Vec<u32>,
}

fn number(text: &str) -> u32 {
    text.parse()
        .unwrap_or_else(|_| panic!("not a number: {text:?}"))
}

fn parse(stdout: &str) -> Exchange {
    let mut exchange = Exchange::default();
    let mut lines = stdout
        .lines()
        .filter(|line| !line.contains("started with pid"));
    for line in lines.by_ref() {
        if let Some(rest) = line.strip_prefix("Process Producer : item ") {
            let item = rest
                .strip_suffix(" appended to queue producer-1")
                .expect(line);
            exchange.put.push(number(item));
        } else if let Some(size) = line.strip_prefix("The size of queue is ") {
            let size = number(size) as usize;
            // The items put so far minus those taken: never more than were put.
            assert!(size <= exchange.put.len(), "{line} after {exchange:?}");
            exchange.sizes.push(size);
        } else if let Some(rest) = line.strip_prefix("Process Consumer : item ") {
            let item = rest.strip_suffix(" popped from by consumer-2").expect(line);
            exchange.taken.push(number(item));
        } else if line == "the queue is empty" {
            break;
        } else {
            panic!("unexpected line {line:?} in\n{stdout}");
        }
    }
    let rest: Vec<&str> = lines.collect();
    let last = format!(
        "Queue drained: {} items put by producer-1, all taken by consumer-2 in the same order",
        exchange.put.len()
    );
    assert_eq!(
        rest,
        [last.as_str()],
        "after `the queue is empty`:\n{stdout}"
    );
    exchange
}

#[test]
fn all_ten_items_are_taken_once_and_in_order() {
    let run = run_ok(BIN, &["--seed", "7", "--tick-ms", "1"]);
    let exchange = parse(&run.stdout);
    assert_eq!(exchange.put.len(), 10, "{}", run.stdout);
    assert!(exchange.put.iter().all(|&item| item <= 256));
    assert_eq!(exchange.sizes.len(), 10, "one size after each put");
    assert_eq!(exchange.taken, exchange.put);
}

#[test]
fn the_seed_fixes_the_items() {
    let items = |seed: &str| parse(&run_ok(BIN, &["--seed", seed, "--tick-ms", "0"]).stdout).put;
    assert_eq!(items("42"), items("42"));
    assert_ne!(items("42"), items("43"));
}

#[test]
fn any_number_of_items_gets_through() {
    let exchange = parse(&run_ok(BIN, &["--items", "25", "--tick-ms", "0"]).stdout);
    assert_eq!(exchange.put.len(), 25);
    assert_eq!(exchange.taken, exchange.put);
}

#[test]
fn no_child_remains_after_a_normal_run() {
    let run = run_ok(BIN, &["--show-pids", "--items", "2", "--tick-ms", "0"]);
    let pids: Vec<i32> = run.stdout.lines().filter_map(pid_in).collect();
    assert_eq!(pids.len(), 2, "{}", run.stdout);
    for pid in pids {
        assert_gone(pid);
    }
}

#[test]
fn no_child_survives_sigterm_mid_run() {
    kill_mid_run(Signal::SIGTERM);
}

#[test]
fn no_child_survives_sigint_mid_run() {
    kill_mid_run(Signal::SIGINT);
}

#[test]
fn a_child_role_without_its_socket_fails_with_one_line() {
    let message = run_fails(
        BIN,
        &["consumer", "--tick-ms", "0"],
        1,
        "started by process-queue itself",
    );
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn zero_items_is_refused_by_the_parser() {
    run_fails(BIN, &["--items", "0"], 2, "--items");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// `"producer-1 started with pid 123"` → 123.
fn pid_in(line: &str) -> Option<i32> {
    let (_, pid) = line.split_once(" started with pid ")?;
    Some(pid.parse().expect("a pid"))
}

/// Starts a slow run (one-second ticks: half a minute), reads the children's PIDs, sends
/// `signal` to the parent alone, and checks that both children are gone soon after.
fn kill_mid_run(signal: Signal) {
    let mut parent = Command::new(BIN)
        .args(["--show-pids", "--tick-ms", "1000"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start process-queue");
    // Kept open to the end: a closed pipe would end the children on their next print, and
    // the test would prove nothing.
    let mut stdout = BufReader::new(parent.stdout.take().expect("piped"));
    let mut pids = Vec::new();
    let mut line = String::new();
    while pids.len() < 2 {
        line.clear();
        let read = stdout.read_line(&mut line).expect("read a line");
        assert!(read > 0, "the run ended before starting both children");
        pids.extend(pid_in(line.trim_end()));
    }
    for &pid in &pids {
        assert!(alive(pid), "child {pid} is not running yet or already gone");
    }

    let parent_pid = Pid::from_raw(i32::try_from(parent.id()).expect("a pid fits"));
    kill(parent_pid, signal).expect("signal the parent");
    let status = wait_bounded(&mut parent);
    assert!(!status.success(), "the parent was killed: {status:?}");
    for pid in pids {
        assert_gone(pid);
    }
    drop(stdout);
}

/// Waits for `child` for at most ten seconds, killing it if it is still there.
fn wait_bounded(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the parent did not end within 10 s of the signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `pid` is a live process: it has a `/proc` entry and is not a zombie.
fn alive(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may contain spaces.
    let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
    !matches!(state.and_then(|rest| rest.chars().next()), Some('Z') | None)
}

/// Polls for up to five seconds until `pid` is gone or a zombie, then asserts it.
fn assert_gone(pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!alive(pid), "child {pid} outlived the recipe");
}
