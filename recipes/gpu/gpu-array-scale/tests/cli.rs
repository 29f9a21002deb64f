//! Runs the real `gpu-array-scale` binary on the default OpenCL device (PoCL unless told
//! otherwise) and checks the matrices it printed.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use common::testing::{run_fails, run_ok, run_with_env};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-array-scale");

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
fn the_books_4x4_array_comes_back_exactly_doubled() {
    let run = run_ok(BIN, &["--seed", "11"]);
    assert!(after_device_line(&run.stdout).starts_with("ORIGINAL MATRIX\n"));
    let original = matrix_after(&run.stdout, "ORIGINAL MATRIX");
    let doubled = matrix_after(&run.stdout, "MATRIX AFTER 2 * a_gpu ON THE OpenCL DEVICE");
    assert_eq!(original.len(), 4);
    assert!(original.iter().chain(&doubled).all(|row| row.len() == 4));
    let expected: Vec<Vec<f32>> = original
        .iter()
        .map(|row| row.iter().map(|v| 2.0 * v).collect())
        .collect();
    assert_eq!(doubled, expected);
    assert!(
        run.stdout
            .ends_with("Check: all 16 elements exactly 2 times the input\n")
    );
}

#[test]
fn another_shape_and_factor_scale_every_element() {
    let run = run_ok(
        BIN,
        &[
            "--rows", "8", "--cols", "3", "--factor", "0.5", "--seed", "2",
        ],
    );
    let original = matrix_after(&run.stdout, "ORIGINAL MATRIX");
    let halved = matrix_after(&run.stdout, "MATRIX AFTER 0.5 * a_gpu ON THE OpenCL DEVICE");
    assert_eq!((original.len(), original[0].len()), (8, 3));
    for (o, h) in original.concat().iter().zip(halved.concat()) {
        assert_eq!(h, 0.5 * o);
    }
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
fn bad_arguments_fail_cleanly() {
    run_fails(BIN, &["--cols", "0"], 2, "--cols");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(
        BIN,
        &["--factor", "inf"],
        1,
        "--factor must be a finite number",
    );
}
