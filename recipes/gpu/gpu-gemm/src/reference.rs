//! The checks: how far a product is from another and from a double-precision sum; the rate
//! lines; and the one-core loop the `kernels` example times its kernels against.

use std::time::Duration;

use anyhow::ensure;
use rand::RngExt;

/// The largest relative error a cell may have (the catalogue's bound for single precision).
pub const MAX_RELATIVE_ERROR: f64 = 1e-4;

// ANCHOR: gemm_cpu
/// C = A·B on one CPU core, row by row: for each `a[i][k]`, add `a[i][k]`·B's row k to C's row i,
/// so the inner loop runs along rows of B and C in memory order.
#[allow(dead_code)] // the `kernels` example's anchor
pub fn gemm_cpu(a: &[f32], b: &[f32], n: usize) -> Vec<f32> {
    let mut c = vec![0.0f32; n * n];
    for (c_row, a_row) in c.chunks_exact_mut(n).zip(a.chunks_exact(n)) {
        for (&a_ik, b_row) in a_row.iter().zip(b.chunks_exact(n)) {
            for (c_ij, &b_kj) in c_row.iter_mut().zip(b_row) {
                *c_ij += a_ik * b_kj;
            }
        }
    }
    c
}
// ANCHOR_END: gemm_cpu

/// Cells of the recipe's products checked against a double-precision sum.
const SAMPLES: usize = 256;

/// GFLOP/s of an n×n GEMM (2n³ flops) that took `took`.
pub fn gflops(n: usize, took: Duration) -> f64 {
    2.0 * (n as f64).powi(3) / took.as_secs_f64().max(1e-12) / 1e9
}

/// `"<label> took 0.012345 seconds: 174.00 GFLOP/s"`.
pub fn rate_line(label: &str, n: usize, took: Duration) -> String {
    format!(
        "{label} took {:.6} seconds: {:.2} GFLOP/s",
        took.as_secs_f64(),
        gflops(n, took)
    )
}

/// The recipe's check of C = A·B + D as computed by CLBlast (`gpu`) and ndarray
/// (`cpu`): every cell of one against the other, and sampled cells of each against a
/// double-precision sum. Returns the line that reports it, or an error when a relative error
/// reaches [`MAX_RELATIVE_ERROR`].
pub fn check(
    a: &[f32],
    b: &[f32],
    d: &[f32],
    [gpu, cpu]: [&[f32]; 2],
    n: usize,
    rng: &mut impl RngExt,
) -> anyhow::Result<String> {
    let cells = sample_cells(rng, n, SAMPLES);
    let between = max_relative_error(gpu, cpu);
    let exact = |c: &[f32]| sampled_relative_error_plus(a, b, Some(d), c, n, &cells);
    let (gpu_exact, cpu_exact) = (exact(gpu), exact(cpu));
    let worst = between.max(gpu_exact).max(cpu_exact);
    ensure!(
        worst < MAX_RELATIVE_ERROR,
        "the {n}x{n} products are off by a relative {worst:e}"
    );
    Ok(format!(
        "Maximum error {:.6} (largest relative error: CLBlast vs ndarray {between:.1e} \
         in all cells; against f64 in {} sampled cells: CLBlast {gpu_exact:.1e}, \
         ndarray {cpu_exact:.1e}; bound {MAX_RELATIVE_ERROR:.0e})",
        max_absolute_error(gpu, cpu),
        cells.len()
    ))
}

