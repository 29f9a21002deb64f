//! Runs the real `gpu-array-scale` binary on the default OpenCL device (PoCL unless told
//! otherwise) and checks the matrices it printed.

use common::testing::{
    after_device_line, assert_no_opencl_platform_error, numpy_matrix_after, run_fails, run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-array-scale");

#[test]
fn the_books_4x4_array_comes_back_exactly_doubled() {
    let run = run_ok(BIN, &["--seed", "11"]);
    assert!(after_device_line(&run.stdout).starts_with("ORIGINAL MATRIX\n"));
    let original = numpy_matrix_after::<f32>(&run.stdout, "ORIGINAL MATRIX");
    let doubled =
        numpy_matrix_after::<f32>(&run.stdout, "MATRIX AFTER 2 * a_gpu ON THE OpenCL DEVICE");
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
    let original = numpy_matrix_after::<f32>(&run.stdout, "ORIGINAL MATRIX");
    let halved =
        numpy_matrix_after::<f32>(&run.stdout, "MATRIX AFTER 0.5 * a_gpu ON THE OpenCL DEVICE");
    assert_eq!((original.len(), original[0].len()), (8, 3));
    for (o, h) in original.concat().iter().zip(halved.concat()) {
        assert_eq!(h, 0.5 * o);
    }
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    assert_no_opencl_platform_error(BIN, &[]);
}

#[test]
fn bad_arguments_fail_cleanly() {
    run_fails(BIN, &["--cols", "0"], 2, "--cols");
    run_fails(BIN, &["--rows", "1025"], 2, "1025 is not in 1..=1024");
    run_fails(BIN, &["--cols", "1025"], 2, "1025 is not in 1..=1024");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(
        BIN,
        &["--factor", "inf"],
        1,
        "--factor must be a finite number",
    );
}
