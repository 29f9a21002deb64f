//! # Evaluating the performance of multithread applications
//!
//! Book: 1st edition §2.12 "Evaluating the performance of multithread applications". (The 2nd
//! edition has no such section.)
//!
//! For n = 1, 2, 4 and 8, a function is called n times in a row and then once in each of n
//! threads; the best of several runs of each is printed with the speedup. Four functions are
//! measured: an empty one (the cost of a thread), a 10,000-step big-integer Fibonacci loop (CPU
//! bound), 1000 reads of 1 KiB from a file, and 10 reads of 1 KiB from a web server. In Python
//! the GIL lets one thread run Python code at a time, so only the I/O workloads gain from
//! threads; Rust has no GIL, so the CPU-bound Fibonacci loop scales with the cores as well.
//!
//! ## Run
//!
//! ```text
//! cargo run -p thread-perf                          # all four workloads, best of 5 runs
//! cargo run -p thread-perf -- --workload fib        # one of: empty fib read url
//! cargo run -p thread-perf -- --threads 2,16 --repeat 20
//! cargo run -p thread-perf -- --book                # best of 100 runs, as in the book
//! ```
//!
//! ## Python → Rust
//!
//! - `Thread` subclasses and `start()`/`join()` → `std::thread::Builder` (threads named
//!   `Thread-1`..) and `common::join`. The n threads run at the same time on as many cores as
//!   the machine has: no interpreter lock serialises them.
//! - `timeit.Timer(...).repeat(repeat=100, number=1)` and `min()` → `common::timing::timed`
//!   around each run, keeping the shortest time.
//! - Python's unbounded integers → `num_bigint::BigUint`. `std::hint::black_box` hides the
//!   inputs and results from the optimiser, so the empty call and the Fibonacci loop are really
//!   performed instead of being folded away.
//! - `open(..., "rb")` and `read(1024)` → `std::fs::File` and `Read::read_exact`;
//!   `urllib.request.urlopen(...).read(1024)` → a plain HTTP/1.1 `GET` over `TcpStream`.
//!
//! ## Differences from the book
//!
//! - Every call returns its result (nothing, the Fibonacci number, or a count and a digest of
//!   the bytes read), and the recipe checks that each measurement made n calls and that the
//!   threaded results equal the non-threaded ones and an independent computation (the
//!   Fibonacci number by fast doubling, the file's and the page's bytes as written). The book
//!   only times.
//! - The file workload reads a temp file the recipe writes and removes (the book reads a
//!   Windows path, `C:\CookBookFileExamples\test.dat`, that its readers do not have).
//! - The web workload reads from a small HTTP server the recipe starts on `127.0.0.1:0`, not
//!   from `https://www.packtpub.com/`: no network access, and no load on someone else's site.
//!   The server accepts exactly the number of requests the run makes, then stops.
//! - The book's prose also mentions 3 threads, which its code never runs; the thread counts
//!   are a flag (`--threads`, default `1,2,4,8` as in the code). `--repeat` defaults to 5 for
//!   a fast run; `--book` restores 100.
//! - Each n also prints the speedup (non-threaded time / threaded time), and the four
//!   workloads run in one program instead of by editing `function_to_run`.
//! - Python's file object buffers its reads; Rust's `File` does not, so each 1 KiB read is a
//!   system call here.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, anyhow, bail, ensure};
use clap::{Parser, ValueEnum};
use common::timing::{speedup_line, timed};
use num_bigint::BigUint;

