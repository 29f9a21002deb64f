//! The web side of the url test, infrastructure the recipe needs but does not teach: a plain
//! HTTP/1.1 `GET` (the book's `urlopen(...).read(1024)`) and the small web server on a
//! loopback port it reads from, in place of the book's packtpub.com.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, ensure};

/// Every network operation gives up after this long instead of hanging the recipe.
const NET_TIMEOUT: Duration = Duration::from_secs(10);

// ANCHOR: get
/// Requests the page at `addr` and returns the first `chunk` bytes of its body.
pub fn get(addr: SocketAddr, chunk: usize) -> anyhow::Result<Vec<u8>> {
    let stream = TcpStream::connect_timeout(&addr, NET_TIMEOUT)
        .with_context(|| format!("cannot connect to http://{addr}/"))?;
    stream.set_read_timeout(Some(NET_TIMEOUT))?;
    (&stream).write_all(
        format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )?;
    let mut response = BufReader::new(stream);
    skip_headers(&mut response)?;
    let mut body = vec![0; chunk];
    response
        .read_exact(&mut body)
        .context("the page is shorter than a chunk")?;
    Ok(body)
}
// ANCHOR_END: get

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

/// A page twice as long as the part a client reads, like the book's home page.
pub fn page_bytes(chunk: usize) -> Vec<u8> {
    let line = "<p>Python Parallel Programming Cookbook, in Rust</p>\n";
    line.bytes().cycle().take(2 * chunk).collect()
}

// ANCHOR: server
/// A web server on a loopback port that accepts exactly `requests` connections, with a few
/// threads so that threaded clients are served at the same time, and then stops.
pub struct PageServer {
    pub addr: SocketAddr,
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
    pub fn start(page: Arc<[u8]>, requests: u64, workers: u32) -> anyhow::Result<Self> {
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
    pub fn finish(self) -> anyhow::Result<u64> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Outcome, Workload, threaded};

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
        let mut digest = std::hash::DefaultHasher::new();
        for _ in 0..3 {
            std::hash::Hasher::write(&mut digest, &page[..64]);
        }
        let expected = Outcome::Bytes(std::hash::Hasher::finish(&digest));
        assert_eq!(outcomes.len(), 2);
        assert!(outcomes.iter().all(|outcome| *outcome == expected));
        assert_eq!(server.finish().unwrap(), 6);
    }

    #[test]
    fn a_server_left_early_still_stops() {
        let server = PageServer::start(page_bytes(8).into(), 5, 3).unwrap();
        assert_eq!(get(server.addr, 8).unwrap(), page_bytes(8)[..8]);
        assert_eq!(get(server.addr, 8).unwrap(), page_bytes(8)[..8]);
        assert_eq!(server.finish().unwrap(), 2, "two answered, three woken");
    }

    #[test]
    fn a_chunk_longer_than_the_page_is_an_error() {
        let server = PageServer::start(page_bytes(8).into(), 1, 1).unwrap();
        let error = get(server.addr, 17).unwrap_err();
        assert!(
            error.to_string().contains("shorter than a chunk"),
            "{error}"
        );
        assert_eq!(server.finish().unwrap(), 1);
    }
}
