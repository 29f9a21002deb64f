//! Runs the real `thread-semaphore` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-semaphore");

/// One line of the run, reduced to who said what.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    Waiting,
    Produced(u32),
    Consumed(u32),
}

fn number(text: &str) -> u32 {
    text.trim().parse().unwrap_or_else(|_| panic!("{text:?}"))
}

/// The 2nd edition's log lines: `<date> <time> <thread, 17 wide> INFO     <message>`.
fn ed2_events(stdout: &str) -> Vec<(String, Event)> {
    stdout
        .lines()
        .filter(|line| !line.starts_with("Semaphore checked"))
        .map(|line| {
            let (stamp, rest) = line.split_at("2026-11-22 01:17:56,446 ".len());
            let (date, time) = stamp.trim_end().split_once(' ').expect(line);
            assert_eq!((date.len(), time.len()), (10, 12), "{line}");
            let (thread, rest) = rest.split_at(17);
            let message = rest.strip_prefix(" INFO     ").expect(line);
            let event = if message == "Consumer is waiting" {
                Event::Waiting
            } else if let Some(item) = message.strip_prefix("Producer notify: item number ") {
                Event::Produced(number(item))
            } else if let Some(item) = message.strip_prefix("Consumer notify: item number ") {
                Event::Consumed(number(item))
            } else {
                panic!("unexpected line {line}");
            };
            (thread.trim_end().to_owned(), event)
        })
        .collect()
}

fn ed1_events(stdout: &str) -> Vec<Event> {
    stdout
        .lines()
        .take_while(|line| *line != "program terminated")
        .map(|line| {
            if line == "consumer is waiting." {
                Event::Waiting
            } else if let Some(item) = line.strip_prefix("producer notify : produced item number ")
            {
                Event::Produced(number(item))
            } else if let Some(item) = line.strip_prefix("Consumer notify : consumed item number ")
            {
                Event::Consumed(number(item))
            } else {
                panic!("unexpected line {line}");
            }
        })
        .collect()
}

/// Each round's three lines: the consumer waits, the producer makes an item, and the consumer
/// then takes that same item. Returns the items.
fn check_rounds(events: &[Event], rounds: usize) -> Vec<u32> {
    assert_eq!(events.len(), 3 * rounds, "{events:#?}");
    events
        .chunks(3)
        .map(|round| {
            assert!(round.contains(&Event::Waiting), "{round:?}");
            let produced = round.iter().position(|e| matches!(e, Event::Produced(_)));
            let consumed = round.iter().position(|e| matches!(e, Event::Consumed(_)));
            let (Some(p), Some(c)) = (produced, consumed) else {
                panic!("a round without both items: {round:?}");
            };
            assert!(p < c, "consumed before produced: {round:?}");
            let (Event::Produced(made), Event::Consumed(taken)) = (&round[p], &round[c]) else {
                unreachable!()
            };
            assert_eq!(made, taken, "{round:?}");
            assert!(*made <= 1000);
            *made
        })
        .collect()
}

#[test]
fn the_second_edition_hands_each_item_to_its_rounds_consumer() {
    let run = run_ok(BIN, &["--seed", "5", "--tick-ms", "1"]);
    let events = ed2_events(&run.stdout);
    let just_events: Vec<Event> = events.iter().map(|(_, e)| e.clone()).collect();
    check_rounds(&just_events, 10);
    // Python's numbering: round r starts the consumer Thread-(2r-1), then the producer.
    for (i, round) in events.chunks(3).enumerate() {
        for (thread, event) in round {
            let expected = match event {
                Event::Waiting | Event::Consumed(_) => 2 * i + 1,
                Event::Produced(_) => 2 * i + 2,
            };
            assert_eq!(*thread, format!("Thread-{expected}"), "{event:?}");
        }
    }
    assert!(run.stdout.ends_with(
        "Semaphore checked: in each of 10 rounds the consumer took the item its producer made\n"
    ));
}

#[test]
fn the_first_edition_runs_five_rounds_and_terminates() {
    let run = run_ok(BIN, &["--edition", "ed1", "--seed", "5", "--tick-ms", "1"]);
    check_rounds(&ed1_events(&run.stdout), 5);
    let tail: Vec<&str> = run.stdout.lines().rev().take(2).collect();
    assert_eq!(tail[1], "program terminated");
    assert!(tail[0].starts_with("Semaphore checked: in each of 5 rounds"));
}

#[test]
fn the_seed_fixes_the_items() {
    let items = |seed: &str| {
        let run = run_ok(
            BIN,
            &[
                "--edition",
                "ed1",
                "--rounds",
                "4",
                "--work",
                "0",
                "--seed",
                seed,
            ],
        );
        check_rounds(&ed1_events(&run.stdout), 4)
    };
    assert_eq!(items("8"), items("8"));
    assert_ne!(items("8"), items("9"));
}

#[test]
fn bad_values_are_refused_by_the_parser() {
    run_fails(BIN, &["--rounds", "0"], 2, "--rounds");
    run_fails(BIN, &["--work=-1"], 2, "--work");
    run_fails(BIN, &["--edition", "ed3"], 2, "--edition");
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
        &["--rounds", "21"],
        2,
        "'21' for '--rounds <ROUNDS>': 21 is not in 1..=20",
    );
    run_fails(
        BIN,
        &["--work", "61"],
        2,
        "'61' for '--work <SECONDS>': 61 is not in 0..=60",
    );
}
