//! Runs the real `scoop-montecarlo-pi` binary and checks its estimates.

use std::f64::consts::PI;
use std::ffi::OsStr;

use common::testing::{run_fails, run_ok, run_with_env};

const BIN: &str = env!("CARGO_BIN_EXE_scoop-montecarlo-pi");

/// One round as printed: workers, attempts, the per-worker count, pi and the error percentage.
#[derive(Debug, PartialEq)]
struct Round {
    workers: u64,
    attempts: u64,
    per_worker: u64,
    pi: f64,
    error: f64,
}

fn value<'a>(line: &'a str, prefix: &str) -> &'a str {
    line.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{line:?} lacks {prefix:?}"))
}

fn rounds(stdout: &str) -> Vec<Round> {
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("Deploying "), "{lines:?}");
    lines[1..lines.len() - 1]
        .chunks(6)
        .map(|round| {
            let (workers, attempts) = value(round[0], "number of workers ")
                .split_once(" - number of attempts ")
                .expect("workers and attempts");
            let per_worker =
                value(round[1], "").strip_suffix(" points fallen in a unit disk after");
            let time: f64 = value(round[4], "total time: ").parse().expect("a time");
            assert!(time >= 0.0);
            assert_eq!(round[5], "");
            Round {
                workers: workers.parse().expect("workers"),
                attempts: attempts.parse().expect("attempts"),
                per_worker: per_worker.expect("a count").parse().expect("count"),
                pi: value(round[2], "value of pi = ").parse().expect("pi"),
                error: value(round[3], "error percentage = ")
                    .parse()
                    .expect("error"),
            }
        })
        .collect()
}

/// The counts behind each printed pi must be whole and agree with the per-worker line and
/// the error percentage.
fn check_consistent(round: &Round) {
    let points = round.workers * round.attempts;
    let hits = round.pi * points as f64 / 4.0;
    assert!((hits - hits.round()).abs() < 1e-6, "{round:?}");
    assert_eq!(hits.round() as u64 / round.attempts, round.per_worker);
    let error = (round.pi - PI).abs() * 100.0 / PI;
    assert!((error - round.error).abs() < 1e-9, "{round:?}");
}

#[test]
fn the_book_sizes_estimate_pi_within_a_hundredth() {
    let run = run_ok(BIN, &["--seed", "2015"]);
    let rounds = rounds(&run.stdout);
    let sizes: Vec<(u64, u64)> = rounds.iter().map(|r| (r.workers, r.attempts)).collect();
    assert_eq!(sizes, [(1000, 1000), (2000, 2000), (3000, 3000)]);
    for round in &rounds {
        check_consistent(round);
        assert!((round.pi - PI).abs() < 0.01, "{round:?}");
    }
    let last = run.stdout.lines().last().expect("a last line");
    assert_eq!(last, "All 3 estimates within 0.0100 of pi (seed 2015)");
}

#[test]
fn a_seed_gives_the_same_estimates_at_any_thread_count() {
    let estimates = |threads: &str| {
        let run = run_ok(
            BIN,
            &["--seed", "9", "--scale", "200", "--threads", threads],
        );
        rounds(&run.stdout)
    };
    let one = estimates("1");
    assert_eq!(one.len(), 3);
    assert_eq!(one, estimates("2"));
    assert_eq!(one, estimates("5"));

    // The default pool, sized by RAYON_NUM_THREADS, agrees too.
    let by_env = |threads: &str| {
        let env = [("RAYON_NUM_THREADS", OsStr::new(threads))];
        let run = run_with_env(BIN, &["--seed", "9", "--scale", "200"], &env);
        assert_eq!(run.code, Some(0), "{run:#?}");
        assert!(
            run.stdout
                .starts_with(&format!("Deploying {threads} worker thread(s)"))
        );
        rounds(&run.stdout)
    };
    assert_eq!(one, by_env("1"));
    assert_eq!(one, by_env("4"));
}

#[test]
fn other_seeds_and_sizes_give_other_estimates() {
    let run = |seed: &str| {
        rounds(&run_ok(BIN, &["--seed", seed, "--scale", "100", "--rounds", "2"]).stdout)
    };
    let (a, b) = (run("1"), run("2"));
    assert_eq!(a.len(), 2);
    assert_eq!((a[1].workers, a[1].attempts), (200, 200));
    assert_ne!(a, b);
    for round in a.iter().chain(&b) {
        check_consistent(round);
    }
}

#[test]
fn bad_arguments_fail_clearly() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--rounds", "0"], 2, "--rounds");
    run_fails(BIN, &["--scale", "0"], 2, "--scale");
    run_fails(BIN, &["--threads", "0"], 2, "--threads");
    run_fails(BIN, &["--seed", "minus"], 2, "--seed");
    run_fails(BIN, &["--rounds", "1001"], 2, "--rounds");
    // Each flag within its range, together too much work: refused before any throw.
    run_fails(
        BIN,
        &["--rounds", "40", "--scale", "1000"],
        1,
        "22140000000 throws",
    );
}
