//! A queue between two processes, what Python's `multiprocessing.Queue` gives the recipe: a
//! connected pair of Unix sockets, one end per process. A `Command` can hand a child only its
//! standard streams, so each end goes in as the child's stdin, the way `inetd` hands a server
//! its connection. Items travel as one `serde_json` value per line, as Python pickles them.
//!
//! `qsize()`: Python counts a queue's items with a semaphore the processes share. Here the
//! consumer sends a receipt back through the same socket for every item it takes, and the
//! producer counts the items it put minus the receipts it has read.

use std::io::{self, BufRead, BufReader, Lines, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use anyhow::Context;

/// A new queue: the producer's end and the consumer's end, each to become a child's stdin.
pub fn pair() -> anyhow::Result<(Stdio, Stdio)> {
    let (producer, consumer) = UnixStream::pair().context("cannot create the queue")?;
    Ok((
        OwnedFd::from(producer).into(),
        OwnedFd::from(consumer).into(),
    ))
}

/// The queue's end this child was given as its stdin.
fn from_stdin() -> anyhow::Result<UnixStream> {
    let queue = UnixStream::from(io::stdin().as_fd().try_clone_to_owned()?);
    queue
        .peer_addr()
        .context("stdin is not a socket: this subcommand is started by process-queue itself")?;
    Ok(queue)
}

// ANCHOR: queue
/// The producer's end: `put` and `qsize`.
pub struct Producer {
    queue: UnixStream,
    put: usize,
    taken: Arc<AtomicUsize>,
    receipts: JoinHandle<anyhow::Result<Vec<u32>>>,
}

impl Producer {
    /// The producer's end of the queue, given as stdin.
    pub fn from_stdin() -> anyhow::Result<Self> {
        Self::new(from_stdin()?)
    }

    /// The producer's end `queue`, with a thread counting the receipts.
    pub fn new(queue: UnixStream) -> anyhow::Result<Self> {
        let taken = Arc::new(AtomicUsize::new(0));
        let (input, counter) = (BufReader::new(queue.try_clone()?), Arc::clone(&taken));
        let receipts = std::thread::Builder::new()
            .name("receipts".into())
            .spawn(move || read_receipts(input, &counter))?;
        Ok(Self {
            queue,
            put: 0,
            taken,
            receipts,
        })
    }

    pub fn put(&mut self, item: u32) -> anyhow::Result<()> {
        let line = serde_json::to_string(&item)?;
        writeln!(self.queue, "{line}").context("the queue is closed")?;
        self.put += 1;
        Ok(())
    }

    /// The items put and not yet taken. Every receipt is for an item already counted in `put`.
    pub fn qsize(&self) -> usize {
        self.put - self.taken.load(Ordering::SeqCst)
    }

    /// Ends the stream (the consumer's next `get` returns `None`) and returns the receipts,
    /// which stop when the consumer closes its end, after its last item.
    pub fn close(self) -> anyhow::Result<Vec<u32>> {
        self.queue.shutdown(Shutdown::Write)?;
        common::join(self.receipts)?
    }
}

/// Reads the consumer's receipts until it closes its end, counting them as they come.
fn read_receipts(input: impl BufRead, taken: &AtomicUsize) -> anyhow::Result<Vec<u32>> {
    let mut received = Vec::new();
    for line in input.lines() {
        let line = line.context("cannot read a receipt")?;
        let item = serde_json::from_str(&line).with_context(|| format!("bad receipt {line:?}"))?;
        received.push(item);
        taken.fetch_add(1, Ordering::SeqCst);
    }
    Ok(received)
}

/// The consumer's end: `get`.
pub struct Consumer {
    items: Lines<BufReader<UnixStream>>,
    receipts: UnixStream,
}

impl Consumer {
    /// The consumer's end of the queue, given as stdin.
    pub fn from_stdin() -> anyhow::Result<Self> {
        Self::new(from_stdin()?)
    }

    pub fn new(receipts: UnixStream) -> anyhow::Result<Self> {
        let items = BufReader::new(receipts.try_clone()?).lines();
        Ok(Self { items, receipts })
    }

    /// The next item, sending its receipt; blocks until one arrives, or returns `None` once
    /// the producer has ended the stream.
    pub fn get(&mut self) -> anyhow::Result<Option<u32>> {
        let Some(line) = self.items.next() else {
            return Ok(None);
        };
        let line = line.context("cannot read from the queue")?;
        let item = serde_json::from_str(&line).with_context(|| format!("bad item {line:?}"))?;
        writeln!(self.receipts, "{line}").context("cannot send a receipt")?;
        Ok(Some(item))
    }
}
// ANCHOR_END: queue

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_put_is_got_once_and_in_order() {
        let (producer, consumer) = UnixStream::pair().unwrap();
        let mut consumer = Consumer::new(consumer).unwrap();
        let taker = std::thread::spawn(move || {
            let mut got = Vec::new();
            while let Some(item) = consumer.get().unwrap() {
                got.push(item);
            }
            got
        });
        let mut producer = Producer::new(producer).unwrap();
        for item in [5, 256, 0, 5] {
            producer.put(item).unwrap();
            assert!(producer.qsize() <= 4);
        }
        // Closing ends the consumer's stream, and the consumer's end closes with its thread.
        assert_eq!(producer.close().unwrap(), [5, 256, 0, 5]);
        assert_eq!(taker.join().unwrap(), [5, 256, 0, 5]);
    }

    #[test]
    fn receipts_are_counted_as_they_come() {
        let taken = AtomicUsize::new(0);
        let received = read_receipts(&b"7\n8\n"[..], &taken).unwrap();
        assert_eq!(received, [7, 8]);
        assert_eq!(taken.load(Ordering::SeqCst), 2);
    }
}
