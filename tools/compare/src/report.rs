//! Printing comparisons: one recipe in full, or every recipe's line of the summary table.

use std::fmt::Write as _;
use std::time::Duration;

use crate::comparison::{Comparison, RunResult, Status};
use crate::diff;
use crate::measure::Measured;
use crate::meta::Order;

/// The full report of one recipe: files, commands, the two outputs side by side, the
/// differences, time and memory, and the status.
pub fn full(comparison: &Comparison, order: Order, python_version: &str, width: usize) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "== {}: {}", comparison.name, comparison.title);
    for original in comparison
        .originals
        .iter()
        .filter(|o| o.starts_with("ed2:"))
    {
        let _ = writeln!(text, "   2nd edition {original}");
    }
    for listing in &comparison.ed1_listings {
        let _ = writeln!(
            text,
            "   1st edition {listing} (a listing inside the text: read, not run)"
        );
    }
    if let Some(note) = &comparison.note {
        let _ = writeln!(text, "   note        {note}");
    }
    if order == Order::Any {
        let _ = writeln!(
            text,
            "   order       any: the original's line order is nondeterministic, so both sides are sorted and compared as multisets"
        );
    }
    for run in &comparison.runs {
        text.push('\n');
        run_report(&mut text, run, python_version, width);
    }
    let _ = writeln!(text, "\nstatus: {}\n", comparison.status);
    text
}

fn run_report(text: &mut String, run: &RunResult, python_version: &str, width: usize) {
    let _ = writeln!(text, "-- {}", run.script);
    if let Some(cmd) = &run.python_cmd {
        let _ = writeln!(text, "   python   {cmd}   (Python {python_version})");
    }
    let _ = writeln!(text, "   rust     {}", run.rust_cmd);
    if let Some(python) = &run.python
        && python.timed_out
    {
        let _ = writeln!(
            text,
            "   the original was still running after {} s and was stopped; what it printed by then is compared",
            python.wall.as_secs()
        );
    }
    if !run.rows.is_empty() {
        text.push('\n');
        text.push_str(&diff::side_by_side(
            &run.rows,
            ("Python original (normalised)", "Rust port (normalised)"),
            width,
        ));
        if run.only_python.is_empty() && run.only_rust.is_empty() {
            text.push_str("\ndifferences: none\n");
        } else {
            let count = run.only_python.len() + run.only_rust.len();
            let lines = if count == 1 { "line" } else { "lines" };
            let _ = writeln!(text, "\ndifferences ({count} {lines}):");
            for line in &run.only_python {
                let _ = writeln!(text, "  only in the original: {line}");
            }
            for line in &run.only_rust {
                let _ = writeln!(text, "  only in the port:     {line}");
            }
        }
        if !run.set_aside.is_empty() {
            let count = run.set_aside.len();
            let lines = if count == 1 { "line" } else { "lines" };
            let _ = writeln!(
                text,
                "the port's own {lines}, set aside as its header documents ({count}):"
            );
            for line in &run.set_aside {
                let _ = writeln!(text, "  {line}");
            }
        }
    } else {
        for (side, measured) in [("original", &run.python), ("port", &run.rust)] {
            if let Some(measured) = measured {
                let _ = writeln!(text, "\n{side} printed ({}):", measured.exit_phrase());
                for line in measured.output.lines().take(40) {
                    let _ = writeln!(text, "  {line}");
                }
            }
        }
    }
    text.push('\n');
    costs(text, run.python.as_ref(), run.rust.as_ref());
    let _ = writeln!(text, "run status: {}", run.status);
}

fn costs(text: &mut String, python: Option<&Measured>, rust: Option<&Measured>) {
    let _ = writeln!(text, "{:<12} {:>14} {:>14}", "", "wall time", "peak memory");
    for (label, side) in [("python", python), ("rust", rust)] {
        if let Some(m) = side.filter(|m| m.spawn_error.is_none()) {
            let _ = writeln!(
                text,
                "{label:<12} {:>14} {:>14}",
                seconds(m.wall, m.timed_out),
                mib(m.max_rss_kib)
            );
        }
    }
    if let (Some(p), Some(r)) = (python, rust)
        && p.succeeded()
        && r.succeeded()
        && !p.timed_out
    {
        let _ = writeln!(
            text,
            "{:<12} {:>14} {:>14}",
            "rust/python",
            ratio(r.wall.as_secs_f64(), p.wall.as_secs_f64()),
            ratio(r.max_rss_kib as f64, p.max_rss_kib as f64)
        );
    }
}

