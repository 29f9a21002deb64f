//! Runs the real `gpu-double-matrix` binary on the default OpenCL device (PoCL unless told
//! otherwise) and checks the matrices it printed.

use common::testing::{
    after_device_line, assert_bad_platform_error, assert_no_opencl_platform_error,
    numpy_matrix_after, run, run_fails, run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-double-matrix");

#[test]
fn the_books_5x5_matrix_is_exactly_doubled() {
    let run = run_ok(BIN, &["--seed", "5"]);
    assert!(after_device_line(&run.stdout).starts_with("ORIGINAL MATRIX\n"));
    let original = numpy_matrix_after::<f32>(&run.stdout, "ORIGINAL MATRIX");
    let doubled = numpy_matrix_after::<f32>(&run.stdout, "DOUBLED MATRIX AFTER OpenCL EXECUTION");
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
    let original = numpy_matrix_after::<f32>(&run.stdout, "ORIGINAL MATRIX");
    let doubled = numpy_matrix_after::<f32>(&run.stdout, "DOUBLED MATRIX AFTER OpenCL EXECUTION");
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
    let original = numpy_matrix_after::<f32>(&run.stdout, "ORIGINAL MATRIX").concat();
    let doubled =
        numpy_matrix_after::<f32>(&run.stdout, "DOUBLED MATRIX AFTER OpenCL EXECUTION").concat();
    assert_eq!(&doubled[21..], &original[21..]);
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    assert_no_opencl_platform_error(BIN, &[]);
}

#[test]
fn a_platform_that_does_not_exist_is_a_one_line_error() {
    assert_bad_platform_error(BIN, &[]);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--rows", "0"], 2, "--rows");
    run_fails(BIN, &["--rows", "1025"], 2, "1025 is not in 1..=1024");
    run_fails(BIN, &["--cols", "1025"], 2, "1025 is not in 1..=1024");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
