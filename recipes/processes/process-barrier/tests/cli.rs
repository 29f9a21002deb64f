//! Runs the real `process-barrier` binary and checks what its processes printed: every party
//! reached the barrier before any left it, the others printed once, and no line was torn.

use common::testing::{run_fails, run_ok, run_with_env};

const BIN: &str = env!("CARGO_BIN_EXE_process-barrier");

/// One process's line: its number, whether it used the barrier, which kind of line, and when.
#[derive(Debug)]
struct Line {
    process: u32,
    with_barrier: bool,
    reached: bool,
    stamp: String,
}

fn parse_line(line: &str) -> Line {
    let rest = line.strip_prefix("process p").expect(line);
    let (number, rest) = rest.split_once(" - test_").expect(line);
    let (kind, stamp) = rest.split_once(" ----> ").expect(line);
    let (with_barrier, reached) = match kind {
        "with_barrier reached the barrier" => (true, true),
        "with_barrier" => (true, false),
        "without_barrier" => (false, false),
        _ => panic!("unexpected line {line:?}"),
    };
    // Python's datetime shape, microseconds included: 2015-05-09 11:11:33.291229
    assert_eq!(stamp.len(), 26, "{line}");
    assert_eq!(
        (&stamp[4..5], &stamp[10..11], &stamp[19..20]),
        ("-", " ", "."),
        "{line}"
    );
    Line {
        process: number.parse().expect(line),
        with_barrier,
        reached,
        stamp: stamp.to_owned(),
    }
}

/// Parses a whole run with `parties` processes at the barrier and `others` without, checks
/// its structure, and returns the lines in output order.
fn parse(stdout: &str, parties: u32, others: u32) -> Vec<Line> {
    let mut lines: Vec<&str> = stdout.lines().collect();
    let last = lines.pop().expect("some output");
    assert!(last.starts_with("Barrier held: "), "{stdout}");
    assert!(last.ends_with(" arrived before any left"), "{stdout}");
    let lines: Vec<Line> = lines.into_iter().map(parse_line).collect();
    for process in 1..=parties + others {
        let mine: Vec<&Line> = lines.iter().filter(|l| l.process == process).collect();
        let with_barrier = process <= parties;
        assert!(
            mine.iter().all(|l| l.with_barrier == with_barrier),
            "p{process}: {stdout}"
        );
        let expected = if with_barrier { 2 } else { 1 };
        assert_eq!(mine.len(), expected, "p{process} lines:\n{stdout}");
        if with_barrier {
            assert!(mine[0].reached && !mine[1].reached, "p{process}:\n{stdout}");
        }
    }
    assert_eq!(lines.len() as u32, 2 * parties + others, "{stdout}");
    lines
}

/// Every party's arrival comes before every party's departure, in the output and in time.
fn assert_barrier_held(lines: &[Line], stdout: &str) {
    let party_lines: Vec<&Line> = lines.iter().filter(|l| l.with_barrier).collect();
    let first_left = party_lines
        .iter()
        .position(|l| !l.reached)
        .expect("a departure");
    assert!(
        party_lines[first_left..].iter().all(|l| !l.reached),
        "a party arrived after another left:\n{stdout}"
    );
    let last_in = party_lines
        .iter()
        .filter(|l| l.reached)
        .map(|l| &l.stamp)
        .max();
    let first_out = party_lines
        .iter()
        .filter(|l| !l.reached)
        .map(|l| &l.stamp)
        .min();
    assert!(last_in <= first_out, "times out of order:\n{stdout}");
}

#[test]
fn p1_and_p2_wait_for_each_other_while_p3_and_p4_do_not() {
    let run = run_ok(BIN, &[]);
    let lines = parse(&run.stdout, 2, 2);
    assert_barrier_held(&lines, &run.stdout);
    assert!(
        run.stdout
            .ends_with("Barrier held: p1 and p2 arrived before any left\n")
    );
}

#[test]
fn the_books_run_without_work_also_holds() {
    let run = run_ok(BIN, &["--work-ms", "0"]);
    let lines = parse(&run.stdout, 2, 2);
    assert_barrier_held(&lines, &run.stdout);
}

#[test]
fn more_parties_and_fewer_others() {
    let run = run_ok(BIN, &["--parties", "4", "--others", "1", "--work-ms", "5"]);
    let lines = parse(&run.stdout, 4, 1);
    assert_barrier_held(&lines, &run.stdout);
    assert!(
        run.stdout
            .ends_with("p1, p2, p3 and p4 arrived before any left\n")
    );
}

#[test]
fn the_lock_file_is_removed() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let run = run_with_env(
        BIN,
        &["--work-ms", "0"],
        &[("TMPDIR", dir.path().as_os_str())],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read the temp dir")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_party_role_without_its_socket_fails_with_one_line() {
    let lock = tempfile::NamedTempFile::new().expect("a lock file");
    let lock = lock.path().to_str().expect("utf-8");
    let args = ["with-barrier", "p1", lock, "0"];
    let message = run_fails(BIN, &args, 1, "started by process-barrier itself");
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn zero_parties_is_refused_by_the_parser() {
    run_fails(BIN, &["--parties", "0"], 2, "--parties");
}

#[test]
fn the_first_value_past_each_bound_is_refused_by_the_parser() {
    run_fails(BIN, &["--parties", "65"], 2, "65 is not in 1..=64");
    run_fails(BIN, &["--others", "65"], 2, "65 is not in 0..=64");
    run_fails(BIN, &["--work-ms", "10001"], 2, "10001 is not in 0..=10000");
    let party = ["with-barrier", "p1", "/nonexistent", "630001"];
    run_fails(BIN, &party, 2, "630001 is not in 0..=630000");
}

#[test]
fn unknown_flags_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
