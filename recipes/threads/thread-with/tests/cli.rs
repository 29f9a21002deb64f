//! Runs the real `thread-with` binary and checks what it printed.

use common::testing::{example, run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_thread-with");

const KINDS: [&str; 4] = ["Mutex", "ReentrantMutex", "Condvar's Mutex", "Semaphore(1)"];

/// `(Thread-1  ) Mutex acquired via with` → `(1, "Mutex acquired via with")`, checking that
/// the name is padded to 10 columns.
fn parse(line: &str) -> (u32, &str) {
    let name = line.get(1..11).expect(line);
    assert!(
        line.starts_with('(') && line[11..].starts_with(") "),
        "{line}"
    );
    let number = name.trim_end().strip_prefix("Thread-").expect(line);
    (number.parse().expect(line), &line[13..])
}

#[test]
fn each_primitive_is_taken_once_with_a_scope_and_once_directly() {
    let run = run_ok(BIN, &[]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 9, "{lines:#?}");
    for (pair, kind) in lines[..8].chunks(2).zip(KINDS) {
        // The two threads of a pair run at once, so their lines may come in either order.
        let mut pair: Vec<(u32, &str)> = pair.iter().map(|line| parse(line)).collect();
        pair.sort();
        let first = pair[0].0;
        assert_eq!(first % 2, 1, "{pair:?}");
        assert_eq!(
            pair,
            [
                (first, format!("{kind} acquired via with").as_str()),
                (first + 1, format!("{kind} acquired directly").as_str()),
            ]
        );
    }
    let threads: Vec<u32> = lines[..8].iter().map(|line| parse(line).0).collect();
    let mut sorted = threads.clone();
    sorted.sort();
    assert_eq!(sorted, (1..=8).collect::<Vec<_>>());
    assert_eq!(
        lines[8],
        format!(
            "Each taken once via with and once directly, all free at the end: {}",
            KINDS.join(", ")
        )
    );
}

#[test]
fn a_panic_while_holding_releases_everything_and_poisons_the_mutexes() {
    let run = run_ok(&example("panic_while_holding"), &[]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    for (line, (number, kind)) in lines[..4].iter().zip((1..).zip(KINDS)) {
        assert_eq!(
            parse(line),
            (
                number,
                format!("{kind} acquired, then the thread panics").as_str()
            )
        );
    }
    assert_eq!(
        lines[4],
        "After the panics: Mutex free (poisoned), ReentrantMutex free (does not poison), \
         Condvar's Mutex free (poisoned), Semaphore(1) free (does not poison)"
    );
    assert!(run.stderr.is_empty(), "no panic message: {}", run.stderr);
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--panic"], 2, "--panic");
    run_fails(&example("panic_while_holding"), &["--bogus"], 2, "--bogus");
}
