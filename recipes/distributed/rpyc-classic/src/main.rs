//! # A remote procedure call with RPyC
//!
//! Book: 1st edition §5.11 "A remote procedure call with RPyC" (the `rpyc_classic.py` server
//! and a five-line client).
//!
//! A client connects to a server and has it print a line: the line appears on the server's
//! terminal. The client then points the server's stdout at itself, and the next line the server
//! prints appears on the client's terminal instead. Each connection is a session with its own
//! stdout setting.
//!
//! ## Run
//!
//! ```text
//! cargo run -p rpyc-classic                         # server + client, then stop
//!
//! # one role per terminal (or per host), as in the book:
//! cargo run -p rpyc-classic -- server                          # 127.0.0.1:18812, like RPyC's
//! cargo run -p rpyc-classic -- client --server 127.0.0.1:18812
//! ```
//!
//! To reach the server from another host, bind it to an address that host can reach
//! (`server --bind 192.0.2.7:18812`).
//!
//! ## Python → Rust
//!
//! - `rpyc_classic.py` → a `#[tarpc::service]` with one method, `execute(Command)`, served over
//!   TCP (JSON frames, `common::rpc::serve`); `rpyc.classic.connect(host)` → the generated
//!   `ClassicClient`, with a bounded connect and a deadline on every call (`common::rpc`), so a
//!   dead server is an error within seconds.
//! - `c.execute("print('...')")` → `execute(Command::Print(text))`.
//! - `c.modules.sys.stdout = sys.stdout` → `execute(Command::SetStdout(Stdout::Client))`. RPyC
//!   hands the server a proxy of the client's `sys.stdout` and the server's prints call back
//!   through it. tarpc calls go one way, so the server returns what it printed in its reply and
//!   the client writes it to its own stdout: the same line lands on the same side.
//!
//! ## Differences from the book
//!
//! - No code travels over the wire. RPyC's classic mode runs any Python source a client sends
//!   (`c.execute`, `c.eval`, `c.modules.os.system(...)`): whoever reaches the port owns the
//!   server's account. Here the server understands a fixed set of commands, an `enum` that
//!   cannot express anything else, so a client can only print a line or choose where prints go.
//! - The stdout redirection holds for the connection that asked for it; in RPyC it replaces the
//!   server process's `sys.stdout` for every client.
//! - The plain run starts the server as a child process of this binary
//!   (`common::child::Servers`; its lines are shown with a `[server]` prefix), plays the client
//!   itself, stops the server with SIGTERM, and
//!   checks that each line was printed on its own side. The book starts each in its own terminal.
//! - The server binds 127.0.0.1 by default (RPyC's binds 0.0.0.0) and prints its address in its
//!   start line; the log lines go to stdout, without RPyC's `[...]` around the host.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::child::{Servers, die_with_parent_if_spawned};
use common::rpc::{connect, deadline, runtime, serve, stop_signal};
use serde::{Deserialize, Serialize};
use tarpc::server::Channel;
use tarpc::{client, context};
use tokio::sync::Mutex;

/// RPyC's classic server listens on port 18812.
const SERVER: &str = "127.0.0.1:18812";

#[derive(Parser)]
#[command(
    about = "A remote call, then the remote stdout sent to the client (RPyC → tarpc)",
    after_help = "Without a subcommand: starts the server as a child process, runs the client, \
                  and stops the server."
)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    #[command(flatten)]
    lines: Lines,
}

#[derive(Subcommand)]
enum Role {
    /// Run the server (the book's `rpyc_classic.py`) until SIGTERM or Ctrl-C.
    Server {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = SERVER)]
        bind: SocketAddr,
    },
    /// Connect, print a line on the server, redirect its stdout here, print another.
    Client {
        /// The server's address (host:port).
        #[arg(long, default_value = SERVER)]
        server: String,
        #[command(flatten)]
        lines: Lines,
    },
}

/// The two lines of the book's client.
#[derive(clap::Args)]
struct Lines {
    /// The line printed on the server's stdout.
    #[arg(long, default_value = "hi python cookbook")]
    remote: String,
    /// The line printed after the redirection, which appears on the client's stdout.
    #[arg(long, default_value = "hi here")]
    redirected: String,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.role {
        None => run_all(&args.lines),
        Some(Role::Server { bind }) => {
            die_with_parent_if_spawned()?;
            runtime()?.block_on(server(bind))
        }
        Some(Role::Client { server, lines }) => runtime()?.block_on(client(&server, &lines)),
    }
}

