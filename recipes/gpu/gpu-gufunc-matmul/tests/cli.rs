//! Runs the real `gpu-gufunc-matmul` binary on the default OpenCL device (PoCL unless told
//! otherwise), parses the matrices it printed and recomputes the product here.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use common::testing::{run_fails, run_ok, run_with_env};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-gufunc-matmul");

/// The output after its first line, which must name the OpenCL device.
fn after_device_line(stdout: &str) -> &str {
    let (device, rest) = stdout.split_once('\n').expect("more than one line");
    assert!(device.starts_with("OpenCL device: "), "{device}");
    rest
}

/// The rows of the NumPy-style matrix printed after `header` and a `:` line.
fn matrix_after(stdout: &str, header: &str) -> Vec<Vec<i64>> {
    let mut lines = stdout.lines().skip_while(|line| *line != header);
    assert!(lines.next().is_some(), "no {header:?} in:\n{stdout}");
    assert_eq!(lines.next(), Some(":"));
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push(' ');
        if line.ends_with("]]") {
            break;
        }
    }
    text.split(']')
        .map(|row| row.trim_start_matches([' ', '[']))
        .filter(|row| !row.trim().is_empty())
        .map(|row| {
            row.split_whitespace()
                .map(|s| s.parse().expect("an int"))
                .collect()
        })
        .collect()
}

fn check_run(stdout: &str, (m, n, p): (usize, usize, usize), bound: i64) {
    let a = matrix_after(stdout, "INPUT MATRIX A");
    let b = matrix_after(stdout, "INPUT MATRIX B");
    let c = matrix_after(stdout, "RESULT MATRIX C = A*B");
    assert_eq!((a.len(), a[0].len(), b.len(), b[0].len()), (m, n, n, p));
    assert!(a.iter().chain(&b).flatten().all(|v| (0..bound).contains(v)));
    let expected: Vec<Vec<i64>> = (0..m)
        .map(|i| {
            (0..p)
                .map(|j| (0..n).map(|k| a[i][k] * b[k][j]).sum())
                .collect()
        })
        .collect();
    assert_eq!(c, expected);
    assert!(stdout.ends_with(&format!(
        "Check: all {m}x{p} cells equal the CPU's product\n"
    )));
}

#[test]
fn the_books_10x10_product_is_exact() {
    let run = run_ok(BIN, &["--seed", "3"]);
    assert!(after_device_line(&run.stdout).starts_with("INPUT MATRIX A\n:\n"));
    check_run(&run.stdout, (10, 10, 10), 10);
}

#[test]
fn the_signature_takes_any_compatible_shapes() {
    let run = run_ok(BIN, &["--m", "3", "--n", "7", "--p", "5", "--seed", "2"]);
    check_run(&run.stdout, (3, 7, 5), 10);
    let run = run_ok(BIN, &["--dim", "40", "--p", "1"]);
    check_run(&run.stdout, (40, 40, 1), 40);
}

#[test]
fn the_same_seed_gives_the_same_matrices() {
    let a = |seed: &str| matrix_after(&run_ok(BIN, &["--seed", seed]).stdout, "INPUT MATRIX A");
    assert_eq!(a("1"), a("1"));
    assert_ne!(a("1"), a("2"));
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    let empty = tempfile::tempdir().expect("a temp dir");
    let started = Instant::now();
    let run = run_with_env(
        BIN,
        &[],
        &[
            ("OCL_ICD_VENDORS", empty.path().as_os_str()),
            ("OCL_ICD_FILENAMES", OsStr::new("")),
        ],
    );
    // `ocl` alone would retry for 10 s and then panic.
    assert!(started.elapsed() < Duration::from_secs(8), "{run:?}");
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.stderr,
        "error: no OpenCL platform found: install one with scripts/setup.sh \
         (PoCL runs OpenCL on the CPU)\n"
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--dim", "0"], 2, "--dim");
    run_fails(BIN, &["--n", "0"], 2, "--n");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
