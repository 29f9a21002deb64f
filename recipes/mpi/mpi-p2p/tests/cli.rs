//! Runs the real `mpi-p2p` binary and its `ping_pong` example under MPICH's `mpiexec` and
//! checks every rank's lines.

use common::testing::{Run, example, run, run_fails, run_ok, with_mpiexec};

const BIN: &str = env!("CARGO_BIN_EXE_mpi-p2p");

// Cargo runs no unit tests of an example; the ping-pong's run here, in this test binary.
#[path = "../examples/ping_pong.rs"]
#[allow(dead_code)]
mod ping_pong;

/// The sorted numbers after `prefix` on every line that starts with it.
fn numbers_after(run: &Run, prefix: &str) -> Vec<i64> {
    let mut numbers: Vec<i64> = run
        .lines_starting(prefix)
        .iter()
        .map(|line| {
            let rest = line[prefix.len()..].trim();
            rest.parse().unwrap_or_else(|_| panic!("{line:?}"))
        })
        .collect();
    numbers.sort_unstable();
    numbers
}

fn assert_exchange(run: &Run, ranks: i64, number: &str, text: &str) {
    assert_eq!(run.code, Some(0), "{run:#?}");
    // Every rank of a world of `ranks` reports once: singletons would all say 0.
    assert_eq!(
        numbers_after(run, "my rank is :  "),
        (0..ranks).collect::<Vec<_>>(),
        "{run:#?}"
    );
    let sent_number = format!("sending data {number} to process 4");
    let sent_text = format!("sending data {text} :to process 8");
    let got_number = format!("data received is = {number}");
    let got_text = format!("data1 received is = {text}");
    for line in [&sent_number, &sent_text, &got_number, &got_text] {
        assert_eq!(run.lines_starting(line), [line.as_str()], "{run:#?}");
    }
    let summary = format!(
        "Checked: rank 4 received {number} from rank 0 and rank 8 received {text} from rank 1 \
         ({ranks} ranks)"
    );
    assert_eq!(run.lines_starting("Checked: "), [summary.as_str()]);
}

#[test]
fn the_books_nine_ranks_exchange_a_number_and_a_text() {
    assert_exchange(&with_mpiexec(9, BIN, &[], run), 9, "10000000", "hello");
}

#[test]
fn more_ranks_and_other_data_work_too() {
    let run = with_mpiexec(11, BIN, &["--data", "-42", "--data1", "ciao mondo"], run);
    assert_exchange(&run, 11, "-42", "ciao mondo");
}

#[test]
fn a_plain_run_relaunches_itself_with_nine_ranks() {
    assert_exchange(&run_ok(BIN, &[]), 9, "10000000", "hello");
}

#[test]
fn too_few_ranks_stop_the_job_with_one_message() {
    let stderr = with_mpiexec(4, BIN, &[], |bin, args| {
        run_fails(bin, args, 1, "needs at least 9 ranks")
    });
    assert_eq!(stderr.matches("error: ").count(), 1, "{stderr}");
    run_fails(BIN, &["--ranks", "3"], 1, "but the world has 3");
}

/// The table's rows: (bytes, round trips per batch, microseconds, MB/s).
fn bench_rows(run: &Run) -> Vec<(usize, usize, f64, f64)> {
    run.stdout
        .lines()
        .filter(|line| line.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(fields.len(), 4, "{line:?}");
            (
                fields[0].parse().expect("bytes"),
                fields[1].parse().expect("round trips"),
                fields[2].parse().expect("microseconds"),
                fields[3].parse().expect("MB/s"),
            )
        })
        .collect()
}

#[test]
fn the_ping_pong_times_every_size_from_one_byte_up() {
    let bin = example("ping_pong");
    let run = with_mpiexec(2, &bin, &["--max-bytes", "4096", "--round-trips", "3"], run);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let rows = bench_rows(&run);
    let sizes: Vec<usize> = rows.iter().map(|row| row.0).collect();
    assert_eq!(sizes, (0..=12).map(|power| 1 << power).collect::<Vec<_>>());
    for &(size, reps, micros, megabytes) in &rows {
        assert_eq!(reps, 3, "{size}");
        // One way is half a round trip, and bytes per microsecond are MB/s.
        let recomputed = size as f64 / (micros / 2.0);
        assert!(micros > 0.0, "{size}: {micros} us");
        assert!(
            (megabytes - recomputed).abs() <= 0.05 + recomputed * 0.02,
            "{size}: {micros} us but {megabytes} MB/s, not {recomputed}"
        );
    }
    assert_eq!(run.lines_starting("latency (8 B): ").len(), 1);
    assert!(
        run.lines_starting("bandwidth (1 MiB)").is_empty(),
        "4096 B < 1 MiB"
    );
    assert_eq!(
        run.lines_starting("Checked: "),
        ["Checked: every echo from rank 1 matched what rank 0 sent (13 sizes, 1 to 4096 bytes)"]
    );
}

#[test]
fn the_ping_pong_relaunches_with_two_ranks_and_needs_exactly_two() {
    let bin = example("ping_pong");
    let relaunched = run_ok(&bin, &["--max-bytes", "100", "--round-trips", "2"]);
    assert_eq!(bench_rows(&relaunched).len(), 7, "1, 2, 4 ... 64 bytes");
    let reps: Vec<usize> = bench_rows(&relaunched).iter().map(|row| row.1).collect();
    assert_eq!(reps, [2; 7]);
    run_fails(&bin, &["--ranks", "3"], 1, "but the world has 3");
    run_fails(&bin, &["--ranks", "1"], 1, "but the world has 1");
}

#[test]
fn bad_flags_are_refused_by_the_parser() {
    run_fails(BIN, &["--max-bytes", "64"], 2, "--max-bytes");
    run_fails(BIN, &["--ranks", "0"], 2, "--ranks");
    run_fails(BIN, &["--ranks", "65"], 2, "65 is not in 1..=64");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    let bin = example("ping_pong");
    run_fails(&bin, &["--round-trips", "0"], 2, "--round-trips");
    run_fails(&bin, &["--max-bytes", "0"], 2, "--max-bytes");
    run_fails(&bin, &["--round-trips", "101"], 2, "101 is not in 1..=100");
    run_fails(
        &bin,
        &["--max-bytes", "16777217"],
        2,
        "16777217 is not in 1..=16777216",
    );
    run_fails(&bin, &["--ranks", "65"], 2, "65 is not in 1..=64");
}
