//! Runs the real `gpu-reduce-dot` binary on the default OpenCL device (PoCL unless told
//! otherwise) and recomputes its result and each work-group's partial sum; runs the
//! `reduce_dot_kernel` example and reads the source it prints.

use common::testing::{
    Run, after_device_line, assert_no_opencl_platform_error, example, numpy_vector_after,
    run_fails, run_ok,
};

const BIN: &str = env!("CARGO_BIN_EXE_gpu-reduce-dot");

/// `(groups, work-group size, partial sums)` from the work-group line.
fn work_groups(run: &Run) -> (usize, usize, Vec<i64>) {
    let lines = run.lines_starting("");
    let line = lines
        .iter()
        .find(|line| line.contains(" work-groups of "))
        .expect("a work-group line");
    let (groups, rest) = line.split_once(" work-groups of ").expect("groups");
    let (size, rest) = rest
        .split_once(" work-items, partial sums [")
        .expect("size");
    let (partials, _) = rest.split_once(']').expect("partial sums");
    let partials = partials
        .split(", ")
        .map(|p| p.parse().expect("a partial sum"))
        .collect();
    (
        groups.parse().expect("groups"),
        size.parse().expect("size"),
        partials,
    )
}

/// Checks a run over 0..length with `size`-item work-groups against this test's arithmetic.
fn check_run(run: &Run, length: i64, size: usize) {
    let a = numpy_vector_after::<i64>(&run.stdout, "INPUT VECTOR A");
    let b = numpy_vector_after::<i64>(&run.stdout, "INPUT VECTOR B");
    let expected_vector: Vec<i64> = (0..length).collect();
    assert_eq!((a.clone(), b), (expected_vector.clone(), expected_vector));

    let (groups, group_size, partials) = work_groups(run);
    assert_eq!(group_size, size);
    assert_eq!(groups, (length as usize).div_ceil(size));
    assert_eq!(partials.len(), groups);
    for (group, partial) in partials.iter().enumerate() {
        // The last group is partial: its missing work-items must have added nothing.
        let mine: i64 = a.iter().skip(group * size).take(size).map(|x| x * x).sum();
        assert_eq!(*partial, mine, "group {group}");
    }
    let result: i64 = (0..length).map(|x| x * x).sum();
    let mut lines = run
        .stdout
        .lines()
        .skip_while(|l| *l != "RESULT DOT PRODUCT OF A * B");
    assert_eq!(lines.nth(1), Some(result.to_string().as_str()));
    assert!(
        run.stdout
            .ends_with(&format!("Check: {result} = the CPU's sum of a[i]*b[i]\n"))
    );
}

#[test]
fn the_books_400_elements_give_21253400() {
    let run = run_ok(BIN, &[]);
    assert!(after_device_line(&run.stdout).starts_with("INPUT VECTOR A\n"));
    assert!(
        run.stdout
            .contains("\nRESULT DOT PRODUCT OF A * B\n21253400\n")
    );
    check_run(&run, 400, 256);
    assert_eq!(work_groups(&run).2, [5_559_680, 15_693_720]);
}

#[test]
fn smaller_work_groups_and_a_longer_vector() {
    let run = run_ok(BIN, &["--length", "1000", "--work-group", "64"]);
    check_run(&run, 1000, 64);
    let run = run_ok(BIN, &["--length", "37", "--work-group", "1"]);
    check_run(&run, 37, 1);
}

#[test]
fn the_example_prints_the_reduce_dot_kernel() {
    let run = run_ok(&example("reduce_dot_kernel"), &[]);
    assert!(run.stdout.starts_with("GENERATED KERNEL\n"));
    assert!(
        run.stdout
            .contains("int reduce_op(int a, int b) { return a+b; }")
    );
    assert!(run.stdout.contains("(int)(x[i]*y[i]) : (int)(0);"));
    assert!(
        run.stdout
            .contains("__kernel void dot_product(__global const int *x,")
    );
    // Other expressions fill the same template.
    let run = run_ok(
        &example("reduce_dot_kernel"),
        &["--reduce-expr", "a>b ? a : b", "--name", "maximum"],
    );
    assert!(
        run.stdout
            .contains("int reduce_op(int a, int b) { return a>b ? a : b; }")
    );
    assert!(run.stdout.contains("__kernel void maximum("));
}

#[test]
fn without_an_opencl_platform_it_fails_fast_in_one_line() {
    assert_no_opencl_platform_error(BIN, &[]);
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--length", "0"], 2, "--length");
    // 0²+…+1861² is the last dot product that fits a 32-bit int.
    run_fails(BIN, &["--length", "1862"], 2, "--length");
    run_fails(BIN, &["--work-group", "48"], 2, "not a power of two");
    run_fails(
        BIN,
        &["--work-group", "2048"],
        2,
        "2048 is not a power of two from 1 to 1024",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}