/// The median of some times (at least one).
pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The largest |got − expected| over all cells (the book's `Maximum error`).
pub fn max_absolute_error(got: &[f32], expected: &[f32]) -> f32 {
    got.iter()
        .zip(expected)
        .map(|(g, e)| (g - e).abs())
        .fold(0.0, f32::max)
}

/// The largest |got − expected| / |expected| over all cells.
pub fn max_relative_error(got: &[f32], expected: &[f32]) -> f64 {
    got.iter()
        .zip(expected)
        .map(|(&g, &e)| relative_error(f64::from(g), f64::from(e)))
        .fold(0.0, f64::max)
}

/// |got − expected| / |expected|, infinite for a NaN.
pub fn relative_error(got: f64, expected: f64) -> f64 {
    if got.is_nan() {
        return f64::INFINITY;
    }
    (got - expected).abs() / expected.abs().max(f64::MIN_POSITIVE)
}

/// `samples` random cells (row, column) of an n×n matrix; every cell when there are fewer.
pub fn sample_cells(rng: &mut impl RngExt, n: usize, samples: usize) -> Vec<(usize, usize)> {
    if n * n <= samples {
        return (0..n * n).map(|cell| (cell / n, cell % n)).collect();
    }
    (0..samples)
        .map(|_| (rng.random_range(0..n), rng.random_range(0..n)))
        .collect()
}

/// The largest relative error of `c` = A·B on `cells`, each recomputed as a double-precision
/// sum.
pub fn sampled_relative_error(
    a: &[f32],
    b: &[f32],
    c: &[f32],
    n: usize,
    cells: &[(usize, usize)],
) -> f64 {
    sampled_relative_error_plus(a, b, None, c, n, cells)
}

/// As [`sampled_relative_error`] for `c` = A·B + D.
pub fn sampled_relative_error_plus(
    a: &[f32],
    b: &[f32],
    d: Option<&[f32]>,
    c: &[f32],
    n: usize,
    cells: &[(usize, usize)],
) -> f64 {
    cells
        .iter()
        .map(|&(row, col)| {
            let product: f64 = (0..n)
                .map(|k| f64::from(a[row * n + k]) * f64::from(b[k * n + col]))
                .sum();
            let exact = product + d.map_or(0.0, |d| f64::from(d[row * n + col]));
            relative_error(f64::from(c[row * n + col]), exact)
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_two_n_cubed_flops_over_the_time() {
        let line = rate_line("CLBlast", 1000, Duration::from_millis(20));
        assert_eq!(line, "CLBlast took 0.020000 seconds: 100.00 GFLOP/s");
    }

    #[test]
    fn the_check_reports_both_products_and_fails_on_a_wrong_one() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let (a, b, d) = ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0; 4]);
        let c = [20.0, 23.0, 44.0, 51.0];
        let line = check(&a, &b, &d, [&c, &c], 2, &mut rng).expect("right");
        assert!(
            line.starts_with("Maximum error 0.000000 (largest relative error: "),
            "{line}"
        );
        assert!(line.contains("against f64 in 4 sampled cells"), "{line}");
        let wrong = [20.0, 23.0, 44.0, 52.0];
        let error = check(&a, &b, &d, [&wrong, &c], 2, &mut rng).expect_err("wrong");
        assert!(
            error
                .to_string()
                .starts_with("the 2x2 products are off by a relative ")
        );
    }

    #[test]
    fn the_cpu_gemm_of_small_matrices() {
        assert_eq!(
            gemm_cpu(&[1.0, 2.0, 3.0, 4.0], &[5.0, 6.0, 7.0, 8.0], 2),
            [19.0, 22.0, 43.0, 50.0]
        );
    }

    #[test]
    fn the_absolute_error_is_the_largest_difference() {
        assert_eq!(
            max_absolute_error(&[1.0, 2.5, -1.0], &[1.0, 2.0, -1.25]),
            0.5
        );
    }

    #[test]
    fn relative_errors_and_nan() {
        assert_eq!(
            max_relative_error(&[1.0, 2.2], &[1.0, 2.0]),
            (2.2f32 - 2.0) as f64 / 2.0
        );
        assert!(max_relative_error(&[f32::NAN], &[1.0]).is_infinite());
    }

    #[test]
    fn sampled_errors_use_the_exact_sum() {
        let (a, b) = ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]);
        let cells = [(0, 0), (1, 1)];
        assert_eq!(
            sampled_relative_error(&a, &b, &[19.0, 0.0, 0.0, 50.0], 2, &cells),
            0.0
        );
        assert!(sampled_relative_error(&a, &b, &[19.0, 0.0, 0.0, 51.0], 2, &cells) > 0.01);
        let d = [1.0, 0.0, 0.0, 2.0];
        let got = [20.0, 0.0, 0.0, 52.0];
        assert_eq!(
            sampled_relative_error_plus(&a, &b, Some(&d), &got, 2, &cells),
            0.0
        );
    }

    #[test]
    fn small_matrices_are_checked_in_every_cell() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        assert_eq!(sample_cells(&mut rng, 3, 256).len(), 9);
        let cells = sample_cells(&mut rng, 100, 50);
        assert_eq!(cells.len(), 50);
        assert!(cells.iter().all(|&(r, c)| r < 100 && c < 100));
    }
}
