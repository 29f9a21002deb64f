//! Runs the real `thread-event` binary and checks what it printed: every appended item popped
//! exactly once, never before it was appended, and the run ending by itself.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-event");

#[derive(Debug, PartialEq)]
enum Step {
    Appended(u32),
    Popped(u32),
}

fn number(text: &str) -> u32 {
    text.parse()
        .unwrap_or_else(|_| panic!("not a number: {text:?}"))
}

/// The appends and pops in output order, from the 2nd edition's log lines.
fn steps_ed2(stdout: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for line in stdout.lines().filter(|line| line.contains(" INFO ")) {
        let (stamp, message) = line.split_once(" INFO     ").expect(line);
        let thread = stamp.split_whitespace().nth(2).expect(line);
        if let Some(rest) = message.strip_prefix("Producer notify: item ") {
            assert_eq!(thread, "Thread-1");
            let item = rest.strip_suffix(" appended by Thread-1").expect(line);
            steps.push(Step::Appended(number(item)));
        } else if let Some(rest) = message.strip_prefix("Consumer notify: ") {
            assert_eq!(thread, "Thread-2");
            let item = rest.strip_suffix(" popped by Thread-2").expect(line);
            steps.push(Step::Popped(number(item)));
        } else {
            panic!("unexpected log line {line:?}");
        }
    }
    steps
}

/// The same from the 1st edition's lines; also checks that the producer's own lines come in
/// threes: appended, event set, event cleared.
fn steps_ed1(stdout: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut producer_lines = Vec::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("Producer notify : item N° ") {
            let item = rest
                .strip_suffix(" appended to list by Thread-1")
                .expect(line);
            steps.push(Step::Appended(number(item)));
            producer_lines.push("appended");
        } else if line == "Producer notify : event set by Thread-1" {
            producer_lines.push("set");
        } else if line == "Produce notify : event cleared by Thread-1" {
            producer_lines.push("cleared");
        } else if let Some(rest) = line.strip_prefix("Consumer notify : ") {
            let item = rest
                .strip_suffix(" popped from list by Thread-2")
                .expect(line);
            steps.push(Step::Popped(number(item)));
        } else {
            assert!(line.starts_with("List drained: "), "unexpected {line:?}");
        }
    }
    for triple in producer_lines.chunks(3) {
        assert_eq!(triple, ["appended", "set", "cleared"]);
    }
    steps
}

/// Replays the steps on a multiset: each pop takes an item appended earlier and still there.
/// Returns the items appended.
fn replay(steps: &[Step]) -> Vec<u32> {
    let mut present: Vec<u32> = Vec::new();
    let mut appended = Vec::new();
    for step in steps {
        match *step {
            Step::Appended(item) => {
                present.push(item);
                appended.push(item);
            }
            Step::Popped(item) => {
                let at = present
                    .iter()
                    .position(|&held| held == item)
                    .unwrap_or_else(|| panic!("{item} popped but not in the list: {steps:?}"));
                present.swap_remove(at);
            }
        }
    }
    assert!(present.is_empty(), "never popped: {present:?}");
    appended
}

#[test]
fn the_second_edition_pops_its_five_items_once_and_stops() {
    let run = run_ok(BIN, &["--seed", "7", "--tick-ms", "1"]);
    let appended = replay(&steps_ed2(&run.stdout));
    assert_eq!(appended.len(), 5);
    assert!(appended.iter().all(|&item| item <= 100), "{appended:?}");
    assert!(
        run.stdout
            .ends_with("List drained: 5 items appended, 5 popped, each exactly once\n")
    );
}

#[test]
fn the_first_edition_keeps_its_wording_and_range() {
    let run = run_ok(
        BIN,
        &["--edition", "ed1", "--items", "30", "--tick-ms", "1"],
    );
    let appended = replay(&steps_ed1(&run.stdout));
    assert_eq!(appended.len(), 30);
    assert!(appended.iter().all(|&item| item <= 256), "{appended:?}");
}

#[test]
fn without_pauses_no_item_is_lost() {
    // With no sleeps the pulses come faster than the consumer can wait for them: the case the
    // book's consumer gets wrong. 100 is the most `--items` allows.
    let run = run_ok(BIN, &["--items", "100", "--tick-ms", "0"]);
    assert_eq!(replay(&steps_ed2(&run.stdout)).len(), 100);
}

#[test]
fn the_same_seed_appends_the_same_items() {
    let items = |seed: &str| {
        let run = run_ok(BIN, &["--seed", seed, "--items", "8", "--tick-ms", "0"]);
        replay(&steps_ed2(&run.stdout))
    };
    assert_eq!(items("42"), items("42"));
    assert_ne!(items("42"), items("43"));
}

#[test]
fn no_items_still_ends() {
    let run = run_ok(BIN, &["--items", "0", "--tick-ms", "0"]);
    assert_eq!(
        run.stdout,
        "List drained: 0 items appended, 0 popped, each exactly once\n"
    );
}

#[test]
fn a_bad_count_is_refused_by_the_parser() {
    run_fails(BIN, &["--items", "many"], 2, "--items");
    run_fails(BIN, &["--items=-1"], 2, "--items");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// The first value past each bound: the bounds keep every run within the machine and about a
/// minute at the book's pace.
#[test]
fn values_past_their_bounds_are_refused_by_the_parser() {
    run_fails(
        BIN,
        &["--items", "101"],
        2,
        "'101' for '--items <ITEMS>': 101 is not in 0..=100",
    );
}
