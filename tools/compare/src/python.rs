//! The Python side: which interpreter is here, which versions an original needs, and what a
//! failed run says about a missing module.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};
use regex::Regex;

/// A Python interpreter and its version, `None` when it cannot be run.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub program: PathBuf,
    pub version: Option<(u32, u32, u32)>,
}

impl Interpreter {
    /// Asks `program` for its version (bounded: ten seconds).
    pub fn probe(program: &Path) -> Self {
        let version = ask_version(program);
        Self {
            program: program.to_owned(),
            version,
        }
    }

    pub fn version_text(&self) -> String {
        match self.version {
            Some((major, minor, patch)) => format!("{major}.{minor}.{patch}"),
            None => "not found".to_owned(),
        }
    }
}

fn ask_version(program: &Path) -> Option<(u32, u32, u32)> {
    let mut child = Command::new(program)
        .args(["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    let (done_tx, done) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(std::io::read_to_string(stdout));
    });
    let text = done.recv_timeout(Duration::from_secs(10));
    if text.is_err() {
        let _ = child.kill();
    }
    let _ = child.wait();
    parse_version(text.ok()?.ok()?.trim())
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.').map(|part| part.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

/// Which Python versions an original runs on: `"3"` (any 3.x), or comparisons joined by
/// commas, `">=3.4, <3.11"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSpec(Vec<(Op, (u32, u32))>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

impl VersionSpec {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let text = text.trim();
        if let Ok(major) = text.parse::<u32>() {
            return Ok(Self(vec![(Op::Ge, (major, 0)), (Op::Lt, (major + 1, 0))]));
        }
        let mut constraints = Vec::new();
        for part in text.split(',').map(str::trim) {
            let (op, rest) = [
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("==", Op::Eq),
                (">", Op::Gt),
                ("<", Op::Lt),
            ]
            .into_iter()
            .find_map(|(symbol, op)| part.strip_prefix(symbol).map(|rest| (op, rest)))
            .with_context(|| format!("{part:?} is not >=, >, <=, < or == a version"))?;
            let Some((major, minor)) = parse_version(rest.trim()).map(|(a, b, _)| (a, b)) else {
                bail!("{rest:?} is not a version like 3.11");
            };
            constraints.push((op, (major, minor)));
        }
        Ok(Self(constraints))
    }

    pub fn admits(&self, version: (u32, u32, u32)) -> bool {
        let have = (version.0, version.1);
        self.0.iter().all(|&(op, want)| match op {
            Op::Ge => have >= want,
            Op::Gt => have > want,
            Op::Le => have <= want,
            Op::Lt => have < want,
            Op::Eq => have == want,
        })
    }
}

/// The module a run's traceback says is missing (`numpy` for `No module named 'numpy.linalg'`).
pub fn missing_module(output: &str) -> Option<String> {
    let pattern = Regex::new(r"No module named '([^']+)'").expect("a valid literal pattern");
    let caps = pattern.captures(output)?;
    let module = caps[1].split('.').next().unwrap_or(&caps[1]);
    Some(module.to_owned())
}

/// `name` found on `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Path::new(name).is_file().then(|| PathBuf::from(name));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_major_admits_that_major_only() {
        let spec = VersionSpec::parse("3").unwrap();
        assert!(spec.admits((3, 0, 0)));
        assert!(spec.admits((3, 13, 1)));
        assert!(!spec.admits((2, 7, 18)));
        assert!(!spec.admits((4, 0, 0)));
    }

    #[test]
    fn ranges_compare_minor_versions() {
        let spec = VersionSpec::parse(">=3.4, <3.11").unwrap();
        assert!(spec.admits((3, 10, 12)));
        assert!(!spec.admits((3, 11, 0)));
        assert!(!spec.admits((3, 3, 0)));
        assert!(VersionSpec::parse("<3.8").unwrap().admits((3, 7, 1)));
        assert!(VersionSpec::parse("==3.7").unwrap().admits((3, 7, 9)));
    }

    #[test]
    fn nonsense_specs_are_refused() {
        assert!(VersionSpec::parse("broken").is_err());
        assert!(VersionSpec::parse(">=three").is_err());
    }

    #[test]
    fn a_missing_module_is_read_from_the_traceback() {
        let output = "Traceback...\nModuleNotFoundError: No module named 'numpy.linalg'\n";
        assert_eq!(missing_module(output).as_deref(), Some("numpy"));
        assert_eq!(missing_module("all fine"), None);
    }

    #[test]
    fn a_missing_interpreter_has_no_version() {
        let python = Interpreter::probe(Path::new("/nonexistent/python3"));
        assert_eq!(python.version, None);
        assert_eq!(python.version_text(), "not found");
        assert_eq!(parse_version("3.11.7"), Some((3, 11, 7)));
        assert_eq!(parse_version("3.12"), Some((3, 12, 0)));
    }
}
