//! What the book's four tests need around `function_to_run`: the sizes of the work, the input
//! each one reads (a temp file, a page on a loopback web server), the value every call must
//! return, computed independently of the recipe's own code, and the lines that open and close
//! each test.

use std::hash::{DefaultHasher, Hasher};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, ensure};
use num_bigint::BigUint;
use tempfile::NamedTempFile;

use crate::http::{self, PageServer};

/// The book's four tests, one for each `function_to_run` it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// An empty function: the cost of the calls and threads themselves
    Empty,
    /// A Fibonacci loop on big integers: CPU-bound
    Fib,
    /// Reads of a file: I/O on the page cache
    Read,
    /// Requests to a local web server: network I/O
    Url,
}

/// The book's sizes of the work.
#[derive(clap::Args)]
pub struct Sizes {
    /// Steps of the Fibonacci loop (fib).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    fib_steps: u32,
    /// Reads per call from the file (read).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    file_reads: u32,
    /// Requests per call to the web server (url).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    url_reads: u32,
    /// Bytes per read, from the file and from each web page (read, url).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=65536))]
    chunk: u32,
}

// ANCHOR: workload
/// The book's `function_to_run` of each test, with what it reads and how much.
pub enum Workload {
    Empty,
    Fib {
        steps: u32,
    },
    Read {
        path: PathBuf,
        reads: u32,
        chunk: usize,
    },
    Url {
        addr: SocketAddr,
        reads: u32,
        chunk: usize,
    },
}

/// What one call returns, so that every call can be checked.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Nothing,
    Number(BigUint),
    /// A digest of every byte read, in order.
    Bytes(u64),
}
// ANCHOR_END: workload

/// One of the book's tests, ready to measure.
pub struct Test {
    /// What follows `Starting tests: `.
    pub title: String,
    pub workload: Workload,
    /// What every call must return.
    pub expected: Outcome,
    /// The line that closes the test once [`Test::finish`] holds.
    summary: String,
    /// The file or the server the workload reads, kept until [`Test::finish`].
    input: Input,
}

enum Input {
    Nothing,
    File(NamedTempFile),
    Server { server: PageServer, requests: u64 },
}

impl Test {
    /// Sets up the test of `kind` for a run of `repeat` measurements of each n in `ns`.
    pub fn prepare(kind: Kind, sizes: &Sizes, ns: &[u32], repeat: u32) -> anyhow::Result<Self> {
        match kind {
            Kind::Empty => Ok(empty()),
            Kind::Fib => Ok(fib(sizes.fib_steps)),
            Kind::Read => read(sizes.file_reads, sizes.chunk as usize),
            Kind::Url => url(sizes.url_reads, sizes.chunk as usize, ns, repeat),
        }
    }

    /// Removes the temp file, or stops the web server and checks that it answered every
    /// request of the run; returns the closing line.
    pub fn finish(self) -> anyhow::Result<String> {
        match self.input {
            Input::Nothing => {}
            Input::File(file) => file.close().context("cannot remove the temp file")?,
            Input::Server { server, requests } => {
                let answered = server.finish()?;
                ensure!(
                    answered == requests,
                    "the server answered {answered} requests, the run made {requests}"
                );
            }
        }
        Ok(self.summary)
    }
}

fn empty() -> Test {
    Test {
        title: "empty (a function that does nothing)".into(),
        workload: Workload::Empty,
        expected: Outcome::Nothing,
        summary: "empty: every measurement made its n calls, with or without threads".into(),
        input: Input::Nothing,
    }
}

fn fib(steps: u32) -> Test {
    let expected = fib_by_doubling(steps);
    let digits = expected.to_string().len();
    Test {
        title: format!("fib ({steps}-step Fibonacci loop on big integers)"),
        workload: Workload::Fib { steps },
        expected: Outcome::Number(expected),
        summary: format!(
            "fib: every call returned F({steps}), {digits} digits, equal to fast doubling's, with or without threads"
        ),
        input: Input::Nothing,
    }
}

