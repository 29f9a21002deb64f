//! Runs the real `gpu-vector-sum` binary on the default OpenCL device (PoCL unless told
//! otherwise) and checks the sums it printed.

use common::testing::{
    assert_bad_platform_and_device_errors, assert_no_opencl_platform_error, numpy_vector_after,
    run_fails, run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-vector-sum");

#[test]
fn every_one_of_the_books_100_sums_is_right() {
    let run = run_ok(BIN, &["--seed", "5"]);
    assert!(run.stdout.starts_with("OpenCL SUM OF TWO VECTORS\n"));
    let platform = run.lines_starting("Platform Selected = ");
    let device = run.lines_starting("Device Selected = ");
    assert!(platform.len() == 1 && platform[0].len() > "Platform Selected = ".len());
    assert!(device.len() == 1 && device[0].len() > "Device Selected = ".len());
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
            .ends_with("Check: all 100 sums equal the CPU's a + b\n")
    );
}

#[test]
fn a_longer_vector_wraps_and_still_adds_up() {
    let run = run_ok(BIN, &["--length", "1000", "--seed", "9"]);
    let a = numpy_vector_after::<i64>(&run.stdout, "INPUT VECTOR A");
    let b = numpy_vector_after::<i64>(&run.stdout, "INPUT VECTOR B");
    let sum = numpy_vector_after::<i64>(&run.stdout, "OUTPUT VECTOR RESULT A + B");
    assert_eq!(sum.len(), 1000);
    assert!(a.iter().chain(&b).all(|v| (0..1000).contains(v)));
    assert!((0..1000).all(|i| sum[i] == a[i] + b[i]));
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
