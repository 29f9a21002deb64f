//! The recipes' `[package.metadata.recipe]`, with the keys that say how each one is compared
//! with the book's Python original. The one reader of that metadata: tools/recipe-index and
//! tools/bench use it too.
//!
//! ```toml
//! originals = ["ed2:Chapter02/Threading_with_queue.py", "ed1:chapter2/12_Thread_communication_using_a_queue.rst"]
//! python = ">=3.0"                  # the Python versions the originals run on
//! python-note = "..."               # why, when that excludes current Pythons
//! compare-args = ["--book"]         # the port's arguments that match the original's parameters
//! compare-order = "any"             # the original's line order is nondeterministic
//! compare-timeout = 12              # seconds before a run is stopped (the original never ends)
//! compare-mask = ['N°\d+']          # extra patterns masked on both sides (random values)
//! compare-strip = [' on <ip>$']     # deleted on both sides (a suffix one side adds)
//! compare-ignore = ['^Started ']    # the port's own lines, quoted in its header's Differences
//! compare-ignore-original = ['^Warning: HMAC']  # the original's library banners
//! compare-keep = ['Task add']        # only these lines are compared (a chatty server's)
//! compare-stdin = "Alice\n"         # what the original reads from its standard input
//! compare-arrays = "shape"          # the arrays' values are random: compare their shapes only
//! compare-runs = [{ script = "Chapter01/serial_test.py", rust = ["serial"] }]
//! compare-servers = [{ role = "server", python = "pyro_server.py", ready = "Ready" }]
//! ```

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// Chapters in book order; recipes of other folders (the tests' fixtures) sort after them.
pub const CHAPTERS: &[&str] = &[
    "intro",
    "threads",
    "processes",
    "mpi",
    "async",
    "distributed",
    "gpu",
    "testing",
    "cloud",
];

/// What a recipe may declare under `needs`.
pub const KNOWN_NEEDS: &[&str] = &["mpi", "opencl", "rabbitmq", "python", "gdb"];

#[derive(Deserialize)]
struct Manifest {
    package: Package,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    recipe: Option<Recipe>,
}

/// One recipe's metadata, as its Cargo.toml spells it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Recipe {
    pub title: String,
    #[serde(default)]
    pub book: Vec<String>,
    #[serde(default)]
    pub needs: Vec<String>,
    pub ranks: Option<u32>,
    #[serde(default)]
    pub originals: Vec<String>,
    pub python: Option<String>,
    pub python_note: Option<String>,
    #[serde(default)]
    pub compare_args: Vec<String>,
    #[serde(default)]
    pub compare_order: Order,
    pub compare_timeout: Option<u64>,
    #[serde(default)]
    pub compare_mask: Vec<String>,
    #[serde(default)]
    pub compare_strip: Vec<String>,
    #[serde(default)]
    pub compare_ignore: Vec<String>,
    #[serde(default)]
    pub compare_ignore_original: Vec<String>,
    #[serde(default)]
    pub compare_keep: Vec<String>,
    pub compare_stdin: Option<String>,
    #[serde(default)]
    pub compare_arrays: Arrays,
    #[serde(default)]
    pub compare_runs: Vec<RunSpec>,
    #[serde(default)]
    pub compare_servers: Vec<ServerSpec>,
}

/// Whether the original prints its lines in a fixed order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// The book's order is the order: lines are compared in sequence.
    #[default]
    Book,
    /// Threads, processes or ranks print in any order: lines are compared as multisets.
    Any,
}

/// How NumPy-style arrays are compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arrays {
    /// Value by value (floats to the tool's precision).
    #[default]
    Values,
    /// Only the shape: the book fills them with unseeded random numbers.
    Shape,
}

/// One comparison: a Python script of the book against one run of the port.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// The script, relative to the root of the book's 2nd-edition code.
    pub script: String,
    /// The script's own command-line arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// The port's arguments for this run, after `compare-args`.
    #[serde(default)]
    pub rust: Vec<String>,
}

/// A Python server the original's client needs, started before it and stopped after.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    /// Its role; its lines are shown as `[role] line`, as the port's plain run shows its own.
    pub role: String,
    /// Python's arguments, split at spaces: `pyro_server.py` or `-m Pyro4.naming`.
    pub python: String,
    /// A text of the line that says it is ready; without one, its first line, waited for at
    /// most two seconds (some servers print nothing until a client comes).
    pub ready: Option<String>,
}