#[derive(Parser)]
#[command(about = "n calls in a row versus n threads, for four kinds of work")]
struct Args {
    /// Run only this workload; all four, in this order, when absent.
    #[arg(long, value_enum)]
    workload: Option<Kind>,
    /// The values of n to measure (comma separated, 1 to 64).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1,2,4,8",
        value_parser = clap::value_parser!(u32).range(1..=64)
    )]
    threads: Vec<u32>,
    /// Runs per measurement; the fastest counts [default: 5, or the book's 100 with --book].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: Option<u32>,
    /// Use the book's parameters: best of 100 runs.
    #[arg(long)]
    book: bool,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// An empty function: the cost of the calls and threads themselves
    Empty,
    /// A Fibonacci loop on big integers: CPU-bound
    Fib,
    /// Reads of a file: I/O on the page cache
    Read,
    /// Requests to a local web server: network I/O
    Url,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let kinds = match args.workload {
        Some(kind) => vec![kind],
        None => Kind::value_variants().to_vec(),
    };
    let repeat = args.repeat.unwrap_or(if args.book { 100 } else { 5 });
    for kind in kinds {
        match kind {
            Kind::Empty => {
                println!("Starting tests: empty (a function that does nothing)");
                evaluate(&Workload::Empty, &Outcome::Nothing, &args.threads, repeat)?;
                println!("empty: every measurement made its n calls, with or without threads");
            }
            Kind::Fib => fib_tests(&args, repeat)?,
            Kind::Read => read_tests(&args, repeat)?,
            Kind::Url => url_tests(&args, repeat)?,
        }
    }
    Ok(())
}

// ANCHOR: workload
/// The book's `function_to_run`, one variant per test.
#[derive(Debug, Clone)]
enum Workload {
    Empty,
    Fib {
        steps: u32,
    },
    Read {
        path: Arc<Path>,
        reads: u32,
        chunk: usize,
    },
    Url {
        addr: SocketAddr,
        reads: u32,
        chunk: usize,
    },
}

/// What one call returns, so the threaded calls can be compared with the non-threaded ones.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Nothing,
    Number(BigUint),
    Bytes { count: u64, digest: u64 },
}

impl Workload {
    fn function_to_run(&self) -> anyhow::Result<Outcome> {
        match self {
            Workload::Empty => Ok(Outcome::Nothing),
            Workload::Fib { steps } => Ok(Outcome::Number(fib(black_box(*steps)))),
            Workload::Read { path, reads, chunk } => read_file(path, *reads, *chunk),
            Workload::Url { addr, reads, chunk } => read_url(*addr, *reads, *chunk),
        }
    }
}
// ANCHOR_END: workload

// ANCHOR: calls
/// n calls, one after another (the book's `non_threaded`).
fn non_threaded(workload: &Workload, n: u32) -> anyhow::Result<Vec<Outcome>> {
    (0..n)
        .map(|_| black_box(black_box(workload).function_to_run()))
        .collect()
}

/// One call in each of n threads, all started before any is joined (the book's `threaded`).
fn threaded(workload: &Workload, n: u32) -> anyhow::Result<Vec<Outcome>> {
    let mut handles = Vec::new();
    let mut spawn_error = None;
    for i in 1..=n {
        let workload = workload.clone();
        let spawned = thread::Builder::new()
            .name(format!("Thread-{i}"))
            .spawn(move || black_box(black_box(&workload).function_to_run()));
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(error) => {
                spawn_error = Some(anyhow!(error).context(format!("cannot start Thread-{i}")));
                break;
            }
        }
    }
    // Join every thread that started before judging any result, so none is left running.
    let joined: Vec<_> = handles.into_iter().map(common::join).collect();
    if let Some(error) = spawn_error {
        return Err(error);
    }
    joined.into_iter().map(|outcome| outcome?).collect()
}
// ANCHOR_END: calls

// ANCHOR: evaluate
/// The book's main loop for one workload: for each n, the best of `repeat` runs of
/// `non_threaded(n)` and of `threaded(n)`. Every run's results are checked, not only the best.
fn evaluate(
    workload: &Workload,
    expected: &Outcome,
    ns: &[u32],
    repeat: u32,
) -> anyhow::Result<()> {
    for &n in ns {
        let serial = best_of(repeat, n, expected, || non_threaded(workload, n))
            .with_context(|| format!("non_threaded ({n} iters)"))?;
        show_results(&format!("non_threaded ({n} iters)"), serial);
        let label = format!("threaded ({n} threads)");
        let parallel = best_of(repeat, n, expected, || threaded(workload, n))
            .with_context(|| label.clone())?;
        show_results(&label, parallel);
        println!("{}", speedup_line(&label, serial, parallel));
        println!("Iterations complete");
    }
    Ok(())
}

