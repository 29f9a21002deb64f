//! Runs the real `gpu-reduce-sum` binary on the default OpenCL device (PoCL unless told
//! otherwise) and checks its passes and its sum.

use common::testing::{Run, after_device_line, assert_no_opencl_platform_error, run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-reduce-sum");

/// `(values in, work-groups, size, padding)` of each printed pass.
fn passes(run: &Run) -> Vec<(usize, usize, usize, usize)> {
    run.lines_starting("pass ")
        .iter()
        .map(|line| {
            let numbers: Vec<usize> = line
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().expect("digits"))
                .collect();
            // pass P: N values in G work-groups of S, Z zeros of padding -> G partial sums
            assert_eq!(numbers.len(), 6, "{line}");
            assert_eq!(
                numbers[2], numbers[5],
                "one partial sum per work-group: {line}"
            );
            (numbers[1], numbers[2], numbers[3], numbers[4])
        })
        .collect()
}

/// The passes a tree reduction of `n` values with groups of `size` must make.
fn expected_passes(mut n: usize, size: usize) -> Vec<(usize, usize, usize, usize)> {
    let mut passes = Vec::new();
    loop {
        let groups = n.div_ceil(size);
        passes.push((n, groups, size, groups * size - n));
        if groups == 1 {
            return passes;
        }
        n = groups;
    }
}

#[test]
fn the_books_1_to_10000_sums_to_50005000() {
    let run = run_ok(BIN, &[]);
    assert!(
        after_device_line(&run.stdout)
            .starts_with("vector to reduce =  [    1     2     3 ...  9998  9999 10000]\n")
    );
    // 10000 values: 40 groups of 256, the last holding 16 values and 240 zeros; then 40 -> 1.
    assert_eq!(passes(&run), [(10_000, 40, 256, 240), (40, 1, 256, 216)]);
    assert_eq!(run.lines_starting("result =  "), ["result =  50005000"]);
    assert!(
        run.stdout
            .ends_with("Check: 50005000 = the CPU's sum = 10000*(10000+1)/2\n")
    );
}

#[test]
fn small_work_groups_take_several_passes() {
    let run = run_ok(BIN, &["--length", "100000", "--work-group", "8"]);
    assert_eq!(passes(&run), expected_passes(100_000, 8));
    assert_eq!(passes(&run).len(), 6);
    assert_eq!(run.lines_starting("result =  "), ["result =  5000050000"]);
}

#[test]
fn a_short_vector_fits_one_partial_work_group() {
    let run = run_ok(BIN, &["--length", "5"]);
    assert_eq!(
        after_device_line(&run.stdout).lines().next(),
        Some("vector to reduce =  [1 2 3 4 5]")
    );
    assert_eq!(passes(&run), [(5, 1, 256, 251)]);
    assert_eq!(run.lines_starting("result =  "), ["result =  15"]);
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    assert_no_opencl_platform_error(BIN, &[]);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--length", "0"], 2, "--length");
    run_fails(BIN, &["--work-group", "1"], 2, "not a power of two");
    run_fails(
        BIN,
        &["--length", "16777217"],
        2,
        "16777217 is not in 1..=16777216",
    );
    run_fails(
        BIN,
        &["--work-group", "2048"],
        2,
        "2048 is not a power of two from 2 to 1024",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
