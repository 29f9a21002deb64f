//! The C references: programs in `tools/bench/c/` that do the same work as a recipe (the same
//! loop, sizes and generator, printing the same result), compiled here with the system's
//! `cc -O2` (`mpicc -O2` for MPI) into a temporary directory, so no binary is ever committed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::anyhow;

/// One C reference: its source file stem, the compiler and the libraries it links.
struct Source {
    name: &'static str,
    compiler: &'static str,
    libraries: &'static [&'static str],
    /// The Debian package that brings what it needs beyond the C compiler, for the message.
    needs: &'static str,
}

const SOURCES: &[Source] = &[
    Source {
        name: "intro",
        compiler: "cc",
        libraries: &["-lpthread"],
        needs: "build-essential",
    },
    Source {
        name: "futures_count",
        compiler: "cc",
        libraries: &[],
        needs: "build-essential",
    },
    Source {
        name: "fib_gmp",
        compiler: "cc",
        libraries: &["-lgmp"],
        needs: "libgmp-dev",
    },
    Source {
        name: "montecarlo_pi",
        compiler: "cc",
        libraries: &["-lpthread", "-lm"],
        needs: "build-essential",
    },
    Source {
        name: "map_reduce",
        compiler: "cc",
        libraries: &[],
        needs: "build-essential",
    },
    Source {
        name: "ping_pong",
        compiler: "mpicc",
        libraries: &[],
        needs: "libmpich-dev",
    },
];

/// The compiled references, or why each one is missing.
pub struct References {
    _dir: tempfile::TempDir,
    built: BTreeMap<&'static str, Result<PathBuf, String>>,
}

impl References {
    /// Compiles every source of `c_dir` into a fresh temporary directory. A reference that does
    /// not compile is remembered with the reason; the figures that need it say so.
    pub fn build(c_dir: &Path) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let built = SOURCES
            .iter()
            .map(|source| (source.name, compile(c_dir, dir.path(), source)))
            .collect();
        Ok(Self { _dir: dir, built })
    }

    /// The binary of reference `name`, or why there is none.
    pub fn path(&self, name: &str) -> anyhow::Result<&Path> {
        match self.built.get(name) {
            Some(Ok(path)) => Ok(path),
            Some(Err(why)) => Err(anyhow!("{why}")),
            None => Err(anyhow!("no C reference named {name}")),
        }
    }

    /// How each reference was built, for the page: `cc -O2 intro.c -lpthread`, ...
    pub fn commands() -> Vec<String> {
        SOURCES.iter().map(command_line).collect()
    }
}

fn command_line(source: &Source) -> String {
    let mut line = format!("{} -O2 {}.c", source.compiler, source.name);
    for library in source.libraries {
        line.push(' ');
        line.push_str(library);
    }
    line
}

fn compile(c_dir: &Path, out_dir: &Path, source: &Source) -> Result<PathBuf, String> {
    let binary = out_dir.join(source.name);
    let output = Command::new(source.compiler)
        .arg("-O2")
        .arg("-o")
        .arg(&binary)
        .arg(c_dir.join(format!("{}.c", source.name)))
        .args(source.libraries)
        .output()
        .map_err(|error| {
            format!(
                "cannot run `{}` ({error}): install {} (scripts/setup.sh)",
                source.compiler, source.needs
            )
        })?;
    if output.status.success() {
        return Ok(binary);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr
        .lines()
        .find(|line| line.contains("error"))
        .unwrap_or("no message");
    Err(format!(
        "`{}` failed ({first}); it needs {}",
        command_line(source),
        source.needs
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_exists_and_the_commands_name_it() {
        let c_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("c");
        for source in SOURCES {
            assert!(
                c_dir.join(format!("{}.c", source.name)).is_file(),
                "{}",
                source.name
            );
        }
        assert!(References::commands().contains(&"cc -O2 fib_gmp.c -lgmp".to_owned()));
    }

    #[test]
    fn a_reference_compiles_and_a_missing_one_is_explained() {
        let c_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("c");
        let refs = References::build(&c_dir).unwrap();
        let intro = refs.path("intro").unwrap();
        let out = Command::new(intro)
            .args(["serial", "2", "1000", "0"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("job 1: 1000 values, sum "), "{text}");
        assert!(refs.path("nothing").is_err());
    }
}
