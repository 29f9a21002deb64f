//! Runs the real `debug-gdb-threads` binary, alone and under gdb with `threads.gdb`, and checks
//! what they printed.

use std::process::Command;

use common::testing::{Run, run, run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_debug-gdb-threads");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/threads.gdb");
const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/main.rs");

/// The (thread, PID) of each "running" line and the thread of each "over" line.
fn running_and_over(stdout: &str) -> (Vec<(String, u32)>, Vec<String>) {
    let mut running = Vec::new();
    let mut over = Vec::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("---> ") {
            if let Some((name, pid)) = rest.split_once("  running, belonging to process ID ") {
                running.push((name.to_owned(), pid.parse().expect(line)));
            } else if let Some(name) = rest.strip_suffix("  over") {
                over.push(name.to_owned());
            } else {
                panic!("unexpected line {line:?}");
            }
        }
    }
    (running, over)
}

/// The sleeps of the final line, "Threads joined, book seconds slept: Thread#1 3, ...".
fn sleeps(stdout: &str) -> Vec<(String, u32)> {
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Threads joined, book seconds slept: "))
        .unwrap_or_else(|| panic!("no summary line in {stdout}"));
    line.split(", ")
        .map(|entry| {
            let (name, seconds) = entry.split_once(' ').expect(entry);
            (name.to_owned(), seconds.parse().expect(entry))
        })
        .collect()
}

#[test]
fn three_threads_run_sleep_and_are_over_then_end() {
    let run = run_ok(BIN, &["--seed", "5", "--tick-ms", "1"]);
    let (running, over) = running_and_over(&run.stdout);
    let names = ["Thread#1", "Thread#2", "Thread#3"];
    let mut started: Vec<&str> = running.iter().map(|(name, _)| name.as_str()).collect();
    let mut finished: Vec<&str> = over.iter().map(String::as_str).collect();
    started.sort_unstable();
    finished.sort_unstable();
    assert_eq!((started, finished), (names.to_vec(), names.to_vec()));
    assert!(running.iter().all(|(_, pid)| *pid == running[0].1));
    for name in names {
        let position = |suffix: &str| {
            let line = format!("---> {name}  {suffix}");
            run.stdout.find(&line).expect(&line)
        };
        assert!(position("running") < position("over"), "{name}");
    }
    let tail: Vec<&str> = run.stdout.lines().rev().take(3).collect();
    assert_eq!(tail[2], "End");
    let seconds: f64 = tail[1]
        .strip_prefix("--- ")
        .and_then(|rest| rest.strip_suffix(" seconds ---"))
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("bad time line {:?}", tail[1]));
    let slept = sleeps(&run.stdout);
    let slept_names: Vec<&str> = slept.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(slept_names, names);
    assert!(slept.iter().all(|(_, s)| (1..=10).contains(s)), "{slept:?}");
    let longest = slept.iter().map(|(_, s)| *s).max().expect("three sleeps");
    assert!(seconds >= f64::from(longest) / 1000.0, "{seconds} s");
}

#[test]
fn the_seed_fixes_the_sleeps_and_the_range_flags_bound_them() {
    let slept = |seed: &str| sleeps(&run_ok(BIN, &["--seed", seed, "--tick-ms", "0"]).stdout);
    assert_eq!(slept("11"), slept("11"));
    let ranged = run_ok(
        BIN,
        &[
            "--threads",
            "5",
            "--min-sleep",
            "2",
            "--max-sleep",
            "3",
            "--tick-ms",
            "0",
        ],
    );
    let slept = sleeps(&ranged.stdout);
    assert_eq!(slept.len(), 5);
    assert_eq!(slept[4].0, "Thread#5");
    assert!(slept.iter().all(|(_, s)| (2..=3).contains(s)), "{slept:?}");
}

