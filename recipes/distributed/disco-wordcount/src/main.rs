//! # Using MapReduce with Disco
//!
//! Book: 1st edition §5.10 "Using MapReduce with Disco" (the section has no listing; its subject
//! is Disco's word count, the framework's own first example).
//!
//! Word count as MapReduce, with each phase spelled out: **map** turns every input split (a file)
//! into `(word, 1)` pairs; **partition** sends each pair to one of R buckets by a hash of its
//! word; **group** gathers, for each bucket, the pairs of every split and sorts them so equal
//! words sit together; **reduce** adds up each word's ones. Map and reduce run in parallel, one
//! task per split and per partition, as Disco's workers would on a cluster.
//!
//! ## Run
//!
//! ```text
//! cargo run -p disco-wordcount                                  # a generated corpus
//! cargo run -p disco-wordcount -- --seed 7 --top 5 --partitions 8
//! cargo run -p disco-wordcount -- --input notes.txt --input todo.txt
//! cargo run -p disco-wordcount -- --corpus-dir corpus           # keep the generated files
//! ```
//!
//! ## Python → Rust
//!
//! - `Job().run(input=..., map=fun_map, reduce=fun_reduce)` → four functions called in order;
//!   the map and reduce phases are rayon parallel iterators over splits and partitions.
//! - Disco's `map(line, params)` yielding `(word, 1)` → [`map_split`], returning the pairs.
//! - The partitioning Disco does between the phases (`partitions=R`, a hash of the key) →
//!   [`partition`]; the shuffle that hands bucket r of every map task to reduce task r → a
//!   transpose of the buckets.
//! - `kvgroup(sorted(iter))` in the reduce → [`group`]: sort the bucket, then runs of equal keys.
//! - `result_iterator(job.wait())` → the reduced pairs, sorted by count for the top words.
//!
//! ## Differences from the book
//!
//! - There is no cluster (Disco needs Erlang and Python 2): the splits are files on this host
//!   and the tasks are threads. The phases are the same, so the code maps one-to-one onto a
//!   cluster job; the chapter page says how it spreads over hosts.
//! - The input is a corpus generated from a small word list of the recipe's own
//!   (`src/corpus.rs`), with a fixed `--seed` for repeatable counts, in a temporary directory
//!   removed at the end (`--corpus-dir` keeps it); `--input` counts your files instead. Words
//!   are split on whitespace, stripped of surrounding punctuation and lowercased, so `The` and
//!   `the.` count as `the`.
//! - The run prints each phase's size, the top words and the totals, and checks every count
//!   against a plain sequential count (a `HashMap` over all the text), exiting 1 on a mismatch.
//! - The generated corpus is at most `--files` 1000 × `--words` 100,000: 10^8 words, which the
//!   job holds in memory as pairs (about 80 bytes a word: some 8 GB).

mod corpus;

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, ensure};
use clap::Parser;
use rayon::prelude::*;

#[derive(Parser)]
#[command(about = "Word count as MapReduce: map, partition, group, reduce (Disco → rayon)")]
struct Args {
    /// A text file to count (repeat for more); without one, a corpus is generated.
    #[arg(long, value_name = "FILE")]
    input: Vec<PathBuf>,
    #[command(flatten)]
    corpus: corpus::CorpusArgs,
    /// Partitions between map and reduce: Disco's `partitions`, one reduce task each; at most
    /// 1024.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=1024))]
    partitions: u16,
    /// Most frequent words to print, at most 1000000.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(..=1_000_000))]
    top: u32,
    /// Threads in the pool, at most 256 [default: one per core, or RAYON_NUM_THREADS].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.map_or(0, usize::from))
        .build()
        .context("cannot start the thread pool")?;
    // A generated corpus is removed when `inputs` is dropped, at the end.
    let inputs = corpus::inputs(&args.input, &args.corpus)?;
    let counts = pool.install(|| word_count(&inputs.files, args.partitions.into()))?;
    print_top(&counts, args.top as usize);
    check(&counts, &inputs.files)
}

type Pair = (String, u64);

// ANCHOR: word_count
/// The job, Disco's `Job().run(input, map, reduce)`: map every split and partition its pairs,
/// shuffle the buckets to their reduce task, group and reduce each partition. Returns every
/// word's count.
fn word_count(inputs: &[PathBuf], r: usize) -> anyhow::Result<Vec<Pair>> {
    let mapped: Vec<Vec<Vec<Pair>>> = inputs
        .par_iter()
        .map(|input| Ok(partition(map_split(input)?, r)))
        .collect::<anyhow::Result<_>>()?;
    let pairs: usize = mapped.iter().flatten().map(Vec::len).sum();
    println!("map: {} splits -> {pairs} (word, 1) pairs", inputs.len());

    // The shuffle: bucket k of every map task goes to reduce task k.
    let mut buckets: Vec<Vec<Pair>> = vec![Vec::new(); r];
    for split in mapped {
        for (bucket, pairs) in buckets.iter_mut().zip(split) {
            bucket.extend(pairs);
        }
    }
    let sizes: Vec<String> = buckets.iter().map(|b| b.len().to_string()).collect();
    println!("partition: {r} partitions of {} pairs", sizes.join(", "));

    let grouped: Vec<Vec<(String, Vec<u64>)>> = buckets.into_par_iter().map(group).collect();
    let words: usize = grouped.iter().map(Vec::len).sum();
    println!("group: {words} distinct words");

    let counts: Vec<Pair> = grouped.into_par_iter().flat_map_iter(reduce).collect();
    let total: u64 = counts.iter().map(|(_, count)| count).sum();
    println!("reduce: {} counts adding up to {total}", counts.len());
    Ok(counts)
}