/// Which edition an original belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// The 2nd edition's code repository: runnable scripts.
    Ed2,
    /// The 1st edition's text: listings inside reStructuredText, not runnable files.
    Ed1,
}

/// One entry of `originals`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    pub edition: Edition,
    pub path: String,
}

impl Original {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let (edition, path) = match text.split_once(':') {
            Some(("ed2", path)) => (Edition::Ed2, path),
            Some(("ed1", path)) => (Edition::Ed1, path),
            _ => bail!("original {text:?} does not start with ed1: or ed2:"),
        };
        anyhow::ensure!(!path.is_empty(), "original {text:?} names no file");
        Ok(Self {
            edition,
            path: path.to_owned(),
        })
    }
}

impl fmt::Display for Original {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let edition = match self.edition {
            Edition::Ed2 => "ed2",
            Edition::Ed1 => "ed1",
        };
        write!(f, "{edition}:{}", self.path)
    }
}

/// A recipe of the workspace: its crate, chapter, folder and metadata.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub chapter: String,
    pub dir: PathBuf,
    pub recipe: Recipe,
}

impl Entry {
    /// The recipe's own normalisation patterns.
    pub fn patterns(&self) -> crate::normalise::Patterns {
        crate::normalise::Patterns {
            mask: self.recipe.compare_mask.clone(),
            strip: self.recipe.compare_strip.clone(),
            ignore: self.recipe.compare_ignore.clone(),
            ignore_original: self.recipe.compare_ignore_original.clone(),
            keep: self.recipe.compare_keep.clone(),
            array_shapes_only: self.recipe.compare_arrays == Arrays::Shape,
        }
    }

    /// The parsed `originals`.
    pub fn originals(&self) -> anyhow::Result<Vec<Original>> {
        self.recipe
            .originals
            .iter()
            .map(|text| Original::parse(text))
            .collect::<anyhow::Result<_>>()
            .with_context(|| format!("{}: bad originals", self.name))
    }

    /// The comparison keys need a 2nd-edition original to run, and every script `compare-runs`
    /// names is one of them.
    pub fn check_comparison(&self) -> anyhow::Result<()> {
        let originals = self.originals()?;
        let ed2: Vec<&str> = originals
            .iter()
            .filter(|original| original.edition == Edition::Ed2)
            .map(|original| original.path.as_str())
            .collect();
        let recipe = &self.recipe;
        if ed2.is_empty() && (recipe.python.is_some() || !recipe.compare_runs.is_empty()) {
            bail!("python or compare-runs without an ed2: original");
        }
        if let Some(run) = recipe
            .compare_runs
            .iter()
            .find(|run| !ed2.contains(&run.script.as_str()))
        {
            bail!(
                "compare-runs names {:?}, which is not an ed2: original",
                run.script
            );
        }
        Ok(())
    }

    /// The runs to compare: `compare-runs`, or else one run of the first 2nd-edition original.
    pub fn runs(&self) -> anyhow::Result<Vec<RunSpec>> {
        if !self.recipe.compare_runs.is_empty() {
            return Ok(self.recipe.compare_runs.clone());
        }
        Ok(self
            .originals()?
            .into_iter()
            .find(|original| original.edition == Edition::Ed2)
            .map(|original| RunSpec {
                script: original.path,
                args: Vec::new(),
                rust: Vec::new(),
            })
            .into_iter()
            .collect())
    }
}

/// Every `recipes/<chapter>/<crate>/Cargo.toml` under `root`, in book chapter order, then by name.
pub fn read_workspace(root: &Path) -> anyhow::Result<Vec<Entry>> {
    let recipes = root.join("recipes");
    let mut entries = Vec::new();
    for chapter_dir in sorted_dirs(&recipes)? {
        let chapter = file_name(&chapter_dir);
        for crate_dir in sorted_dirs(&chapter_dir)? {
            if crate_dir.join("Cargo.toml").is_file() {
                entries.push(read_entry(&chapter, &crate_dir)?);
            }
        }
    }
    entries.sort_by_key(|entry| {
        let position = CHAPTERS
            .iter()
            .position(|chapter| *chapter == entry.chapter)
            .unwrap_or(CHAPTERS.len());
        (position, entry.chapter.clone(), entry.name.clone())
    });
    Ok(entries)
}

