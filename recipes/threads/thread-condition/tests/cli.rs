//! Runs the real `thread-condition` binary and replays what it printed. Every line is printed
//! while the list's lock is held, so the output is the history of the list: replaying it must
//! give a length that stays within 0..=capacity and ends at 0.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-condition");

/// What a replay of the output found.
#[derive(Debug, Default)]
struct Replay {
    produced: usize,
    consumed: usize,
    longest: usize,
    length: usize,
}

impl Replay {
    fn append(&mut self, reported: usize, capacity: usize) {
        self.length += 1;
        self.produced += 1;
        assert_eq!(reported, self.length, "the producer's count disagrees");
        assert!(self.length <= capacity, "{} > {capacity}", self.length);
        self.longest = self.longest.max(self.length);
    }

    fn pop(&mut self) {
        assert!(self.length > 0, "an item consumed from an empty list");
        self.length -= 1;
        self.consumed += 1;
    }
}

fn number_after(line: &str, prefix: &str) -> usize {
    let rest = line.strip_prefix(prefix).expect(line);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number in {line:?}"))
}

/// Replays the 2nd edition's log lines: `<date> <time> <thread> INFO <message>`.
fn replay_ed2(stdout: &str, capacity: usize) -> Replay {
    let mut replay = Replay::default();
    for line in stdout.lines().filter(|line| line.contains(" INFO ")) {
        let (stamp, message) = line.split_once(" INFO     ").expect(line);
        let fields: Vec<&str> = stamp.split_whitespace().collect();
        assert_eq!(fields.len(), 3, "date, time, thread: {line}");
        assert_eq!(fields[0].len(), "2019-01-12".len(), "{line}");
        let thread = fields[2];
        if message.starts_with("total items ") {
            assert_eq!(thread, "Producer");
            replay.append(number_after(message, "total items "), capacity);
        } else if message.starts_with("items produced ") {
            assert_eq!(thread, "Producer");
            assert_eq!(message, format!("items produced {capacity}. Stopped"));
            assert_eq!(replay.length, capacity, "stopped before the list was full");
        } else if message == "consumed 1 item" {
            assert_eq!(thread, "Consumer");
            replay.pop();
        } else if message == "no items to consume" {
            assert_eq!(thread, "Consumer");
            assert_eq!(replay.length, 0, "waiting on a list that has items");
        } else {
            panic!("unexpected log line {line:?}");
        }
    }
    replay
}

/// Replays the 1st edition's `Producer notify : ...` / `Consumer notify : ...` lines.
fn replay_ed1(stdout: &str, capacity: usize) -> Replay {
    let mut replay = Replay::default();
    let mut lines = stdout.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("Producer notify : total items producted ") {
            let count = number_after(line, "Producer notify : total items producted ");
            replay.append(count, capacity);
        } else if line.starts_with("Producer notify : items producted are ") {
            // Printed after the wait: the consumer has made room.
            let count = number_after(line, "Producer notify : items producted are ");
            assert_eq!(count, replay.length);
            assert!(count < capacity, "{line}");
            assert_eq!(
                lines.next(),
                Some("Producer notify : stop the production!!")
            );
        } else if line == "Consumer notify : consumed 1 item" {
            replay.pop();
            let next = lines.next().expect("the remaining count follows");
            let left = number_after(next, "Consumer notify : items to consume are ");
            assert_eq!(left, replay.length);
        } else if line == "Consumer notify : no item to consume" {
            // Printed after the wait: the producer has added an item.
            assert!(replay.length > 0);
        } else {
            assert!(line.starts_with("List checked: "), "unexpected {line:?}");
            assert!(lines.peek().is_none(), "the check line comes last");
        }
    }
    replay
}

#[test]
fn the_second_edition_moves_twenty_items_through_a_list_of_ten() {
    let run = run_ok(BIN, &["--tick-ms", "1"]);
    let replay = replay_ed2(&run.stdout, 10);
    assert_eq!((replay.produced, replay.consumed), (20, 20));
    assert_eq!(replay.length, 0, "the list ends empty");
    assert!(replay.longest <= 10);
    let last = run.stdout.lines().last().expect("some output");
    assert_eq!(
        last,
        format!(
            "List checked: 20 items produced, 20 consumed, none left; at most {} of 10 held at once",
            replay.longest
        )
    );
}

#[test]
fn the_first_edition_keeps_its_wording_and_a_small_list_holds() {
    let run = run_ok(
        BIN,
        &[
            "--edition",
            "ed1",
            "--capacity",
            "2",
            "--items",
            "9",
            "--tick-ms",
            "1",
        ],
    );
    let replay = replay_ed1(&run.stdout, 2);
    assert_eq!((replay.produced, replay.consumed, replay.length), (9, 9, 0));
    assert!(
        !run.stdout.contains(" INFO "),
        "ed1 prints, it does not log"
    );
}

#[test]
fn a_fast_consumer_waits_on_an_empty_list() {
    // The producer is the slow side here; whether the consumer actually has to wait depends on
    // the scheduler, so only the replayed invariants are asserted.
    let run = run_ok(
        BIN,
        &[
            "--producer-delay",
            "2",
            "--consumer-delay",
            "0",
            "--items",
            "5",
            "--tick-ms",
            "2",
        ],
    );
    let replay = replay_ed2(&run.stdout, 10);
    assert_eq!((replay.produced, replay.consumed, replay.length), (5, 5, 0));
}

#[test]
fn no_items_is_an_empty_run() {
    let run = run_ok(BIN, &["--items", "0", "--tick-ms", "0"]);
    assert_eq!(
        run.stdout,
        "List checked: 0 items produced, 0 consumed, none left; at most 0 of 10 held at once\n"
    );
}

#[test]
fn a_zero_capacity_is_refused_by_the_parser() {
    run_fails(BIN, &["--capacity", "0"], 2, "--capacity");
}

#[test]
fn a_negative_or_non_numeric_delay_is_refused() {
    run_fails(BIN, &["--consumer-delay=-1"], 2, "between 0 and 60");
    run_fails(BIN, &["--producer-delay", "soon"], 2, "not a number");
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
        &["--items", "31"],
        2,
        "'31' for '--items <ITEMS>': 31 is not in 0..=30",
    );
    let message = "'1001' for '--capacity <CAPACITY>': 1001 is not in 1..=1000";
    run_fails(BIN, &["--capacity", "1001"], 2, message);
    run_fails(
        BIN,
        &["--producer-delay", "60.5"],
        2,
        "`60.5` is not between 0 and 60 seconds",
    );
    run_fails(
        BIN,
        &["--consumer-delay", "61"],
        2,
        "`61` is not between 0 and 60 seconds",
    );
}
