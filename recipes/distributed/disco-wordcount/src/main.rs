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
//! - The input is a corpus generated from a small word list of the recipe's own, with a fixed
//!   `--seed` for repeatable counts, in a temporary directory removed at the end (`--corpus-dir`
//!   keeps it); `--input` counts your files instead. Words are split on whitespace, stripped of
//!   surrounding punctuation and lowercased, so `The` and `the.` count as `the`.
//! - The run prints each phase's size, the top words and the totals, and checks every count
//!   against a plain sequential count (a `HashMap` over all the text), exiting 1 on a mismatch.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, ensure};
use clap::Parser;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

#[derive(Parser)]
#[command(about = "Word count as MapReduce: map, partition, group, reduce (Disco → rayon)")]
struct Args {
    /// A text file to count (repeat for more); without one, a corpus is generated.
    #[arg(long, value_name = "FILE")]
    input: Vec<PathBuf>,
    /// Files in the generated corpus, one map task each.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    files: u32,
    /// Words per generated file.
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    words: u32,
    /// Write the generated corpus here and keep it [default: a temporary directory].
    #[arg(long, value_name = "DIR")]
    corpus_dir: Option<PathBuf>,
    /// Seed of the generated corpus; random when absent (and printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Partitions between map and reduce: Disco's `partitions`, one reduce task each.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    partitions: u32,
    /// Most frequent words to print.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Threads in the pool [default: one per core, or RAYON_NUM_THREADS].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
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
    // `_corpus` is held until the end: dropping it removes a temporary corpus.
    let (_corpus, inputs) = if args.input.is_empty() {
        generate_corpus(&args)?
    } else {
        (None, args.input.clone())
    };
    let counts = pool.install(|| word_count(&inputs, args.partitions))?;
    print_top(&counts, args.top);
    check(&counts, &inputs)
}

// ANCHOR: word_count
/// The job: map every split, partition its pairs, shuffle the buckets to their reduce task,
/// group and reduce each partition. Returns every word's count.
fn word_count(inputs: &[PathBuf], partitions: u32) -> anyhow::Result<Vec<(String, u64)>> {
    let r = usize::try_from(partitions).context("too many partitions")?;
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

    let counts: Vec<(String, u64)> = grouped.into_par_iter().flat_map_iter(reduce).collect();
    let total: u64 = counts.iter().map(|(_, count)| count).sum();
    println!("reduce: {} counts adding up to {total}", counts.len());
    Ok(counts)
}

type Pair = (String, u64);

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
        let mut hasher = DefaultHasher::new();
        pair.0.hash(&mut hasher);
        let bucket = usize::try_from(hasher.finish() % r as u64).expect("below r");
        buckets[bucket].push(pair);
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

/// Reduce: each word's counts added up.
fn reduce(groups: Vec<(String, Vec<u64>)>) -> impl Iterator<Item = Pair> {
    groups
        .into_iter()
        .map(|(word, counts)| (word, counts.iter().sum()))
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

/// Prints the `top` most frequent words (ties in word order), then the totals.
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
        let text = std::fs::read_to_string(input)
            .with_context(|| format!("cannot read {}", input.display()))?;
        for word in words(&text) {
            *expected.entry(word).or_default() += 1;
        }
    }
    let found: HashMap<String, u64> = counts.iter().cloned().collect();
    ensure!(
        found.len() == counts.len(),
        "a word was reduced in two partitions"
    );
    ensure!(
        found == expected,
        "the MapReduce counts differ from the sequential count"
    );
    println!(
        "Sequential count agrees: {} distinct words, every count equal",
        expected.len()
    );
    Ok(())
}

// ANCHOR: corpus
/// The recipe's own vocabulary; the generator draws rank k with weight 1/k, as word frequencies
/// in real text roughly fall off (Zipf's law).
const VOCABULARY: [&str; 40] = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "data",
    "task",
    "worker",
    "map",
    "reduce",
    "node",
    "message",
    "queue",
    "thread",
    "process",
    "result",
    "key",
    "value",
    "split",
    "file",
    "job",
    "cluster",
    "input",
    "output",
    "count",
    "word",
    "server",
    "client",
    "channel",
    "pool",
    "lock",
    "core",
    "disk",
    "merge",
    "future",
    "event",
    "partition",
    "shuffle",
];

/// Writes `--files` files of `--words` words each, in sentences of 5 to 14 words that start
/// with a capital and end with a period, into `--corpus-dir` or a temporary directory.
fn generate_corpus(args: &Args) -> anyhow::Result<(Option<tempfile::TempDir>, Vec<PathBuf>)> {
    let seed = args.seed.unwrap_or_else(rand::random);
    let (temporary, dir) = match &args.corpus_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            (None, dir.clone())
        }
        None => {
            let temporary = tempfile::tempdir().context("cannot create a temporary directory")?;
            let dir = temporary.path().to_owned();
            (Some(temporary), dir)
        }
    };
    let mut rng = SmallRng::seed_from_u64(seed);
    let files = (0..args.files)
        .map(|index| {
            let path = dir.join(format!("part-{index:03}.txt"));
            let text = sentences(&mut rng, args.words);
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(path)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    println!(
        "corpus: {} files of {} words in {} (seed {seed})",
        args.files,
        args.words,
        dir.display()
    );
    Ok((temporary, files))
}

fn sentences(rng: &mut SmallRng, words: u32) -> String {
    let weights: Vec<f64> = (1..=VOCABULARY.len())
        .map(|rank| 1.0 / rank as f64)
        .collect();
    let total: f64 = weights.iter().sum();
    let mut text = String::new();
    let mut left = words;
    while left > 0 {
        let length = rng.random_range(5..=14).min(left);
        for position in 0..length {
            let mut pick = rng.random::<f64>() * total;
            let rank = weights
                .iter()
                .position(|weight| {
                    pick -= weight;
                    pick < 0.0
                })
                .unwrap_or(VOCABULARY.len() - 1);
            let word = VOCABULARY[rank];
            if position == 0 {
                let mut letters = word.chars();
                let first = letters.next().expect("no empty word");
                text.extend(first.to_uppercase());
                text.push_str(letters.as_str());
            } else {
                text.push(' ');
                text.push_str(word);
            }
        }
        text.push_str(".\n");
        left -= length;
    }
    text
}
// ANCHOR_END: corpus

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

    #[test]
    fn sentences_have_the_asked_word_count_and_repeat_for_a_seed() {
        let text = sentences(&mut SmallRng::seed_from_u64(3), 101);
        assert_eq!(words(&text).count(), 101);
        assert!(text.ends_with(".\n"));
        assert_eq!(text, sentences(&mut SmallRng::seed_from_u64(3), 101));
        assert!(words(&text).all(|word| VOCABULARY.contains(&word.as_str())));
    }
}
