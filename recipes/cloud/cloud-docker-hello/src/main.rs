//! # Dockerizing a Python application: a Rust web app in a container
//!
//! Book: 2nd edition chapter 7, "Dockerizing a Python application": `dockerize.py`,
//! `Dockerfile`, `requirements.txt` (the 1st edition has no cloud chapter).
//!
//! The smallest web application: `GET /` answers `Hello World!`, anything else 404. `serve`
//! runs it until SIGTERM or Ctrl-C, which is how `docker stop` ends a container; a plain run
//! starts it on a free port, sends it two real HTTP requests, checks the answers and stops it.
//! The `Dockerfile` next to this crate's Cargo.toml builds the binary in a Rust image and ships
//! it alone in a slim one, run by an unprivileged user.
//!
//! ## Run
//!
//! ```text
//! cargo run -p cloud-docker-hello                   # serve on 127.0.0.1:0, ask itself, stop
//! cargo run -p cloud-docker-hello -- serve          # http://127.0.0.1:5000/ until Ctrl-C
//! curl -i http://127.0.0.1:5000/                    # from another terminal
//!
//! # The container (build context: the workspace root)
//! docker build -f recipes/cloud/cloud-docker-hello/Dockerfile -t cloud-docker-hello .
//! docker run --rm -p 5000:5000 cloud-docker-hello
//! curl http://127.0.0.1:5000/                       # Hello World!
//! docker stop <container>                           # SIGTERM: a clean stop
//! ```
//!
//! ## Python → Rust
//!
//! - Flask → axum on tokio: `@app.route("/")` is `Router::new().route("/", get(hello))`, and
//!   an unknown path gets 404 from the router's fallback, as Flask does.
//! - `app.run(host="0.0.0.0", port=5000)` → `serve --addr 0.0.0.0:5000`; the default address
//!   is loopback, and port 0 asks the system for a free port (the bound address is printed).
//! - `requirements.txt` + `pip install` → the crate's dependencies in Cargo.toml, compiled into
//!   one binary: the runtime image needs no Python and no packages, only that file.
//! - Stopping: Flask dies on SIGTERM; here `tokio::signal` catches SIGTERM and SIGINT and
//!   axum's graceful shutdown finishes the requests under way, then the process exits 0.
//!
//! ## Differences from the book
//!
//! - `debug=True` (the reloader and the in-browser debugger) has no counterpart.
//! - The book's image is `python:alpine3.7`, runs as root and copies the sources in. The
//!   Dockerfile here has two stages (build with the Rust image, run on `debian:bookworm-slim`)
//!   and a non-root user; the build context is the workspace root, because the crate builds
//!   inside the workspace.
//! - Flask logs every request (`"GET / HTTP/1.1" 200 -`); this server logs only its start and
//!   stop. Its 404 body is `Not Found`, plain text, where Flask sends an HTML page.
//! - A plain run (no subcommand) is an addition: it tests the server with a real HTTP client, a
//!   minimal HTTP/1.1 one over a tokio `TcpStream`, and exits 1 if an answer is wrong.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use clap::{Parser, Subcommand};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::oneshot;

#[derive(Parser)]
#[command(about = "Hello World over HTTP: serve it, or (no subcommand) serve and ask itself")]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve until SIGTERM or SIGINT (Ctrl-C), then finish open requests and exit 0.
    Serve {
        /// Address to listen on; port 0 picks a free port. In a container: 0.0.0.0:5000.
        #[arg(long, default_value = "127.0.0.1:5000")]
        addr: SocketAddr,
    },
}

/// How long the self-test waits for one answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
    match args.command {
        Some(Command::Serve { addr }) => runtime.block_on(serve(addr)),
        None => runtime.block_on(ask_itself()),
    }
}

// ANCHOR: app
/// The book's Flask app: one route, and 404 for everything else.
fn app() -> Router {
    Router::new()
        .route("/", get(hello))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not Found") })
}

async fn hello() -> &'static str {
    "Hello World!"
}
// ANCHOR_END: app