/// The shortest of `repeat` timed runs of `calls`, each checked: n results, all `expected`.
fn best_of(
    repeat: u32,
    n: u32,
    expected: &Outcome,
    mut calls: impl FnMut() -> anyhow::Result<Vec<Outcome>>,
) -> anyhow::Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..repeat {
        let (outcomes, took) = timed(&mut calls);
        let outcomes = outcomes?;
        ensure!(
            outcomes.len() == n as usize,
            "{} results from {n} calls",
            outcomes.len()
        );
        if let Some(wrong) = outcomes.iter().find(|outcome| *outcome != expected) {
            bail!("a call returned {wrong:?}, expected {expected:?}");
        }
        best = best.min(took);
    }
    Ok(best)
}
// ANCHOR_END: evaluate

/// `"%-23s %4.6f seconds"`, the book's `show_results`.
fn show_results(name: &str, took: Duration) {
    println!("{name:<23} {:.6} seconds", took.as_secs_f64());
}

// ---- fib ----

// ANCHOR: fib
/// The book's loop, `a, b = b, a + b`, `steps` times; returns `a`, the Fibonacci number F(steps).
fn fib(steps: u32) -> BigUint {
    let (mut a, mut b) = (BigUint::ZERO, BigUint::from(1u32));
    for _ in 0..steps {
        a += &b;
        std::mem::swap(&mut a, &mut b);
    }
    a
}
// ANCHOR_END: fib

/// F(n) by fast doubling, a different algorithm to check the loop against:
/// F(2k) = F(k)·(2·F(k+1) − F(k)) and F(2k+1) = F(k)² + F(k+1)².
fn fib_by_doubling(n: u32) -> BigUint {
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

fn fib_tests(args: &Args, repeat: u32) -> anyhow::Result<()> {
    let steps = args.fib_steps;
    let expected = fib_by_doubling(steps);
    let digits = expected.to_string().len();
    println!("Starting tests: fib ({steps}-step Fibonacci loop on big integers)");
    evaluate(
        &Workload::Fib { steps },
        &Outcome::Number(expected),
        &args.threads,
        repeat,
    )?;
    println!(
        "fib: every call returned F({steps}), {digits} digits, equal to fast doubling's, with or without threads"
    );
    Ok(())
}

// ---- read ----

/// A deterministic file content, so its digest is known before anything is read.
fn file_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

// ANCHOR: read
/// Opens the file and reads `reads` chunks of `chunk` bytes, as the book's third test does.
fn read_file(path: &Path, reads: u32, chunk: usize) -> anyhow::Result<Outcome> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut buffer = vec![0; chunk];
    let mut digest = Fnv::new();
    for _ in 0..reads {
        file.read_exact(&mut buffer)
            .with_context(|| format!("cannot read {}", path.display()))?;
        digest.update(&buffer);
    }
    Ok(Outcome::Bytes {
        count: u64::from(reads) * chunk as u64,
        digest: digest.finish(),
    })
}
// ANCHOR_END: read

fn read_tests(args: &Args, repeat: u32) -> anyhow::Result<()> {
    let (reads, chunk) = (args.file_reads, args.chunk as usize);
    let content = file_bytes(reads as usize * chunk);
    let file = temp_file_with(&content)?;
    println!(
        "Starting tests: read ({reads} reads of {chunk} bytes from a {}-byte temp file)",
        content.len()
    );
    let expected = Outcome::Bytes {
        count: content.len() as u64,
        digest: Fnv::new().update(&content).finish(),
    };
    let workload = Workload::Read {
        path: file.path().into(),
        reads,
        chunk,
    };
    evaluate(&workload, &expected, &args.threads, repeat)?;
    println!(
        "read: every call read the file's {} bytes as written, with or without threads",
        content.len()
    );
    file.close().context("cannot remove the temp file")
}

