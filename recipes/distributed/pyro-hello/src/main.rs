//! # Remote method invocation with Pyro4
//!
//! Book: 1st edition §5.6 "Remote Method Invocation with Pyro4" (`server.py`, `client.py`);
//! 2nd edition chapter 6, "Remote method invocation with Pyro4", first example
//! (`pyro_server.py`, `pyro_client.py`).
//!
//! A server object with one method, `welcomeMessage(name)`, lives in its own process. It
//! registers under the name `server` with a name server, and the client finds it there by name,
//! calls the method over TCP and prints the answer. Three processes, three roles: name server,
//! server, client; each may run on a different host.
//!
//! ## Run
//!
//! ```text
//! cargo run -p pyro-hello                          # all three roles, then a clean shutdown
//! cargo run -p pyro-hello -- --name Rashmi
//!
//! # one role per terminal (or per host), as in the book:
//! cargo run -p pyro-hello -- name-server                       # 127.0.0.1:9090, like Pyro's
//! cargo run -p pyro-hello -- server --ns 127.0.0.1:9090        # binds a free port
//! cargo run -p pyro-hello -- client --ns 127.0.0.1:9090 --ask  # asks for your name
//! ```
//!
//! On several hosts, give each server the address the others reach it at
//! (`--bind 192.0.2.7:0`, not `0.0.0.0`): that is the address the name server hands out.
//!
//! ## Python → Rust
//!
//! - A Pyro4 exposed class → a `#[tarpc::service]` trait and a type implementing it. The trait
//!   is the contract both sides compile against, so a misspelt method is a compile error, not a
//!   runtime `AttributeError`.
//! - `Pyro4.Daemon()` + `requestLoop()` → a tokio `TcpListener` (`common::rpc::listen`) and the
//!   server's own accept loop: each accepted socket becomes a tarpc channel (JSON frames) served
//!   in a task of its own, and each request runs in its own task too.
//! - `python -m Pyro4.naming` with `ns.register` / `PYRONAME:` lookups → a tiny name service,
//!   itself a tarpc service shared by the Pyro recipes (`common::rpc::NameService`), with
//!   `register(ns, name, address)` and `resolve(ns, name)` for the two sides.
//! - `Pyro4.Proxy(...)` → the client type tarpc generates (`GreeterClient`); every call carries
//!   a deadline, and connecting is bounded too, so a dead server is an error within seconds.
//!
//! ## Differences from the book
//!
//! - The plain run starts the name server and the server as child processes of this binary
//!   (`common::child::Servers`; their lines are shown with a `[role]` prefix), plays the client
//!   itself, then stops both with SIGTERM and checks they exited cleanly. The book starts each
//!   in its own terminal. The run reports each start and the final stop in lines of its own,
//!   `Started server (pid …) on 127.0.0.1:…` and `Stopped name-server (pid …), server (pid …):
//!   all exited 0`.
//! - The client takes the name from `--name` (default `Alice`) and shows it after the prompt as
//!   if typed, so a run needs no keyboard; `client --ask` reads it from stdin as the book does.
//! - The 1st edition's client first asks for a URI it never uses; that question is dropped.
//!   Its server also lacks the `@Pyro4.expose` that current Pyro4 requires (the 2nd edition
//!   adds it); a tarpc service exposes exactly the methods of its trait.
//! - The server's "Object uri" is its TCP address: each server process serves one object.
//! - The client checks the greeting against the expected `Hi welcome <name>` and exits 1 if it
//!   differs.
//! - At most 1024 connections are served at once; one more is hung up on with a line on stderr,
//!   as Pyro's thread pool turns a client away when full. A failed `accept` (no file descriptor
//!   left) costs a line on stderr and a 100 ms pause, not a busy loop.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use common::child::{Servers, die_with_parent_if_spawned};
use common::rpc::{connect, deadline, listen, name_server, register, resolve, runtime};
use common::rpc::{stop_signal, transport};
use futures::StreamExt;
use tarpc::server::{BaseChannel, Channel};
use tarpc::{client, context};
use tokio::sync::Semaphore;

/// Connections served at once: past that, a client is hung up on, as by Pyro's thread pool
/// when it is full, so open files and tasks stay bounded.
const MAX_CONNECTIONS: usize = 1024;
/// The pause after a failed accept, so an error that persists (no file descriptor left) is
/// not retried in a busy loop.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

