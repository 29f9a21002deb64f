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
//!   `TcpStream::connect_timeout`.
//! - The server's `f.read(1024)` / `conn.send(l)` loop → `std::io::copy` from the file to the
//!   socket: it streams to the end of the file, and on Linux lets the kernel move the bytes
//!   (`sendfile`) without copying them through the program.
//! - The client's `recv(1024)` / `f.write(data)` loop → `std::io::copy` from a buffered socket
//!   (`--chunk-size`, the book's 1024 available) into a writer that hashes what passes through.
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
//! - Addresses are flags with loopback defaults, port 0 allowed, the bound address printed;
//!   `--max-clients` bounds a server run (the book's loops forever). The plain run uses a free
//!   port and serves one client. Client reads time out instead of hanging.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::{Parser, Subcommand};
use common::timing::Stopwatch;
use sha2::{Digest, Sha256};

/// The book's `mytext.txt`: eight bytes, no newline.
const BOOK_TEXT: &[u8] = b"hello!!!";
const GREETING: &[u8] = b"HelloServer!";
const THANKS: &[u8] = b"->Thank you for connecting";
/// How long the client waits for a connection or for the next bytes.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Parser)]
#[command(
    about = "A TCP server streams a file to a client, which checks it and prints MB/s",
    after_help = "Without a subcommand: serves one client from a thread on a free loopback \
                  port and checks the copy against the file."
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// The file the plain run sends [default: the book's mytext.txt, "hello!!!"].
    #[arg(long)]
    file: Option<PathBuf>,
    /// Where the plain run writes what it received [default: nowhere, only checked].
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Send a file to every client that greets, like the book's server2.py.
    Server(ServerArgs),
    /// Fetch the file, check it and report the rate, like the book's client2.py.
    Client(ClientArgs),
}

#[derive(clap::Args)]
struct ServerArgs {
    /// Address to listen on; port 0 picks a free port (the book: this host, port 60000).
    #[arg(long, default_value = "127.0.0.1:60000")]
    bind: String,
    /// The file to send [default: the book's mytext.txt, "hello!!!"].
    #[arg(long)]
    file: Option<PathBuf>,
    /// Stop after this many clients [default: serve until stopped].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_clients: Option<u32>,
}

#[derive(clap::Args)]
struct ClientArgs {
    /// The server's address (host:port).
    #[arg(long, default_value = "127.0.0.1:60000")]
    server: String,
    /// Write the received file here (the book: received.txt) [default: only check it].
    #[arg(long)]
    output: Option<PathBuf>,
    /// Bytes read from the socket at a time (the book: 1024).
    #[arg(long, default_value_t = 65536, value_parser = clap::value_parser!(u64).range(1..=16_777_216))]
    chunk_size: u64,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Some(Command::Server(server)) => {
            let source = Source::new(server.file)?;
            serve(&listen(&server.bind)?, &source, server.max_clients)
        }
        Some(Command::Client(client)) => {
            let chunk = usize::try_from(client.chunk_size).context("--chunk-size too large")?;
            fetch(&client.server, client.output.as_deref(), chunk).map(|_| ())
        }
        None => both(Source::new(args.file)?, args.output.as_deref()),
    }
}

/// The plain run: a server thread on a free loopback port, one client, and a check of what
/// the client got against the source file, hashed here on its own.
fn both(source: Source, output: Option<&Path>) -> anyhow::Result<()> {
    let listener = listen("127.0.0.1:0")?;
    let address = listener.local_addr()?.to_string();
    let expected = source.digest()?;
    let server = std::thread::Builder::new()
        .name("server".into())
        .spawn(move || serve(&listener, &source, Some(1)))
        .context("cannot start the server thread")?;
    let received = fetch(&address, output, 65536);
    common::join(server)??;
    let received = received?;
    ensure!(
        received == expected,
        "the client got {received:?}, the file is {expected:?}"
    );
    println!(
        "Checked: {} bytes, sha256 {}, the same as the file sent",
        received.length, received.sha256
    );
    Ok(())
}

/// A file's length and SHA-256, as the header announces them and the client measures them.
#[derive(Debug, PartialEq)]
struct Fingerprint {
    length: u64,
    sha256: String,
}

/// What the server sends: a file on disk or the book's built-in text.
enum Source {
    Book,
    File(PathBuf),
}

impl Source {
    fn new(file: Option<PathBuf>) -> anyhow::Result<Self> {
        let Some(path) = file else {
            return Ok(Self::Book);
        };
        File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(Self::File(path))
    }

    fn digest(&self) -> anyhow::Result<Fingerprint> {
        let mut hashed = Hashing::new(io::sink());
        match self {
            Self::Book => hashed.write_all(BOOK_TEXT)?,
            Self::File(path) => {
                let mut file =
                    File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
                io::copy(&mut file, &mut hashed)
                    .with_context(|| format!("cannot read {}", path.display()))?;
            }
        }
        Ok(hashed.fingerprint())
    }
}