/// A temp file holding `content`; deleted when dropped, also on an error path.
fn temp_file_with(content: &[u8]) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix("thread-perf-")
        .tempfile()
        .context("cannot create a temp file")?;
    file.write_all(content)
        .and_then(|()| file.flush())
        .context("cannot write the temp file")?;
    Ok(file)
}

/// 64-bit FNV-1a: a tiny, dependency-free digest to compare the bytes each call read.
#[derive(Debug, Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn update(&mut self, bytes: &[u8]) -> &mut Self {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

// ---- url ----

/// Every network operation gives up after this long instead of hanging the recipe.
const NET_TIMEOUT: Duration = Duration::from_secs(10);

// ANCHOR: read_url
/// `reads` times: request the page and read the first `chunk` bytes of its body.
fn read_url(addr: SocketAddr, reads: u32, chunk: usize) -> anyhow::Result<Outcome> {
    let mut digest = Fnv::new();
    let mut body = vec![0; chunk];
    for _ in 0..reads {
        let stream = TcpStream::connect_timeout(&addr, NET_TIMEOUT)
            .with_context(|| format!("cannot connect to http://{addr}/"))?;
        stream.set_read_timeout(Some(NET_TIMEOUT))?;
        (&stream).write_all(
            format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )?;
        let mut response = BufReader::new(stream);
        skip_headers(&mut response)?;
        response
            .read_exact(&mut body)
            .context("the page is shorter than a chunk")?;
        digest.update(&body);
    }
    Ok(Outcome::Bytes {
        count: u64::from(reads) * chunk as u64,
        digest: digest.finish(),
    })
}
// ANCHOR_END: read_url

/// Reads the status line and the headers, up to the blank line before the body.
fn skip_headers(response: &mut impl BufRead) -> anyhow::Result<()> {
    let mut line = String::new();
    response.read_line(&mut line)?;
    ensure!(
        line.starts_with("HTTP/1.1 200 "),
        "the server answered {line:?}"
    );
    loop {
        line.clear();
        ensure!(
            response.read_line(&mut line)? > 0,
            "the response ended in its headers"
        );
        if line == "\r\n" {
            return Ok(());
        }
    }
}

// ANCHOR: server
/// A web server on a loopback port that accepts exactly `requests` connections, with a few
/// threads so that threaded clients are served at the same time, and then stops.
struct PageServer {
    addr: SocketAddr,
    tickets: Arc<Tickets>,
    workers: Vec<JoinHandle<anyhow::Result<u64>>>,
}

/// Shared by the server threads: each connection needs a ticket, claimed before `accept`, so
/// that together the threads accept exactly `requests` connections.
#[derive(Debug)]
struct Tickets {
    requests: u64,
    claimed: AtomicU64,
    accepted: AtomicU64,
}

