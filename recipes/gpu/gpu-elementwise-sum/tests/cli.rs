//! Runs the real `gpu-elementwise-sum` binary on the default OpenCL device (PoCL unless told
//! otherwise) and checks the sums its generated kernel printed.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use common::testing::{run_fails, run_ok, run_with_env};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-elementwise-sum");

/// The output after its first line, which must name the OpenCL device.
fn after_device_line(stdout: &str) -> &str {
    let (device, rest) = stdout.split_once('\n').expect("more than one line");
    assert!(device.starts_with("OpenCL device: "), "{device}");
    rest
}

/// The numbers of the NumPy-style array printed on the lines after `header`.
fn array_after(stdout: &str, header: &str) -> Vec<i64> {
    let mut lines = stdout
        .lines()
        .skip_while(|line| line.trim_end() != header.trim_end());
    assert!(lines.next().is_some(), "no {header:?} in:\n{stdout}");
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        if line.ends_with(']') {
            break;
        }
    }
    text.split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or_else(|_| panic!("not a number: {s:?}")))
        .collect()
}

#[test]
fn every_one_of_the_books_100_sums_is_right() {
    let run = run_ok(BIN, &["--seed", "5"]);
    assert!(after_device_line(&run.stdout).starts_with("OpenCL ELEMENTWISE SUM OF TWO VECTORS\n"));
    assert_eq!(
        run.lines_starting("VECTOR LENGTH = "),
        ["VECTOR LENGTH = 100"]
    );
    let a = array_after(&run.stdout, "INPUT VECTOR A");
    let b = array_after(&run.stdout, "INPUT VECTOR B");
    let sum = array_after(&run.stdout, "OUTPUT VECTOR RESULT A + B");
    assert_eq!((a.len(), b.len(), sum.len()), (100, 100, 100));
    assert!(a.iter().chain(&b).all(|v| (0..100).contains(v)));
    // The book's 64-bit host ints left the second half wrong; every index must hold here.
    for i in 0..100 {
        assert_eq!(sum[i], a[i] + b[i], "index {i}");
    }
    assert!(
        run.stdout
            .ends_with("Check: c = a + b for all 100 elements, as on the CPU\n")
    );
}

#[test]
fn the_generated_kernel_is_shown_on_request_and_runs_on_a_long_vector() {
    let run = run_ok(BIN, &["--length", "5000", "--seed", "1", "--show-kernel"]);
    assert!(after_device_line(&run.stdout).starts_with("GENERATED KERNEL\n"));
    assert!(run.stdout.contains(
        "__kernel void sum(__global int *a, __global int *b, __global int *c, const uint n) {"
    ));
    assert!(run.stdout.contains("    c[i] = a[i] + b[i];\n"));
    // 5000 elements print summarised, as NumPy does above 1000: the first and last three.
    let a = array_after(&run.stdout, "INPUT VECTOR A");
    let b = array_after(&run.stdout, "INPUT VECTOR B");
    let sum = array_after(&run.stdout, "OUTPUT VECTOR RESULT A + B");
    assert_eq!((a.len(), b.len(), sum.len()), (6, 6, 6), "{sum:?}");
    assert!((0..6).all(|k| sum[k] == a[k] + b[k]));
    assert!(
        run.stdout
            .ends_with("Check: c = a + b for all 5000 elements, as on the CPU\n")
    );
    assert!(!run_ok(BIN, &["--seed", "1"]).stdout.contains("__kernel"));
}

#[test]
fn the_same_seed_gives_the_same_vectors() {
    let vector = |seed: &str| array_after(&run_ok(BIN, &["--seed", seed]).stdout, "INPUT VECTOR A");
    assert_eq!(vector("3"), vector("3"));
    assert_ne!(vector("3"), vector("4"));
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
fn a_platform_or_device_that_does_not_exist_is_a_one_line_error() {
    let line = run_fails(
        BIN,
        &["--platform", "99"],
        1,
        "--platform 99: no OpenCL platform 99",
    );
    assert!(line.contains("scripts/setup.sh") && line.lines().count() == 1);
    let line = run_fails(
        BIN,
        &["--device", "99"],
        1,
        "--device 99: no OpenCL device 99",
    );
    assert!(line.lines().count() == 1);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--length", "0"], 2, "--length");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
