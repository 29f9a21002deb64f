//! Runs the real `csp-channel` binary and checks what the printer printed.

use common::testing::{example, run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_csp-channel");

fn values(line: &str) -> Vec<u32> {
    line.split(' ')
        .filter(|value| !value.is_empty())
        .map(|value| value.parse().expect("a number"))
        .collect()
}

#[test]
fn the_book_run_prints_0_to_4_and_ends() {
    let run = run_ok(BIN, &[]);
    assert_eq!(
        run.stdout,
        "0 1 2 3 4\n5 values printed as written; 1 channel(s) poisoned, every process ended\n"
    );
}

#[test]
fn other_limits_print_every_value_in_order() {
    for limit in [0_u32, 1, 12] {
        let run = run_ok(BIN, &["--limit", &limit.to_string()]);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(values(lines[0]), (0..limit).collect::<Vec<_>>());
        assert!(lines[1].starts_with(&format!("{limit} values printed as written")));
    }
}

#[test]
fn the_alternation_example_interleaves_two_writers_each_in_order() {
    for _ in 0..5 {
        let run = run_ok(&example("alternation"), &["--limit", "20"]);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        let printed = values(lines[0]);
        let a: Vec<u32> = printed.iter().copied().filter(|v| *v < 20).collect();
        let b: Vec<u32> = printed.iter().copied().filter(|v| *v >= 20).collect();
        assert_eq!(a, (0..20).collect::<Vec<_>>());
        assert_eq!(b, (20..40).collect::<Vec<_>>());
        assert!(lines[1].contains("2 channel(s) poisoned"), "{lines:?}");
    }
    let run = run_ok(&example("alternation"), &[]);
    let printed = values(run.stdout.lines().next().expect("a line"));
    assert_eq!(printed.len(), 10, "{printed:?}");
    run_fails(&example("alternation"), &["--limit=-1"], 2, "--limit");
    let past = ["--limit", "1000001"];
    run_fails(
        &example("alternation"),
        &past,
        2,
        "1000001 is not in 0..=1000000",
    );
}

#[test]
fn bad_arguments_fail_clearly() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--writers", "2"], 2, "--writers");
    run_fails(BIN, &["--limit=-1"], 2, "--limit");
    run_fails(
        BIN,
        &["--limit", "1000001"],
        2,
        "1000001 is not in 0..=1000000",
    );
}