impl PageServer {
    fn start(page: Arc<[u8]>, requests: u64, workers: u32) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").context("cannot listen on 127.0.0.1")?;
        let mut server = Self {
            addr: listener.local_addr()?,
            tickets: Arc::new(Tickets {
                requests,
                claimed: AtomicU64::new(0),
                accepted: AtomicU64::new(0),
            }),
            workers: Vec::new(),
        };
        for i in 1..=workers {
            match server.spawn_worker(i, &listener, &page) {
                Ok(worker) => server.workers.push(worker),
                Err(error) => {
                    // Stop the threads already waiting for connections before giving up.
                    let _ = server.finish();
                    return Err(error);
                }
            }
        }
        Ok(server)
    }

    fn spawn_worker(
        &self,
        i: u32,
        listener: &TcpListener,
        page: &Arc<[u8]>,
    ) -> anyhow::Result<JoinHandle<anyhow::Result<u64>>> {
        let listener = listener
            .try_clone()
            .context("cannot share the listening socket")?;
        let (page, tickets) = (page.clone(), self.tickets.clone());
        thread::Builder::new()
            .name(format!("Server-{i}"))
            .spawn(move || serve(&listener, &page, &tickets))
            .with_context(|| format!("cannot start thread Server-{i}"))
    }

    /// Joins the server threads and returns how many requests they answered. If the run made
    /// fewer requests than planned (it stopped on an error), the unused tickets are voided and
    /// each thread that may still wait in `accept` gets an empty connection, so none is left.
    fn finish(self) -> anyhow::Result<u64> {
        let requests = self.tickets.requests;
        if self.tickets.accepted.load(Ordering::SeqCst) < requests {
            self.tickets.claimed.fetch_max(requests, Ordering::SeqCst);
            for _ in &self.workers {
                // A failed connect only means that no thread is waiting any more.
                let _ = TcpStream::connect_timeout(&self.addr, NET_TIMEOUT);
            }
        }
        let joined: Vec<_> = self.workers.into_iter().map(common::join).collect();
        let mut answered = 0;
        for worker in joined {
            answered += worker??;
        }
        Ok(answered)
    }
}

