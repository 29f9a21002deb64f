//! Runs the real `gpu-matmul` binary on the default OpenCL device (PoCL unless told
//! otherwise), parses the matrices it printed and recomputes the product here.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use common::testing::{run_fails, run_ok, run_with_env};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-matmul");

/// The output after its first line, which must name the OpenCL device.
fn after_device_line(stdout: &str) -> &str {
    let (device, rest) = stdout.split_once('\n').expect("more than one line");
    assert!(device.starts_with("OpenCL device: "), "{device}");
    rest
}

/// The cells (row-major) of the NumPy-style matrix printed on the lines after `header`.
fn matrix_after(stdout: &str, header: &str) -> Vec<f32> {
    let mut lines = stdout.lines().skip_while(|line| *line != header);
    assert!(lines.next().is_some(), "no {header:?} in:\n{stdout}");
    let mut cells = Vec::new();
    for line in lines {
        cells.extend(
            line.split(|c: char| c == '[' || c == ']' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<f32>()
                        .unwrap_or_else(|_| panic!("not a float: {s:?}"))
                }),
        );
        if line.ends_with("]]") {
            break;
        }
    }
    cells
}

/// The product and the printed difference, checked against this test's own arithmetic.
fn check_run(stdout: &str, n: usize) {
    let a = matrix_after(stdout, "Matrix A (GPU):");
    let b = matrix_after(stdout, "Matrix B (GPU):");
    let c = matrix_after(stdout, "Matrix C (GPU):");
    let difference = matrix_after(stdout, "CPU-GPU difference:");
    assert_eq!(
        (a.len(), b.len(), c.len(), difference.len()),
        (n * n, n * n, n * n, n * n)
    );
    for row in 0..n {
        for col in 0..n {
            let cell = row * n + col;
            let exact: f64 = (0..n)
                .map(|k| f64::from(a[row * n + k]) * f64::from(b[k * n + col]))
                .sum();
            let magnitude: f64 = (0..n)
                .map(|k| (f64::from(a[row * n + k]) * f64::from(b[k * n + col])).abs())
                .sum();
            let error = (f64::from(c[cell]) - exact).abs();
            assert!(
                error <= 1e-5 * magnitude + 1e-30,
                "cell {cell}: {} vs {exact}",
                c[cell]
            );
            // The printed difference is the CPU's f32 sum (in k order) minus the device's.
            let cpu: f32 = (0..n).map(|k| a[row * n + k] * b[k * n + col]).sum();
            assert_eq!(difference[cell], cpu - c[cell], "difference at cell {cell}");
        }
    }
    assert!(stdout.ends_with("allclose(CPU, GPU): true\n"));
}

#[test]
fn the_books_5x5_product_matches_a_recomputation() {
    let run = run_ok(BIN, &["--seed", "5"]);
    let header = format!("{}\nMatrix A (GPU):\n", "-".repeat(80));
    assert!(after_device_line(&run.stdout).starts_with(&header));
    assert_eq!(run.lines_starting(&"-".repeat(80)).len(), 4);
    check_run(&run.stdout, 5);
}

#[test]
fn larger_matrices_span_several_work_groups() {
    let run = run_ok(BIN, &["--size", "40", "--seed", "8"]);
    check_run(&run.stdout, 40);
}

#[test]
fn the_same_seed_gives_the_same_matrices() {
    let a = |seed: &str| matrix_after(&run_ok(BIN, &["--seed", seed]).stdout, "Matrix A (GPU):");
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
fn a_device_that_does_not_exist_is_a_one_line_error() {
    let line = run_fails(
        BIN,
        &["--device", "99"],
        1,
        "--device 99: no OpenCL device 99",
    );
    assert!(line.contains("scripts/setup.sh") && line.lines().count() == 1);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--size", "0"], 2, "--size");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
