//! # Using the socket module: a time server
//!
//! Book: 2nd edition chapter 6, "Using the Python socket module": `server.py` and `client.py`
//! (not in the 1st edition).
//!
//! A TCP server accepts connections and sends each client the current time as one
//! `time.ctime()` line ending in `\r\n`, then hangs up; the client connects, reads that line
//! and prints it. Server and client are separate programs that only share a port number, so
//! they run just as well on two machines.
//!
//! ## Run
//!
//! ```text
//! cargo run -p socket-time-server                    # server thread + client, one connection
//! cargo run -p socket-time-server -- server          # terminal 1: serve on 127.0.0.1:9999
//! cargo run -p socket-time-server -- client          # terminal 2: ask it the time
//! cargo run -p socket-time-server -- server --bind 0.0.0.0:9999 --max-clients 3
//! cargo run -p socket-time-server -- client --server server-host:9999
//! ```
//!
//! ## Python → Rust
//!
//! - `socket.socket(AF_INET, SOCK_STREAM)` + `bind` + `listen` → `std::net::TcpListener::bind`;
//!   `accept()` → `listener.incoming()`, an iterator of connections.
//! - `clientsocket.send(...)`/`close()` → `write_all` on the `TcpStream`, closed when it is
//!   dropped at the end of the loop body.
//! - `s.connect((host, port))` + `recv(1024)` → `TcpStream::connect_timeout` and a read to the
//!   end of the stream, at most 1024 bytes.
//! - `time.ctime(time.time())` → `common::output::ctime` (chrono), the same text.
//!
//! ## Differences from the book
//!
//! - The book binds `socket.gethostname()`; the server here binds `--bind` (loopback by
//!   default; `0.0.0.0:9999` to serve other machines), accepts port 0 and prints the address it
//!   got. The plain run uses port 0, so it never collides with another program on 9999.
//! - The original serves forever; `--max-clients` bounds a run (the plain run serves one
//!   client), and the server otherwise stops on a signal such as Ctrl-C.
//! - The listen backlog is the operating system's default (`std` does not expose it); the
//!   book asks for 5.
//! - The client reads until the server hangs up (at most 1024 bytes) rather than one `recv`,
//!   which may legally return part of the line. It gives up after `--timeout-s` and says why
//!   when no server is there.
//! - The client checks what it got: exactly one `ctime` line ending in `\r\n` (exit 1
//!   otherwise); the plain run also checks the time is its own clock's, give or take a minute.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail, ensure};
use chrono::{Local, NaiveDateTime};
use clap::{Parser, Subcommand};

/// The most the client reads, as the book's `recv(1024)`.
const MAX_REPLY: u64 = 1024;
/// `time.ctime()`'s layout, e.g. `Sat Nov 21 23:59:37 2026`.
const CTIME: &str = "%a %b %e %H:%M:%S %Y";

#[derive(Parser)]
#[command(
    about = "A TCP server that sends each client the time, and its client",
    after_help = "Without a subcommand: serves one client from a thread on a free loopback \
                  port, asks it the time and checks the answer."
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the time, like the book's server.py.
    Server(ServerArgs),
    /// Ask a server the time, like the book's client.py.
    Client(ClientArgs),
}

#[derive(clap::Args)]
struct ServerArgs {
    /// Address to listen on; port 0 picks a free port (the book: this host, port 9999).
    #[arg(long, default_value = "127.0.0.1:9999")]
    bind: String,
    /// Stop after this many clients [default: serve until stopped].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_clients: Option<u32>,
}

#[derive(clap::Args)]
struct ClientArgs {
    /// The server's address (host:port).
    #[arg(long, default_value = "127.0.0.1:9999")]
    server: String,
    /// Give up when connecting or reading takes longer than this.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    timeout_s: u64,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Some(Command::Server(server)) => {
            let listener = listen(&server.bind)?;
            serve(&listener, server.max_clients)
        }
        Some(Command::Client(client)) => {
            ask_time(&client.server, Duration::from_secs(client.timeout_s)).map(|_| ())
        }
        None => both(),
    }
}

/// The plain run: a server thread on a free loopback port, one client, then a check of the
/// time against this machine's clock.
fn both() -> anyhow::Result<()> {
    let listener = listen("127.0.0.1:0")?;
    let address = listener.local_addr()?.to_string();
    let server = std::thread::Builder::new()
        .name("server".into())
        .spawn(move || serve(&listener, Some(1)))
        .context("cannot start the server thread")?;
    let reply = ask_time(&address, Duration::from_secs(5));
    common::join(server)??;
    let served = NaiveDateTime::parse_from_str(reply?.trim_end(), CTIME)?;
    let skew = (Local::now().naive_local() - served).num_seconds().abs();
    ensure!(
        skew <= 60,
        "the server's time is {skew}s away from this clock"
    );
    println!("Checked: one ctime line ending in \\r\\n, {skew}s from this machine's clock");
    Ok(())
}

