//! Runs the real `gpu-elementwise-lincomb` binary on the default OpenCL device (PoCL unless
//! told otherwise), parses the vectors it printed and recomputes C = aA + bB here; runs the
//! `lincomb_kernel` example and reads the source it prints.

use common::testing::{
    after_device_line, assert_no_opencl_platform_error, example, numpy_vector_after, run_fails,
    run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-elementwise-lincomb");

/// Checks C against this test's own a·x + b·y and the printed difference.
fn check_run(stdout: &str, n: usize, a: f32, b: f32, difference_header: &str) {
    let x = numpy_vector_after::<f32>(stdout, "INPUT VECTOR A =");
    let y = numpy_vector_after::<f32>(stdout, "INPUT VECTOR B = ");
    let c = numpy_vector_after::<f32>(stdout, "RESULTING VECTOR C = ");
    let difference = numpy_vector_after::<f32>(stdout, difference_header);
    assert_eq!((x.len(), y.len(), c.len(), difference.len()), (n, n, n, n));
    assert!(x.iter().chain(&y).all(|v| (0.0..1.0).contains(v)));
    for i in 0..n {
        let exact = f64::from(a) * f64::from(x[i]) + f64::from(b) * f64::from(y[i]);
        let scale = (f64::from(a) * f64::from(x[i])).abs() + (f64::from(b) * f64::from(y[i])).abs();
        assert!(
            (f64::from(c[i]) - exact).abs() <= 2.0 * f64::from(f32::EPSILON) * scale,
            "element {i}: {} vs {exact}",
            c[i]
        );
        assert_eq!(
            difference[i],
            c[i] - (a * x[i] + b * y[i]),
            "difference {i}"
        );
    }
    let norm: f32 = difference.iter().map(|d| d * d).sum::<f32>().sqrt();
    let last = stdout.lines().last().expect("some output");
    assert!(
        last.starts_with("Check: every element within rounding"),
        "{last}"
    );
    assert!(
        last.ends_with(&format!("norm of the difference {norm:e}")),
        "{last}"
    );
}

#[test]
fn the_books_2a_plus_5b_over_50_floats() {
    let run = run_ok(BIN, &["--seed", "5"]);
    assert!(after_device_line(&run.stdout).starts_with("INPUT VECTOR A =\n"));
    check_run(&run.stdout, 50, 2.0, 5.0, "C - (2A + 5B) = ");
    assert!(run.stdout.contains(
        "\nCHECKING THE RESULT EVALUATING THE DIFFERENCE VECTOR BETWEEN C AND THE LINEAR \
         COMBINATION OF A AND B\n"
    ));
}

#[test]
fn other_coefficients_and_a_longer_vector() {
    let run = run_ok(
        BIN,
        &[
            "--length", "900", "--coef-a", "-3", "--coef-b", "0.5", "--seed", "1",
        ],
    );
    check_run(&run.stdout, 900, -3.0, 0.5, "C - (-3A + 0.5B) = ");
}

#[test]
fn the_example_prints_the_lincomb_kernel() {
    let run = run_ok(&example("lincomb_kernel"), &[]);
    assert!(run.stdout.starts_with("GENERATED KERNEL\n"));
    assert!(run.stdout.contains(
        "__kernel void linear_combination(float a, __global float *x, float b, \
         __global float *y, __global float *c, const uint n) {"
    ));
    assert!(run.stdout.contains("    c[i] = a*x[i] + b*y[i];\n"));
    let run = run_ok(
        &example("lincomb_kernel"),
        &[
            "--operation",
            "c[i] = a*x[i] - b*y[i]",
            "--name",
            "difference",
        ],
    );
    assert!(
        run.stdout
            .contains("__kernel void difference(float a, __global float *x,")
    );
    assert!(run.stdout.contains("    c[i] = a*x[i] - b*y[i];\n"));
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    assert_no_opencl_platform_error(BIN, &[]);
}

#[test]
fn bad_arguments_fail_cleanly() {
    run_fails(BIN, &["--length", "0"], 2, "--length");
    run_fails(
        BIN,
        &["--length", "16777217"],
        2,
        "16777217 is not in 1..=16777216",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--coef-a", "nan"], 1, "must be finite numbers");
}