#[derive(Parser)]
#[command(about = "A remote object found through a name server (Pyro4 → tarpc)")]
struct Args {
    /// The role to play; without one, the name server and the server start as child processes
    /// and this process runs the client, then stops them.
    #[arg(value_enum)]
    role: Option<Role>,
    /// The name server's address (host:port), where the name-server role listens.
    #[arg(long, default_value = "127.0.0.1:9090")]
    ns: String,
    /// Address the server listens on and registers (use one other hosts can reach); port 0
    /// picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: SocketAddr,
    /// The name the client sends, shown after the prompt as if typed.
    #[arg(long, default_value = "Alice")]
    name: String,
    /// Read the name from stdin instead, as the book does.
    #[arg(long)]
    ask: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Role {
    /// The book's `python -m Pyro4.naming`, until SIGTERM or Ctrl-C.
    NameServer,
    /// The greeting server, registered as `server`, until SIGTERM or Ctrl-C.
    Server,
    /// Look up `server` at the name server and call its welcomeMessage.
    Client,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    die_with_parent_if_spawned()?;
    match args.role {
        None => run_all(&args),
        Some(Role::NameServer) => runtime()?.block_on(name_server(&args.ns)),
        Some(Role::Server) => runtime()?.block_on(server(args.bind, &args.ns)),
        Some(Role::Client) => runtime()?.block_on(client_call(&args.ns, &ask_name(&args)?)),
    }
}

// ANCHOR: run_all
/// The plain run: the name server and the server as child processes, the client here.
fn run_all(args: &Args) -> anyhow::Result<()> {
    let mut servers = Servers::default();
    let ns = servers.start("name-server", &["name-server", "--ns", "127.0.0.1:0"]);
    let ns = ns?.to_string();
    servers.start("server", &["server", "--ns", &ns])?;
    runtime()?.block_on(client_call(&ns, &ask_name(args)?))?;
    servers.stop()?;
    Ok(())
}
// ANCHOR_END: run_all

// ANCHOR: greeter
/// The remote object's interface: the book's `welcomeMessage`.
#[tarpc::service]
trait Greeter {
    async fn welcome_message(name: String) -> String;
}

#[derive(Clone)]
struct Server;

impl Greeter for Server {
    async fn welcome_message(self, _: context::Context, name: String) -> String {
        format!("Hi welcome {name}")
    }
}
// ANCHOR_END: greeter

// ANCHOR: server
async fn server(bind: SocketAddr, ns: &str) -> anyhow::Result<()> {
    let stopped = stop_signal()?;
    let (listener, address) = listen(bind).await?;
    register(ns, "server", address).await?;
    println!("Ready. Object uri = {address}");
    // The book's requestLoop(): a task per connection, and in it a task per request, with at
    // most MAX_CONNECTIONS connections at once. A failed accept costs a line on stderr and a
    // pause, then the loop goes on.
    // Each RPC recipe keeps this loop in its own words on purpose: it is what the recipe shows.
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let (socket, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    eprintln!("accept failed: {error}");
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                eprintln!("{peer}: turned away, {MAX_CONNECTIONS} connections open");
                continue;
            };
            let requests = BaseChannel::with_defaults(transport(socket)).execute(Server.serve());
            tokio::spawn(async move {
                requests
                    .for_each(|request| async {
                        tokio::spawn(request);
                    })
                    .await;
                drop(slot); // the connection is over: its slot is free
            });
        }
    });
    stopped.await;
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
async fn client_call(ns: &str, name: &str) -> anyhow::Result<()> {
    let address = resolve(ns, "server").await?;
    let transport = connect(address, "the server").await?;
    let server = GreeterClient::new(client::Config::default(), transport).spawn();
    let message = server.welcome_message(deadline(), name.to_owned()).await;
    let message = message.with_context(|| format!("welcomeMessage at {address} failed"))?;
    println!("{message}");
    ensure!(
        message == format!("Hi welcome {name}"),
        "an unexpected greeting: {message:?}"
    );
    Ok(())
}
// ANCHOR_END: client

/// The book's `input("What is your name? ")`, or `--name` shown as if typed.
fn ask_name(args: &Args) -> anyhow::Result<String> {
    print!("What is your name? ");
    if !args.ask {
        println!("{}", args.name);
        return Ok(args.name.clone());
    }
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    ensure!(!line.trim().is_empty(), "no name given on stdin");
    Ok(line.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_greeting_follows_the_book() {
        let message = Server
            .welcome_message(context::current(), "Rashmi".into())
            .await;
        assert_eq!(message, "Hi welcome Rashmi");
    }
}
