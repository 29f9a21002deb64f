//! Runs the real `thread-queue` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-queue");

/// The number at the start of `rest`, as in "177 popped from ..." or "177 appended ...".
fn leading_number(rest: &str) -> u32 {
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number in {rest:?}"))
}

fn produced_and_consumed(stdout: &str) -> (Vec<u32>, Vec<(u32, String)>) {
    let mut produced = Vec::new();
    let mut consumed = Vec::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("Producer notify : item N°") {
            assert!(rest.ends_with("appended to queue by Thread-1"), "{line}");
            produced.push(leading_number(rest));
        } else if let Some(rest) = line.strip_prefix("Consumer notify : ") {
            let (_, thread) = rest.split_once(" popped from queue by ").expect(line);
            consumed.push((leading_number(rest), thread.to_owned()));
        }
    }
    (produced, consumed)
}

#[test]
fn every_produced_item_is_consumed_once_and_the_run_ends() {
    let run = run_ok(BIN, &["--seed", "7", "--tick-ms", "1"]);
    let (mut produced, consumed) = produced_and_consumed(&run.stdout);
    assert_eq!(produced.len(), 5, "the 2nd edition produces 5 items");
    assert!(produced.iter().all(|&item| item <= 256));
    for (_, thread) in &consumed {
        assert!(
            ["Thread-2", "Thread-3", "Thread-4"].contains(&thread.as_str()),
            "{thread}"
        );
    }
    let mut consumed: Vec<u32> = consumed.into_iter().map(|(item, _)| item).collect();
    produced.sort_unstable();
    consumed.sort_unstable();
    assert_eq!(produced, consumed);
    assert!(
        run.stdout
            .ends_with("Queue drained: 5 items produced, 5 consumed, the same items\n")
    );
}

#[test]
fn the_same_seed_produces_the_same_items() {
    let items = |seed: &str| {
        produced_and_consumed(&run_ok(BIN, &["--seed", seed, "--tick-ms", "0"]).stdout).0
    };
    assert_eq!(items("42"), items("42"));
    assert_ne!(items("42"), items("43"));
}

#[test]
fn the_first_edition_produces_ten_items_and_more_consumers_work() {
    let run = run_ok(
        BIN,
        &["--edition", "ed1", "--consumers", "8", "--tick-ms", "0"],
    );
    let (produced, consumed) = produced_and_consumed(&run.stdout);
    assert_eq!((produced.len(), consumed.len()), (10, 10));
    assert!(consumed.iter().all(|(_, thread)| thread != "Thread-1"));
}

#[test]
fn zero_consumers_is_refused_by_the_parser() {
    run_fails(BIN, &["--consumers", "0"], 2, "--consumers");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
