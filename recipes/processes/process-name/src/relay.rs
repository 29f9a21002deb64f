//! The parent's handle on a child whose stdout it reads through a pipe and relays line by
//! line: infrastructure the recipe needs, not what it teaches. Reading the child's lines as
//! they come tells the parent how far the child has got (its `Starting` line comes after it
//! has named itself) and keeps the two children's lines in the order the parent relays them.
//! Also here: Python's exit handler for the 1st edition's daemon child, the lesson of the
//! `process-daemon` recipe.

use std::io::{BufRead, BufReader, Lines};
use std::process::{ChildStdout, Command, Stdio};

use anyhow::{Context, bail, ensure};
use common::child::Children;

/// A running child whose stdout the parent relays. Its process is held in a `Children` set of
/// its own (two children may have the same name): dropped before it was reaped (on an error
/// path), it is killed and reaped, so an error never leaves it running.
pub struct Relayed {
    pub name: String,
    pub pid: u32,
    process: Children,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Relayed {
    /// Spawns `command` as the child `name`, its stdout piped to this process.
    pub fn spawn(name: &str, mut command: Command) -> anyhow::Result<Self> {
        command.stdin(Stdio::null()).stdout(Stdio::piped());
        let mut process = Children::new();
        let child = process.spawn(name, &mut command)?;
        let pid = child.id();
        let stdout = child.stdout.take().expect("stdout was piped");
        let lines = BufReader::new(stdout).lines();
        let name = name.to_owned();
        Ok(Self {
            name,
            pid,
            process,
            lines,
        })
    }

    /// Relays the child's next line, which must be `expected`.
    pub fn relay_line(&mut self, expected: &str) -> anyhow::Result<()> {
        let name = &self.name;
        let line = self.lines.next();
        let line = line.with_context(|| format!("{name} ended before printing {expected:?}"))?;
        let line = line.with_context(|| format!("cannot read the output of {name}"))?;
        println!("{line}");
        ensure!(
            line == expected,
            "{name} printed {line:?}, expected {expected:?}"
        );
        Ok(())
    }

    /// Relays the rest of the child's output and waits for it to end; returns the lines and
    /// the exit code (minus the signal's number if a signal ended it).
    pub fn finish(&mut self) -> anyhow::Result<(Vec<String>, i32)> {
        let mut rest = Vec::new();
        for line in &mut self.lines {
            let line = line.with_context(|| format!("cannot read the output of {}", self.name))?;
            println!("{line}");
            rest.push(line);
        }
        let status = self.process.wait(&self.name)?;
        Ok((rest, status))
    }

    /// Python's `join()`, checked: relays the rest, waits, and checks the child exited 0 with
    /// `last` as its last line.
    pub fn join(&mut self, last: &str) -> anyhow::Result<()> {
        let (rest, code) = self.finish()?;
        let (name, pid) = (&self.name, self.pid);
        ensure!(code == 0, "{name} (PID {pid}) failed with exit code {code}");
        let printed = rest.last().map(String::as_str);
        ensure!(
            printed == Some(last),
            "{name} printed {rest:?}, expected {last:?} last"
        );
        Ok(())
    }

    // ANCHOR: end_daemon
    /// Python's exit handler for a daemon child: SIGTERM (unless the child has ended already,
    /// as Python's `terminate()` does), relay what it printed meanwhile, wait, and say how it
    /// ended. A terminated daemon never prints its `Exiting` line.
    pub fn end_daemon(&mut self) -> anyhow::Result<()> {
        let process = self.process.get_mut(&self.name)?;
        if matches!(process.try_wait(), Ok(None)) {
            // Not reaped yet, so the PID is still this child's (at worst a zombie).
            common::child::terminate(process)?;
        }
        let ((_, code), name, pid) = (self.finish()?, &self.name, self.pid);
        let what = match code {
            -15 => "terminated",
            // The parent was held up longer than the daemon's sleep: it finished, as a Python
            // daemon would have, and its Exiting line was printed after all.
            0 => "found already finished",
            _ => bail!("daemon {name} (PID {pid}) failed with exit code {code}"),
        };
        println!("Exit handler {what} daemon {name} (PID {pid}): exit code {code}");
        Ok(())
    }
    // ANCHOR_END: end_daemon
}
