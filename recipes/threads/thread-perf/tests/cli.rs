//! Runs the real `thread-perf` binary with one run per measurement and checks its output's
//! structure and the values it reports. Times are parsed, never compared: machines are noisy.

use common::testing::{run_fails, run_ok, run_with_env};

const BIN: &str = env!("CARGO_BIN_EXE_thread-perf");

/// One workload's block: its name and, per n, (non-threaded, threaded, speedup).
#[derive(Debug)]
struct Block {
    name: String,
    rows: Vec<(u32, f64, f64, f64)>,
    summary: String,
}

/// Parses `"<label padded to 23> <seconds> seconds"` and returns the seconds.
fn seconds(line: &str, label: &str) -> f64 {
    let rest = line
        .strip_prefix(&format!("{label:<23} "))
        .unwrap_or_else(|| panic!("{line:?} is not the {label:?} line"));
    rest.strip_suffix(" seconds")
        .expect(line)
        .parse()
        .expect(line)
}

fn parse_blocks(stdout: &str, ns: &[u32]) -> Vec<Block> {
    let lines: Vec<&str> = stdout.lines().collect();
    let mut blocks = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let name = lines[at]
            .strip_prefix("Starting tests: ")
            .unwrap_or_else(|| panic!("expected a Starting line: {:?}", lines[at]));
        let name = name.split_whitespace().next().unwrap().to_owned();
        at += 1;
        let mut rows = Vec::new();
        for &n in ns {
            let serial = seconds(lines[at], &format!("non_threaded ({n} iters)"));
            let label = format!("threaded ({n} threads)");
            let threaded = seconds(lines[at + 1], &label);
            let speedup = lines[at + 2]
                .strip_prefix(&format!("{label} speedup: "))
                .and_then(|s| s.strip_suffix('x'))
                .expect(lines[at + 2])
                .parse()
                .expect(lines[at + 2]);
            assert_eq!(lines[at + 3], "Iterations complete");
            rows.push((n, serial, threaded, speedup));
            at += 4;
        }
        let summary = lines[at].to_owned();
        assert!(summary.starts_with(&format!("{name}: ")), "{summary}");
        blocks.push(Block {
            name,
            rows,
            summary,
        });
        at += 1;
    }
    blocks
}

/// Digits of the Fibonacci number F(n), from Binet's formula: F(n) ≈ φⁿ/√5.
fn fib_digits(n: u32) -> usize {
    let phi = (1.0 + 5f64.sqrt()) / 2.0;
    (f64::from(n) * phi.log10() - 5f64.sqrt().log10()).floor() as usize + 1
}

#[test]
fn every_workload_and_n_is_measured_and_checked() {
    let run = run_ok(BIN, &["--repeat", "1", "--threads", "1,2,3"]);
    let blocks = parse_blocks(&run.stdout, &[1, 2, 3]);
    let names: Vec<&str> = blocks.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["empty", "fib", "read", "url"]);
    for block in &blocks {
        let ns: Vec<u32> = block.rows.iter().map(|r| r.0).collect();
        assert_eq!(ns, [1, 2, 3]);
        for &(_, serial, threaded, speedup) in &block.rows {
            assert!(
                serial >= 0.0 && threaded > 0.0 && speedup >= 0.0,
                "{block:?}"
            );
        }
    }
    assert!(blocks[1].summary.contains(&format!(
        "returned F(10000), {} digits, equal to fast doubling's",
        fib_digits(10_000)
    )));
    assert!(
        blocks[2]
            .summary
            .contains(&format!("read the file's {} bytes as written", 1000 * 1024))
    );
    // 2 ways x 1 run x (1 + 2 + 3) calls x 10 requests.
    let requests = 2 * (1 + 2 + 3) * 10;
    assert!(
        blocks[3]
            .summary
            .contains(&format!("answered all {requests} requests")),
        "{}",
        blocks[3].summary
    );
    assert!(blocks[3].summary.contains("first 1024 bytes"));
}

#[test]
fn one_workload_with_its_own_parameters() {
    let run = run_ok(
        BIN,
        &[
            "--workload",
            "fib",
            "--fib-steps",
            "300",
            "--repeat",
            "2",
            "--threads",
            "4",
        ],
    );
    let blocks = parse_blocks(&run.stdout, &[4]);
    assert_eq!(blocks.len(), 1);
    assert!(
        blocks[0]
            .summary
            .contains(&format!("F(300), {} digits", fib_digits(300)))
    );

    let run = run_ok(
        BIN,
        &[
            "--workload",
            "url",
            "--url-reads",
            "3",
            "--chunk",
            "100",
            "--repeat",
            "2",
            "--threads",
            "2,5",
        ],
    );
    let blocks = parse_blocks(&run.stdout, &[2, 5]);
    let requests = 2 * 2 * (2 + 5) * 3;
    assert!(
        blocks[0]
            .summary
            .contains(&format!("all {requests} requests"))
    );
    assert!(blocks[0].summary.contains("first 100 bytes"));
    assert!(run.stdout.contains("a 200-byte page"), "{}", run.stdout);
}

#[test]
fn workloads_run_in_the_order_given() {
    let args = ["--workload", "url,empty", "--repeat", "1", "--threads", "2"];
    let blocks = parse_blocks(&run_ok(BIN, &args).stdout, &[2]);
    let names: Vec<&str> = blocks.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["url", "empty"]);
    assert!(blocks[0].summary.contains("answered all 40 requests"));
}

#[test]
fn the_read_workload_removes_its_temp_file() {
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("thread-perf-read");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let args = [
        "--workload",
        "read",
        "--file-reads",
        "10",
        "--chunk",
        "100",
        "--repeat",
        "1",
        "--threads",
        "2",
    ];
    let run = run_with_env(BIN, &args, &[("TMPDIR", tmp.as_os_str())]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let stdout = run.stdout;
    let blocks = parse_blocks(&stdout, &[2]);
    assert!(
        blocks[0]
            .summary
            .contains("the file's 1000 bytes as written")
    );
    assert!(stdout.contains("a 1000-byte temp file"));
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "temp file not removed: {left:?}");

    let missing = std::ffi::OsStr::new("/nonexistent/thread-perf");
    let run = run_with_env(BIN, &args, &[("TMPDIR", missing)]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: cannot create a temp file"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--threads", "0"], 2, "--threads");
    run_fails(BIN, &["--threads", "1,x"], 2, "--threads");
    run_fails(BIN, &["--repeat", "0"], 2, "--repeat");
    run_fails(BIN, &["--chunk", "0"], 2, "--chunk");
    run_fails(BIN, &["--workload", "disk"], 2, "disk");
}