fn listen(address: &str) -> anyhow::Result<TcpListener> {
    let listener =
        TcpListener::bind(address).with_context(|| format!("cannot listen on {address}"))?;
    println!("Server listening on {}", listener.local_addr()?);
    Ok(listener)
}

// ANCHOR: serve
/// Accepts clients one after another; each gets the time and is hung up on. A client that
/// leaves early costs a line on stderr, not the server.
fn serve(listener: &TcpListener, max_clients: Option<u32>) -> anyhow::Result<()> {
    let mut served = 0;
    for connection in listener.incoming() {
        let mut client = connection.context("accept failed")?;
        let peer = client.peer_addr().context("a client without an address")?;
        println!("Connected with[addr],[port]{}", python_address(peer));
        let now = format!("{}\r\n", common::output::ctime(SystemTime::now()));
        if let Err(error) = client.write_all(now.as_bytes()) {
            eprintln!("could not send the time to {peer}: {error}");
        }
        served += 1;
        if max_clients == Some(served) {
            break;
        }
    }
    Ok(())
}
// ANCHOR_END: serve

/// A peer address as Python prints its `(host, port)` tuple: `('127.0.0.1', 54321)`.
fn python_address(address: SocketAddr) -> String {
    format!("('{}', {})", address.ip(), address.port())
}

// ANCHOR: ask_time
/// Connects, reads the server's reply to the end (at most 1024 bytes), prints it as the book
/// does, and checks it is one `ctime` line. Returns the line.
fn ask_time(address: &str, timeout: Duration) -> anyhow::Result<String> {
    let mut server = connect(address, timeout)?;
    server.set_read_timeout(Some(timeout))?;
    let mut reply = Vec::new();
    (&mut server)
        .take(MAX_REPLY)
        .read_to_end(&mut reply)
        .with_context(|| format!("no reply from {address} within {}s", timeout.as_secs()))?;
    let reply = String::from_utf8(reply).context("the reply is not text")?;
    print!("Time connection server:{reply}");
    check_reply(&reply)?;
    Ok(reply)
}
// ANCHOR_END: ask_time

/// Tries each address `address` resolves to, each for at most `timeout`.
fn connect(address: &str, timeout: Duration) -> anyhow::Result<TcpStream> {
    let hint = "is the server running? start it with `socket-time-server server`";
    let candidates: Vec<SocketAddr> = address
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {address}"))?
        .collect();
    let mut last_error = None;
    for candidate in candidates {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(error),
        }
    }
    match last_error {
        Some(error) => bail!("cannot connect to {address}: {error} ({hint})"),
        None => bail!("{address} resolves to no address"),
    }
}

/// What the client must have got: exactly one `ctime` line, ending in `\r\n`.
fn check_reply(reply: &str) -> anyhow::Result<()> {
    let Some(line) = reply.strip_suffix("\r\n") else {
        bail!("the reply {reply:?} does not end in \\r\\n");
    };
    ensure!(
        !line.contains(['\r', '\n']),
        "more than one line: {reply:?}"
    );
    NaiveDateTime::parse_from_str(line, CTIME)
        .with_context(|| format!("{line:?} is not a ctime date"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ctime_line_passes_the_check() {
        assert!(check_reply("Sat Nov 21 23:59:37 2026\r\n").is_ok());
        assert!(check_reply("Sun Nov  1 00:00:00 2026\r\n").is_ok());
        let now = format!("{}\r\n", common::output::ctime(SystemTime::now()));
        assert!(check_reply(&now).is_ok(), "{now:?}");
    }

    #[test]
    fn anything_else_fails_the_check() {
        assert!(check_reply("Sat Nov 21 23:59:37 2026\n").is_err());
        assert!(check_reply("Sat Nov 21 23:59:37 2026\r\nmore\r\n").is_err());
        assert!(check_reply("hello\r\n").is_err());
        // The weekday must match the date, as ctime's always does.
        assert!(check_reply("Mon Nov 21 23:59:37 2026\r\n").is_err());
    }

    #[test]
    fn peers_print_as_python_tuples() {
        let peer: SocketAddr = "127.0.0.1:54321".parse().unwrap();
        assert_eq!(python_address(peer), "('127.0.0.1', 54321)");
    }

    #[test]
    fn a_server_thread_answers_a_client() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || serve(&listener, Some(1)));
        let reply = ask_time(&address, Duration::from_secs(5)).unwrap();
        server.join().unwrap().unwrap();
        assert!(reply.ends_with("\r\n"));
    }
}
