//! Runs the real `gpu-matmul` binary on the default OpenCL device (PoCL unless told
//! otherwise), parses the matrices it printed and recomputes the product here.

use common::testing::{
    after_device_line, assert_bad_device_error, assert_no_opencl_platform_error,
    numpy_vector_after, run_fails, run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-matmul");

/// The product and the printed difference, checked against this test's own arithmetic.
fn check_run(stdout: &str, n: usize) {
    let a = numpy_vector_after::<f32>(stdout, "Matrix A (GPU):");
    let b = numpy_vector_after::<f32>(stdout, "Matrix B (GPU):");
    let c = numpy_vector_after::<f32>(stdout, "Matrix C (GPU):");
    let difference = numpy_vector_after::<f32>(stdout, "CPU-GPU difference:");
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
    let a = |seed: &str| {
        numpy_vector_after::<f32>(&run_ok(BIN, &["--seed", seed]).stdout, "Matrix A (GPU):")
    };
    assert_eq!(a("1"), a("1"));
    assert_ne!(a("1"), a("2"));
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    assert_no_opencl_platform_error(BIN, &[]);
}

#[test]
fn a_device_that_does_not_exist_is_a_one_line_error() {
    assert_bad_device_error(BIN, &[]);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--size", "0"], 2, "--size");
    run_fails(BIN, &["--size", "513"], 2, "513 is not in 1..=512");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
