//! Runs the real `gpu-bench` binary and its `bandwidth` example on the default OpenCL device
//! (PoCL unless told otherwise) with small sizes and checks their lines: their shape and
//! arithmetic, never the times themselves (machines differ).

use common::testing::{Run, assert_no_opencl_platform_error, example, run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-bench");

/// The seconds on the one line `"{prefix}<seconds> s"`.
fn seconds(run: &Run, prefix: &str) -> f64 {
    let lines = run.lines_starting(prefix);
    assert_eq!(lines.len(), 1, "{prefix:?} in:\n{}", run.stdout);
    let value = lines[0][prefix.len()..]
        .strip_suffix(" s")
        .expect("ends in s");
    value.parse().expect("seconds")
}

/// `(MiB, seconds, GB/s)` of the bandwidth line labelled `label`.
fn rate(run: &Run, label: &str) -> (f64, f64, f64) {
    let prefix = format!("  {label}: ");
    let lines = run.lines_starting(&prefix);
    assert_eq!(lines.len(), 1, "{prefix:?} in:\n{}", run.stdout);
    let words: Vec<&str> = lines[0][prefix.len()..].split_whitespace().collect();
    // "192 MiB in 0.016401 s = 12.28 GB/s"
    assert_eq!(
        (words[1], words[2], words[4], words[5], words[7]),
        ("MiB", "in", "s", "=", "GB/s")
    );
    // Seconds with six decimals, GB/s with two.
    let decimals = |i: usize| words[i].split_once('.').map(|(_, d)| d.len());
    assert_eq!(
        (decimals(3), decimals(6)),
        (Some(6), Some(2)),
        "{}",
        lines[0]
    );
    let number = |i: usize| words[i].parse::<f64>().expect("a number");
    (number(0), number(3), number(6))
}

#[test]
fn times_are_split_and_the_results_agree() {
    let run = run_ok(BIN, &["--length", "2000", "--repeat", "50", "--seed", "1"]);
    assert_eq!(run.lines_starting("OpenCL device: ").len(), 1);
    assert_eq!(
        run.lines_starting("Vector sum of "),
        ["Vector sum of 2000 float32, each recomputed 50 times"]
    );
    let cpu = seconds(&run, "CPU Time: ");
    let kernel = seconds(&run, "GPU Kernel evaluation Time: ");
    let wall = seconds(&run, "GPU Time: ");
    assert!(cpu >= 0.0 && kernel > 0.0 && wall >= 0.0);

    let split = run.lines_starting("  host to device ");
    assert_eq!(split.len(), 1);
    let numbers: Vec<f64> = split[0]
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 3, "{}", split[0]);
    // The kernel time on this line is the one printed above, from the same event.
    assert_eq!(numbers[1], kernel);
    assert!(split[0].ends_with(" s (profiling events)"));

    let check = run.lines_starting("Check: norm of CPU - device results = ");
    assert_eq!(check.len(), 1);
    let norm: f64 = check[0]["Check: norm of CPU - device results = ".len()..]
        .strip_suffix(" < 1e-5")
        .expect("the book's bound")
        .parse()
        .expect("a norm");
    assert!(norm < 1e-5);
    assert!(
        run.stdout.ends_with(" < 1e-5\n"),
        "the check is the last line"
    );
}

#[test]
fn bandwidth_lines_count_bytes_read_and_written() {
    let run = run_ok(&example("bandwidth"), &["--mib", "4"]);
    assert_eq!(run.lines_starting("OpenCL device: ").len(), 1);
    assert_eq!(
        run.lines_starting("Memory bandwidth with "),
        ["Memory bandwidth with 4 MiB vectors (bytes read + written; 1 GB = 10^9 bytes):"]
    );
    for (label, mib) in [
        ("device, vector add c = a + b", 12.0),
        ("copy of a from host to device", 8.0),
        ("host, plain Rust copy loop", 8.0),
    ] {
        let (printed_mib, seconds, gb_per_s) = rate(&run, label);
        assert_eq!(printed_mib, mib, "{label}");
        if seconds > 1e-4 {
            let expected = mib * 1_048_576.0 / seconds / 1e9;
            assert!(
                (gb_per_s - expected).abs() <= 0.01 + expected * 0.01,
                "{label}"
            );
        }
    }
}

#[test]
fn book_means_ten_thousand_repeats() {
    let run = run_ok(BIN, &["--book", "--length", "64"]);
    assert_eq!(
        run.lines_starting("Vector sum of "),
        ["Vector sum of 64 float32, each recomputed 10000 times"]
    );
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    assert_no_opencl_platform_error(BIN, &[]);
    assert_no_opencl_platform_error(&example("bandwidth"), &[]);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--repeat", "0"], 2, "--repeat");
    run_fails(&example("bandwidth"), &["--mib", "0"], 2, "--mib");
    run_fails(BIN, &["--length", "0"], 2, "--length");
    run_fails(
        BIN,
        &["--length", "1048577"],
        2,
        "1048577 is not in 1..=1048576",
    );
    run_fails(
        BIN,
        &["--repeat", "100001"],
        2,
        "100001 is not in 1..=100000",
    );
    run_fails(
        &example("bandwidth"),
        &["--mib", "257"],
        2,
        "257 is not in 1..=256",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
