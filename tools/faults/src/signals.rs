//! A recipe signalled while its child processes run must leave none of them behind.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::run;

/// How one signalled run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Children were seen, the recipe was signalled, and every child was gone in time.
    Clean { children: usize },
    /// Children still alive after the recipe ended: their PIDs.
    Orphans(Vec<u32>),
    /// The recipe ended before any child was seen: nothing to judge.
    NoChildren,
}

/// Runs `bin args`, waits until it has child processes, sends it `signal`, and checks that
/// all its descendants are gone within a few seconds of its own end.
pub fn trial(bin: &Path, args: &[String], signal: Signal) -> anyhow::Result<Verdict> {
    let mut child = run::spawn(bin, args)?;
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(10);
    let seen = loop {
        let found = descendants(pid);
        if !found.is_empty() {
            break found;
        }
        if child.try_wait()?.is_some() || Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Verdict::NoChildren);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Let the children settle into their work, as a reader's Ctrl-C would find them.
    std::thread::sleep(Duration::from_millis(100));
    let mut seen: Vec<u32> = seen.into_iter().chain(descendants(pid)).collect();
    seen.sort_unstable();
    seen.dedup();
    kill(Pid::from_raw(pid as i32), signal)?;
    let end = Instant::now() + Duration::from_secs(10);
    while child.try_wait()?.is_none() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    if child.try_wait()?.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let gone_by = Instant::now() + Duration::from_secs(5);
    loop {
        let alive: Vec<u32> = seen.iter().copied().filter(|&pid| alive(pid)).collect();
        if alive.is_empty() {
            return Ok(Verdict::Clean {
                children: seen.len(),
            });
        }
        if Instant::now() > gone_by {
            for &orphan in &alive {
                let _ = kill(Pid::from_raw(orphan as i32), Signal::SIGKILL);
            }
            return Ok(Verdict::Orphans(alive));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every live descendant of `root`, from `/proc/*/stat`.
fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = HashMap::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some((ppid, state)) = stat(pid)
            && state != 'Z'
        {
            parent_of.insert(pid, ppid);
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for (&pid, &ppid) in &parent_of {
            if ppid == parent && !found.contains(&pid) {
                found.push(pid);
                frontier.push(pid);
            }
        }
    }
    found
}

/// A process's parent and state letter, from `/proc/<pid>/stat`.
fn stat(pid: u32) -> Option<(u32, char)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: read after its last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((ppid, state))
}

fn alive(pid: u32) -> bool {
    stat(pid).is_some_and(|(_, state)| state != 'Z')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_that_dies_leaves_its_sleeping_child_behind() {
        let verdict = trial(
            Path::new("/bin/sh"),
            &["-c".into(), "sleep 30 & wait".into()],
            Signal::SIGKILL,
        )
        .unwrap();
        assert!(
            matches!(verdict, Verdict::Orphans(ref pids) if pids.len() == 1),
            "{verdict:?}"
        );
    }

    #[test]
    fn a_program_without_children_is_not_judged() {
        let verdict = trial(Path::new("/bin/true"), &[], Signal::SIGTERM).unwrap();
        assert_eq!(verdict, Verdict::NoChildren);
    }
}
