//! Runs the real `intro-serial-vs-parallel` binary with tiny sizes and checks its output.

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_intro-serial-vs-parallel");

/// One mode's block of output: its job lines, its time line and its speedup line if any.
#[derive(Debug)]
struct Block {
    time_label: String,
    seconds: f64,
    speedup: Option<(String, f64)>,
    /// (job index, count, sum as printed)
    jobs: Vec<(usize, u64, String)>,
}

fn blocks(stdout: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut jobs = Vec::new();
    let mut complete = false;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("  job ") {
            let (index, rest) = rest.split_once(": ").expect(line);
            let (count, sum) = rest.split_once(" values, sum ").expect(line);
            sum.parse::<f64>().expect(line);
            jobs.push((
                index.parse().unwrap(),
                count.parse().unwrap(),
                sum.to_owned(),
            ));
        } else if line == "List processing complete." {
            complete = true;
        } else if let Some((label, seconds)) = line.split_once(" time= ") {
            assert!(complete, "time before 'List processing complete.': {line}");
            complete = false;
            blocks.push(Block {
                time_label: label.to_owned(),
                seconds: seconds.parse().expect(line),
                speedup: None,
                jobs: std::mem::take(&mut jobs),
            });
        } else if let Some((label, factor)) = line.split_once(" speedup: ") {
            let factor = factor.strip_suffix('x').expect(line).parse().expect(line);
            let block = blocks.last_mut().expect(line);
            block.speedup = Some((label.to_owned(), factor));
        }
    }
    assert!(jobs.is_empty(), "job lines without a time line");
    blocks
}

fn assert_same_checksums(blocks: &[Block], jobs: usize, size: u64) {
    for block in blocks {
        let indices: Vec<usize> = block.jobs.iter().map(|j| j.0).collect();
        assert_eq!(indices, (0..jobs).collect::<Vec<_>>(), "{block:?}");
        assert!(block.jobs.iter().all(|j| j.1 == size), "{block:?}");
        for (_, _, sum) in &block.jobs {
            let sum: f64 = sum.parse().unwrap();
            assert!((0.0..size as f64).contains(&sum), "{block:?}");
        }
        assert!(block.seconds >= 0.0);
        let sums: Vec<&str> = block.jobs.iter().map(|j| j.2.as_str()).collect();
        let first: Vec<&str> = blocks[0].jobs.iter().map(|j| j.2.as_str()).collect();
        assert_eq!(sums, first, "checksums differ between modes");
    }
}

#[test]
fn the_default_run_has_three_modes_with_equal_checksums_and_speedups() {
    let run = run_ok(BIN, &["--size", "1000", "--jobs", "3"]);
    let blocks = blocks(&run.stdout);
    let labels: Vec<&str> = blocks.iter().map(|b| b.time_label.as_str()).collect();
    assert_eq!(labels, ["serial", "multithreading", "multiprocesses"]);
    assert_same_checksums(&blocks, 3, 1000);
    assert!(blocks[0].speedup.is_none());
    assert_eq!(blocks[1].speedup.as_ref().unwrap().0, "threads");
    assert_eq!(blocks[2].speedup.as_ref().unwrap().0, "processes");
    // Tiny sizes make the speedup anything from 0.00x up: only its form is checked here.
    assert!(blocks[1..].iter().all(|b| {
        let factor = b.speedup.as_ref().unwrap().1;
        factor.is_finite() && factor >= 0.0
    }));
    assert!(
        run.stdout
            .starts_with("3 jobs of 1000 random numbers each, seed 0\n")
    );
    assert!(run.stdout.ends_with(
        "Checksums: 3 jobs x 1000 values in [0, 1), identical in serial, threads, processes\n"
    ));
}

#[test]
fn each_mode_alone_gives_the_same_checksums() {
    let args = ["--size", "500", "--jobs", "4", "--seed", "9"];
    let mut all = Vec::new();
    for (mode, label) in [
        ("serial", "serial"),
        ("threads", "multithreading"),
        ("processes", "multiprocesses"),
    ] {
        let run = run_ok(BIN, &[&[mode][..], &args].concat());
        let mut blocks = blocks(&run.stdout);
        assert_eq!(blocks.len(), 1, "{}", run.stdout);
        assert_eq!(blocks[0].time_label, label);
        assert!(blocks[0].speedup.is_none(), "no serial run to compare with");
        all.push(blocks.remove(0));
    }
    assert_same_checksums(&all, 4, 500);
}

#[test]
fn eager_threads_say_they_run_serially_and_agree() {
    let run = run_ok(BIN, &["threads", "--eager", "--size", "300", "--jobs", "2"]);
    assert!(run.stdout.contains("as in the book"), "{}", run.stdout);
    assert!(run.stdout.contains("one after another"), "{}", run.stdout);
    let eager = blocks(&run.stdout);
    let plain = blocks(&run_ok(BIN, &["threads", "--size", "300", "--jobs", "2"]).stdout);
    assert_same_checksums(
        &[
            eager.into_iter().next().unwrap(),
            plain.into_iter().next().unwrap(),
        ],
        2,
        300,
    );
}

#[test]
fn both_mode_uses_thread_and_processes_wording() {
    let run = run_ok(BIN, &["both", "--size", "200", "--jobs", "2"]);
    let blocks = blocks(&run.stdout);
    let labels: Vec<&str> = blocks.iter().map(|b| b.time_label.as_str()).collect();
    assert_eq!(labels, ["threading", "processes"]);
    assert_same_checksums(&blocks, 2, 200);
}

#[test]
fn seeds_change_the_numbers() {
    let sums = |seed: &str| {
        let run = run_ok(
            BIN,
            &["serial", "--size", "100", "--jobs", "2", "--seed", seed],
        );
        blocks(&run.stdout).remove(0).jobs
    };
    assert_eq!(sums("3"), sums("3"));
    assert_ne!(sums("3"), sums("4"));
    // Job k is seeded with seed + k: job 1 of seed 3 is job 0 of seed 4.
    assert_eq!(sums("3")[1].2, sums("4")[0].2);
}

#[test]
fn a_failing_child_is_reported_with_its_job_and_exit_status() {
    let line = run_fails(
        BIN,
        &[
            "processes",
            "--size",
            "100",
            "--jobs",
            "3",
            "--fail-job",
            "1",
        ],
        1,
        "job 1: child process",
    );
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains("exit status: 1"), "{line}");
    assert!(line.contains("failed on purpose"), "{line}");
}

#[test]
fn bad_arguments_exit_2() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--jobs", "0"], 2, "--jobs");
    run_fails(BIN, &["--size", "0"], 2, "--size");
    run_fails(BIN, &["sideways"], 2, "sideways");
}

#[test]
fn size_past_its_bound_is_refused() {
    common::testing::run_fails(BIN, &["--size", "100000001"], 2, "1..=100000000");
}
