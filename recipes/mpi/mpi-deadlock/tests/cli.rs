//! Runs the real `mpi-deadlock` binary under MPICH's `mpiexec` and checks every rank's lines,
//! including a real deadlock that must end by itself.

use std::time::{Duration, Instant};

use common::testing::{Run, run, run_fails, with_mpiexec};

const BIN: &str = env!("CARGO_BIN_EXE_mpi-deadlock");

fn sorted_ranks(run: &Run, prefix: &str) -> Vec<u32> {
    let mut ranks: Vec<u32> = run
        .lines_starting(prefix)
        .iter()
        .map(|line| {
            line[prefix.len()..]
                .parse()
                .unwrap_or_else(|_| panic!("{line:?}"))
        })
        .collect();
    ranks.sort_unstable();
    ranks
}

/// Every rank said who it is once; the pair swapped `a` and `b`; rank 0 confirmed it.
fn assert_swapped(run: &Run, ranks: u32, rank_prefix: &str, first: u32, second: u32) {
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(
        sorted_ranks(run, rank_prefix),
        (0..ranks).collect::<Vec<_>>(),
        "{run:#?}"
    );
    for line in [
        format!("sending data a to process {second}"),
        format!("sending data b :to process {first}"),
        "data received is = a".to_owned(),
        "data received is = b".to_owned(),
    ] {
        assert_eq!(run.lines_starting(&line), [line.as_str()], "{run:#?}");
    }
    let summary =
        format!("Checked: rank {first} received b and rank {second} received a ({ranks} ranks)");
    assert_eq!(run.lines_starting("Checked: "), [summary.as_str()]);
}

#[test]
fn the_books_nine_ranks_swap_without_deadlock() {
    assert_swapped(&with_mpiexec(9, BIN, &[], run), 9, "my rank is ", 1, 5);
}

#[test]
fn every_safe_order_swaps_on_other_world_sizes() {
    let ed1 = with_mpiexec(6, BIN, &["--edition", "ed1"], run);
    assert_swapped(&ed1, 6, "my rank is :  ", 1, 5);
    for mode in ["send-first", "sendrecv"] {
        let swapped = with_mpiexec(6, BIN, &["--mode", mode], run);
        assert_swapped(&swapped, 6, "my rank is ", 1, 5);
    }
}

#[test]
fn the_deadlock_ends_with_an_explanation_and_exit_1() {
    let started = Instant::now();
    let stderr = with_mpiexec(
        9,
        BIN,
        &["--deadlock", "--timeout-ms", "500"],
        |bin, args| {
            let run = run(bin, args);
            assert_eq!(run.code, Some(1), "{run:#?}");
            // Nothing of the swap happened, and no verdict came.
            assert!(run.lines_starting("sending data").is_empty(), "{run:#?}");
            assert!(run.lines_starting("Checked: ").is_empty(), "{run:#?}");
            run.stderr
        },
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the receives did not give up in time"
    );
    assert!(
        stderr.contains("deadlock: ranks 1 and 5 both wait in a receive"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error: ").count(), 1, "{stderr}");
}

#[test]
fn a_plain_run_relaunches_itself_and_the_deadlock_still_ends() {
    let stderr = run_fails(
        BIN,
        &["--deadlock", "--timeout-ms", "300"],
        1,
        "deadlock: ranks 1 and 5",
    );
    assert!(stderr.contains("after 300 ms"), "{stderr}");
}

#[test]
fn too_few_ranks_for_the_pair_stop_the_job_with_one_message() {
    let stderr = with_mpiexec(4, BIN, &[], |bin, args| {
        run_fails(bin, args, 1, "needs at least 6 ranks, but the world has 4")
    });
    assert_eq!(stderr.matches("error: ").count(), 1, "{stderr}");
}

#[test]
fn bad_flags_are_refused_by_the_parser() {
    run_fails(BIN, &["--mode", "receive-first"], 2, "--mode");
    run_fails(BIN, &["--deadlock", "--mode", "sendrecv"], 2, "--deadlock");
    run_fails(BIN, &["--timeout-ms", "0"], 2, "--timeout-ms");
    run_fails(BIN, &["--ranks", "65"], 2, "65 is not in 1..=64");
    run_fails(
        BIN,
        &["--timeout-ms", "60001"],
        2,
        "60001 is not in 1..=60000",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