// ANCHOR: run_all
/// The plain run: the server as a child process, the client here; then each line is checked
/// on its side.
fn run_all(lines: &Lines) -> anyhow::Result<()> {
    let mut servers = Servers::default();
    let address = servers.start("server", &["server", "--bind", "127.0.0.1:0"])?;
    runtime()?.block_on(client(&address.to_string(), lines))?;
    let printed = servers.stop()?;
    let on_server = |line: &String| printed.contains(line);
    ensure!(
        on_server(&lines.remote) && !on_server(&lines.redirected),
        "the server printed {printed:?}: expected {:?} there and {:?} only here",
        lines.remote,
        lines.redirected
    );
    println!(
        "Checked: {:?} was printed by the server, {:?} only by the client",
        lines.remote, lines.redirected
    );
    Ok(())
}
// ANCHOR_END: run_all

// ANCHOR: service
/// The server's whole interface: one method over a closed set of commands.
#[tarpc::service]
trait Classic {
    /// Runs `command`; returns what it printed if this session's stdout is the client's.
    async fn execute(command: Command) -> String;
}

/// Everything a client can ask for. Data, not code: nothing else can be expressed.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Command {
    /// The book's `print(...)`.
    Print(String),
    /// The book's `c.modules.sys.stdout = sys.stdout` (and back).
    SetStdout(Stdout),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Stdout {
    Server,
    Client,
}

/// One connection's state: where its prints go.
#[derive(Clone)]
struct Session(Arc<Mutex<Stdout>>);

impl Classic for Session {
    async fn execute(self, _: context::Context, command: Command) -> String {
        let mut stdout = self.0.lock().await;
        match command {
            Command::Print(text) if *stdout == Stdout::Server => {
                println!("{text}");
                String::new()
            }
            Command::Print(text) => format!("{text}\n"),
            Command::SetStdout(target) => {
                *stdout = target;
                String::new()
            }
        }
    }
}
// ANCHOR_END: service

// ANCHOR: server
async fn server(bind: SocketAddr) -> anyhow::Result<()> {
    let stopped = stop_signal()?;
    let address = serve(bind, |connection| {
        let socket = connection.get_ref();
        // An accepted socket has the listener's port, which names RPyC's logger.
        let port = socket
            .local_addr()
            .map_or("?".into(), |here| here.port().to_string());
        let peer = socket
            .peer_addr()
            .map_or("?".into(), |peer| peer.to_string());
        println!("INFO:SLAVE/{port}:accepted {peer}");
        println!("INFO:SLAVE/{port}:welcome {peer}");
        // Each connection is a session of its own, printing on the server's stdout at first.
        let session = Session(Arc::new(Mutex::new(Stdout::Server)));
        connection.execute(session.serve())
    })
    .await?;
    println!("INFO:SLAVE/{}:server started on {address}", address.port());
    stopped.await;
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
async fn client(server: &str, lines: &Lines) -> anyhow::Result<()> {
    let transport = connect(server, "the server").await?;
    let c = ClassicClient::new(client::Config::default(), transport).spawn();
    let first = execute(&c, Command::Print(lines.remote.clone())).await?;
    execute(&c, Command::SetStdout(Stdout::Client)).await?;
    let second = execute(&c, Command::Print(lines.redirected.clone())).await?;
    ensure!(
        first.is_empty(),
        "{:?} came back instead of staying on the server",
        lines.remote
    );
    ensure!(
        second == format!("{}\n", lines.redirected),
        "expected {:?} back from the server, got {second:?}",
        lines.redirected
    );
    Ok(())
}

/// Runs one command remotely and writes what the server sent back to this stdout.
async fn execute(c: &ClassicClient, command: Command) -> anyhow::Result<String> {
    let output = c.execute(deadline(), command.clone()).await;
    let output = output.with_context(|| format!("the server failed to run {command:?}"))?;
    print!("{output}");
    Ok(output)
}
// ANCHOR_END: client

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session(Arc::new(Mutex::new(Stdout::Server)))
    }

    #[tokio::test]
    async fn prints_stay_on_the_server_until_redirected() {
        let session = session();
        let run = |command| session.clone().execute(context::current(), command);
        assert_eq!(run(Command::Print("hi python cookbook".into())).await, "");
        assert_eq!(run(Command::SetStdout(Stdout::Client)).await, "");
        assert_eq!(run(Command::Print("hi here".into())).await, "hi here\n");
        run(Command::SetStdout(Stdout::Server)).await;
        assert_eq!(run(Command::Print("back".into())).await, "");
    }

    #[tokio::test]
    async fn sessions_do_not_share_the_redirection() {
        let (one, two) = (session(), session());
        let redirect = Command::SetStdout(Stdout::Client);
        one.clone().execute(context::current(), redirect).await;
        let print = Command::Print("x".into());
        assert_eq!(one.execute(context::current(), print.clone()).await, "x\n");
        assert_eq!(two.execute(context::current(), print).await, "");
    }
}
