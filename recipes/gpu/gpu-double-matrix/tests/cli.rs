//! Runs the real `gpu-double-matrix` binary on the default OpenCL device (PoCL unless told
//! otherwise) and checks the matrices it printed.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use common::testing::{run, run_fails, run_ok, run_with_env};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-double-matrix");

/// The output after its first line, which must name the OpenCL device.
fn after_device_line(stdout: &str) -> &str {
    let (device, rest) = stdout.split_once('\n').expect("more than one line");
    assert!(device.starts_with("OpenCL device: "), "{device}");
    rest
}

/// The rows of the NumPy-style matrix printed on the lines after `header` (a long row wraps).
fn matrix_after(stdout: &str, header: &str) -> Vec<Vec<f32>> {
    let mut lines = stdout.lines().skip_while(|line| *line != header);
    assert!(lines.next().is_some(), "no {header:?} in:\n{stdout}");
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
                .map(|s| s.parse().unwrap_or_else(|_| panic!("not a float: {s:?}")))
                .collect()
        })
        .collect()
}

#[test]
fn the_books_5x5_matrix_is_exactly_doubled() {
    let run = run_ok(BIN, &["--seed", "5"]);
    assert!(after_device_line(&run.stdout).starts_with("ORIGINAL MATRIX\n"));
    let original = matrix_after(&run.stdout, "ORIGINAL MATRIX");
    let doubled = matrix_after(&run.stdout, "DOUBLED MATRIX AFTER OpenCL EXECUTION");
    assert_eq!(original.len(), 5);
    assert!(original.iter().chain(&doubled).all(|row| row.len() == 5));
    for (row, (o, d)) in original.iter().zip(&doubled).enumerate() {
        for col in 0..5 {
            // The printed floats read back exactly, so the doubling is checked exactly too.
            assert_eq!(d[col], 2.0 * o[col], "cell ({row}, {col})");
        }
    }
    // randn: some negative cells, all of modest size.
    let cells: Vec<f32> = original.concat();
    assert!(cells.iter().any(|&v| v < 0.0) && cells.iter().all(|v| v.abs() < 10.0));
    assert!(
        run.stdout
            .ends_with("Check: all 25 cells exactly doubled\n")
    );
}

#[test]
fn a_wide_matrix_uses_its_real_width() {
    let run = run_ok(BIN, &["--rows", "3", "--cols", "7", "--seed", "2"]);
    let original = matrix_after(&run.stdout, "ORIGINAL MATRIX");
    let doubled = matrix_after(&run.stdout, "DOUBLED MATRIX AFTER OpenCL EXECUTION");
    assert_eq!((original.len(), original[0].len()), (3, 7));
    let expected: Vec<Vec<f32>> = original
        .iter()
        .map(|row| row.iter().map(|v| 2.0 * v).collect())
        .collect();
    assert_eq!(doubled, expected);
    assert!(
        run.stdout
            .ends_with("Check: all 21 cells exactly doubled\n")
    );
}

#[test]
fn the_books_stride_of_4_leaves_the_last_cells_undoubled_and_fails() {
    let run = run(BIN, &["--book-stride", "--seed", "5"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    // Work-items reach indices 0..=20 only: cells 21 to 24 keep their value.
    assert!(
        run.stderr.contains("cells are not exactly doubled"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.trim_end().ends_with("21, 22, 23, 24]"),
        "{}",
        run.stderr
    );
    let original = matrix_after(&run.stdout, "ORIGINAL MATRIX").concat();
    let doubled = matrix_after(&run.stdout, "DOUBLED MATRIX AFTER OpenCL EXECUTION").concat();
    assert_eq!(&doubled[21..], &original[21..]);
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
fn a_platform_that_does_not_exist_is_a_one_line_error() {
    let line = run_fails(
        BIN,
        &["--platform", "99"],
        1,
        "--platform 99: no OpenCL platform 99",
    );
    assert!(line.contains("scripts/setup.sh") && line.lines().count() == 1);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--rows", "0"], 2, "--rows");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
