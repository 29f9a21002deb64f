//! Compare a recipe with the book's Python original: the library behind `scripts/compare.sh`
//! (this crate's binary) and the Rust-against-Python columns of `scripts/bench.sh`.
//!
//! - [`meta`]: the recipes' `[package.metadata.recipe]`, with the keys that name the originals
//!   and say how to run them.
//! - [`comparison`]: run both sides with the same parameters and classify the outcome.
//! - [`measure`]: one side's run in a fresh process: output, wall time, peak memory.
//! - [`normalise`] and [`diff`]: mask the noise, align the lines, list what differs.
//! - [`python`]: the interpreter, the versions an original needs, missing modules.
//! - [`report`]: the side-by-side report and the summary table.

pub mod comparison;
pub mod diff;
pub mod measure;
pub mod meta;
pub mod normalise;
pub mod python;
pub mod report;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The folder cargo puts `profile`'s binaries in (`dev` → `debug`), under `CARGO_TARGET_DIR`
/// or the workspace's `target`.
pub fn bin_dir(root: &Path, profile: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    target.join(if profile == "dev" { "debug" } else { profile })
}

/// Builds `crates` with `cargo build --profile <profile>` in `root`.
pub fn build(root: &Path, profile: &str, crates: &[String]) -> anyhow::Result<()> {
    if crates.is_empty() {
        return Ok(());
    }
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(root)
        .args(["build", "--quiet", "--profile", profile]);
    for name in crates {
        command.args(["-p", name]);
    }
    let status = command.status().context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build failed ({status}) for {}", crates.join(", "));
    }
    Ok(())
}