/// Reads one recipe's manifest and checks its metadata: the package is named after its folder,
/// every need is known, and the comparison keys agree with `originals`.
fn read_entry(chapter: &str, crate_dir: &Path) -> anyhow::Result<Entry> {
    let path = crate_dir.join("Cargo.toml");
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let manifest: Manifest =
        toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))?;
    let name = manifest.package.name;
    if name != file_name(crate_dir) {
        bail!(
            "{}: package name {name} differs from its folder",
            path.display()
        );
    }
    let recipe = manifest
        .package
        .metadata
        .and_then(|metadata| metadata.recipe)
        .with_context(|| format!("{}: no [package.metadata.recipe]", path.display()))?;
    if let Some(need) = recipe
        .needs
        .iter()
        .find(|need| !KNOWN_NEEDS.contains(&need.as_str()))
    {
        bail!("{}: unknown need {need:?}", path.display());
    }
    let entry = Entry {
        name,
        chapter: chapter.to_owned(),
        dir: crate_dir.to_owned(),
        recipe,
    };
    entry
        .check_comparison()
        .with_context(|| format!("{}: bad originals", path.display()))?;
    Ok(entry)
}

fn sorted_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn originals_name_their_edition() {
        let original = Original::parse("ed2:Chapter02/Event.py").unwrap();
        assert_eq!(original.edition, Edition::Ed2);
        assert_eq!(original.path, "Chapter02/Event.py");
        assert_eq!(original.to_string(), "ed2:Chapter02/Event.py");
        assert!(Original::parse("Chapter02/Event.py").is_err());
        assert!(Original::parse("ed3:x.py").is_err());
        assert!(Original::parse("ed2:").is_err());
    }

    #[test]
    fn the_full_metadata_parses() {
        let text = r#"
            title = "T"
            book = ["2e ch2"]
            originals = ["ed2:Chapter02/Event.py", "ed1:chapter2/10_x.rst"]
            python = ">=3.0"
            compare-args = ["--book"]
            compare-order = "any"
            compare-timeout = 12
            compare-mask = ['N°\d+']
            compare-runs = [{ script = "Chapter02/Event.py", rust = ["--items", "5"] }]
            compare-servers = [{ role = "server", python = "-m Pyro4.naming", ready = "NS running" }]
        "#;
        let recipe: Recipe = toml::from_str(text).unwrap();
        assert_eq!(recipe.compare_order, Order::Any);
        assert_eq!(recipe.compare_runs[0].rust, ["--items", "5"]);
        assert_eq!(
            recipe.compare_servers[0].ready.as_deref(),
            Some("NS running")
        );
    }

    fn entry_with(recipe: &str) -> Entry {
        Entry {
            name: "x".into(),
            chapter: "threads".into(),
            dir: PathBuf::new(),
            recipe: toml::from_str(recipe).unwrap(),
        }
    }

    #[test]
    fn inconsistent_comparison_keys_are_refused() {
        let consistent = entry_with(
            "title = \"T\"\noriginals = [\"ed2:a.py\"]\ncompare-runs = [{ script = \"a.py\" }]",
        );
        consistent.check_comparison().unwrap();
        let no_edition = entry_with("title = \"T\"\noriginals = [\"x.py\"]");
        assert!(no_edition.check_comparison().is_err());
        let stray_run = entry_with(
            "title = \"T\"\noriginals = [\"ed2:a.py\"]\ncompare-runs = [{ script = \"b.py\" }]",
        );
        assert!(stray_run.check_comparison().is_err());
        let python_without_original = entry_with("title = \"T\"\npython = \"3\"");
        assert!(python_without_original.check_comparison().is_err());
        let bad_order = "title = \"T\"\ncompare-order = \"random\"";
        assert!(toml::from_str::<Recipe>(bad_order).is_err());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let error = toml::from_str::<Recipe>("title = \"T\"\ncompare-arg = []").unwrap_err();
        assert!(error.to_string().contains("compare-arg"), "{error}");
    }

    #[test]
    fn without_runs_the_first_ed2_original_runs() {
        let entry = Entry {
            name: "x".into(),
            chapter: "threads".into(),
            dir: PathBuf::new(),
            recipe: Recipe {
                originals: vec!["ed1:chapter2/a.rst".into(), "ed2:Chapter02/b.py".into()],
                ..Recipe::default()
            },
        };
        let runs = entry.runs().unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].script, "Chapter02/b.py");
    }
}
