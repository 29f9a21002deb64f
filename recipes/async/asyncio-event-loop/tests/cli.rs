//! Runs the real `asyncio-event-loop` binary and its `heartbeat` example, and checks what they
//! printed.

use common::testing::{example, run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_asyncio-event-loop");

fn heartbeat() -> String {
    example("heartbeat")
}

/// One callback's lines: its name and, in the 2nd edition, the book seconds it worked.
#[derive(Debug)]
struct Call {
    name: String,
    work: Option<u32>,
}

/// A heartbeat line: when the beat was due and how late it ran, in book seconds.
#[derive(Debug)]
struct LateBeat {
    due: u32,
    late: f64,
}

fn calls(stdout: &str) -> Vec<Call> {
    let mut calls: Vec<Call> = Vec::new();
    for line in stdout.lines() {
        if let Some(name) = line.strip_suffix(" called") {
            calls.push(Call {
                name: name.to_owned(),
                work: None,
            });
        } else if let Some(rest) = line.strip_prefix("  ")
            && !rest.starts_with("heartbeat")
        {
            let call = calls.last_mut().expect(line);
            let rest = rest.strip_prefix(call.name.as_str()).expect(line);
            let seconds = rest.strip_prefix(" works ").expect(line).split(' ').next();
            call.work = Some(seconds.expect(line).parse().expect(line));
        }
    }
    calls
}

fn late_beats(stdout: &str) -> Vec<LateBeat> {
    let beats = stdout.lines().filter_map(|line| {
        let rest = line.strip_prefix("  heartbeat due at ")?;
        let (due, late) = rest.split_once(" s ran ").expect(line);
        let late = late.strip_suffix(" s late").expect(line);
        Some(LateBeat {
            due: due.parse().expect(line),
            late: late.parse().expect(line),
        })
    });
    beats.collect()
}

/// The book's rule, in whole seconds: a call at `t` that works `w` is followed by another when
/// `t + w + period < end`.
fn expected_count(works: &[u32], period: u32, end: u32) -> usize {
    let mut t = 0;
    for (k, w) in works.iter().enumerate() {
        if t + w + period >= end {
            return k + 1;
        }
        t += w + period;
    }
    panic!("the run stopped although the next call fits: {works:?}");
}

fn assert_cycle(calls: &[Call], names: [&str; 3]) {
    for (k, call) in calls.iter().enumerate() {
        assert_eq!(call.name, names[k % 3], "call {k}");
    }
}

#[test]
fn the_first_edition_prints_exactly_nine_calls() {
    let run = run_ok(BIN, &["--tick-ms", "1"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 10, "{}", run.stdout);
    for (k, line) in lines[..9].iter().enumerate() {
        assert_eq!(*line, format!("function_{} called", k % 3 + 1));
    }
    assert!(
        lines[9].starts_with("Loop stopped after 9 calls"),
        "{}",
        lines[9]
    );
}

#[test]
fn period_and_end_time_set_the_number_of_calls() {
    for (period, end, count) in [("2", "9", 5), ("1", "1", 1), ("3", "3", 1), ("1", "20", 20)] {
        let run = run_ok(BIN, &["--period", period, "--end", end, "--tick-ms", "1"]);
        let calls = calls(&run.stdout);
        assert_eq!(calls.len(), count, "--period {period} --end {end}");
        assert_cycle(&calls, ["function_1", "function_2", "function_3"]);
        assert!(calls.iter().all(|call| call.work.is_none()));
    }
}

#[test]
fn second_edition_callbacks_block_and_cycle() {
    let args = [
        "--edition",
        "ed2",
        "--seed",
        "3",
        "--end",
        "20",
        "--tick-ms",
        "5",
    ];
    let run = run_ok(BIN, &args);
    let calls = calls(&run.stdout);
    assert_cycle(&calls, ["task_A", "task_B", "task_C"]);
    assert!(
        calls.iter().all(|call| call.work.is_none()),
        "no work lines"
    );
    // Each call blocks at most 5 s and is followed one second later: at least 20 / 6 calls.
    assert!(calls.len() >= 4, "{}", run.stdout);
    let summary = run.lines_starting("Loop stopped after ");
    let expected = format!(
        "Loop stopped after {} calls, task_A .. task_C in turn: the next would not come \
         before the 20 s end time",
        calls.len()
    );
    assert_eq!(summary, [expected]);
    assert_eq!(run.stdout.lines().count(), calls.len() + 1);
}

#[test]
fn max_block_zero_never_blocks() {
    let args = ["--max-block", "0", "--end", "10", "--tick-ms", "1"];
    let run = run_ok(BIN, &[&["--edition", "ed2"], &args[..]].concat());
    assert_eq!(calls(&run.stdout).len(), 10);
    let run = run_ok(&heartbeat(), &args);
    let calls = calls(&run.stdout);
    assert_eq!(calls.len(), 10);
    assert!(calls.iter().all(|call| call.work == Some(0)));
}

#[test]
fn the_recipe_and_the_example_make_the_same_calls() {
    // Same seed, same draws, same rule: as many calls in the recipe's ed2 run as in the example.
    let args = ["--seed", "11", "--end", "30", "--tick-ms", "1"];
    let recipe = run_ok(BIN, &[&["--edition", "ed2"], &args[..]].concat());
    let example = run_ok(&heartbeat(), &args);
    assert_eq!(calls(&recipe.stdout).len(), calls(&example.stdout).len());
}

#[test]
fn example_heartbeat_blocking_callbacks_make_the_heartbeat_late() {
    let run = run_ok(&heartbeat(), &["--seed", "3", "--tick-ms", "10"]);
    let calls = calls(&run.stdout);
    assert_cycle(&calls, ["task_A", "task_B", "task_C"]);
    let works: Vec<u32> = calls
        .iter()
        .map(|call| call.work.expect("ed2 works"))
        .collect();
    assert!(works.iter().all(|&w| w <= 5), "{works:?}");
    assert_eq!(calls.len(), expected_count(&works, 1, 60));
    assert!(
        works.iter().any(|&w| w >= 2),
        "seed 3 draws some long blocks"
    );

    // A call at t that blocks the loop for w >= 2 s holds up the beat due at t + 1 until the
    // block ends: some beat due around the call runs at least w - 1 s late. (A beat due just
    // before t counts too: a stall of the machine can push it into the block.) The last call
    // is left out: its block may run past the end time, where the heartbeat stops.
    let beats = late_beats(&run.stdout);
    let mut t = 0;
    for &work in &works[..works.len() - 1] {
        if work >= 2 {
            let latest = beats
                .iter()
                .filter(|beat| beat.due + 1 >= t && beat.due < t + work)
                .map(|beat| beat.late)
                .fold(0.0, f64::max);
            assert!(latest >= f64::from(work - 1), "call at {t} s: {beats:?}");
        }
        t += work + 1;
    }
    let summary = run.lines_starting("Callbacks worked ");
    assert_eq!(summary.len(), 1);
    let total: u32 = works.iter().sum();
    assert!(summary[0].starts_with(&format!("Callbacks worked {total} s in all")));
}

#[test]
fn example_heartbeat_fixes_keep_the_books_schedule() {
    let works = |work: &str| -> Vec<Option<u32>> {
        let args = ["--seed", "11", "--end", "30", "--tick-ms", "1"];
        let run = run_ok(&heartbeat(), &[&args[..], &["--work", work]].concat());
        let calls = calls(&run.stdout);
        assert_cycle(&calls, ["task_A", "task_B", "task_C"]);
        calls.iter().map(|call| call.work).collect()
    };
    let block = works("block");
    let block_works: Vec<u32> = block.iter().map(|w| w.unwrap()).collect();
    assert_eq!(block.len(), expected_count(&block_works, 1, 30));
    assert_eq!(works("spawn-blocking"), block);
    assert_eq!(works("async-sleep"), block);
}

#[test]
fn bad_arguments_are_refused() {
    run_fails(BIN, &["--period", "0"], 2, "--period");
    run_fails(BIN, &["--end", "0"], 2, "--end");
    run_fails(BIN, &["--max-block", "61"], 2, "61 is not in 0..=60");
    run_fails(BIN, &["--period", "3601"], 2, "3601 is not in 1..=3600");
    run_fails(BIN, &["--end", "3601"], 2, "3601 is not in 1..=3600");
    run_fails(BIN, &["--tick-ms", "10001"], 2, "10001 is not in 0..=10000");
    run_fails(BIN, &["--work", "async-sleep"], 2, "--work");
    run_fails(BIN, &["--edition", "ed3"], 2, "--edition");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    let message = run_fails(BIN, &["--tick-ms", "0"], 1, "--tick-ms 0");
    assert_eq!(message.lines().count(), 1);
    let heartbeat = heartbeat();
    run_fails(&heartbeat, &["--work", "nap"], 2, "--work");
    run_fails(&heartbeat, &["--edition", "ed2"], 2, "--edition");
    run_fails(&heartbeat, &["--max-block", "61"], 2, "61 is not in 0..=60");
    run_fails(
        &heartbeat,
        &["--period", "3601"],
        2,
        "3601 is not in 1..=3600",
    );
    run_fails(&heartbeat, &["--end", "3601"], 2, "3601 is not in 1..=3600");
    run_fails(&heartbeat, &["--tick-ms", "0"], 1, "--tick-ms 0");
}
