//! Bad values for every numeric flag: the flags are read from each binary's own `--help`
//! (clap's), and a flag counts as numeric when clap refuses a word for it as a number.

use std::path::Path;
use std::time::Duration;

use regex::Regex;

use crate::run::{self, Outcome};

/// The values each numeric flag is fed: zero, negative, past u32, past u64, and not a number.
pub const VALUES: &[&str] = &[
    "0",
    "-1",
    "4294967295",
    "18446744073709551615",
    "99999999999999999999999",
    "x7",
];

/// Subcommands that serve until stopped: a value they accept starts a server, which is
/// stopped at the limit and counted as accepted, not as a hang.
const SERVING: &[&str] = &["server", "worker", "name-server", "serve"];

/// One flag of one (sub)command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub subcommand: Option<String>,
    pub name: String,
    /// Arguments every trial of this flag carries: a free loopback port for a server that
    /// has `--bind`, a queue of the suite's own for a Celery worker.
    pub context: Vec<String>,
}

/// One trial: a flag given one value, and how the binary took it.
#[derive(Debug, Clone)]
pub struct Trial {
    pub flag: Flag,
    pub value: String,
    pub outcome: Outcome,
}

/// The long options that take a value, from a `--help` text.
pub fn options(help: &str) -> Vec<String> {
    let option = Regex::new(r"^\s+(?:-\w, )?(--[a-z0-9-]+)[ =]<[^>]+>").expect("a valid pattern");
    help.lines()
        .filter_map(|line| option.captures(line))
        .map(|captures| captures[1].to_owned())
        .filter(|name| name != "--help")
        .collect()
}

/// The subcommands listed under `Commands:` in a `--help` text (not `help`).
pub fn subcommands(help: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.starts_with("Commands:") {
            inside = true;
            continue;
        }
        if inside {
            let Some(name) = line
                .strip_prefix("  ")
                .and_then(|l| l.split_whitespace().next())
            else {
                break;
            };
            if name != "help" {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// Every value-taking flag of `bin` and of its subcommands.
pub fn flags(bin: &Path) -> anyhow::Result<Vec<Flag>> {
    let help = |sub: Option<&str>| -> anyhow::Result<String> {
        let mut args: Vec<String> = sub.map(str::to_owned).into_iter().collect();
        args.push("--help".into());
        Ok(run::run(bin, &args, Duration::from_secs(10))?.stdout)
    };
    let top = help(None)?;
    let top_options = options(&top);
    let mut found: Vec<Flag> = top_options
        .iter()
        .map(|name| Flag {
            subcommand: None,
            name: name.clone(),
            context: Vec::new(),
        })
        .collect();
    for sub in subcommands(&top) {
        let sub_options = options(&help(Some(&sub))?);
        let mut context = Vec::new();
        if top_options.iter().any(|name| name == "--queue") {
            context.push("--queue=fault-suite".to_owned());
        }
        // A client that waits for an answer nobody will send (no worker on the suite's
        // queue) is told to give up soon, so its wait is not taken for a hang.
        if sub_options.iter().any(|name| name == "--timeout-s") {
            context.push("--timeout-s=3".to_owned());
        }
        let has_bind = sub_options.iter().any(|name| name == "--bind");
        for name in sub_options {
            let mut context = context.clone();
            if has_bind && name != "--bind" {
                context.push("--bind=127.0.0.1:0".to_owned());
            }
            found.push(Flag {
                subcommand: Some(sub.clone()),
                name,
                context,
            });
        }
    }
    Ok(found)
}

/// Whether clap parses the flag as a number: a word for it is refused as one.
pub fn is_numeric(bin: &Path, flag: &Flag) -> anyhow::Result<bool> {
    let ran = run::run(bin, &arguments(flag, "x7"), Duration::from_secs(10))?;
    let number_words = ["invalid digit", "invalid float", "number", "integer"];
    Ok(ran.outcome != Outcome::Accepted
        && number_words.iter().any(|word| ran.stderr.contains(word)))
}

/// Runs `bin` with `flag` set to each of `values` (the full suite: [`VALUES`]).
pub fn trials(
    bin: &Path,
    flag: &Flag,
    limit: Duration,
    values: &[&str],
) -> anyhow::Result<Vec<Trial>> {
    let serving = flag
        .subcommand
        .as_deref()
        .is_some_and(|sub| SERVING.contains(&sub));
    let mut trials = Vec::new();
    for value in values {
        let mut outcome = run::run(bin, &arguments(flag, value), limit)?.outcome;
        if serving && outcome == Outcome::Hung {
            outcome = Outcome::Accepted;
        }
        trials.push(Trial {
            flag: flag.clone(),
            value: (*value).to_owned(),
            outcome,
        });
    }
    Ok(trials)
}

/// `[top-level context] [subcommand] --flag=value [context]`.
fn arguments(flag: &Flag, value: &str) -> Vec<String> {
    let (top, sub): (Vec<&String>, Vec<&String>) = flag
        .context
        .iter()
        .partition(|arg| arg.starts_with("--queue"));
    let mut args: Vec<String> = top.into_iter().cloned().collect();
    args.extend(flag.subcommand.iter().cloned());
    args.push(format!("{}={value}", flag.name));
    args.extend(sub.into_iter().cloned());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELP: &str = "Runners wait\n\nUsage: x [OPTIONS] [COMMAND]\n\nCommands:\n  server  Serve\n  client  Ask\n  help    Print this message\n\nOptions:\n      --runners <RUNNERS>  Runners [default: 3]\n      --seed <SEED>        Seed\n      --book               Book pace\n  -n, --count=<N>          Count\n  -h, --help               Print help\n";

    #[test]
    fn options_and_subcommands_come_from_the_help_text() {
        assert_eq!(options(HELP), ["--runners", "--seed", "--count"]);
        assert_eq!(subcommands(HELP), ["server", "client"]);
    }

    #[test]
    fn servers_get_a_free_port() {
        let flag = Flag {
            subcommand: Some("server".into()),
            name: "--max-clients".into(),
            context: vec!["--bind=127.0.0.1:0".into()],
        };
        assert_eq!(
            arguments(&flag, "-1"),
            ["server", "--max-clients=-1", "--bind=127.0.0.1:0"]
        );
    }
}
