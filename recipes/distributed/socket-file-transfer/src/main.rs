//! # Using the socket module: a file transfer
//!
//! Book: 2nd edition chapter 6, "Using the Python socket module": `server2.py`, `client2.py`
//! and the file they move, `mytext.txt` (not in the 1st edition).
//!
//! A client connects and greets the server with `HelloServer!`; the server answers with a file
//! and a closing `->Thank you for connecting`, then hangs up. Here the server first announces
//! the file's length and SHA-256, so the client can prove it got every byte, and the client
//! reports the transfer rate in MB/s.
//!
//! ## Run
//!
//! ```text
//! cargo run -p socket-file-transfer                          # server thread + client, book's text
//! cargo run -p socket-file-transfer -- --file big.bin        # any file, with its MB/s
//! cargo run -p socket-file-transfer -- server --file big.bin # terminal 1: serve on port 60000
//! cargo run -p socket-file-transfer -- client --output received.bin   # terminal 2
//! cargo run -p socket-file-transfer -- server --bind 0.0.0.0:60000 --file big.bin
//! cargo run -p socket-file-transfer -- client --server server-host:60000
//! cargo run -p socket-file-transfer -- server --max-connections 64 --timeout-s 30
//! ```
//!
//! ## Python → Rust
//!
//! - `socket.socket()`, `bind`, `listen`, `accept` → `std::net::TcpListener`; `connect` →
//!   `TcpStream::connect_timeout` (in `common::net::connect`).
//! - The book's one-client-at-a-time loop → a thread per client (what Python's
//!   `socketserver.ThreadingTCPServer` does), from `std::thread::scope` so each thread can
//!   borrow the file to send, with an atomic counter of the clients being served.
//! - The server's `f.read(1024)` / `conn.send(l)` loop → `std::io::copy` from the file to the
//!   socket (`Source::copy_to`): it streams to the end of the file, and on Linux lets the kernel
//!   move the bytes (`sendfile`) without copying them through the program.
//! - The client's `recv(1024)` / `f.write(data)` loop → `std::io::copy` from a buffered socket
//!   (`--chunk-size`, the book's 1024 available) into a writer that hashes what passes through.
//!   The header, the hashing writer and the client's checks are in `src/transfer.rs`.
//! - Python's `bytes`/`str` juggling (`encode`, `decode`, `repr`) → bytes throughout; text only
//!   where something is printed.
//!
//! ## Differences from the book
//!
//! - The book's server closes the file and the connection inside its send loop, so any file
//!   over 1 KiB is cut after its first chunk. This server streams the whole file, of any size.
//! - Before the file the server sends one header line, `<length> <sha256 hex>\n`; the client
//!   checks the bytes it got against both (exit 1 on a mismatch) and prints MB/s (1 MB =
//!   10^6 bytes). The book's client trusts whatever arrives.
//! - The book's client prints `receiving data...` and `Data=> ...` before and after each
//!   `recv`; this one copies the file in one `io::copy`, so it prints `receiving data...` once,
//!   and `Data=>` once, for a small (up to 1 KiB) text file only. It prints `file opened:
//!   <path>` only when it writes a file (`--output`), so the plain run has no such line. Its
//!   `Successfully get the file` line adds the length and digest, and a last line gives the
//!   rate: `Received <n> bytes in <s> s: <r> MB/s`. The server prints `Done sending <n> bytes`
//!   instead of `Sent '...'` per chunk and `Donesending`; the plain run ends with its own
//!   check, `Checked: ...`.
//! - The file is written to disk only with `--output` (the book always writes `received.txt`
//!   into the current directory); the book's `mytext.txt` (`hello!!!`) is built in, `--file`
//!   serves any other file.
//! - The book's server serves one client at a time and waits on it without a limit, so one
//!   idle client, or one that never reads, stalls every other; a client that resets ends it.
//!   This one serves each client from its own thread, at most `--max-connections` (1024) at
//!   once: one more is hung up on at once, with a line on stderr (its client says the server
//!   hung up, busy). A client that sends nothing for `--timeout-s` (10 s) before its greeting,
//!   or takes nothing for as long during the transfer, is given up. Whatever one client does
//!   costs the server a line on stderr at most; a failed `accept` (no file descriptor left)
//!   too, followed by a 100 ms pause.
//! - One binary plays either script (`server` or `client`), or both in one process: the plain
//!   run serves one client from a thread on a free port. Addresses are flags with loopback
//!   defaults, port 0 allowed; the book's `Server listening....` becomes `Server listening on
//!   127.0.0.1:60000`, naming the bound address. `--max-clients` bounds a server run
//!   (the book's loops forever). Client reads time out (`--timeout-s`) instead of hanging.