/// One server thread: claim a ticket, accept one connection, answer it; until the tickets run
/// out.
fn serve(listener: &TcpListener, page: &[u8], tickets: &Tickets) -> anyhow::Result<u64> {
    let mut answered = 0;
    let mut first_error = None;
    while tickets.claimed.fetch_add(1, Ordering::SeqCst) < tickets.requests {
        let result = listener
            .accept()
            .map_err(anyhow::Error::from)
            .and_then(|(stream, _)| {
                tickets.accepted.fetch_add(1, Ordering::SeqCst);
                answer(stream, page)
            });
        match result {
            Ok(true) => answered += 1,
            Ok(false) => {}
            // Keep accepting: a client waiting in the backlog must not hang.
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    match first_error {
        Some(error) => Err(error.context("the web server failed")),
        None => Ok(answered),
    }
}

/// Reads one request and sends the page; `false` for a connection closed without a request.
fn answer(stream: TcpStream, page: &[u8]) -> anyhow::Result<bool> {
    stream.set_read_timeout(Some(NET_TIMEOUT))?;
    let mut request = BufReader::new(&stream);
    let mut line = String::new();
    if request.read_line(&mut line)? == 0 {
        return Ok(false);
    }
    ensure!(line.starts_with("GET / "), "unexpected request {line:?}");
    while line != "\r\n" {
        line.clear();
        ensure!(
            request.read_line(&mut line)? > 0,
            "request ended in its headers"
        );
    }
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        page.len()
    )
    .into_bytes();
    response.extend_from_slice(page);
    (&stream).write_all(&response)?;
    Ok(true)
}
// ANCHOR_END: server

/// A page twice as long as the part a client reads, like the book's home page.
fn page_bytes(chunk: usize) -> Vec<u8> {
    let line = "<p>Python Parallel Programming Cookbook, in Rust</p>\n";
    line.bytes().cycle().take(2 * chunk).collect()
}

fn url_tests(args: &Args, repeat: u32) -> anyhow::Result<()> {
    let (reads, chunk) = (args.url_reads, args.chunk as usize);
    let page: Arc<[u8]> = page_bytes(chunk).into();
    // Each n runs `repeat` times both ways: n calls of `reads` requests each.
    let calls: u64 = args.threads.iter().map(|&n| u64::from(n)).sum();
    let requests = 2 * u64::from(repeat) * calls * u64::from(reads);
    let workers = args.threads.iter().copied().max().unwrap_or(1);
    let server = PageServer::start(page.clone(), requests, workers)?;
    println!(
        "Starting tests: url ({reads} reads of {chunk} bytes from http://{}/, a {}-byte page)",
        server.addr,
        page.len()
    );
    let mut expected = Fnv::new();
    for _ in 0..reads {
        expected.update(&page[..chunk]);
    }
    let expected = Outcome::Bytes {
        count: u64::from(reads) * chunk as u64,
        digest: expected.finish(),
    };
    let workload = Workload::Url {
        addr: server.addr,
        reads,
        chunk,
    };
    let measured = evaluate(&workload, &expected, &args.threads, repeat);
    let answered = server.finish();
    measured?;
    let answered = answered?;
    ensure!(
        answered == requests,
        "the server answered {answered} requests, the run made {requests}"
    );
    println!(
        "url: the server answered all {requests} requests; every call read the page's first {chunk} bytes, with or without threads"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_and_fast_doubling_agree() {
        let small: Vec<u32> = (0..12).map(|n| u32::try_from(fib(n)).unwrap()).collect();
        assert_eq!(small, [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]);
        for n in [0, 1, 2, 3, 10, 99, 100, 1000, 4097] {
            assert_eq!(fib(n), fib_by_doubling(n), "F({n})");
        }
    }

    #[test]
    fn f_10000_has_2090_digits() {
        let text = fib(10_000).to_string();
        assert_eq!(text.len(), 2090);
        assert!(text.starts_with("33644764876431783266621612005107543310302148460680"));
        assert!(text.ends_with("366875"));
    }

    #[test]
    fn fnv_matches_its_reference_values() {
        assert_eq!(Fnv::new().finish(), 0xcbf2_9ce4_8422_2325);
        assert_eq!(Fnv::new().update(b"a").finish(), 0xaf63_dc4c_8601_ec8c);
        let mut split = Fnv::new();
        split.update(b"foo").update(b"bar");
        assert_eq!(split.finish(), Fnv::new().update(b"foobar").finish());
    }

    #[test]
    fn reading_the_temp_file_returns_its_bytes_and_remove_deletes_it() {
        let content = file_bytes(3 * 100);
        let file = temp_file_with(&content).unwrap();
        let outcome = read_file(file.path(), 3, 100).unwrap();
        let expected = Outcome::Bytes {
            count: 300,
            digest: Fnv::new().update(&content).finish(),
        };
        assert_eq!(outcome, expected);
        assert!(read_file(file.path(), 4, 100).is_err(), "past the end");
        let path = file.path().to_owned();
        file.close().unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn the_server_answers_exactly_its_requests_then_stops() {
        let page: Arc<[u8]> = page_bytes(64).into();
        let server = PageServer::start(page.clone(), 6, 2).unwrap();
        let workload = Workload::Url {
            addr: server.addr,
            reads: 3,
            chunk: 64,
        };
        let outcomes = threaded(&workload, 2).unwrap();
        assert_eq!(outcomes[0], outcomes[1]);
        let mut digest = Fnv::new();
        for _ in 0..3 {
            digest.update(&page[..64]);
        }
        assert_eq!(
            outcomes[0],
            Outcome::Bytes {
                count: 192,
                digest: digest.finish()
            }
        );
        assert_eq!(server.finish().unwrap(), 6);
    }

    #[test]
    fn a_server_left_early_still_stops() {
        let server = PageServer::start(page_bytes(8).into(), 5, 3).unwrap();
        let workload = Workload::Url {
            addr: server.addr,
            reads: 2,
            chunk: 8,
        };
        non_threaded(&workload, 1).unwrap();
        assert_eq!(server.finish().unwrap(), 2, "two answered, three woken");
    }

    #[test]
    fn each_measurement_checks_count_and_values() {
        let expected = Outcome::Nothing;
        assert!(best_of(2, 3, &expected, || non_threaded(&Workload::Empty, 3)).is_ok());
        let error = best_of(1, 3, &expected, || non_threaded(&Workload::Empty, 2)).unwrap_err();
        assert!(error.to_string().contains("2 results from 3 calls"));
        let fib = Workload::Fib { steps: 5 };
        let error = best_of(1, 1, &expected, || threaded(&fib, 1)).unwrap_err();
        assert!(error.to_string().contains("expected Nothing"));
    }
}
