//! Runs the real `asyncio-fsm` binary and checks what it printed.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_asyncio-fsm");

/// The machine, written out again for the test: (state, drawn value) → next state.
fn next(state: &str, value: u32) -> Option<&'static str> {
    Some(match (state, value) {
        ("Start State", 0) | ("State 1", 1) => "State 2",
        ("Start State", 1) | ("State 2", 0) | ("State 3", 0) => "State 1",
        ("State 1", 0) | ("State 2", 1) => "State 3",
        ("State 3", 1) => "End State",
        _ => return None,
    })
}

/// Parses a run and asserts its shape; returns the path as (from, value, to) triples.
fn path(stdout: &str, evaluating: &str, stop: &str) -> Vec<(String, u32, String)> {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "Finite State Machine simulation with Asyncio Coroutine",
            "Start State called",
            ""
        ]
    );
    let evaluations = lines[3..].iter().take_while(|l| **l == evaluating).count();
    let rest = &lines[3 + evaluations..];
    assert_eq!(rest[..2], [stop, "Resume of the Transition :"], "{stdout}");
    let trace = &rest[2..rest.len() - 1];
    assert!(
        rest[rest.len() - 1].starts_with("Path checked: "),
        "{stdout}"
    );
    assert_eq!(
        evaluations,
        trace.len() - 1,
        "one evaluation per inner state"
    );

    let path: Vec<(String, u32, String)> = trace
        .iter()
        .map(|line| {
            let (from, rest) = line.split_once(" calling ").expect(line);
            let (to, value) = rest.split_once(" with transition value = ").expect(line);
            (from.to_owned(), value.parse().expect(line), to.to_owned())
        })
        .collect();
    assert_eq!(path[0].0, "Start State");
    assert_eq!(
        trace.last().copied(),
        Some("State 3 calling End State with transition value = 1")
    );
    for (i, (from, value, to)) in path.iter().enumerate() {
        assert_eq!(next(from, *value), Some(to.as_str()), "{}", trace[i]);
        if let Some((next_from, _, _)) = path.get(i + 1) {
            assert_eq!(to, next_from);
        }
    }
    path
}

#[test]
fn a_seeded_run_walks_the_machine_and_repeats() {
    let first = run_ok(BIN, &["--seed", "7", "--tick-ms", "0"]);
    path(&first.stdout, "...Evaluating...", "...Stop Computation...");
    assert!(first.stdout.ends_with("(--seed 7 repeats it)\n"));
    let again = run_ok(BIN, &["--seed", "7", "--tick-ms", "1"]);
    assert_eq!(first.stdout, again.stdout);
}

#[test]
fn seeds_choose_different_paths() {
    let mut paths = Vec::new();
    for seed in 0..8 {
        let run = run_ok(BIN, &["--seed", &seed.to_string(), "--tick-ms", "0"]);
        let path = path(&run.stdout, "...Evaluating...", "...Stop Computation...");
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    assert!(paths.len() > 2, "{paths:?}");
}

#[test]
fn an_unseeded_run_prints_the_seed_that_repeats_it() {
    let run = run_ok(BIN, &["--tick-ms", "0"]);
    let last = run.stdout.lines().last().unwrap();
    let seed = last
        .rsplit_once("--seed ")
        .and_then(|(_, rest)| rest.strip_suffix(" repeats it)"))
        .expect(last);
    let again = run_ok(BIN, &["--seed", seed, "--tick-ms", "0"]);
    assert_eq!(run.stdout, again.stdout);
}

#[test]
fn the_second_edition_words_it_in_lower_case() {
    let run = run_ok(BIN, &["--edition", "ed2", "--seed", "3", "--tick-ms", "0"]);
    let ed2 = path(&run.stdout, "...evaluating...", "...stop computation...");
    let run = run_ok(BIN, &["--edition", "ed1", "--seed", "3", "--tick-ms", "0"]);
    let ed1 = path(&run.stdout, "...Evaluating...", "...Stop Computation...");
    assert_eq!(ed1, ed2, "the edition changes the words, not the path");
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--seed", "x"], 2, "--seed");
    run_fails(BIN, &["--seed=-1"], 2, "--seed");
    run_fails(BIN, &["--edition", "ed3"], 2, "--edition");
    run_fails(BIN, &["--tick-ms", "fast"], 2, "--tick-ms");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

#[test]
fn the_first_tick_past_the_bound_is_refused_by_the_parser() {
    run_fails(BIN, &["--tick-ms", "10001"], 2, "10001 is not in 0..=10000");
}
