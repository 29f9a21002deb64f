//! Runs the real `thread-rlock` binary and checks what it printed.

use common::testing::{example, run, run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-rlock");

fn count(stdout: &str, line: &str) -> usize {
    stdout.lines().filter(|l| *l == line).count()
}

/// The number in "N° <n> items to <what>".
fn announced(stdout: &str, what: &str) -> i64 {
    let suffix = format!(" items to {what}");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("N° ")?.strip_suffix(suffix.as_str()))
        .unwrap_or_else(|| panic!("no N° line for {what}:\n{stdout}"));
    line.parse().expect(line)
}

/// The "--><left>" countdown of the 2nd edition's lines for `what`, in print order.
fn countdown(stdout: &str, done: &str, what: &str) -> Vec<i64> {
    let prefix = format!("{done} one item -->");
    let suffix = format!(" item to {what}");
    stdout
        .lines()
        .filter_map(|l| {
            l.strip_prefix(prefix.as_str())?
                .strip_suffix(suffix.as_str())
        })
        .map(|n| n.parse().expect(n))
        .collect()
}

fn last_line(stdout: &str) -> &str {
    stdout.lines().last().expect("some output")
}

#[test]
fn the_first_edition_adds_five_removes_five_and_ends_empty() {
    let run = run_ok(BIN, &["--tick-ms", "1"]);
    assert_eq!(
        run.stdout.lines().next(),
        Some("putting 5 items in the box")
    );
    assert_eq!(count(&run.stdout, "adding 1 item in the box"), 5);
    assert_eq!(count(&run.stdout, "removing 1 item in the box"), 5);
    assert_eq!(run.stdout.lines().count(), 12);
    assert_eq!(last_line(&run.stdout), "0 items still remain in the box");
}

#[test]
fn the_first_edition_counts_uneven_adds_and_removes() {
    let run = run_ok(BIN, &["--adds", "7", "--removes", "3", "--tick-ms", "0"]);
    assert_eq!(count(&run.stdout, "adding 1 item in the box"), 7);
    assert_eq!(count(&run.stdout, "removing 1 item in the box"), 3);
    assert_eq!(last_line(&run.stdout), "4 items still remain in the box");
}

/// Asserts the run's check refused the box's negative end count: exit 1, one line, and no
/// "-N items still remain" line.
fn assert_negative_count_refused(bin: &str, args: &[&str], error: &str) {
    let run = run(bin, args);
    assert_eq!(run.code, Some(1), "{args:?}:\n{run:#?}");
    assert_eq!(run.stderr.trim(), format!("error: {error}"), "{args:?}");
    assert!(!run.stdout.contains("still remain"), "{}", run.stdout);
}

#[test]
fn a_box_that_would_end_below_empty_fails_its_check() {
    let fewer = "a box cannot hold fewer than none (give --removes at most --adds)";
    assert_negative_count_refused(
        BIN,
        &["--adds", "0", "--tick-ms", "0"],
        &format!("0 adds and 5 removes left -5 items: {fewer}"),
    );
    assert_negative_count_refused(
        BIN,
        &["--adds", "3", "--removes", "7", "--tick-ms", "0"],
        &format!("3 adds and 7 removes left -4 items: {fewer}"),
    );
    let ed2 = [
        "--edition",
        "ed2",
        "--adds",
        "1",
        "--removes",
        "2",
        "--tick-ms",
        "0",
    ];
    assert_negative_count_refused(
        BIN,
        &ed2,
        &format!("1 adds and 2 removes left -1 items: {fewer}"),
    );
    assert_negative_count_refused(
        &example("mutex_box"),
        &["--adds", "3", "--removes", "7", "--tick-ms", "0"],
        &format!("3 adds and 7 removes left -4 items: {fewer}"),
    );
}

#[test]
fn no_adds_and_no_removes_leave_an_empty_box() {
    let run = run_ok(BIN, &["--adds", "0", "--removes", "0", "--tick-ms", "0"]);
    assert_eq!(
        run.stdout,
        "putting 0 items in the box\n0 items still remain in the box\n"
    );
}

#[test]
fn the_mutex_box_example_counts_like_the_first_edition() {
    let mutex_box = example("mutex_box");
    let run = run_ok(&mutex_box, &["--tick-ms", "1"]);
    assert_eq!(
        run.stdout.lines().next(),
        Some("putting 5 items in the box")
    );
    assert_eq!(count(&run.stdout, "adding 1 item in the box"), 5);
    assert_eq!(count(&run.stdout, "removing 1 item in the box"), 5);
    assert_eq!(run.stdout.lines().count(), 12);
    assert_eq!(last_line(&run.stdout), "0 items still remain in the box");
    let uneven = ["--adds", "7", "--removes", "3", "--tick-ms", "0"];
    let run = run_ok(&mutex_box, &uneven);
    assert_eq!(count(&run.stdout, "adding 1 item in the box"), 7);
    assert_eq!(count(&run.stdout, "removing 1 item in the box"), 3);
    assert_eq!(last_line(&run.stdout), "4 items still remain in the box");
    run_fails(&mutex_box, &["--adds", "61"], 2, "61 is not in 0..=60");
    run_fails(&mutex_box, &["--removes", "61"], 2, "61 is not in 0..=60");
}

#[test]
fn the_second_edition_draws_its_counts_and_ends_with_the_difference() {
    for seed in ["1", "2", "3"] {
        let run = run_ok(BIN, &["--edition", "ed2", "--seed", seed, "--tick-ms", "0"]);
        let (adds, removes) = (
            announced(&run.stdout, "ADD"),
            announced(&run.stdout, "REMOVE"),
        );
        assert!((10..=20).contains(&adds), "{adds}");
        assert!((1..=10).contains(&removes), "{removes}");
        // Each thread counts down from items − 1 to 0, one line per item.
        let expected = |n: i64| (0..n).rev().collect::<Vec<_>>();
        assert_eq!(countdown(&run.stdout, "ADDED", "ADD"), expected(adds));
        assert_eq!(
            countdown(&run.stdout, "REMOVED", "REMOVE"),
            expected(removes)
        );
        assert_eq!(
            last_line(&run.stdout),
            format!("{} items still remain in the box", adds - removes)
        );
        assert!(
            !run.stdout.contains("putting"),
            "the 2nd edition announces per thread"
        );
    }
}

#[test]
fn the_same_seed_draws_the_same_counts() {
    let counts = |seed: &str| {
        let run = run_ok(BIN, &["--edition", "ed2", "--seed", seed, "--tick-ms", "0"]);
        (
            announced(&run.stdout, "ADD"),
            announced(&run.stdout, "REMOVE"),
            last_line(&run.stdout).to_owned(),
        )
    };
    assert_eq!(counts("9"), counts("9"));
}

#[test]
fn bad_values_are_refused_by_the_parser() {
    run_fails(
        BIN,
        &["--adds", "61"],
        2,
        "'61' for '--adds <ADDS>': 61 is not in 0..=60",
    );
    let removes = "'61' for '--removes <REMOVES>': 61 is not in 0..=60";
    run_fails(BIN, &["--removes", "61"], 2, removes);
    run_fails(BIN, &["--removes=-1"], 2, "--removes");
    run_fails(BIN, &["--edition", "ed3"], 2, "--edition");
    run_fails(BIN, &["--lock", "mutex"], 2, "--lock");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
