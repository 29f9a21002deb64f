//! Runs the real `process-queue` binary: checks the items that went through the queue, and
//! that no child process outlives the recipe, even when it is killed mid-run.

use common::testing::{alive, assert_gone, run_fails, run_ok, signal_mid_run};
use nix::sys::signal::Signal;

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
    let pids: Vec<u32> = run.stdout.lines().filter_map(pid_in).collect();
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
        &["--tick-ms", "0", "consumer"],
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
fn the_first_value_past_each_bound_is_refused_by_the_parser() {
    run_fails(BIN, &["--items", "10001"], 2, "10001 is not in 1..=10000");
    run_fails(BIN, &["--tick-ms", "10001"], 2, "10001 is not in 0..=10000");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// `"producer-1 started with pid 123"` → 123.
fn pid_in(line: &str) -> Option<u32> {
    let (_, pid) = line.split_once(" started with pid ")?;
    Some(pid.parse().expect("a pid"))
}

/// Starts a slow run (one-second ticks: half a minute), reads the children's PIDs, sends
/// `signal` to the parent alone, and checks that both children are gone soon after.
fn kill_mid_run(signal: Signal) {
    let args = ["--show-pids", "--tick-ms", "1000"];
    let (status, _) = signal_mid_run(BIN, &args, signal, |seen| {
        let pids: Vec<u32> = seen.iter().filter_map(|line| pid_in(line)).collect();
        if pids.len() < 2 {
            return None;
        }
        for &pid in &pids {
            assert!(alive(pid), "child {pid} is not running yet or already gone");
        }
        Some(pids)
    });
    assert!(!status.success(), "the parent was killed: {status:?}");
}