/// The number of the source line that carries `marker`, counting from 1 as gdb does.
fn line_of(marker: &str) -> usize {
    let source = std::fs::read_to_string(SOURCE).expect("read the recipe's source");
    let lines: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains(marker))
        .map(|(index, _)| index + 1)
        .collect();
    assert_eq!(lines.len(), 1, "marker {marker:?} on lines {lines:?}");
    lines[0]
}

fn gdb(args: &[&str]) -> Run {
    let found = Command::new("gdb").arg("--version").output();
    assert!(
        found.is_ok_and(|output| output.status.success()),
        "gdb is missing: run scripts/setup.sh (Debian: apt-get install gdb)"
    );
    run("gdb", args)
}

#[test]
fn threads_gdb_lists_the_three_named_threads_and_their_stacks() {
    let run = gdb(&[
        "-batch",
        "-nx",
        "-x",
        SCRIPT,
        "--args",
        BIN,
        "--tick-ms",
        "200",
        "--max-sleep",
        "3",
        "--seed",
        "1",
    ]);
    let all = format!("{}{}", run.stdout, run.stderr);
    let line = line_of("// threads.gdb stops here");
    let set = all
        .lines()
        .find(|l| l.starts_with("Breakpoint 1 at 0x"))
        .unwrap_or_else(|| panic!("no breakpoint set:\n{all}"));
    assert!(
        set.ends_with(&format!("src/main.rs, line {line}.")),
        "{set}"
    );
    let hit = all
        .lines()
        .find(|l| l.contains("hit Breakpoint 1, debug_gdb_threads::work"))
        .unwrap_or_else(|| panic!("no breakpoint hit:\n{all}"));
    assert!(hit.ends_with(&format!("src/main.rs:{line}")), "{hit}");
    // `info threads`: the main thread and the three workers, by the names the program gave.
    let listed: Vec<&str> = all
        .lines()
        .filter(|l| l.contains(" Thread 0x") && l.contains("(LWP "))
        .filter(|l| {
            l.trim_start_matches(['*', ' '])
                .starts_with(|c: char| c.is_ascii_digit())
        })
        .collect();
    assert_eq!(listed.len(), 4, "{all}");
    for name in ["Thread#1", "Thread#2", "Thread#3"] {
        let quoted = format!("\"{name}\"");
        assert_eq!(
            listed.iter().filter(|l| l.contains(&quoted)).count(),
            1,
            "{name} in {listed:#?}"
        );
        // `thread apply all backtrace`: a header per thread, and each worker is inside `work`.
        let header = all
            .find(&format!("{quoted}):\n#0"))
            .unwrap_or_else(|| panic!("no backtrace of {name}:\n{all}"));
        let stack = &all[header..];
        let stack = &stack[..stack.find("\n\n").unwrap_or(stack.len())];
        assert!(stack.contains("debug_gdb_threads::work"), "{stack}");
    }
    // Then the program ran to its end under gdb.
    let (running, over) = running_and_over(&run.stdout);
    assert_eq!((running.len(), over.len()), (3, 3), "{}", run.stdout);
    assert!(run.stdout.contains("\nEnd\n"), "{}", run.stdout);
    assert!(all.contains("exited normally"), "{all}");
}

#[test]
fn bad_arguments_are_refused() {
    run_fails(BIN, &["--threads", "0"], 2, "--threads");
    run_fails(BIN, &["--min-sleep", "0"], 2, "--min-sleep");
    run_fails(
        BIN,
        &["--min-sleep", "5", "--max-sleep", "2"],
        1,
        "--min-sleep 5 is longer than --max-sleep 2",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

#[test]
fn the_first_value_past_each_bound_is_refused_by_the_parser() {
    for (flag, value, message) in [
        ("--threads", "1001", "1001 is not in 1..=1000"),
        ("--min-sleep", "61", "61 is not in 1..=60"),
        ("--max-sleep", "61", "61 is not in 1..=60"),
        ("--tick-ms", "10001", "10001 is not in 0..=10000"),
    ] {
        run_fails(BIN, &[flag, value], 2, message);
    }
}
