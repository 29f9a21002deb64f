//! Runs the real `thread-lock` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-lock");

/// The lines of one part: those after its `== part ==` header, up to the next header.
fn part<'a>(stdout: &'a str, name: &str) -> Vec<&'a str> {
    let header = format!("== {name} ==");
    let mut lines = stdout.lines().skip_while(|line| *line != header);
    assert_eq!(
        lines.next(),
        Some(header.as_str()),
        "no {header} in:\n{stdout}"
    );
    lines.take_while(|line| !line.starts_with("== ")).collect()
}

fn headers(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("== ")).collect()
}

/// The number after `prefix` in the line that starts with it.
fn value_after(lines: &[&str], prefix: &str) -> i64 {
    let line = lines
        .iter()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {lines:#?}"));
    line.trim().parse().unwrap_or_else(|_| panic!("{line:?}"))
}

/// `(thread, "running" | "over")` for each sleeper line, in print order; every running line
/// names the same process.
fn sleeper_events<'a>(lines: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut pids = Vec::new();
    let mut events = Vec::new();
    for line in lines {
        let Some(rest) = line.strip_prefix("---> ") else {
            continue;
        };
        if let Some((thread, id)) = rest.split_once(" running, belonging to process ID ") {
            pids.push(id.parse::<u32>().expect(line));
            events.push((thread, "running"));
        } else {
            let thread = rest.strip_suffix(" over").expect(line);
            events.push((thread, "over"));
        }
    }
    pids.dedup();
    assert_eq!(pids.len(), 1, "one process ID expected: {lines:#?}");
    events
}

/// Each of `Thread#1..=Thread#n` prints "running" once and later "over" once.
fn assert_each_sleeper_runs_once(events: &[(&str, &str)], n: usize) {
    assert_eq!(events.len(), 2 * n, "{events:?}");
    for i in 1..=n {
        let name = format!("Thread#{i}");
        let mine: Vec<_> = events.iter().filter(|(t, _)| *t == name).collect();
        assert_eq!(mine.len(), 2, "{name}: {events:?}");
        assert_eq!((mine[0].1, mine[1].1), ("running", "over"), "{name}");
    }
}

/// "(<n> book seconds)" from a check line.
fn book_seconds(line: &str) -> u32 {
    let (_, rest) = line.split_once('(').expect(line);
    let (n, _) = rest.split_once(" book seconds)").expect(line);
    n.parse().expect(line)
}

#[test]
fn the_counter_part_ends_at_zero_with_the_lock_and_in_range_without() {
    let run = run_ok(BIN, &["--part", "counter", "--count", "20000"]);
    assert_eq!(headers(&run.stdout), ["== counter =="]);
    let lines = part(&run.stdout, "counter");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        value_after(
            &lines,
            "the value of shared variable with lock management is "
        ),
        0
    );
    let raced = value_after(
        &lines,
        "the value of shared variable with race condition is ",
    );
    assert!((-20_000..=20_000).contains(&raced), "{raced}");
}

#[test]
fn holding_the_lock_for_the_whole_run_pairs_each_threads_lines() {
    let run = run_ok(
        BIN,
        &[
            "--part",
            "whole",
            "--sleepers",
            "5",
            "--max-sleep",
            "1",
            "--tick-ms",
            "0",
        ],
    );
    assert_eq!(headers(&run.stdout), ["== whole =="]);
    let lines = part(&run.stdout, "whole");
    let events = sleeper_events(&lines);
    assert_each_sleeper_runs_once(&events, 5);
    // Nobody else can print while a thread holds the lock: "over" follows its own "running".
    for pair in events.chunks(2) {
        assert_eq!(pair[0].0, pair[1].0, "{events:?}");
    }
    assert_eq!(lines[10], "End");
    assert!(lines[11].starts_with("--- ") && lines[11].ends_with(" seconds ---"));
    let check = lines[12];
    assert!(
        check.starts_with("Lock held for the whole run: "),
        "{check}"
    );
    assert_eq!(book_seconds(check), 5, "five sleeps of randint(1, 1)");
}

#[test]
fn holding_the_lock_only_to_print_lets_the_sleeps_overlap() {
    // Nine sleeps of one 50 ms tick: 450 ms in all, about 50 ms when they overlap, so the
    // recipe's own comparison has 400 ms to spare.
    let run = run_ok(
        BIN,
        &[
            "--part",
            "print-only",
            "--max-sleep",
            "1",
            "--tick-ms",
            "50",
        ],
    );
    assert_eq!(headers(&run.stdout), ["== print-only =="]);
    let lines = part(&run.stdout, "print-only");
    assert_each_sleeper_runs_once(&sleeper_events(&lines), 9);
    let check = *lines.last().expect("a check line");
    assert!(
        check.starts_with("Lock held only to print: ") && check.contains(" < "),
        "{check}"
    );
    assert_eq!(book_seconds(check), 9);
}

#[test]
fn without_ticks_print_only_says_it_did_not_compare() {
    let run = run_ok(BIN, &["--part", "print-only", "--tick-ms", "0"]);
    let lines = part(&run.stdout, "print-only");
    assert!(lines.last().expect("a check line").contains("not compared"));
}

#[test]
fn all_parts_run_in_order_on_the_same_seeded_sleeps() {
    let args = ["--seed", "11", "--count", "1000", "--tick-ms", "0"];
    let run = run_ok(BIN, &args);
    assert_eq!(
        headers(&run.stdout),
        ["== counter ==", "== whole ==", "== print-only =="]
    );
    let whole = book_seconds(part(&run.stdout, "whole").last().unwrap());
    let print_only = book_seconds(part(&run.stdout, "print-only").last().unwrap());
    assert_eq!(whole, print_only, "both parts sleep the same durations");
    assert!(
        (9..=36).contains(&whole),
        "nine sleeps of randint(1, 4): {whole}"
    );
    let again = run_ok(BIN, &args);
    assert_eq!(
        book_seconds(part(&again.stdout, "whole").last().unwrap()),
        whole
    );
}

#[test]
fn counts_that_cannot_work_are_refused_by_the_parser() {
    run_fails(BIN, &["--count", "0"], 2, "--count");
    run_fails(BIN, &["--sleepers", "1"], 2, "--sleepers");
    run_fails(BIN, &["--max-sleep", "0"], 2, "--max-sleep");
    run_fails(BIN, &["--part", "both"], 2, "--part");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// The first value past each bound: the bounds keep every run within the machine and about a
/// minute at the book's pace.
#[test]
fn values_past_their_bounds_are_refused_by_the_parser() {
    let message = "'10000001' for '--count <COUNT>': 10000001 is not in 1..=10000000";
    run_fails(BIN, &["--count", "10000001"], 2, message);
    let message = "'101' for '--sleepers <SLEEPERS>': 101 is not in 2..=100";
    run_fails(BIN, &["--sleepers", "101"], 2, message);
    run_fails(
        BIN,
        &["--max-sleep", "61"],
        2,
        "'61' for '--max-sleep <MAX>': 61 is not in 1..=60",
    );
}
