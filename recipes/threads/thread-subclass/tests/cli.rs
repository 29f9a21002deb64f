//! Runs the real `thread-subclass` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-subclass");

/// The index of the only line equal to `wanted`.
fn only(lines: &[&str], wanted: &str) -> usize {
    let found: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == wanted).collect();
    assert_eq!(found.len(), 1, "{wanted:?} once in {lines:#?}");
    found[0]
}

/// What a 2nd-edition run printed: the sleeps, the total in book seconds, the process IDs.
struct Sleepers {
    sleeps: Vec<u32>,
    total: f64,
    pids: Vec<u32>,
}

/// Parses a 2nd-edition run of `threads` threads and checks its structure.
fn sleepers(stdout: &str, threads: usize) -> Sleepers {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2 * threads + 3, "{stdout}");
    let mut pids = Vec::new();
    let mut last_over = 0;
    for n in 1..=threads {
        let running = lines
            .iter()
            .position(|line| {
                line.starts_with(&format!(
                    "---> Thread#{n}  running, belonging to process ID "
                ))
            })
            .unwrap_or_else(|| panic!("no running line for Thread#{n}:\n{stdout}"));
        let pid = lines[running].rsplit(' ').next().expect("a last word");
        pids.push(pid.parse().unwrap_or_else(|_| panic!("{}", lines[running])));
        let over = only(&lines, &format!("---> Thread#{n}  over"));
        assert!(
            running < over,
            "Thread#{n} is over before running:\n{stdout}"
        );
        last_over = last_over.max(over);
    }
    let end = only(&lines, "End");
    assert_eq!(end, last_over + 1, "End follows the last thread:\n{stdout}");
    let total = lines[end + 1]
        .strip_prefix("--- ")
        .and_then(|rest| rest.strip_suffix(" seconds ---"))
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("no total after End:\n{stdout}"));
    let sleeps = lines[end + 2]
        .split_once("(sleeps: ")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no list of sleeps:\n{stdout}"))
        .split(", ")
        .map(|sleep| sleep.parse().expect("a whole number of book seconds"))
        .collect();
    Sleepers {
        sleeps,
        total,
        pids,
    }
}

fn assert_one_process_not_ours(pids: &[u32]) {
    assert!(pids.iter().all(|&pid| pid == pids[0]), "{pids:?}");
    assert_ne!(
        pids[0],
        std::process::id(),
        "the recipe runs in its own process"
    );
}

#[test]
fn nine_threads_share_one_process_and_overlap_their_sleeps() {
    // 20 ms ticks give at least 160 ms between the longest sleep and the sum of the sleeps.
    let run = run_ok(BIN, &["--seed", "7", "--tick-ms", "20"]);
    let run = sleepers(&run.stdout, 9);
    assert_one_process_not_ours(&run.pids);
    assert_eq!(run.sleeps.len(), 9);
    assert!(run.sleeps.iter().all(|sleep| (1..=10).contains(sleep)));
    let longest = *run.sleeps.iter().max().expect("nine sleeps");
    let sum: u32 = run.sleeps.iter().sum();
    assert!(f64::from(longest) <= run.total, "{} < {longest}", run.total);
    assert!(run.total < f64::from(sum), "{} >= {sum}", run.total);
}

#[test]
fn the_seed_fixes_the_sleeps() {
    let sleeps =
        |seed: &str| sleepers(&run_ok(BIN, &["--seed", seed, "--tick-ms", "1"]).stdout, 9).sleeps;
    assert_eq!(sleeps("11"), sleeps("11"));
    assert_ne!(sleeps("11"), sleeps("12"));
}

#[test]
fn thread_count_and_longest_sleep_are_flags() {
    let stdout = run_ok(
        BIN,
        &["--threads", "3", "--max-sleep", "1", "--tick-ms", "5"],
    )
    .stdout;
    let run = sleepers(&stdout, 3);
    assert_eq!(run.sleeps, [1, 1, 1]);
    assert!(1.0 <= run.total && run.total < 3.0, "{}", run.total);
    assert!(stdout.contains("for 3 threads;"), "{stdout}");
}

