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
//!   `accept()` → `listener.accept()`, which returns the connection with the client's address.
//! - `clientsocket.send(...)`/`close()` → `write_all` on the `TcpStream`, closed when it is
//!   dropped at the end of the loop body.
//! - `s.connect((host, port))` + `recv(1024)` → `TcpStream::connect_timeout` (in
//!   `common::net::connect`) and a read to the end of the stream, at most 1024 bytes; the
//!   peer's Python-style `(host, port)` text is `common::output::py_addr`.
//! - `time.ctime(time.time())` → `common::output::ctime` (chrono), the same text.
//!
//! ## Differences from the book
//!
//! - The book binds `socket.gethostname()`; the server here binds `--bind` (loopback by
//!   default; `0.0.0.0:9999` to serve other machines), accepts port 0 and prints the address it
//!   got (`Server listening on 127.0.0.1:9999`). The plain run uses port 0, so it never
//!   collides with another program on 9999.
//! - The original serves forever; `--max-clients` bounds a run (the plain run serves one
//!   client), and the server otherwise stops on a signal such as Ctrl-C.
//! - The server stays sequential, as the book's is on purpose: it reads nothing from a client
//!   and its one line fits in the socket's buffer, so an idle or never-reading client cannot
//!   hold the next one up (a 5 s write timeout bounds the write all the same). One client is
//!   served at a time; the others wait in the listen backlog. A client that resets, or a failed
//!   `accept`, ends the book's server with an exception; here it costs a line on stderr (and
//!   a 100 ms pause after a failed `accept`, so a lasting error is not retried in a loop).
//! - The listen backlog is the operating system's default (`std` does not expose it); the
//!   book asks for 5.
//! - The client reads until the server hangs up (at most 1024 bytes) rather than one `recv`,
//!   which may legally return part of the line. It gives up after `--timeout-s` and says why
//!   when no server is there.
//! - The client checks what it got: exactly one `ctime` line ending in `\r\n` (exit 1
//!   otherwise); the plain run also checks the time is its own clock's, give or take a minute,
//!   and says so last: `Checked: one ctime line ending in \r\n, 0s from this machine's clock`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail, ensure};
use chrono::{Local, NaiveDateTime};
use clap::Parser;

/// `time.ctime()`'s layout, e.g. `Sat Nov 21 23:59:37 2026`.
const CTIME: &str = "%a %b %e %H:%M:%S %Y";

/// The longest the server waits for a client to take its line.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// The server's pause after a failed accept, so an error that persists (no file descriptor
/// left) is not retried in a busy loop.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// What a client says when no server answers.
const SERVER_HINT: &str = "is the server running? start it with `socket-time-server server`";

#[derive(Parser)]
#[command(
    about = "A TCP server that sends each client the time, and its client",
    after_help = "Without a role: serves one client from a thread on a free loopback port, asks \
                  it the time and checks the answer."
)]
struct Args {
    /// The role of this process, as one of the book's scripts.
    #[arg(value_enum)]
    role: Option<Role>,
    /// Address the server listens on; port 0 picks a free port (the book: this host, port
    /// 9999).
    #[arg(long, default_value = "127.0.0.1:9999")]
    bind: String,
    /// Stop the server after this many clients [default: serve until stopped].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_clients: Option<u32>,
    /// The server the client asks (host:port).
    #[arg(long, default_value = "127.0.0.1:9999")]
    server: String,
    /// The client gives up when connecting or reading takes longer than this.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    timeout_s: u64,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Role {
    /// Serve the time, like the book's server.py.
    Server,
    /// Ask a server the time, like the book's client.py.
    Client,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.role {
        Some(Role::Server) => serve(&listen(&args.bind)?, args.max_clients),
        Some(Role::Client) => ask_time(&args.server, args.timeout_s).map(drop),
        None => both(args.timeout_s),
    }
}

/// The plain run: a server thread on a free loopback port, one client, then a check of the
/// time against this machine's clock.
fn both(timeout_s: u64) -> anyhow::Result<()> {
    let listener = listen("127.0.0.1:0")?;
    let address = listener.local_addr()?.to_string();
    let server = std::thread::Builder::new()
        .name("server".into())
        .spawn(move || serve(&listener, Some(1)))
        .context("cannot start the server thread")?;
    let served = ask_time(&address, timeout_s);
    common::join(server)??;
    let skew = (Local::now().naive_local() - served?).num_seconds().abs();
    ensure!(skew <= 60, "the server's time is {skew}s off this clock");
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
/// Accepts clients one after another, as the book does: each gets the time and is hung up on.
/// The server never waits for a client to send anything, and its one short line fits in the
/// socket's send buffer, so no client holds the next one up (the write timeout bounds it
/// anyway). A client that resets or leaves costs a line on stderr, and so does a failed
/// accept (too many open files, say), after which the server pauses instead of spinning.
fn serve(listener: &TcpListener, max_clients: Option<u32>) -> anyhow::Result<()> {
    let mut served = 0;
    while max_clients.is_none_or(|n| served < n) {
        // The address comes with the connection: asking the socket for it later fails once
        // the client has reset it.
        let (mut client, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                eprintln!("accept failed: {error}");
                std::thread::sleep(ACCEPT_PAUSE);
                continue;
            }
        };
        served += 1;
        println!(
            "Connected with[addr],[port]{}",
            common::output::py_addr(peer)
        );
        let now = format!("{}\r\n", common::output::ctime(SystemTime::now()));
        let sent = client.set_write_timeout(Some(WRITE_TIMEOUT));
        if let Err(error) = sent.and_then(|()| client.write_all(now.as_bytes())) {
            eprintln!("could not send the time to {peer}: {error}");
        }
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: ask_time
/// Connects, reads the server's reply to the end (at most 1024 bytes, as the book's
/// `recv(1024)`), prints it as the book does, and checks it is one `ctime` line. Returns the
/// time it names.
fn ask_time(address: &str, timeout_s: u64) -> anyhow::Result<NaiveDateTime> {
    let timeout = Duration::from_secs(timeout_s);
    let mut server = common::net::connect(address, timeout, SERVER_HINT)?;
    server.set_read_timeout(Some(timeout))?;
    let mut reply = Vec::new();
    (&mut server)
        .take(1024)
        .read_to_end(&mut reply)
        .with_context(|| format!("no reply from {address} within {timeout_s}s"))?;
    let reply = String::from_utf8(reply).context("the reply is not text")?;
    print!("Time connection server:{reply}");
    check_reply(&reply)
}
// ANCHOR_END: ask_time

/// What the client must have got: exactly one `ctime` line, ending in `\r\n`.
fn check_reply(reply: &str) -> anyhow::Result<NaiveDateTime> {
    let Some(line) = reply.strip_suffix("\r\n") else {
        bail!("the reply {reply:?} does not end in \\r\\n");
    };
    ensure!(!line.contains(['\r', '\n']), "not one line: {reply:?}");
    NaiveDateTime::parse_from_str(line, CTIME)
        .with_context(|| format!("{line:?} is not a ctime date"))
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
    fn a_server_thread_answers_a_client() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || serve(&listener, Some(1)));
        let served = ask_time(&address, 5).unwrap();
        server.join().unwrap().unwrap();
        let skew = (Local::now().naive_local() - served).num_seconds().abs();
        assert!(skew <= 60, "{served}");
    }
}
