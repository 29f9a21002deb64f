//! Runs the real `gpu-elementwise-sum` binary on the default OpenCL device (PoCL unless told
//! otherwise) and checks the sums its generated kernel printed; runs the `elementwise_sum_kernel`
//! example and reads the source it prints.

use common::testing::{
    after_device_line, assert_bad_platform_and_device_errors, assert_no_opencl_platform_error,
    example, numpy_vector_after, run_fails, run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-elementwise-sum");

#[test]
fn every_one_of_the_books_100_sums_is_right() {
    let run = run_ok(BIN, &["--seed", "5"]);
    assert!(after_device_line(&run.stdout).starts_with("OpenCL ELEMENTWISE SUM OF TWO VECTORS\n"));
    assert_eq!(
        run.lines_starting("VECTOR LENGTH = "),
        ["VECTOR LENGTH = 100"]
    );
    let a = numpy_vector_after::<i64>(&run.stdout, "INPUT VECTOR A");
    let b = numpy_vector_after::<i64>(&run.stdout, "INPUT VECTOR B");
    let sum = numpy_vector_after::<i64>(&run.stdout, "OUTPUT VECTOR RESULT A + B");
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
fn the_example_prints_the_elementwise_sum_kernel() {
    let run = run_ok(&example("elementwise_sum_kernel"), &[]);
    assert!(run.stdout.starts_with("GENERATED KERNEL\n"));
    assert!(run.stdout.contains(
        "__kernel void sum(__global int *a, __global int *b, __global int *c, const uint n) {"
    ));
    assert!(run.stdout.contains("    c[i] = a[i] + b[i];\n"));
    let run = run_ok(
        &example("elementwise_sum_kernel"),
        &[
            "--arguments",
            "float k, float *x",
            "--operation",
            "x[i] *= k",
            "--name",
            "scale",
        ],
    );
    assert!(
        run.stdout
            .contains("void scale(float k, __global float *x, const uint n) {")
    );
    assert!(run.stdout.contains("    x[i] *= k;\n"));
}

#[test]
fn a_long_vector_is_summed_and_printed_summarised() {
    let run = run_ok(BIN, &["--length", "5000", "--seed", "1"]);
    assert!(after_device_line(&run.stdout).starts_with("OpenCL ELEMENTWISE SUM OF TWO VECTORS\n"));
    // 5000 elements print summarised, as NumPy does above 1000: the first and last three.
    let a = numpy_vector_after::<i64>(&run.stdout, "INPUT VECTOR A");
    let b = numpy_vector_after::<i64>(&run.stdout, "INPUT VECTOR B");
    let sum = numpy_vector_after::<i64>(&run.stdout, "OUTPUT VECTOR RESULT A + B");
    assert_eq!((a.len(), b.len(), sum.len()), (6, 6, 6), "{sum:?}");
    assert!((0..6).all(|k| sum[k] == a[k] + b[k]));
    assert!(
        run.stdout
            .ends_with("Check: c = a + b for all 5000 elements, as on the CPU\n")
    );
    assert!(!run.stdout.contains("__kernel"));
}

#[test]
fn the_same_seed_gives_the_same_vectors() {
    let vector = |seed: &str| {
        numpy_vector_after::<i64>(&run_ok(BIN, &["--seed", seed]).stdout, "INPUT VECTOR A")
    };
    assert_eq!(vector("3"), vector("3"));
    assert_ne!(vector("3"), vector("4"));
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    assert_no_opencl_platform_error(BIN, &[]);
}

#[test]
fn a_platform_or_device_that_does_not_exist_is_a_one_line_error() {
    assert_bad_platform_and_device_errors(BIN, &[]);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--length", "0"], 2, "--length");
    run_fails(
        BIN,
        &["--length", "16777217"],
        2,
        "16777217 is not in 1..=16777216",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
