//! Runs the real `gpu-gemm` binary and its `kernels` example on the default OpenCL device
//! (PoCL unless told otherwise) with small sizes, recomputes the book's A·B + D here, checks
//! the tuned-parameter file is written and read back, and checks the timing lines' shape and
//! arithmetic (never their values: machines differ).

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::testing::{
    EmptyDir, Run, assert_no_opencl_platform_error, example, numpy_vector_after, run_fails, run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-gemm");
const RESULT: &str = "RESULT MATRIX A·B + D EVALUATED WITH CLBLAST";

/// `(seconds, GFLOP/s)` of the line `n = {n}: {label} ...` of the `kernels` example.
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

/// Every number in scientific notation on `line` (the relative errors).
fn errors_in(line: &str) -> Vec<f64> {
    line.split(|c: char| c.is_whitespace() || ",;()".contains(c))
        .filter(|word| word.starts_with(|c: char| c.is_ascii_digit()) && word.contains('e'))
        .map(|word| {
            word.parse::<f64>()
                .unwrap_or_else(|_| panic!("not an error: {word:?}"))
        })
        .collect()
}

/// `(seconds, GFLOP/s)` of the recipe's line `{label} took X seconds: Y GFLOP/s`, checking
/// that the rate is 2n³ flops over the time (both rounded).
fn rate(run: &Run, label: &str, n: usize) -> (f64, f64) {
    let prefix = format!("{label} took ");
    let lines = run.lines_starting(&prefix);
    assert_eq!(lines.len(), 1, "{prefix:?} in:\n{}", run.stdout);
    let rest = lines[0][prefix.len()..]
        .strip_suffix(" GFLOP/s")
        .expect("ends in GFLOP/s");
    let (seconds, gflops) = rest.split_once(" seconds: ").expect("seconds: GFLOP/s");
    let (seconds, gflops): (f64, f64) = (seconds.parse().unwrap(), gflops.parse().unwrap());
    if seconds > 1e-4 {
        let expected = 2.0 * (n as f64).powi(3) / seconds / 1e9;
        assert!(
            (gflops - expected).abs() <= 0.01 + expected * 0.02,
            "{}",
            lines[0]
        );
    }
    (seconds, gflops)
}

/// The one value after `prefix`, e.g. the ratio of `CLBlast / ndarray: 0.52`.
fn value_after(run: &Run, prefix: &str) -> f64 {
    let lines = run.lines_starting(prefix);
    assert_eq!(lines.len(), 1, "{prefix:?} in:\n{}", run.stdout);
    lines[0][prefix.len()..].trim().parse().expect("a number")
}

/// Asserts a printed ratio (2 decimals) is `numerator / denominator`, both printed with 2
/// decimals, allowing for the three roundings.
fn assert_ratio(ratio: f64, numerator: f64, denominator: f64) {
    if numerator < 0.01 || denominator < 0.01 {
        return; // rounded to nothing: no ratio to check
    }
    let expected = numerator / denominator;
    let slack = 0.006 + expected * (0.006 / numerator + 0.006 / denominator + 0.01);
    assert!(
        (ratio - expected).abs() <= slack,
        "{ratio} vs {numerator}/{denominator}"
    );
}

/// The checks every run of the recipe prints: both timings, their ratio, and the errors.
fn assert_timed_and_checked(run: &Run, n: usize) {
    let (_, cpu) = rate(run, "ndarray (CPU)", n);
    let (_, gpu) = rate(run, "CLBlast", n);
    assert_eq!(
        run.lines_starting("CLBlast first call (compiles its kernels) took ")
            .len(),
        1
    );
    assert_ratio(value_after(run, "CLBlast / ndarray: "), gpu, cpu);
    let line = run.lines_starting("Maximum error ")[0];
    assert!(line.ends_with("; bound 1e-4)"), "{line}");
    let errors = errors_in(line);
    // CLBlast vs ndarray; CLBlast and ndarray against f64; the bound.
    assert_eq!(errors.len(), 4, "{line}");
    assert!(errors[..3].iter().all(|e| *e < 1e-4), "{line}");
    let sampled = (n * n).min(256);
    assert!(
        line.contains(&format!("against f64 in {sampled} sampled cells")),
        "{line}"
    );
}

#[test]
fn the_books_a_times_b_plus_d_matches_a_recomputation_and_bigger_sizes_check_themselves() {
    let run = run_ok(
        BIN,
        &["--dim", "10", "--seed", "4", "--no-tune", "--repeat", "1"],
    );
    let lines: Vec<&str> = run.stdout.lines().take(3).collect();
    assert!(lines[0].starts_with("OpenCL device: "), "{lines:?}");
    assert!(lines[1].starts_with("CPU fp32 peak: "), "{lines:?}");
    assert!(
        lines[1].ends_with(" GFLOP/s") && lines[1].contains(" FMA units × "),
        "{lines:?}"
    );
    assert_eq!(
        lines[2],
        "CLBlast GEMM parameters: CLBlast's own (--no-tune)"
    );
    let dim = 10;
    let a = numpy_vector_after::<f64>(&run.stdout, "MATRIX A :");
    let b = numpy_vector_after::<f64>(&run.stdout, "MATRIX B :");
    let d = numpy_vector_after::<f64>(&run.stdout, "MATRIX D :");
    let c = numpy_vector_after::<f64>(&run.stdout, RESULT);
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
    assert_timed_and_checked(&run, dim);

    // 64 is a whole number of any tile; 100 leaves partial ones. Above 10 nothing is printed
    // but the lines of the check, which must hold.
    for (n, seed) in [(64, "1"), (100, "2")] {
        let dim = n.to_string();
        let run = run_ok(BIN, &["--dim", &dim, "--seed", seed, "--no-tune"]);
        assert!(!run.stdout.contains("MATRIX A :") && !run.stdout.contains(RESULT));
        assert_timed_and_checked(&run, n);
    }
}

/// The line the recipe prints about CLBlast's parameters.
fn parameters_line(run: &Run) -> &str {
    let lines = run.lines_starting("CLBlast GEMM parameters: ");
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    lines[0]
}

#[test]
fn tuned_parameters_are_searched_once_saved_and_read_back() {
    let cache = EmptyDir::new();
    let dir = cache.path().to_str().expect("a UTF-8 path");
    let args = |extra: &[&'static str]| -> Vec<String> {
        [
            "--dim",
            "32",
            "--seed",
            "3",
            "--repeat",
            "1",
            "--cache-dir",
            dir,
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(extra.iter().map(|s| s.to_string()))
        .collect()
    };
    let run_with = |extra: &[&'static str]| {
        let args = args(extra);
        run_ok(BIN, &args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let first = run_with(&["--tune-candidates", "2"]);
    assert_eq!(
        first
            .lines_starting(
                "Tuning CLBlast's GEMM for this device, once: 2 candidates at n = 1024, "
            )
            .len(),
        1,
        "{}",
        first.stdout
    );
    let tried = first.lines_starting("  1/2 kernel 0, work-groups 16x8, 4x8 cells per work-item");
    assert_eq!(
        tried.len(),
        1,
        "CLBlast's Intel-CPU choice first:\n{}",
        first.stdout
    );
    assert!(tried[0].contains(" GFLOP/s (compiled in "), "{}", tried[0]);
    assert_eq!(
        first
            .lines_starting("  2/2 kernel 0, work-groups 8x8, ")
            .len(),
        1
    );
    let line = parameters_line(&first);
    assert!(
        line.contains(" (tuned now: ") && line.contains(" GFLOP/s at n = 1024; saved to "),
        "{line}"
    );
    assert_timed_and_checked(&first, 32);

    let files: Vec<_> = std::fs::read_dir(cache.path())
        .expect("the cache folder")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("clblast-sgemm-") && name.ends_with(".txt"),
        "{name}"
    );
    assert!(
        line.ends_with(&format!("saved to {})", file.display())),
        "{line}"
    );
    let text = std::fs::read_to_string(file).expect("the tuned file");
    let device = first.stdout.lines().next().unwrap();
    let device_name = device["OpenCL device: ".len()..]
        .split(" (")
        .next()
        .unwrap();
    assert!(
        text.contains(&format!("device = {device_name} / ")),
        "{text}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("Xgemm = GEMMK="))
            .count(),
        1,
        "{text}"
    );

    // The second run reads the file: no search, the same parameters.
    let second = run_with(&["--tune-candidates", "2"]);
    assert!(
        !second.stdout.contains("Tuning CLBlast's GEMM"),
        "{}",
        second.stdout
    );
    let kept = line.split(" (tuned now").next().unwrap();
    assert_eq!(
        parameters_line(&second),
        format!("{kept} (read from {})", file.display())
    );
    assert_eq!(std::fs::read_to_string(file).unwrap(), text, "unchanged");
    assert_timed_and_checked(&second, 32);

    // A file that does not parse is replaced by a new search; --retune searches regardless.
    std::fs::write(file, "device = something else\n").unwrap();
    for extra in [
        &["--tune-candidates", "1"][..],
        &["--tune-candidates", "1", "--retune"],
    ] {
        let run = run_with(extra);
        assert!(
            run.stdout.contains("once: 1 candidates at n = 1024"),
            "{}",
            run.stdout
        );
        assert!(
            parameters_line(&run).contains(" (tuned now: "),
            "{}",
            run.stdout
        );
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.contains("Xgemm = GEMMK=0 KREG=1 KWG=32 KWI=2 MDIMA=16 MDIMC=16 MWG=64 "),
            "{text}"
        );
    }
}

/// A stand-in for Python at `dir/python3`: a shell script that prints `output` and exits
/// with `code`, as the NumPy child would.
fn fake_python(dir: &Path, output: &str, code: i32) -> String {
    let path = dir.join("python3");
    std::fs::write(&path, format!("#!/bin/sh\necho '{output}'\nexit {code}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn numpy_is_the_anchor_of_the_ratios_or_a_note_says_how_to_get_it() {
    let dir = EmptyDir::new();
    let python = fake_python(dir.path(), "0.0001 9.9.9", 0);
    let base = [
        "--dim",
        "32",
        "--seed",
        "5",
        "--repeat",
        "1",
        "--no-tune",
        "--numpy",
    ];
    let with = |python: &str| {
        let args: Vec<&str> = base.iter().copied().chain(["--python", python]).collect();
        run_ok(BIN, &args)
    };
    let run = with(&python);
    assert_timed_and_checked(&run, 32);
    let (seconds, numpy) = rate(&run, "NumPy 9.9.9 A @ B", 32);
    assert_eq!((seconds, numpy), (0.0001, 0.66)); // 2·32³ flops in 0.1 ms
    let (_, gpu) = rate(&run, "CLBlast", 32);
    let (_, cpu) = rate(&run, "ndarray (CPU)", 32);
    assert_ratio(value_after(&run, "CLBlast / NumPy: "), gpu, numpy);
    assert_ratio(value_after(&run, "ndarray / NumPy: "), cpu, numpy);

    let missing = with(&fake_python(dir.path(), "", 3));
    let note = missing.lines_starting("NumPy anchor skipped: numpy is missing for ");
    assert_eq!(note.len(), 1, "{}", missing.stdout);
    assert!(note[0].contains("pip install numpy"), "{}", note[0]);
    let absent = with("/nonexistent/python3");
    let note = absent.lines_starting("NumPy anchor skipped: cannot run /nonexistent/python3 (");
    assert_eq!(note.len(), 1, "{}", absent.stdout);
    assert!(absent.lines_starting("CLBlast / NumPy").is_empty());
}

#[test]
fn without_clblast_it_fails_in_one_line_naming_the_setup_script() {
    let line = run_fails(
        BIN,
        &["--dim", "4", "--clblast", "/nonexistent/libclblast.so.1"],
        1,
        "error: CLBlast not found (/nonexistent/libclblast.so.1",
    );
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.ends_with("install it with scripts/setup.sh (Debian's libclblast-dev)"),
        "{line}"
    );
}

#[test]
fn every_size_is_timed_four_ways_and_checked() {
    // 20 and 33 leave partial 16×16 tiles and 8×8 blocks; 48 is three whole tiles.
    let run = run_ok(
        &example("kernels"),
        &["--seed", "1", "--sizes", "20,33,48", "--samples", "2000"],
    );
    assert_eq!(run.lines_starting("OpenCL device: ").len(), 1);
    for n in [20usize, 33, 48] {
        let mut naive = 0.0;
        for label in [
            "CPU (i-k-j loop, 1 core)",
            "naive kernel",
            "tiled kernel (16x16 tiles)",
            "blocked kernel (8x8, float8)",
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
            if label == "naive kernel" {
                naive = seconds;
            } else if label.starts_with("blocked") && seconds > 1e-4 && naive > 1e-4 {
                let prefix = format!("n = {n}: blocked kernel / naive kernel: ");
                let line = run.lines_starting(&prefix)[0];
                let ratio: f64 = line[prefix.len()..]
                    .strip_suffix("x the GFLOP/s")
                    .expect("a ratio")
                    .parse()
                    .expect("a number");
                assert!(
                    (ratio - naive / seconds).abs() <= 0.1 + ratio * 0.05,
                    "{line}"
                );
            }
        }
        let prefix = format!("n = {n}: largest relative error: ");
        let lines = run.lines_starting(&prefix);
        assert_eq!(lines.len(), 1, "{prefix:?}");
        let errors = errors_in(&lines[0][prefix.len()..]);
        // naive, tiled, blocked: all cells, then sampled.
        assert_eq!(errors.len(), 6, "{errors:?}");
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
    timing(&run, 40, "blocked kernel (8x8, float8)");
    let prefix = "n = 40: largest relative error: ";
    let errors = errors_in(&run.lines_starting(prefix)[0][prefix.len()..]);
    assert_eq!(errors.len(), 3, "{errors:?}");
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
    run_fails(BIN, &["--dim", "8193"], 2, "--dim");
    run_fails(BIN, &["--repeat", "0"], 2, "--repeat");
    run_fails(BIN, &["--tune-candidates", "0"], 2, "--tune-candidates");
    run_fails(BIN, &["--retune", "--no-tune"], 2, "--no-tune");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    let kernels = example("kernels");
    run_fails(&kernels, &["--sizes", "64,0"], 2, "--sizes");
    run_fails(&kernels, &["--samples", "0"], 2, "--samples");
    run_fails(&kernels, &["--bogus"], 2, "--bogus");
}
