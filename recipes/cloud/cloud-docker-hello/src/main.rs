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
//!   minimal HTTP/1.1 one over a tokio `TcpStream` (`src/http_client.rs`), and exits 1 if an
//!   answer is wrong.

mod http_client;

use std::net::SocketAddr;

use anyhow::{Context, ensure};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use clap::{Parser, Subcommand};
use http_client::http_get;
use tokio::net::TcpListener;
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
        (hello.code, hello.body.as_str(), missing.code) == (200, "Hello World!", 404),
        "GET / answered {} {:?}, GET /missing {}",
        hello.status,
        hello.body,
        missing.status
    );
    println!("Server stopped: / said Hello World!, /missing was not found");
    Ok(())
}
// ANCHOR_END: ask_itself

#[cfg(test)]
mod tests {
    use super::*;

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