mod transfer;

use std::io::{self, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use common::output::py_str;
use transfer::{Fingerprint, Hashing, Source};

/// The book's `mytext.txt`: eight bytes, no newline.
const BOOK_TEXT: &[u8] = b"hello!!!";
const GREETING: &[u8] = b"HelloServer!";
const THANKS: &[u8] = b"->Thank you for connecting";
/// The server's pause after a failed accept, so an error that persists (no file descriptor
/// left) is not retried in a busy loop.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// What a client says when no server answers.
const SERVER_HINT: &str = "is the server running? start it with `socket-file-transfer server`";

#[derive(Parser)]
#[command(
    about = "A TCP server streams a file to a client, which checks it and prints MB/s",
    after_help = "Without a role: serves one client from a thread on a free loopback port and \
                  checks the copy against the file."
)]
struct Args {
    /// The role of this process, as one of the book's scripts.
    #[arg(value_enum)]
    role: Option<Role>,
    /// The file the server sends [default: the book's mytext.txt, "hello!!!"].
    #[arg(long)]
    file: Option<PathBuf>,
    /// Where the client writes the file (the book: received.txt) [default: only check it].
    #[arg(long)]
    output: Option<PathBuf>,
    /// Address the server listens on; port 0 picks a free port (the book: this host, port
    /// 60000).
    #[arg(long, default_value = "127.0.0.1:60000")]
    bind: String,
    /// Stop the server after this many clients [default: serve until stopped].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_clients: Option<u32>,
    /// Clients the server serves at once; one more is hung up on at once.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=65536))]
    max_connections: u32,
    /// Seconds either side waits for a connection or for the other to send or take bytes.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=86400))]
    timeout_s: u64,
    /// The server the client connects to (host:port).
    #[arg(long, default_value = "127.0.0.1:60000")]
    server: String,
    /// Bytes the client reads from the socket at a time (the book: 1024).
    #[arg(long, default_value_t = 65536, value_parser = clap::value_parser!(u32).range(1..=1 << 24))]
    chunk_size: u32,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Role {
    /// Send the file to every client that greets, like the book's server2.py.
    Server,
    /// Fetch the file, check it and report the rate, like the book's client2.py.
    Client,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

/// What bounds a server: how many clients it serves before it stops, how many at once, and
/// how long it waits for a client to send or take bytes.
#[derive(Clone, Copy)]
struct Limits {
    clients: Option<u32>,
    connections: u32,
    timeout: Duration,
}

fn run(args: Args) -> anyhow::Result<()> {
    let limits = Limits {
        clients: args.max_clients,
        connections: args.max_connections,
        timeout: Duration::from_secs(args.timeout_s),
    };
    let source = Source::new(args.file.clone(), BOOK_TEXT);
    match args.role {
        Some(Role::Server) => serve(&listen(&args.bind)?, &source?, limits),
        Some(Role::Client) => fetch(&args.server, &args).map(drop),
        None => both(source?, &args, limits),
    }
}

/// The plain run: a server thread on a free loopback port, one client, and a check of what
/// the client got against the source file, hashed here on its own.
fn both(source: Source, args: &Args, limits: Limits) -> anyhow::Result<()> {
    let listener = listen("127.0.0.1:0")?;
    let address = listener.local_addr()?.to_string();
    let expected = source.digest()?;
    let one = Limits {
        clients: Some(1),
        ..limits
    };
    let server = std::thread::Builder::new()
        .name("server".into())
        .spawn(move || serve(&listener, &source, one))
        .context("cannot start the server thread")?;
    let received = fetch(&address, args);
    common::join(server)??;
    let got = received?;
    ensure!(got == expected, "the client got {got:?}, not {expected:?}");
    let (length, sha256) = (got.length, got.sha256);
    println!("Checked: {length} bytes, sha256 {sha256}, the same as the file sent");
    Ok(())
}

fn listen(address: &str) -> anyhow::Result<TcpListener> {
    let listener = TcpListener::bind(address);
    let listener = listener.with_context(|| format!("cannot listen on {address}"))?;
    println!("Server listening on {}", listener.local_addr()?);
    Ok(listener)
}

// ANCHOR: serve
/// Serves each client from a thread of its own, at most `limits.connections` at once: past
/// that, a client is hung up on at once. A client that misbehaves, stalls or leaves costs its
/// own thread and a line on stderr, not the server; so does a failed accept (too many open
/// files, say), after which the server pauses instead of spinning.
fn serve(listener: &TcpListener, source: &Source, limits: Limits) -> anyhow::Result<()> {
    let busy = AtomicU32::new(0);
    let mut accepted = 0;
    // A scope, so the threads may borrow `source`, and a bounded run waits for its transfers.
    std::thread::scope(|scope| {
        while limits.clients.is_none_or(|n| accepted < n) {
            // The address comes with the connection: asking the socket for it later fails
            // once the client has reset it.
            let (client, peer) = match listener.accept() {
                Ok(connection) => connection,
                Err(error) => {
                    eprintln!("accept failed: {error}");
                    std::thread::sleep(ACCEPT_PAUSE);
                    continue;
                }
            };
            accepted += 1;
            if busy.fetch_add(1, Ordering::SeqCst) >= limits.connections {
                busy.fetch_sub(1, Ordering::SeqCst);
                eprintln!(
                    "{peer}: turned away, {} clients being served",
                    limits.connections
                );
                continue;
            }
            println!("Got connection from {}", common::output::py_addr(peer));
            let (busy, thread) = (&busy, std::thread::Builder::new());
            let spawned = thread.spawn_scoped(scope, move || {
                let sent = send_file(client, source, limits.timeout);
                busy.fetch_sub(1, Ordering::SeqCst);
                if let Err(error) = sent {
                    eprintln!("{peer}: {error:#}");
                }
            });
            if let Err(error) = spawned {
                busy.fetch_sub(1, Ordering::SeqCst);
                eprintln!("{peer}: no thread to serve it: {error}");
            }
        }
    });
    Ok(())
}

/// Waits for the greeting, then sends the header, the whole file and the thanks; a client
/// that sends nothing, or reads nothing, for `timeout` is given up.
fn send_file(mut client: TcpStream, source: &Source, timeout: Duration) -> anyhow::Result<()> {
    client.set_read_timeout(Some(timeout))?;
    client.set_write_timeout(Some(timeout))?;
    let mut greeting = [0; GREETING.len()];
    let greeted = client.read_exact(&mut greeting);
    greeted.map_err(|error| transfer::stalled(error, "no greeting", timeout))?;
    let text = String::from_utf8_lossy(&greeting);
    println!("Server received {}", py_str(&text));
    ensure!(greeting == GREETING, "unexpected greeting");
    let announced = source.digest()?;
    client.write_all(transfer::header(&announced).as_bytes())?;
    // The book's read/send loop, here to the end of the file, however long.
    let sent = source.copy_to(&mut client, announced.length);
    let sent = sent.map_err(|error| transfer::stalled(error, "the transfer broke off", timeout))?;
    ensure!(sent == announced.length, "the file shrank while sent");
    client.write_all(THANKS)?;
    println!("Done sending {sent} bytes");
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: fetch
/// Greets the server, reads the announced length and digest, streams exactly that many bytes
/// through the hashing writer (into `output` or nowhere), then checks the count, the digest and
/// the closing thanks. Prints the rate and returns what it measured.
fn fetch(address: &str, args: &Args) -> anyhow::Result<Fingerprint> {
    let (output, timeout) = (args.output.as_deref(), Duration::from_secs(args.timeout_s));
    let mut server = common::net::connect(address, timeout, SERVER_HINT)?;
    server.set_read_timeout(Some(timeout))?;
    server.write_all(GREETING)?;
    let mut reader = BufReader::with_capacity(args.chunk_size as usize, server);
    let announced = transfer::read_header(&mut reader)?;
    let sink = transfer::create(output)?;
    if let Some(path) = output {
        println!("file opened: {}", path.display());
    }
    println!("receiving data...");
    let mut received = Hashing::new(sink); // its clock starts here
    let mut file = (&mut reader).take(announced.length);
    io::copy(&mut file, &mut received).context("the transfer broke off")?;
    let rest = transfer::read_rest(&mut reader, THANKS.len())?;
    let (got, text, seconds) = received.finish(&rest)?;
    // A damaged copy is removed: worse than none.
    transfer::verify(&announced, &got, (&rest, THANKS))
        .inspect_err(|_| transfer::remove(output))?;
    // A small text file shows as the book's client showed it, the thanks included.
    if let Some(text) = text {
        println!("Data=> {text}");
    }
    let (length, sha256) = (got.length, &got.sha256);
    println!("Successfully get the file: {length} bytes, sha256 {sha256}");
    println!("connection closed");
    let rate = length as f64 / seconds / 1e6;
    println!("Received {length} bytes in {seconds:.3} s: {rate:.1} MB/s");
    Ok(got)
}
// ANCHOR_END: fetch
