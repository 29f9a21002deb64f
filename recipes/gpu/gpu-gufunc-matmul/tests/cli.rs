//! Runs the real `gpu-gufunc-matmul` binary on the default OpenCL device (PoCL unless told
//! otherwise), parses the matrices it printed and recomputes the product here.

use common::testing::{
    after_device_line, assert_no_opencl_platform_error, numpy_matrix_after, run_fails, run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-gufunc-matmul");

fn check_run(stdout: &str, (m, n, p): (usize, usize, usize), bound: i64) {
    let a = numpy_matrix_after::<i64>(stdout, "INPUT MATRIX A\n:");
    let b = numpy_matrix_after::<i64>(stdout, "INPUT MATRIX B\n:");
    let c = numpy_matrix_after::<i64>(stdout, "RESULT MATRIX C = A*B\n:");
    assert_eq!((a.len(), a[0].len(), b.len(), b[0].len()), (m, n, n, p));
    assert!(a.iter().chain(&b).flatten().all(|v| (0..bound).contains(v)));
    let expected: Vec<Vec<i64>> = (0..m)
        .map(|i| {
            (0..p)
                .map(|j| (0..n).map(|k| a[i][k] * b[k][j]).sum())
                .collect()
        })
        .collect();
    assert_eq!(c, expected);
    assert!(stdout.ends_with(&format!(
        "Check: all {m}x{p} cells equal the CPU's product\n"
    )));
}

#[test]
fn the_books_10x10_product_is_exact() {
    let run = run_ok(BIN, &["--seed", "3"]);
    assert!(after_device_line(&run.stdout).starts_with("INPUT MATRIX A\n:\n"));
    check_run(&run.stdout, (10, 10, 10), 10);
}

#[test]
fn the_signature_takes_any_compatible_shapes() {
    let run = run_ok(BIN, &["--m", "3", "--n", "7", "--p", "5", "--seed", "2"]);
    check_run(&run.stdout, (3, 7, 5), 10);
    let run = run_ok(BIN, &["--dim", "40", "--p", "1"]);
    check_run(&run.stdout, (40, 40, 1), 40);
}

#[test]
fn the_same_seed_gives_the_same_matrices() {
    let a = |seed: &str| {
        numpy_matrix_after::<i64>(&run_ok(BIN, &["--seed", seed]).stdout, "INPUT MATRIX A\n:")
    };
    assert_eq!(a("1"), a("1"));
    assert_ne!(a("1"), a("2"));
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    assert_no_opencl_platform_error(BIN, &[]);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--dim", "0"], 2, "--dim");
    run_fails(BIN, &["--n", "0"], 2, "--n");
    run_fails(BIN, &["--dim", "513"], 2, "513 is not in 1..=512");
    run_fails(BIN, &["--m", "513"], 2, "513 is not in 1..=512");
    run_fails(BIN, &["--n", "513"], 2, "513 is not in 1..=512");
    run_fails(BIN, &["--p", "513"], 2, "513 is not in 1..=512");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
