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
//! - `rpyc_classic.py` → a `#[tarpc::service]` with one method, `execute(Command)`, and the
//!   server's own accept loop over TCP (JSON frames): a session per connection, each in a task
//!   of its own. `rpyc.classic.connect(host)` → the generated `ClassicClient`, with a bounded
//!   connect and a deadline on every call (`common::rpc`), so a dead server is an error within
//!   seconds.
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
//!   itself, stops the server with SIGTERM, and checks that each line was printed on its own
//!   side. The book starts each in its own terminal.
//! - The server binds 127.0.0.1 by default (RPyC's binds 0.0.0.0) and prints its address in its
//!   start line; the log lines go to stdout, without RPyC's `[...]` around the host.
//! - At most 1024 sessions are served at once (RPyC's threaded server has no bound); one more
//!   is hung up on with a line on stderr. A failed `accept` (no file descriptor left) costs a
//!   line on stderr and a 100 ms pause, not a busy loop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use common::child::{Servers, die_with_parent_if_spawned};
use common::rpc::{connect, deadline, listen, runtime, stop_signal, transport};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tarpc::server::{BaseChannel, Channel};
use tarpc::{client, context};
use tokio::sync::{Mutex, Semaphore};

/// Sessions served at once: past that, a client is hung up on, so open files and tasks stay
/// bounded (RPyC's threaded server has no such bound).
const MAX_CONNECTIONS: usize = 1024;
/// The pause after a failed accept, so an error that persists (no file descriptor left) is
/// not retried in a busy loop.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

#[derive(Parser)]
#[command(about = "A remote call, then the remote stdout sent to the client (RPyC → tarpc)")]
struct Args {
    /// The role to play; without one, the server starts as a child process and this process
    /// runs the client, then stops it.
    #[arg(value_enum)]
    role: Option<Role>,
    /// Address the server listens on (RPyC's port); port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:18812")]
    bind: SocketAddr,
    /// The server's address (host:port) the client connects to.
    #[arg(long, default_value = "127.0.0.1:18812")]
    server: String,
    /// The line printed on the server's stdout.
    #[arg(long, default_value = "hi python cookbook")]
    remote: String,
    /// The line printed after the redirection, which appears on the client's stdout.
    #[arg(long, default_value = "hi here")]
    redirected: String,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Role {
    /// The book's `rpyc_classic.py`, until SIGTERM or Ctrl-C.
    Server,
    /// Connect, print a line on the server, redirect its stdout here, print another.
    Client,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    die_with_parent_if_spawned()?;
    match args.role {
        None => run_all(&args),
        Some(Role::Server) => runtime()?.block_on(server(args.bind)),
        Some(Role::Client) => runtime()?.block_on(client(&args.server, &args)),
    }
}

// ANCHOR: run_all
/// The plain run: the server as a child process, the client here; then each line is checked
/// on its side.
fn run_all(args: &Args) -> anyhow::Result<()> {
    let mut servers = Servers::default();
    let address = servers.start("server", &["server", "--bind", "127.0.0.1:0"])?;
    runtime()?.block_on(client(&address.to_string(), args))?;
    let printed = servers.stop()?;
    let (remote, redirected) = (&args.remote, &args.redirected);
    ensure!(
        printed.contains(remote) && !printed.contains(redirected),
        "the server printed {printed:?}: expected {remote:?} there and {redirected:?} only here"
    );
    println!("Checked: {remote:?} was printed by the server, {redirected:?} only by the client");
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
            Command::Print(text) if *stdout == Stdout::Client => return format!("{text}\n"),
            Command::Print(text) => println!("{text}"),
            Command::SetStdout(target) => *stdout = target,
        }
        String::new()
    }
}
// ANCHOR_END: service

// ANCHOR: server
async fn server(bind: SocketAddr) -> anyhow::Result<()> {
    let stopped = stop_signal()?;
    let (listener, address) = listen(bind).await?;
    // RPyC's logger is named after the server's port.
    let log = format!("INFO:SLAVE/{}", address.port());
    println!("{log}:server started on {address}");
    // The server's loop: a task per connection, each a session of its own that prints on the
    // server's stdout at first; its requests run in order. At most MAX_CONNECTIONS sessions
    // at once; a failed accept costs a line on stderr and a pause, then the loop goes on.
    // Each RPC recipe keeps this loop in its own words on purpose: it is what the recipe shows.
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let (socket, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    eprintln!("{log}:accept failed: {error}");
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                eprintln!("{log}:turned away {peer}: {MAX_CONNECTIONS} sessions open");
                continue;
            };
            println!("{log}:accepted {peer}");
            println!("{log}:welcome {peer}");
            let session = Session(Arc::new(Mutex::new(Stdout::Server)));
            let requests = BaseChannel::with_defaults(transport(socket)).execute(session.serve());
            tokio::spawn(async move {
                requests.for_each(|request| request).await;
                drop(slot); // the session is over: its slot is free
            });
        }
    });
    stopped.await;
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
async fn client(server: &str, args: &Args) -> anyhow::Result<()> {
    let Args {
        remote, redirected, ..
    } = args;
    let transport = connect(server, "the server").await?;
    let c = ClassicClient::new(client::Config::default(), transport).spawn();
    let first = execute(&c, Command::Print(remote.clone())).await?;
    execute(&c, Command::SetStdout(Stdout::Client)).await?;
    let second = execute(&c, Command::Print(redirected.clone())).await?;
    ensure!(
        first.is_empty() && second == format!("{redirected}\n"),
        "the server sent back {first:?} and {second:?}: expected {redirected:?} only"
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