#[test]
fn first_edition_threads_print_the_time_five_times_each() {
    let stdout = run_ok(BIN, &["--edition", "ed1", "--tick-ms", "1"]).stdout;
    let lines: Vec<&str> = stdout.lines().collect();
    let main_exits = only(&lines, "Exiting Main Thread");
    for n in 1..=2 {
        let starting = only(&lines, &format!("Starting Thread-{n}"));
        let exiting = only(&lines, &format!("Exiting Thread-{n}"));
        let prefix = format!("Thread-{n}: ");
        let times: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].starts_with(&prefix))
            .collect();
        assert_eq!(times.len(), 5, "{stdout}");
        for &i in &times {
            assert!(starting < i && i < exiting, "{stdout}");
            let fields: Vec<&str> = lines[i][prefix.len()..].split_whitespace().collect();
            assert_eq!(fields.len(), 5, "ctime has five fields: {}", lines[i]);
            assert_eq!(fields[3].matches(':').count(), 2, "{}", lines[i]);
        }
        assert!(exiting < main_exits, "{stdout}");
    }
    assert_eq!(lines.len(), 2 * 7 + 2, "{stdout}");
}

#[test]
fn first_edition_threads_and_times_are_flags() {
    let run = run_ok(
        BIN,
        &[
            "--edition",
            "ed1",
            "--threads",
            "3",
            "--times",
            "2",
            "--tick-ms",
            "0",
        ],
    );
    for n in 1..=3 {
        assert_eq!(run.lines_starting(&format!("Thread-{n}: ")).len(), 2);
    }
    assert!(run.lines_starting("Thread-4").is_empty());
}

#[test]
fn names_listing_prints_each_thread_with_one_process_id() {
    let stdout = run_ok(BIN, &["--names"]).stdout;
    let lines: Vec<&str> = stdout.lines().collect();
    let mut pids = Vec::new();
    for n in 1..=2 {
        let prefix = format!("ID of process running Thread#{n} is ");
        let line = lines
            .iter()
            .position(|line| line.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no line for Thread#{n}:\n{stdout}"));
        assert!(line < only(&lines, "End"));
        pids.push(lines[line][prefix.len()..].parse().expect("a process ID"));
    }
    assert_one_process_not_ours(&pids);
    assert_eq!(lines.len(), 4, "{stdout}");
}

#[test]
fn a_zero_tick_is_refused_where_the_run_is_timed() {
    run_fails(
        BIN,
        &["--tick-ms", "0"],
        1,
        "--tick-ms 0 leaves nothing to time",
    );
    run_ok(BIN, &["--edition", "ed1", "--tick-ms", "0"]);
}

#[test]
fn names_does_not_take_an_edition() {
    run_fails(BIN, &["--names", "--edition", "ed1"], 2, "--names");
}

#[test]
fn zero_counts_are_refused_by_the_parser() {
    run_fails(BIN, &["--threads", "0"], 2, "--threads");
    run_fails(BIN, &["--times", "0"], 2, "--times");
    run_fails(BIN, &["--max-sleep", "0"], 2, "--max-sleep");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// The first value past each bound: the bounds keep every run within the machine and about a
/// minute at the book's pace.
#[test]
fn values_past_their_bounds_are_refused_by_the_parser() {
    let message = "'101' for '--threads <THREADS>': 101 is not in 1..=100";
    run_fails(BIN, &["--threads", "101"], 2, message);
    run_fails(
        BIN,
        &["--times", "31"],
        2,
        "'31' for '--times <TIMES>': 31 is not in 1..=30",
    );
    let message = "'61' for '--max-sleep <MAX_SLEEP>': 61 is not in 1..=60";
    run_fails(BIN, &["--max-sleep", "61"], 2, message);
}
