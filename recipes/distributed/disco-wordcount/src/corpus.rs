//! The word count's input when no `--input` is given: a corpus generated from a small word list
//! of the recipe's own, with Zipf-like frequencies and a `--seed` for repeatable counts.
//! Infrastructure, not the recipe: Disco's example counts a text fetched over HTTP.

use std::path::PathBuf;

use anyhow::Context;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use tempfile::TempDir;

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

/// The generated corpus's flags.
#[derive(clap::Args)]
pub struct CorpusArgs {
    /// Files in the generated corpus, one map task each; at most 1000.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    files: u32,
    /// Words per generated file, at most 100000 (the job keeps every word in memory).
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    words: u32,
    /// Write the generated corpus here and keep it [default: a temporary directory].
    #[arg(long, value_name = "DIR")]
    corpus_dir: Option<PathBuf>,
    /// Seed of the generated corpus; random when absent (and printed).
    #[arg(long)]
    seed: Option<u64>,
}

/// The files to count, and the temporary directory holding a generated corpus unless
/// `--corpus-dir` named one (dropping it removes the files).
pub struct Inputs {
    pub files: Vec<PathBuf>,
    _temporary: Option<TempDir>,
}

/// The `--input` files, or a corpus generated as `args` say when there are none.
pub fn inputs(input: &[PathBuf], args: &CorpusArgs) -> anyhow::Result<Inputs> {
    if input.is_empty() {
        return generate(args);
    }
    let files = input.to_vec();
    Ok(Inputs {
        files,
        _temporary: None,
    })
}

/// Writes `--files` files of `--words` words each, in sentences of 5 to 14 words that start
/// with a capital and end with a period, into `--corpus-dir` or a temporary directory.
fn generate(args: &CorpusArgs) -> anyhow::Result<Inputs> {
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
    Ok(Inputs {
        files,
        _temporary: temporary,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_have_the_asked_word_count_and_repeat_for_a_seed() {
        let text = sentences(&mut SmallRng::seed_from_u64(3), 101);
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(words.len(), 101);
        assert!(text.ends_with(".\n"));
        assert_eq!(text, sentences(&mut SmallRng::seed_from_u64(3), 101));
        let plain = |word: &str| word.trim_end_matches('.').to_lowercase();
        assert!(
            words
                .iter()
                .all(|word| VOCABULARY.contains(&plain(word).as_str()))
        );
    }
}
