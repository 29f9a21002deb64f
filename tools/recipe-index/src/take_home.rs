//! The "Use it in your own project" box of each recipe page: the commands that make a fresh
//! crate of the recipe outside this workspace, with the versions the workspace pins, the
//! system packages it needs, and the `common` helpers it leans on. `scripts/take-home.sh` runs
//! the box's commands, so what it says is tested.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use anyhow::Context;
use compare::meta::Entry;
use toml::Value;

/// Where the boxes are written, one file per recipe, included by its page.
pub const DIR: &str = "docs/generated/home";

/// The box of one recipe, in Markdown.
pub fn render(root: &Path, entry: &Entry, helpers: &BTreeSet<String>) -> anyhow::Result<String> {
    let workspace = read_toml(&root.join("Cargo.toml"))?;
    let manifest = read_toml(&entry.dir.join("Cargo.toml"))?;
    let pinned = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(Value::as_table)
        .context("the root Cargo.toml has no [workspace.dependencies]")?;
    let dependencies = manifest
        .get("dependencies")
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    let name = &entry.name;
    let folder = format!("recipes/{}/{name}", entry.chapter);
    let mut commands = vec![format!("cargo new my-{name}"), format!("cd my-{name}")];
    let mut plain = Vec::new();
    for (dependency, spec) in &dependencies {
        if dependency == "workspace-hack" {
            continue;
        }
        if dependency == "common" {
            let features = features_of(spec, None);
            let features = if features.is_empty() {
                String::new()
            } else {
                format!(" --features {}", features.join(","))
            };
            commands.push(format!(
                "cargo add common --path $COOKBOOK/common{features}"
            ));
            continue;
        }
        let pin = pinned
            .get(dependency)
            .with_context(|| format!("{name}: {dependency} is not pinned in the workspace"))?;
        let version = match pin {
            Value::String(version) => version.clone(),
            Value::Table(table) => table
                .get("version")
                .and_then(Value::as_str)
                .with_context(|| format!("{dependency} has no version in the workspace"))?
                .to_owned(),
            _ => anyhow::bail!("{dependency}: an unexpected workspace entry"),
        };
        let features = features_of(spec, Some(pin));
        let no_default = pin.get("default-features").and_then(Value::as_bool) == Some(false);
        if features.is_empty() && !no_default {
            plain.push(format!("{dependency}@{version}"));
        } else {
            let mut line = format!("cargo add {dependency}@{version}");
            if no_default {
                line.push_str(" --no-default-features");
            }
            if !features.is_empty() {
                line.push_str(&format!(" --features {}", features.join(",")));
            }
            commands.push(line);
        }
    }
    if !plain.is_empty() {
        commands.insert(2, format!("cargo add {}", plain.join(" ")));
    }
    commands.push(format!("cp -r $COOKBOOK/{folder}/src/. src/"));
    commands.push("cargo run".to_owned());
    Ok(format!(
        "## Use it in your own project\n\n\
         With `COOKBOOK` set to your clone of this repository, these commands make a crate of \
         the recipe outside the workspace, with the versions the workspace pins \
         (`scripts/take-home.sh {name}` runs them):\n\n\
         ```console\n{}\n```\n\n\
         System packages: {}.\n\n\
         The `common` helpers it uses ([the common crate](../common.md)): {}.\n",
        commands
            .iter()
            .map(|command| format!("$ {command}"))
            .collect::<Vec<_>>()
            .join("\n"),
        system_packages(&entry.recipe.needs),
        if helpers.is_empty() {
            "none".to_owned()
        } else {
            helpers
                .iter()
                .map(|helper| format!("`{helper}`"))
                .collect::<Vec<_>>()
                .join(", ")
        },
    ))
}

/// The features a dependency line enables, the workspace's and the crate's own.
fn features_of(spec: &Value, pin: Option<&Value>) -> Vec<String> {
    let list = |value: Option<&Value>| -> Vec<String> {
        value
            .and_then(|v| v.get("features"))
            .and_then(Value::as_array)
            .map(|features| {
                features
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut features = list(pin);
    for feature in list(Some(spec)) {
        if !features.contains(&feature) {
            features.push(feature);
        }
    }
    features
}

/// The Debian packages behind a recipe's needs.
fn system_packages(needs: &[String]) -> String {
    let packages: Vec<&str> = needs
        .iter()
        .map(|need| match need.as_str() {
            "mpi" => "`mpich libmpich-dev libclang-dev` (MPI)",
            "opencl" => "`pocl-opencl-icd ocl-icd-opencl-dev` (an OpenCL platform on the CPU)",
            "rabbitmq" => "`rabbitmq-server` (the broker, on 127.0.0.1:5672)",
            "python" => "`python3` (with `celery` for the interoperability tests)",
            "gdb" => "`gdb gdbserver`",
            _ => "see scripts/setup.sh",
        })
        .collect();
    if packages.is_empty() {
        "none, Rust is enough".to_owned()
    } else {
        packages.join(", ")
    }
}

/// The `common::…` items a recipe's sources name, `use` lists expanded.
pub fn common_helpers(dir: &Path) -> anyhow::Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    let src = dir.join("src");
    for file in fs::read_dir(&src).with_context(|| format!("cannot list {}", src.display()))? {
        let path = file?.path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            let text = fs::read_to_string(&path)?;
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            found.extend(paths_in(code));
        }
    }
    Ok(found)
}

/// Each `common::path` in `code`; `common::x::{a, b}` gives `common::x::a` and `common::x::b`.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (start, _) in code.match_indices("common::") {
        if code[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[start..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches(':');
        if rest[end..].starts_with('{') {
            let list = &rest[end + 1..rest.find('}').unwrap_or(rest.len())];
            for item in list
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
            {
                let item = item.split_whitespace().next().unwrap_or(item);
                paths.push(if item == "self" {
                    path.to_owned()
                } else {
                    format!("{path}::{item}")
                });
            }
        } else if path != "common" {
            paths.push(path.to_owned());
        }
    }
    paths
}

fn read_toml(path: &Path) -> anyhow::Result<Value> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_paths_are_found_and_use_lists_expanded() {
        let code = "use common::{Edition, Pace};\nuse common::timing::{self, best_of};\n\
                    fn main() { common::main(|| mycommon::x()); }";
        assert_eq!(
            paths_in(code),
            [
                "common::Edition",
                "common::Pace",
                "common::timing",
                "common::timing::best_of",
                "common::main"
            ]
        );
    }

    #[test]
    fn needs_name_their_packages() {
        assert_eq!(system_packages(&[]), "none, Rust is enough");
        assert!(system_packages(&["mpi".into()]).contains("libmpich-dev"));
    }
}