/// How much of the received file the client keeps to show as text.
const PREVIEW: usize = 1024;

/// A writer that passes bytes on to `inner` and keeps their count, their SHA-256 and the
/// first [`PREVIEW`] bytes.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    length: u64,
    preview: Vec<u8>,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            length: 0,
            preview: Vec::new(),
        }
    }

    fn fingerprint(self) -> Fingerprint {
        Fingerprint {
            length: self.length,
            sha256: format!("{:x}", self.hasher.finalize()),
        }
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        self.length += written as u64;
        let room = PREVIEW.saturating_sub(self.preview.len()).min(written);
        self.preview.extend_from_slice(&bytes[..room]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn listen(address: &str) -> anyhow::Result<TcpListener> {
    let listener =
        TcpListener::bind(address).with_context(|| format!("cannot listen on {address}"))?;
    println!("Server listening on {}", listener.local_addr()?);
    Ok(listener)
}

// ANCHOR: serve
/// Serves clients one after another. A client that misbehaves or leaves costs a line on
/// stderr, not the server.
fn serve(listener: &TcpListener, source: &Source, max_clients: Option<u32>) -> anyhow::Result<()> {
    let mut served = 0;
    for connection in listener.incoming() {
        let client = connection.context("accept failed")?;
        let peer = client.peer_addr().context("a client without an address")?;
        println!("Got connection from {}", python_address(peer));
        if let Err(error) = send_file(client, source) {
            eprintln!("transfer to {peer} failed: {error:#}");
        }
        served += 1;
        if max_clients == Some(served) {
            break;
        }
    }
    Ok(())
}

/// Waits for the greeting, then sends the header, the whole file and the thanks.
fn send_file(mut client: TcpStream, source: &Source) -> anyhow::Result<()> {
    client.set_read_timeout(Some(IO_TIMEOUT))?;
    let mut greeting = [0; GREETING.len()];
    client
        .read_exact(&mut greeting)
        .context("no greeting from the client")?;
    println!("Server received {}", python_repr(&greeting));
    ensure!(greeting == GREETING, "unexpected greeting");
    let announced = source.digest()?;
    writeln!(client, "{} {}", announced.length, announced.sha256)?;
    let sent = match source {
        Source::Book => {
            client.write_all(BOOK_TEXT)?;
            BOOK_TEXT.len() as u64
        }
        // Streams to the end of the file, however long, in as few system calls as the kernel
        // allows; the book's loop stopped after its first 1 KiB.
        Source::File(path) => io::copy(&mut File::open(path)?.take(announced.length), &mut client)?,
    };
    ensure!(
        sent == announced.length,
        "the file shrank while it was sent"
    );
    client.write_all(THANKS)?;
    println!("Done sending {sent} bytes");
    Ok(())
}
// ANCHOR_END: serve

/// A peer address as Python prints its `(host, port)` tuple: `('127.0.0.1', 54321)`.
fn python_address(address: SocketAddr) -> String {
    format!("('{}', {})", address.ip(), address.port())
}

/// Bytes as Python's `repr(data.decode())` shows short text: `'HelloServer!'`.
fn python_repr(bytes: &[u8]) -> String {
    format!("'{}'", String::from_utf8_lossy(bytes).escape_debug())
}

// ANCHOR: fetch
/// Greets the server, reads the announced length and digest, streams exactly that many bytes
/// through the hashing writer (into `output` or nowhere), then checks the count, the digest and
/// the closing thanks. Prints the rate and returns what it measured.
fn fetch(address: &str, output: Option<&Path>, chunk: usize) -> anyhow::Result<Fingerprint> {
    let mut server = connect(address)?;
    server.set_read_timeout(Some(IO_TIMEOUT))?;
    server.write_all(GREETING)?;
    let mut reader = BufReader::with_capacity(chunk, server);
    let announced = read_header(&mut reader)?;
    let sink: Box<dyn Write> = match output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            println!("file opened: {}", path.display());
            Box::new(io::BufWriter::new(file))
        }
        None => Box::new(io::sink()),
    };
    let mut received = Hashing::new(sink);
    println!("receiving data...");
    let clock = Stopwatch::start();
    io::copy(&mut (&mut reader).take(announced.length), &mut received)
        .context("the transfer broke off")?;
    received.flush()?;
    let took = clock.elapsed();
    let mut rest = Vec::new();
    (&mut reader)
        .take(THANKS.len() as u64 + 1)
        .read_to_end(&mut rest)
        .context("no closing message")?;
    let shown = [received.preview.as_slice(), &rest].concat();
    let got = received.fingerprint();
    if let Err(error) = verify(&announced, &got, &rest) {
        if let Some(path) = output {
            let _ = std::fs::remove_file(path); // a damaged copy is worse than none
        }
        return Err(error);
    }
    // A small text file shows as the book's client showed it, the thanks included.
    if let (true, Ok(text)) = (got.length <= PREVIEW as u64, std::str::from_utf8(&shown))
        && !text.contains(|c: char| c.is_control() && c != '\n')
    {
        println!("Data=> {text}");
    }
    println!(
        "Successfully get the file: {} bytes, sha256 {}",
        got.length, got.sha256
    );
    println!("connection closed");
    let seconds = took.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "Received {} bytes in {seconds:.3} s: {:.1} MB/s",
        got.length,
        got.length as f64 / seconds / 1e6
    );
    Ok(got)
}
// ANCHOR_END: fetch

