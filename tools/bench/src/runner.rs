//! Running a recipe's binary again and again, and reading numbers out of what it printed.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, ensure};
use compare::measure::{self, Cmd, Job};
use indicatif::ProgressBar;
use regex::Regex;

use crate::reference::References;

/// Runs the recipes' release binaries and the C references, `repeat` times each, moving the
/// progress bar by each run's estimated seconds so that its time left is meaningful.
#[derive(Debug)]
pub struct Runner {
    pub bin_dir: PathBuf,
    pub repeat: usize,
    pub timeout: Duration,
    pub progress: ProgressBar,
    /// Estimated tenths of a second of the runs of the current plan, for the progress bar.
    pub weight: Cell<u64>,
}

impl Runner {
    /// What recipe `name args` printed in each of `repeat` runs; an error if any run failed.
    pub fn outputs(&self, name: &str, args: &[&str]) -> anyhow::Result<Vec<String>> {
        self.program(&self.bin_dir.join(name), name, args)
    }

    /// The same for example `example` of a recipe (built in `examples/` of the profile).
    pub fn example(&self, example: &str, args: &[&str]) -> anyhow::Result<Vec<String>> {
        let path = self.bin_dir.join("examples").join(example);
        self.program(&path, example, args)
    }

    /// The same for C reference `name`.
    pub fn c(&self, refs: &References, name: &str, args: &[&str]) -> anyhow::Result<Vec<String>> {
        let path = refs.path(name)?;
        self.program(path, &format!("C {name}"), args)
    }

    /// What `program args` printed in each of `repeat` runs; `shown` names it on the bar and in
    /// errors.
    pub fn program(
        &self,
        program: &Path,
        shown: &str,
        args: &[&str],
    ) -> anyhow::Result<Vec<String>> {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        let shown = format!("{shown} {}", args.join(" "));
        let mut outputs = Vec::new();
        for _ in 0..self.repeat {
            self.progress.set_message(shown.clone());
            let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
            let measured = measure::measure(&Job {
                cwd: scratch.path().to_owned(),
                servers: Vec::new(),
                command: Cmd::new(program, &args),
                timeout: self.timeout,
            })?;
            self.progress.inc(self.weight.get());
            ensure!(
                measured.succeeded(),
                "`{shown}` failed ({}): {}",
                measured.exit_phrase(),
                measured.output.lines().last().unwrap_or("no output")
            );
            outputs.push(measured.output);
        }
        Ok(outputs)
    }
}

/// The first capture of `pattern` in `text`, as a number.
pub fn number(text: &str, pattern: &str) -> Option<f64> {
    let regex = Regex::new(pattern).ok()?;
    regex.captures(text)?.get(1)?.as_str().parse().ok()
}

/// Every match of `pattern` in `text`: its captures (after the whole match), as strings.
pub fn all_captures(text: &str, pattern: &str) -> Vec<Vec<String>> {
    let Ok(regex) = Regex::new(pattern) else {
        return Vec::new();
    };
    regex
        .captures_iter(text)
        .map(|caps| {
            caps.iter()
                .skip(1)
                .map(|group| group.map_or(String::new(), |g| g.as_str().to_owned()))
                .collect()
        })
        .collect()
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|value| value.is_finite());
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    })
}

/// The median over the runs' outputs of the number `pattern` captures; an error naming the
/// pattern when no output has it.
pub fn median_number(outputs: &[String], pattern: &str) -> anyhow::Result<f64> {
    median(
        outputs
            .iter()
            .filter_map(|out| number(out, pattern))
            .collect(),
    )
    .with_context(|| format!("no output matched {pattern:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_come_out_of_lines() {
        let text = "serial time= 0.123\nThread Pool Execution in 1.5e-3 seconds\n";
        assert_eq!(number(text, r"time=\s*([0-9.]+)"), Some(0.123));
        assert_eq!(number(text, r"Pool Execution in ([0-9.e-]+)"), Some(0.0015));
        assert_eq!(number(text, r"missing ([0-9]+)"), None);
    }

    #[test]
    fn captures_come_in_order() {
        let rows = all_captures(
            "n = 64: a 1.0 s\nn = 128: a 2.0 s\n",
            r"n = (\d+): a ([0-9.]+) s",
        );
        assert_eq!(rows, [["64", "1.0"], ["128", "2.0"]]);
    }

    #[test]
    fn the_median_is_the_middle() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
        let outputs = vec!["t= 3".to_owned(), "t= 1".to_owned(), "t= 2".to_owned()];
        assert_eq!(median_number(&outputs, r"t= (\d+)").unwrap(), 2.0);
        assert!(median_number(&outputs, r"x (\d+)").is_err());
    }
}
