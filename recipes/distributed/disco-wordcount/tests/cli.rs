//! Runs the real `disco-wordcount` binary and checks its counts against a count made here.

use std::collections::BTreeMap;
use std::path::Path;

use common::testing::{run_fails, run_ok};

const BIN: &str = env!("CARGO_BIN_EXE_disco-wordcount");

/// Counts the words of the files in `dir` the simple way: whitespace, no periods or commas,
/// lowercase.
fn count_here(files: &[&Path]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(file).expect("read a corpus file");
        for word in text.split_whitespace() {
            let word = word.trim_end_matches(['.', ',']).to_lowercase();
            *counts.entry(word).or_insert(0) += 1;
        }
    }
    counts
}

/// The `word count` lines after "top N words:".
fn printed_counts(stdout: &str) -> Vec<(String, u64)> {
    stdout
        .lines()
        .skip_while(|line| !line.starts_with("top "))
        .skip(1)
        .take_while(|line| !line.starts_with("total: "))
        .map(|line| {
            let (word, count) = line.split_once(' ').expect("word and count");
            (word.to_owned(), count.parse().expect("a count"))
        })
        .collect()
}

fn line_with<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    let line = stdout.lines().find(|line| line.starts_with(prefix));
    line.unwrap_or_else(|| panic!("no {prefix:?} line in {stdout}"))
}

#[test]
fn every_count_of_a_generated_corpus_matches_a_count_made_here() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let corpus = dir.path().join("corpus");
    let corpus_arg = corpus.to_str().expect("a UTF-8 path");
    let args = [
        "--seed", "11", "--files", "3", "--words", "5000", "--top", "100",
    ];
    let run = run_ok(BIN, &[&args[..], &["--corpus-dir", corpus_arg]].concat());
    assert!(run.stdout.starts_with("corpus: 3 files of 5000 words in "));

    let files: Vec<_> = (0..3)
        .map(|i| corpus.join(format!("part-{i:03}.txt")))
        .collect();
    let expected = count_here(&files.iter().map(|f| f.as_path()).collect::<Vec<_>>());
    let printed = printed_counts(&run.stdout);
    assert_eq!(printed.len(), expected.len());
    let printed_map: BTreeMap<String, u64> = printed.iter().cloned().collect();
    assert_eq!(printed_map, expected);
    assert!(
        printed.windows(2).all(|pair| pair[0].1 >= pair[1].1),
        "sorted by count: {printed:?}"
    );

    assert_eq!(
        line_with(&run.stdout, "map: "),
        "map: 3 splits -> 15000 (word, 1) pairs"
    );
    let sizes: u64 = line_with(&run.stdout, "partition: 4 partitions of ")
        .trim_start_matches("partition: 4 partitions of ")
        .trim_end_matches(" pairs")
        .split(", ")
        .map(|size| size.parse::<u64>().expect("a size"))
        .sum();
    assert_eq!(sizes, 15000);
    assert_eq!(
        line_with(&run.stdout, "group: "),
        format!("group: {} distinct words", expected.len())
    );
    assert_eq!(
        line_with(&run.stdout, "total: "),
        format!("total: 15000 words, {} distinct", expected.len())
    );
    assert!(run.stdout.ends_with("every count equal\n"));
}

#[test]
fn given_files_are_counted_exactly() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (one, two) = (dir.path().join("one.txt"), dir.path().join("two.txt"));
    std::fs::write(&one, "The cat saw the dog.\nThe end.\n").unwrap();
    std::fs::write(&two, "Dog, cat; dog!\n").unwrap();
    let run = run_ok(
        BIN,
        &[
            "--input",
            one.to_str().unwrap(),
            "--input",
            two.to_str().unwrap(),
            "--top",
            "3",
        ],
    );
    let printed = printed_counts(&run.stdout);
    let expected = [("dog", 3), ("the", 3), ("cat", 2)].map(|(w, c)| (w.to_owned(), c));
    assert_eq!(printed, expected);
    assert_eq!(
        line_with(&run.stdout, "total: "),
        "total: 10 words, 5 distinct"
    );
    assert!(!run.stdout.contains("corpus: "));
}

#[test]
fn threads_and_partitions_change_nothing_but_the_buckets() {
    let counts = |threads: &str, partitions: &str| {
        let args = [
            "--seed",
            "5",
            "--words",
            "2000",
            "--threads",
            threads,
            "--partitions",
            partitions,
        ];
        let run = run_ok(BIN, &args);
        let corpus = line_with(&run.stdout, "corpus: ");
        let dir = corpus
            .split(" in ")
            .nth(1)
            .unwrap()
            .split(" (seed")
            .next()
            .unwrap();
        assert!(
            !Path::new(dir).exists(),
            "the temporary corpus {dir} was left behind"
        );
        (
            printed_counts(&run.stdout),
            line_with(&run.stdout, "total: ").to_owned(),
        )
    };
    let base = counts("1", "1");
    assert_eq!(base.0.len(), 10);
    assert_eq!(base.1, "total: 8000 words, 40 distinct");
    assert_eq!(base, counts("3", "7"));
    assert_eq!(base, counts("2", "64"));
}

#[test]
fn bad_input_and_arguments_fail_clearly() {
    run_fails(
        BIN,
        &["--input", "/no/such/file.txt"],
        1,
        "cannot read /no/such/file.txt",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--partitions", "0"], 2, "--partitions");
    run_fails(BIN, &["--files", "0"], 2, "--files");
    run_fails(BIN, &["--words", "0"], 2, "--words");
}

#[test]
fn the_first_value_past_each_bound_is_refused_by_the_parser() {
    for (flag, value, message) in [
        ("--files", "1001", "1001 is not in 1..=1000"),
        ("--words", "100001", "100001 is not in 1..=100000"),
        ("--partitions", "1025", "1025 is not in 1..=1024"),
        ("--top", "1000001", "1000001 is not in 0..=1000000"),
        ("--threads", "257", "257 is not in 1..=256"),
    ] {
        run_fails(BIN, &[flag, value], 2, message);
    }
}
