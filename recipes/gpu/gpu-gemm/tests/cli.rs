//! Runs the real `gpu-gemm` binary and its `kernels` example on the default OpenCL device
//! (PoCL unless told otherwise) with small sizes, recomputes the book's A·B + D here, and
//! checks the timing lines' shape and arithmetic (never their values: machines differ).

use common::testing::{
    Run, assert_no_opencl_platform_error, example, numpy_vector_after, run_fails, run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-gemm");

/// `(seconds, GFLOP/s)` of the line `n = {n}: {label} ...`.
fn timing(run: &Run, n: usize, label: &str) -> (f64, f64) {
    let prefix = format!("n = {n}: {label} ");
    let lines = run.lines_starting(&prefix);
    assert_eq!(lines.len(), 1, "{prefix:?} in:\n{}", run.stdout);
    let fields: Vec<&str> = lines[0][prefix.len()..].split_whitespace().collect();
    assert_eq!(
        (fields.len(), fields[1], fields[3]),
        (4, "s", "GFLOP/s"),
        "{}",
        lines[0]
    );
    (
        fields[0].parse().expect("seconds"),
        fields[2].parse().expect("GFLOP/s"),
    )
}

/// The relative errors printed for size `n`, all of them.
fn errors(run: &Run, n: usize) -> Vec<f64> {
    let prefix = format!("n = {n}: largest relative error: ");
    let lines = run.lines_starting(&prefix);
    assert_eq!(lines.len(), 1, "{prefix:?}");
    lines[0][prefix.len()..]
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        .filter(|word| word.starts_with(|c: char| c.is_ascii_digit()) && word.contains('e'))
        .map(|word| {
            word.parse::<f64>()
                .unwrap_or_else(|_| panic!("not an error: {word:?}"))
        })
        .collect()
}

#[test]
fn the_books_a_times_b_plus_d_matches_a_recomputation() {
    let run = run_ok(BIN, &["--seed", "4"]);
    let dim = 10;
    let a = numpy_vector_after::<f64>(&run.stdout, "MATRIX A :");
    let b = numpy_vector_after::<f64>(&run.stdout, "MATRIX B :");
    let d = numpy_vector_after::<f64>(&run.stdout, "MATRIX D :");
    let c = numpy_vector_after::<f64>(
        &run.stdout,
        "RESULT MATRIX A·B + D EVALUATED WITH THE TILED KERNEL",
    );
    assert_eq!((a.len(), b.len(), d.len(), c.len()), (100, 100, 100, 100));
    assert!(a.iter().chain(&b).chain(&d).all(|v| (0.0..1.0).contains(v)));
    for row in 0..dim {
        for col in 0..dim {
            let exact: f64 = (0..dim)
                .map(|k| a[row * dim + k] * b[k * dim + col])
                .sum::<f64>()
                + d[row * dim + col];
            let got = c[row * dim + col];
            assert!(
                (got - exact).abs() / exact < 1e-6,
                "({row}, {col}): {got} vs {exact}"
            );
        }
    }
    assert_eq!(run.lines_starting("CPU took ").len(), 1);
    assert_eq!(run.lines_starting("tiled kernel took ").len(), 1);
    let line = run.lines_starting("Maximum error ")[0];
    assert!(line.ends_with("; bound 1e-4)"), "{line}");
    assert!(
        run.stdout.ends_with(&format!("{line}\n")),
        "the check ends the run"
    );
}

#[test]
fn dim_sets_the_side_of_the_matrices() {
    let run = run_ok(BIN, &["--seed", "2", "--dim", "3"]);
    for header in ["MATRIX A :", "MATRIX B :", "MATRIX D :"] {
        assert_eq!(numpy_vector_after::<f64>(&run.stdout, header).len(), 9);
    }
    let c = numpy_vector_after::<f64>(
        &run.stdout,
        "RESULT MATRIX A·B + D EVALUATED WITH THE TILED KERNEL",
    );
    assert_eq!(c.len(), 9);
}

#[test]
fn every_size_is_timed_three_ways_and_checked() {
    // 20 and 33 leave partial 16×16 tiles; 48 is three whole tiles.
    let run = run_ok(
        &example("kernels"),
        &["--seed", "1", "--sizes", "20,33,48", "--samples", "2000"],
    );
    assert_eq!(run.lines_starting("OpenCL device: ").len(), 1);
    for n in [20usize, 33, 48] {
        for label in [
            "CPU (i-k-j loop, 1 core)",
            "naive kernel",
            "tiled kernel (16x16 tiles)",
        ] {
            let (seconds, gflops) = timing(&run, n, label);
            // The printed rate is 2n³ flops over the printed time (both rounded).
            if seconds > 1e-4 {
                let expected = 2.0 * (n as f64).powi(3) / seconds / 1e9;
                assert!(
                    (gflops - expected).abs() <= 0.01 + expected * 0.02,
                    "{label} at {n}"
                );
            }
        }
        let errors = errors(&run, n);
        // naive: all cells, sampled; tiled: all cells, sampled.
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors.iter().all(|e| *e < 1e-4), "{errors:?}");
        assert_eq!(
            run.lines_starting(&format!("n = {n}: transfers (tiled run): host to device "))
                .len(),
            1
        );
    }
}

#[test]
fn above_cpu_max_only_sampled_cells_are_checked() {
    let run = run_ok(
        &example("kernels"),
        &["--seed", "2", "--sizes", "40", "--cpu-max", "0"],
    );
    assert_eq!(
        run.lines_starting("n = 40: CPU skipped (above --cpu-max 0)")
            .len(),
        1
    );
    timing(&run, 40, "naive kernel");
    timing(&run, 40, "tiled kernel (16x16 tiles)");
    let errors = errors(&run, 40);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(run.stdout.contains("; 256 cells sampled against f64\n"));
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    assert_no_opencl_platform_error(BIN, &[]);
    assert_no_opencl_platform_error(&example("kernels"), &[]);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--dim", "0"], 2, "--dim");
    run_fails(BIN, &["--dim", "65"], 2, "--dim");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    let kernels = example("kernels");
    run_fails(&kernels, &["--sizes", "64,0"], 2, "--sizes");
    run_fails(&kernels, &["--samples", "0"], 2, "--samples");
    run_fails(&kernels, &["--bogus"], 2, "--bogus");
}
