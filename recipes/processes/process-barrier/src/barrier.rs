//! A barrier for processes: what Python's `multiprocessing.Barrier` does and Rust's standard
//! library has no counterpart for (`std::sync::Barrier` lives in one process's memory).
//!
//! The parent is the barrier's keeper. Each party is connected to it by a socket pair, whose
//! other end the party gets as its stdin. `wait()` tells the keeper the party has arrived and
//! blocks reading the socket; once the keeper has heard from every party, it answers them
//! all. No shared memory and no unsafe code, and a party that dies before arriving shows up as
//! the end of its socket instead of a barrier that waits forever.
//!
//! Every message is one line. A party sends the time it arrived and, later, the time it left
//! (microseconds since the Unix epoch), so the parent can check that the barrier held.

use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::Stdio;

use anyhow::{Context, bail, ensure};
use common::child::Children;

// ANCHOR: barrier
/// A party's side of the barrier: its socket to the keeper.
pub struct Barrier(BufReader<UnixStream>);

impl Barrier {
    /// The socket the keeper gave this process as its stdin.
    pub fn from_stdin() -> anyhow::Result<Self> {
        let socket = UnixStream::from(io::stdin().as_fd().try_clone_to_owned()?);
        socket.peer_addr().context(
            "stdin is not a socket: this subcommand is started by process-barrier itself",
        )?;
        Ok(Self(BufReader::new(socket)))
    }

    /// `synchronizer.wait()`: says it arrived at `at`, then blocks until the keeper says go.
    pub fn wait(&mut self, at: i64) -> anyhow::Result<()> {
        writeln!(self.0.get_ref(), "{at}").context("the keeper has gone")?;
        let mut go = String::new();
        ensure!(
            self.0.read_line(&mut go)? > 0,
            "the keeper closed the barrier"
        );
        Ok(())
    }

    /// Tells the keeper the party left the barrier at `at`.
    pub fn left(&mut self, at: i64) -> anyhow::Result<()> {
        writeln!(self.0.get_ref(), "{at}").context("the keeper has gone")
    }
}

/// The keeper's side: its end of every party's socket, by the party's name.
#[derive(Default)]
pub struct Keeper(Vec<(String, BufReader<UnixStream>)>);

impl Keeper {
    /// A new socket pair for the party `name`; returns the end that becomes its stdin.
    pub fn add(&mut self, name: &str) -> anyhow::Result<Stdio> {
        let (ours, theirs) = UnixStream::pair().context("cannot create a socket pair")?;
        self.0.push((name.to_owned(), BufReader::new(ours)));
        Ok(Stdio::from(OwnedFd::from(theirs)))
    }

    /// The next time every party reports (its arrival, then its departure). A party whose
    /// socket ends first has died: the error names it and its exit status in `children`.
    pub fn times(&mut self, children: &mut Children, stage: &str) -> anyhow::Result<Vec<i64>> {
        let mut times = Vec::new();
        for (name, socket) in &mut self.0 {
            let mut line = String::new();
            if socket.read_line(&mut line)? == 0 {
                let code = children.wait(name)?;
                bail!("{name} exited with status {code} before {stage}");
            }
            let at = line.trim().parse();
            times.push(at.with_context(|| format!("{name} sent {line:?}"))?);
        }
        Ok(times)
    }

    /// Lets every party go on.
    pub fn release(&self) -> anyhow::Result<()> {
        for (name, socket) in &self.0 {
            writeln!(socket.get_ref(), "go").with_context(|| format!("cannot release {name}"))?;
        }
        Ok(())
    }
}
// ANCHOR_END: barrier

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keeper_reads_each_partys_times_and_releases_them_all() {
        let mut keeper = Keeper::default();
        let mut parties = Vec::new();
        for name in ["p1", "p2"] {
            let (ours, theirs) = UnixStream::pair().unwrap();
            keeper.0.push((name.to_owned(), BufReader::new(ours)));
            parties.push(Barrier(BufReader::new(theirs)));
        }
        let waiting: Vec<_> = (parties.into_iter().zip([10, 20]))
            .map(|(mut party, at)| {
                std::thread::spawn(move || {
                    party.wait(at).unwrap();
                    party.left(at + 1).unwrap();
                })
            })
            .collect();
        let mut children = Children::new();
        assert_eq!(keeper.times(&mut children, "arriving").unwrap(), [10, 20]);
        keeper.release().unwrap();
        assert_eq!(keeper.times(&mut children, "leaving").unwrap(), [11, 21]);
        waiting.into_iter().for_each(|party| party.join().unwrap());
    }

    #[test]
    fn a_closed_keeper_fails_the_wait() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        drop(ours);
        let mut party = Barrier(BufReader::new(theirs));
        assert!(party.wait(1).is_err());
    }
}
