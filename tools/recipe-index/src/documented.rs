//! The compare tool sets aside the lines a recipe's `compare-ignore` names as the port's own.
//! That is honest only when the recipe says so where a reader looks: each pattern must match a
//! line quoted (in backticks) under the header's `## Differences from the book`.

use std::fs;

use anyhow::Context;
use compare::meta::Entry;
use regex::Regex;

/// One problem per pattern that no quoted line of the recipe's Differences section matches.
pub fn undocumented_ignores(entries: &[Entry]) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for entry in entries {
        if entry.recipe.compare_ignore.is_empty() {
            continue;
        }
        let path = entry.dir.join("src/main.rs");
        let source =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let quoted = quoted_differences(&source);
        for pattern in &entry.recipe.compare_ignore {
            let regex = Regex::new(pattern)
                .with_context(|| format!("{}: bad compare-ignore {pattern:?}", entry.name))?;
            if !quoted.iter().any(|line| regex.is_match(line)) {
                problems.push(format!(
                    "{}: compare-ignore {pattern:?} matches no `quoted line` under \
                     \"## Differences from the book\" in src/main.rs",
                    entry.name
                ));
            }
        }
    }
    Ok(problems)
}

/// The backtick-quoted spans of the header's Differences section, a span wrapped over two
/// comment lines read as one.
fn quoted_differences(source: &str) -> Vec<String> {
    let header: Vec<&str> = source
        .lines()
        .map_while(|line| line.strip_prefix("//!"))
        .map(str::trim)
        .collect();
    let section: Vec<&str> = header
        .iter()
        .skip_while(|line| !line.starts_with("## Differences from the book"))
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .copied()
        .collect();
    section
        .join(" ")
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "//! # A recipe
//!
//! ## Differences from the book
//!
//! - The port ends with `Checked: 4 items`, its self-check, and prints `Queue
//!   drained` when done.
//!
//! ## Run
//!
//! `Not this one`

fn main() {}
";

    #[test]
    fn only_the_differences_sections_quotes_count() {
        let quoted = quoted_differences(SOURCE);
        assert_eq!(quoted, ["Checked: 4 items", "Queue drained"]);
    }

    #[test]
    fn a_header_without_the_section_quotes_nothing() {
        assert!(quoted_differences("//! # A recipe\n//! `Checked`\n").is_empty());
    }
}