/// Map: one split (a file) to a `(word, 1)` pair per word, as Disco's `map(line, params)`.
fn map_split(input: &Path) -> anyhow::Result<Vec<Pair>> {
    let text = std::fs::read_to_string(input)
        .with_context(|| format!("cannot read {}", input.display()))?;
    Ok(words(&text).map(|word| (word, 1)).collect())
}

/// Partition: each pair to bucket `hash(word) % r`, so every count of a word meets in one
/// reduce task, whichever split it came from.
fn partition(pairs: Vec<Pair>, r: usize) -> Vec<Vec<Pair>> {
    let mut buckets = vec![Vec::new(); r];
    for pair in pairs {
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(&pair.0);
        buckets[(hash % r as u64) as usize].push(pair);
    }
    buckets
}

/// Group: Disco's `kvgroup(sorted(iter))`, each word with all of its counts.
fn group(mut pairs: Vec<Pair>) -> Vec<(String, Vec<u64>)> {
    pairs.sort_unstable();
    let mut groups: Vec<(String, Vec<u64>)> = Vec::new();
    for (word, count) in pairs {
        match groups.last_mut() {
            Some((last, counts)) if *last == word => counts.push(count),
            _ => groups.push((word, vec![count])),
        }
    }
    groups
}

/// Reduce: each word's counts added up, Disco's `yield word, sum(counts)`.
fn reduce(groups: Vec<(String, Vec<u64>)>) -> impl Iterator<Item = Pair> {
    let sums = groups.into_iter();
    sums.map(|(word, counts)| (word, counts.iter().sum()))
}
// ANCHOR_END: word_count

/// The words of `text`: split on whitespace, stripped of surrounding punctuation, lowercased.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace()
        .map(|word| {
            word.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|word| !word.is_empty())
}

/// Prints the `top` most frequent words (ties in word order), then the totals: the book's
/// `for word, count in result_iterator(...): print(word, count)`, sorted.
fn print_top(counts: &[Pair], top: usize) {
    let mut ranked: Vec<&Pair> = counts.iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    println!("top {} words:", top.min(ranked.len()));
    for (word, count) in ranked.iter().take(top) {
        println!("{word} {count}");
    }
    let total: u64 = counts.iter().map(|(_, count)| count).sum();
    println!("total: {total} words, {} distinct", counts.len());
}

/// Compares the job's counts with a plain count of the same files in one `HashMap`.
fn check(counts: &[Pair], inputs: &[PathBuf]) -> anyhow::Result<()> {
    let mut expected: HashMap<String, u64> = HashMap::new();
    for input in inputs {
        for (word, _) in map_split(input)? {
            *expected.entry(word).or_default() += 1;
        }
    }
    let found: HashMap<String, u64> = counts.iter().cloned().collect();
    // Equal maps, and no word reduced in two partitions (it would be one key of `found`).
    ensure!(
        found == expected && found.len() == counts.len(),
        "the MapReduce counts differ from the sequential count"
    );
    let distinct = expected.len();
    println!("Sequential count agrees: {distinct} distinct words, every count equal");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(words: &[&str]) -> Vec<Pair> {
        words.iter().map(|word| (word.to_string(), 1)).collect()
    }

    #[test]
    fn words_are_normalised() {
        let found: Vec<String> = words("The cat, the DOG.\n  -- it's  (end)").collect();
        assert_eq!(found, ["the", "cat", "the", "dog", "it's", "end"]);
    }

    #[test]
    fn partition_keeps_every_pair_and_sends_a_word_to_one_bucket() {
        let buckets = partition(pairs(&["a", "b", "a", "c", "a"]), 3);
        assert_eq!(buckets.iter().map(Vec::len).sum::<usize>(), 5);
        let holding_a = buckets
            .iter()
            .filter(|bucket| bucket.iter().any(|(word, _)| word == "a"))
            .count();
        assert_eq!(holding_a, 1);
    }

    #[test]
    fn group_then_reduce_counts_each_word() {
        let groups = group(pairs(&["b", "a", "b", "b"]));
        assert_eq!(groups, [("a".into(), vec![1]), ("b".into(), vec![1, 1, 1])]);
        let counts: Vec<Pair> = reduce(groups).collect();
        assert_eq!(counts, [("a".into(), 1), ("b".into(), 3)]);
    }
}
