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
//! ```
//!
//! ## Python → Rust
//!
//! - `socket.socket()`, `bind`, `listen`, `accept` → `std::net::TcpListener`; `connect` →
//!   `TcpStream::connect_timeout` (in `common::net::connect`).
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
//! - The client prints the received text (`Data=>`) only for a small (up to 1 KiB) text file,
//!   once rather than per `recv`; the server prints a byte count instead of `Sent '...'` per
//!   chunk.
//! - The file is written to disk only with `--output` (the book always writes `received.txt`
//!   into the current directory); the book's `mytext.txt` (`hello!!!`) is built in, `--file`
//!   serves any other file.
//! - One binary plays either script (`server` or `client`), or both in one process: the plain
//!   run serves one client from a thread on a free port. Addresses are flags with loopback
//!   defaults, port 0 allowed, the bound address printed; `--max-clients` bounds a server run
//!   (the book's loops forever). Client reads time out instead of hanging.

mod transfer;

use std::io::{self, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use common::output::py_str;
use transfer::{Fingerprint, Hashing, Source};

/// The book's `mytext.txt`: eight bytes, no newline.
const BOOK_TEXT: &[u8] = b"hello!!!";
const GREETING: &[u8] = b"HelloServer!";
const THANKS: &[u8] = b"->Thank you for connecting";
/// How long the client waits for a connection or for the next bytes.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

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

fn run(args: Args) -> anyhow::Result<()> {
    let (output, chunk) = (args.output.as_deref(), args.chunk_size as usize);
    match args.role {
        Some(Role::Server) => {
            let source = Source::new(args.file, BOOK_TEXT)?;
            serve(&listen(&args.bind)?, &source, args.max_clients)
        }
        Some(Role::Client) => fetch(&args.server, output, chunk).map(drop),
        None => both(Source::new(args.file, BOOK_TEXT)?, output, chunk),
    }
}

/// The plain run: a server thread on a free loopback port, one client, and a check of what
/// the client got against the source file, hashed here on its own.
fn both(source: Source, output: Option<&Path>, chunk: usize) -> anyhow::Result<()> {
    let listener = listen("127.0.0.1:0")?;
    let address = listener.local_addr()?.to_string();
    let expected = source.digest()?;
    let server = std::thread::Builder::new()
        .name("server".into())
        .spawn(move || serve(&listener, &source, Some(1)))
        .context("cannot start the server thread")?;
    let received = fetch(&address, output, chunk);
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
/// Serves clients one after another. A client that misbehaves or leaves costs a line on
/// stderr, not the server.
fn serve(listener: &TcpListener, source: &Source, max_clients: Option<u32>) -> anyhow::Result<()> {
    let limit = max_clients.map_or(usize::MAX, |n| n as usize);
    for connection in listener.incoming().take(limit) {
        let client = connection.context("accept failed")?;
        let peer = client.peer_addr().context("a client without an address")?;
        println!("Got connection from {}", common::output::py_addr(peer));
        if let Err(error) = send_file(client, source) {
            eprintln!("transfer to {peer} failed: {error:#}");
        }
    }
    Ok(())
}

/// Waits for the greeting, then sends the header, the whole file and the thanks.
fn send_file(mut client: TcpStream, source: &Source) -> anyhow::Result<()> {
    client.set_read_timeout(Some(IO_TIMEOUT))?;
    let mut greeting = [0; GREETING.len()];
    client.read_exact(&mut greeting).context("no greeting")?;
    let text = String::from_utf8_lossy(&greeting);
    println!("Server received {}", py_str(&text));
    ensure!(greeting == GREETING, "unexpected greeting");
    let announced = source.digest()?;
    client.write_all(transfer::header(&announced).as_bytes())?;
    // The book's read/send loop, here to the end of the file, however long.
    let sent = source.copy_to(&mut client, announced.length)?;
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
fn fetch(address: &str, output: Option<&Path>, chunk: usize) -> anyhow::Result<Fingerprint> {
    let mut server = common::net::connect(address, IO_TIMEOUT, SERVER_HINT)?;
    server.set_read_timeout(Some(IO_TIMEOUT))?;
    server.write_all(GREETING)?;
    let mut reader = BufReader::with_capacity(chunk, server);
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