/// `"1.234 s"`, or `"≥12.0 s (stopped)"` for a run that was stopped.
pub fn seconds(wall: Duration, stopped: bool) -> String {
    if stopped {
        format!("≥{:.1} s (stopped)", wall.as_secs_f64())
    } else {
        format!("{:.3} s", wall.as_secs_f64())
    }
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

pub fn ratio(rust: f64, python: f64) -> String {
    if python > 0.0 {
        format!("{:.2}x", rust / python)
    } else {
        "—".to_owned()
    }
}

/// The standings file: a comment line, then `crate<TAB>standing` per recipe, where the
/// standing is a reader's phrase for the summary status.
pub fn standing_file(comparisons: &[Comparison], python_version: &str) -> String {
    let mut text = format!(
        "# scripts/compare.sh --all --record (Python {python_version}); read by recipe-index\n"
    );
    for comparison in comparisons {
        let standing = standing(&comparison.summary_statuses());
        let _ = writeln!(text, "{}\t{standing}", comparison.name);
    }
    text
}

/// The statuses said for a reader: "match" and "differs (N lines)" in other words, the others
/// as they are.
fn standing(statuses: &[Status]) -> String {
    let phrase = |status: &Status| match status {
        Status::Match => "same output".to_owned(),
        Status::Differs(1) => "1 line differs (see the recipe's Differences from the book)".into(),
        Status::Differs(n) => {
            format!("{n} lines differ (see the recipe's Differences from the book)")
        }
        other => other.to_string(),
    };
    statuses.iter().map(phrase).collect::<Vec<_>>().join("; ")
}

/// The summary table (Markdown) of many comparisons.
pub fn summary(comparisons: &[Comparison]) -> String {
    let mut text = String::from(
        "| recipe | original | status | Python time | Rust time | Rust/Python time | Python peak | Rust peak | Rust/Python memory |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for comparison in comparisons {
        let original = comparison
            .runs
            .iter()
            .map(|run| run.script.rsplit('/').next().unwrap_or(&run.script))
            .collect::<Vec<_>>()
            .join(", ");
        let original = if original.is_empty() {
            comparison
                .originals
                .iter()
                .filter(|o| o.starts_with("ed2:"))
                .map(|o| o.rsplit('/').next().unwrap_or(o))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            original
        };
        let stopped = comparison
            .runs
            .iter()
            .any(|run| run.python.as_ref().is_some_and(|m| m.timed_out));
        let (python_wall, rust_wall) = comparison.walls();
        let (python_peak, rust_peak) = comparison.peaks();
        let python_time = match (python_wall, stopped) {
            (_, true) => {
                let wall: Duration = comparison
                    .runs
                    .iter()
                    .filter_map(|run| run.python.as_ref().map(|m| m.wall))
                    .sum();
                seconds(wall, true)
            }
            (Some(wall), false) => seconds(wall, false),
            (None, false) => "—".to_owned(),
        };
        let time_ratio = match (python_wall, rust_wall, stopped) {
            (Some(p), Some(r), false) => ratio(r.as_secs_f64(), p.as_secs_f64()),
            _ => "—".to_owned(),
        };
        let memory_ratio = match (python_peak, rust_peak) {
            (Some(p), Some(r)) if comparison.runs.iter().any(|run| run.status.compared()) => {
                ratio(r as f64, p as f64)
            }
            _ => "—".to_owned(),
        };
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            comparison.name,
            if original.is_empty() {
                "—"
            } else {
                &original
            },
            comparison.summary_status().replace('|', "/"),
            python_time,
            rust_wall.map_or("—".to_owned(), |wall| seconds(wall, false)),
            time_ratio,
            python_peak.map_or("—".to_owned(), mib),
            rust_peak.map_or("—".to_owned(), mib),
            memory_ratio,
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standings_read_as_phrases() {
        assert_eq!(standing(&[Status::Match]), "same output");
        assert!(standing(&[Status::Differs(1)]).starts_with("1 line differs "));
        let numpy = Status::NoModule("numpy".into());
        assert_eq!(
            standing(&[Status::Differs(3), numpy]),
            "3 lines differ (see the recipe's Differences from the book); \
             original cannot run here: no module numpy"
        );
    }

    #[test]
    fn figures_are_formatted_for_reading() {
        assert_eq!(seconds(Duration::from_millis(1500), false), "1.500 s");
        assert_eq!(seconds(Duration::from_secs(12), true), "≥12.0 s (stopped)");
        assert_eq!(mib(2048), "2.0 MiB");
        assert_eq!(ratio(1.0, 4.0), "0.25x");
        assert_eq!(ratio(1.0, 0.0), "—");
    }
}