// ANCHOR: serve
/// `app.run(...)`: serves on `addr` until SIGTERM or SIGINT.
async fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    // Handlers first: a signal that arrives once the address is printed must be caught.
    let terminate = signal(SignalKind::terminate()).context("cannot catch SIGTERM")?;
    let interrupt = signal(SignalKind::interrupt()).context("cannot catch SIGINT")?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr().context("no local address")?;
    println!(" * Running on http://{bound}/ (Press CTRL+C to quit)");
    axum::serve(listener, app())
        .with_graceful_shutdown(stop_signal(terminate, interrupt))
        .await
        .context("the server failed")?;
    println!("Server stopped");
    Ok(())
}

/// Resolves on the first SIGTERM or SIGINT; the server then stops accepting and drains.
async fn stop_signal(mut terminate: Signal, mut interrupt: Signal) {
    let name = tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    };
    println!("Received {name}: finishing open requests");
}
// ANCHOR_END: serve

// ANCHOR: ask_itself
/// The plain run: the server on a free loopback port, two requests, checked, then a stop.
async fn ask_itself() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on 127.0.0.1:0")?;
    let addr = listener.local_addr().context("no local address")?;
    println!(" * Running on http://{addr}/");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(
        axum::serve(listener, app())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future(),
    );

    let hello = http_get(addr, "/").await?;
    println!("GET / -> {} {:?}", hello.status, hello.body);
    let missing = http_get(addr, "/missing").await?;
    println!("GET /missing -> {} {:?}", missing.status, missing.body);

    // Ignored error: the server task ends only through this signal, so it is still there.
    let _ = stop.send(());
    server
        .await
        .context("the server task failed")?
        .context("the server failed")?;
    ensure!(
        hello.code == 200 && hello.body == "Hello World!",
        "GET / answered {} {:?}",
        hello.status,
        hello.body
    );
    ensure!(
        missing.code == 404,
        "GET /missing answered {}",
        missing.status
    );
    println!("Server stopped: / said Hello World!, /missing was not found");
    Ok(())
}
// ANCHOR_END: ask_itself

// ANCHOR: client
/// What the minimal client keeps of an answer.
#[derive(Debug)]
struct Response {
    /// The status line's code and reason: `200 OK`.
    status: String,
    code: u16,
    body: String,
}

/// `GET path` over a new connection, HTTP/1.1 with `Connection: close`: the server closes the
/// connection after the answer, so the answer is everything read until then.
async fn http_get(addr: SocketAddr, path: &str) -> anyhow::Result<Response> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        anyhow::Ok(raw)
    };
    let raw = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .with_context(|| format!("no answer to GET {path} within {REQUEST_TIMEOUT:?}"))?
        .with_context(|| format!("GET {path} from {addr} failed"))?;
    parse_response(&raw)
}

/// Splits an HTTP/1.1 answer into status and body, checking the body against Content-Length.
fn parse_response(raw: &[u8]) -> anyhow::Result<Response> {
    let text = std::str::from_utf8(raw).context("the answer is not UTF-8")?;
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        bail!("the answer has no end of headers: {text:?}");
    };
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let Some(status) = status_line.strip_prefix("HTTP/1.1 ") else {
        bail!("not an HTTP/1.1 status line: {status_line:?}");
    };
    let code = status
        .split(' ')
        .next()
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("no status code in {status_line:?}"))?;
    let length = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    if let Some(length) = length {
        ensure!(
            body.len() == length,
            "Content-Length {length}, body {} bytes",
            body.len()
        );
    }
    Ok(Response {
        status: status.to_owned(),
        code,
        body: body.to_owned(),
    })
}
// ANCHOR_END: client

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_is_split_into_status_and_body() {
        let raw = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\n\r\nHello World!";
        let response = parse_response(raw).unwrap();
        assert_eq!(
            (
                response.code,
                response.status.as_str(),
                response.body.as_str()
            ),
            (200, "200 OK", "Hello World!")
        );
    }

    #[test]
    fn a_short_body_or_a_bad_status_line_is_refused() {
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nHello";
        assert!(parse_response(short).is_err());
        assert!(parse_response(b"SSH-2.0\r\n\r\n").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
    }

    #[tokio::test]
    async fn the_app_answers_hello_on_root_and_404_elsewhere() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(axum::serve(listener, app()).into_future());
        let hello = http_get(addr, "/").await.unwrap();
        assert_eq!((hello.code, hello.body.as_str()), (200, "Hello World!"));
        let missing = http_get(addr, "/hello").await.unwrap();
        assert_eq!((missing.code, missing.body.as_str()), (404, "Not Found"));
    }
}