/// F(n) by fast doubling, a different algorithm to check the book's loop against:
/// F(2k) = F(k)·(2·F(k+1) − F(k)) and F(2k+1) = F(k)² + F(k+1)².
pub fn fib_by_doubling(n: u32) -> BigUint {
    let (mut f, mut g) = (BigUint::ZERO, BigUint::from(1u32)); // F(k), F(k+1) with k = 0
    for bit in (0..u32::BITS - n.leading_zeros()).rev() {
        let f2 = &f * (&g * 2u32 - &f);
        let g2 = &f * &f + &g * &g;
        (f, g) = if n >> bit & 1 == 1 {
            let next = &f2 + &g2;
            (g2, next)
        } else {
            (f2, g2)
        };
    }
    f
}

fn read(reads: u32, chunk: usize) -> anyhow::Result<Test> {
    let content = file_bytes(reads as usize * chunk);
    let file = temp_file_with(&content)?;
    let len = content.len();
    Ok(Test {
        title: format!("read ({reads} reads of {chunk} bytes from a {len}-byte temp file)"),
        workload: Workload::Read {
            path: file.path().to_owned(),
            reads,
            chunk,
        },
        expected: Outcome::Bytes(digest([content.as_slice()])),
        summary: format!(
            "read: every call read the file's {len} bytes as written, with or without threads"
        ),
        input: Input::File(file),
    })
}

/// A deterministic file content, so its digest is known before anything is read.
fn file_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// A temp file holding `content`; deleted when dropped, also on an error path.
fn temp_file_with(content: &[u8]) -> anyhow::Result<NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix("thread-perf-")
        .tempfile()
        .context("cannot create a temp file")?;
    file.write_all(content)
        .and_then(|()| file.flush())
        .context("cannot write the temp file")?;
    Ok(file)
}

fn url(reads: u32, chunk: usize, ns: &[u32], repeat: u32) -> anyhow::Result<Test> {
    let page: Arc<[u8]> = http::page_bytes(chunk).into();
    // Each n runs `repeat` times both ways: n calls of `reads` requests each.
    let calls: u64 = ns.iter().map(|&n| u64::from(n)).sum();
    let requests = 2 * u64::from(repeat) * calls * u64::from(reads);
    let workers = ns.iter().copied().max().unwrap_or(1);
    let server = PageServer::start(page.clone(), requests, workers)?;
    let addr = server.addr;
    Ok(Test {
        title: format!(
            "url ({reads} reads of {chunk} bytes from http://{addr}/, a {}-byte page)",
            page.len()
        ),
        workload: Workload::Url { addr, reads, chunk },
        expected: Outcome::Bytes(digest((0..reads).map(|_| &page[..chunk]))),
        summary: format!(
            "url: the server answered all {requests} requests; every call read the page's first {chunk} bytes, with or without threads"
        ),
        input: Input::Server { server, requests },
    })
}

/// The digest `function_to_run` makes of the bytes it reads, here of `parts` in order.
fn digest<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    let mut digest = DefaultHasher::new();
    for part in parts {
        digest.write(part);
    }
    digest.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::function_to_run;

    #[test]
    fn the_loop_and_fast_doubling_agree() {
        for n in [0, 1, 2, 3, 10, 99, 100, 1000, 4097] {
            assert_eq!(crate::fib(n), fib_by_doubling(n), "F({n})");
        }
    }

    #[test]
    fn the_digest_does_not_depend_on_how_the_bytes_are_cut() {
        let bytes = file_bytes(300);
        assert_eq!(digest(bytes.chunks(7)), digest([bytes.as_slice()]));
        assert_ne!(digest([&bytes[..299]]), digest([bytes.as_slice()]));
    }

    #[test]
    fn reading_the_temp_file_returns_its_bytes_and_finish_deletes_it() {
        let test = read(3, 100).unwrap();
        let Workload::Read { path, .. } = &test.workload else {
            panic!("not a read workload");
        };
        let path = path.clone();
        assert_eq!(function_to_run(&test.workload).unwrap(), test.expected);
        let past_the_end = Workload::Read {
            path: path.clone(),
            reads: 4,
            chunk: 100,
        };
        assert!(function_to_run(&past_the_end).is_err());
        assert!(test.finish().unwrap().contains("the file's 300 bytes"));
        assert!(!path.exists());
    }
}