/// The header line `<length> <sha256 hex>\n`, read with a bound on its size.
fn read_header(reader: &mut impl BufRead) -> anyhow::Result<Fingerprint> {
    let mut line = String::new();
    reader
        .take(200)
        .read_line(&mut line)
        .context("no header from the server")?;
    parse_header(&line)
}

fn parse_header(line: &str) -> anyhow::Result<Fingerprint> {
    let bad = || format!("not a file-transfer header: {line:?}");
    let (length, sha256) = line
        .strip_suffix('\n')
        .and_then(|fields| fields.split_once(' '))
        .with_context(bad)?;
    let valid_digest = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
    ensure!(valid_digest, bad());
    Ok(Fingerprint {
        length: length.parse().with_context(bad)?,
        sha256: sha256.to_ascii_lowercase(),
    })
}

/// The client's check: every announced byte arrived, with the announced digest, followed by
/// exactly the server's thanks.
fn verify(announced: &Fingerprint, got: &Fingerprint, rest: &[u8]) -> anyhow::Result<()> {
    ensure!(
        got.length == announced.length,
        "received {} bytes, the server announced {}: the connection broke off",
        got.length,
        announced.length
    );
    ensure!(
        got.sha256 == announced.sha256,
        "the received bytes have sha256 {}, the server announced {}",
        got.sha256,
        announced.sha256
    );
    ensure!(
        rest == THANKS,
        "expected {} after the file, got {}",
        python_repr(THANKS),
        python_repr(rest)
    );
    Ok(())
}

/// Tries each address `address` resolves to, each for at most [`IO_TIMEOUT`].
fn connect(address: &str) -> anyhow::Result<TcpStream> {
    let hint = "is the server running? start it with `socket-file-transfer server`";
    let candidates: Vec<SocketAddr> = address
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {address}"))?
        .collect();
    let mut last_error = None;
    for candidate in candidates {
        match TcpStream::connect_timeout(&candidate, IO_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(error),
        }
    }
    match last_error {
        Some(error) => bail!("cannot connect to {address}: {error} ({hint})"),
        None => bail!("{address} resolves to no address"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(bytes: &[u8]) -> Fingerprint {
        let mut hashed = Hashing::new(Vec::new());
        hashed.write_all(bytes).unwrap();
        hashed.fingerprint()
    }

    #[test]
    fn the_digest_is_sha256() {
        // Known answers: `printf 'hello!!!' | sha256sum`, and the empty input.
        let book = Source::Book.digest().unwrap();
        assert_eq!(book.length, 8);
        assert_eq!(
            book.sha256,
            "d42f55a1a4075921e24184be828745f8d28df584afa9f8fb84753899edad3138"
        );
        assert_eq!(
            fingerprint(b"").sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn the_hashing_writer_passes_bytes_through() {
        let mut hashed = Hashing::new(Vec::new());
        hashed.write_all(b"abc").unwrap();
        hashed.write_all(b"def").unwrap();
        assert_eq!(hashed.inner, b"abcdef");
        assert_eq!(hashed.fingerprint(), fingerprint(b"abcdef"));
    }

    #[test]
    fn headers_parse_and_garbage_does_not() {
        let digest = "d42f55a1a4075921e24184be828745f8d28df584afa9f8fb84753899edad3138";
        let header = parse_header(&format!("8 {digest}\n")).unwrap();
        assert_eq!(header, Source::Book.digest().unwrap());
        assert!(parse_header("8 abc\n").is_err());
        assert!(parse_header(&format!("eight {digest}\n")).is_err());
        assert!(parse_header(&format!("8 {digest}")).is_err(), "no newline");
        assert!(parse_header("hello!!!->Thank you for connecting").is_err());
    }

    #[test]
    fn verify_catches_short_wrong_and_unthanked_transfers() {
        let sent = fingerprint(b"hello!!!");
        assert!(verify(&sent, &fingerprint(b"hello!!!"), THANKS).is_ok());
        let short = verify(&sent, &fingerprint(b"hello"), THANKS).unwrap_err();
        assert!(short.to_string().contains("broke off"), "{short}");
        let wrong = verify(&sent, &fingerprint(b"jello!!!"), THANKS).unwrap_err();
        assert!(wrong.to_string().contains("sha256"), "{wrong}");
        assert!(verify(&sent, &fingerprint(b"hello!!!"), b"bye").is_err());
    }

    #[test]
    fn text_prints_as_python_repr() {
        assert_eq!(python_repr(b"HelloServer!"), "'HelloServer!'");
        assert_eq!(python_repr(b"a\nb"), "'a\\nb'");
    }
}
