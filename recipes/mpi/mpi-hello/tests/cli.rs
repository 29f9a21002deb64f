//! Runs the real `mpi-hello` binary under MPICH's `mpiexec`, and on its own (it relaunches
//! itself), and checks every rank's line.

use common::testing::{Run, run, run_fails, run_ok, with_mpiexec};

const BIN: &str = env!("CARGO_BIN_EXE_mpi-hello");

/// The ranks named by the hello lines, sorted (their order varies from run to run).
fn hello_ranks(run: &Run) -> Vec<u32> {
    let mut ranks: Vec<u32> = run
        .lines_starting("hello world from process  ")
        .iter()
        .map(|line| {
            let number = line.trim_start_matches("hello world from process  ");
            number.parse().unwrap_or_else(|_| panic!("{line:?}"))
        })
        .collect();
    ranks.sort_unstable();
    ranks
}

fn assert_world_of(run: &Run, size: u32) {
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(hello_ranks(run), (0..size).collect::<Vec<_>>(), "{run:#?}");
    // One summary, from the one rank 0: N singletons would each print one, sized 1.
    let summary = format!(
        "Checked: {size} ranks said hello, ranks 0..{} each once",
        size - 1
    );
    assert_eq!(
        run.lines_starting("Checked: "),
        [summary.as_str()],
        "{run:#?}"
    );
}

#[test]
fn the_books_five_ranks_each_say_hello_once() {
    assert_world_of(&with_mpiexec(5, BIN, &[], run), 5);
}

#[test]
fn any_number_of_ranks_works() {
    assert_world_of(&with_mpiexec(2, BIN, &[], run), 2);
    assert_world_of(&with_mpiexec(1, BIN, &[], run), 1);
}

#[test]
fn a_plain_run_relaunches_itself_with_the_books_five_ranks() {
    assert_world_of(&run_ok(BIN, &[]), 5);
}

#[test]
fn ranks_sets_the_size_of_a_relaunched_job() {
    assert_world_of(&run_ok(BIN, &["--ranks", "3"]), 3);
}

#[test]
fn zero_ranks_is_refused_by_the_parser() {
    run_fails(BIN, &["--ranks", "0"], 2, "--ranks");
}

#[test]
fn more_than_64_ranks_are_refused_by_the_parser() {
    run_fails(BIN, &["--ranks", "65"], 2, "65 is not in 1..=64");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
