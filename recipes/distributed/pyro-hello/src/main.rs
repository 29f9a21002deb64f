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
//! - `Pyro4.Daemon()` + `requestLoop()` → a tarpc TCP listener (JSON frames) serving every
//!   connection and every request in its own tokio task (`common::rpc::serve`).
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
//!   in its own terminal.
//! - The client takes the name from `--name` (default `Alice`) and shows it after the prompt as
//!   if typed, so a run needs no keyboard; `client --ask` reads it from stdin as the book does.
//! - The 1st edition's client first asks for a URI it never uses; that question is dropped.
//!   Its server also lacks the `@Pyro4.expose` that current Pyro4 requires (the 2nd edition
//!   adds it); a tarpc service exposes exactly the methods of its trait.
//! - The server's "Object uri" is its TCP address: each server process serves one object.
//! - The client checks the greeting against the expected `Hi welcome <name>` and exits 1 if it
//!   differs.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::child::{Servers, die_with_parent_if_spawned};
use common::rpc::{connect, deadline, name_server, register, resolve, runtime, serve, stop_signal};
use tarpc::server::Channel;
use tarpc::{client, context};

/// Pyro's name server listens on port 9090 unless told otherwise.
const NAME_SERVER: &str = "127.0.0.1:9090";

#[derive(Parser)]
#[command(
    about = "A remote object found through a name server (Pyro4 → tarpc)",
    after_help = "Without a subcommand: starts a name server and a server as child processes, \
                  runs the client, and stops them."
)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    #[command(flatten)]
    client: ClientArgs,
}

#[derive(Subcommand)]
enum Role {
    /// Run the name server (the book's `python -m Pyro4.naming`) until SIGTERM or Ctrl-C.
    NameServer {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = NAME_SERVER)]
        bind: SocketAddr,
    },
    /// Run the greeting server, registered as `server`, until SIGTERM or Ctrl-C.
    Server {
        /// Address to listen on (and to register: use one other hosts can reach); port 0 picks
        /// a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
        /// The name server's address (host:port).
        #[arg(long, default_value = NAME_SERVER)]
        ns: String,
    },
    /// Look up `server` at the name server and call its welcomeMessage.
    Client {
        /// The name server's address (host:port).
        #[arg(long, default_value = NAME_SERVER)]
        ns: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(clap::Args)]
struct ClientArgs {
    /// The name the client sends, shown after the prompt as if typed.
    #[arg(long, default_value = "Alice")]
    name: String,
    /// Read the name from stdin instead, as the book does.
    #[arg(long)]
    ask: bool,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.role {
        None => run_all(&args.client),
        Some(Role::NameServer { bind }) => {
            die_with_parent_if_spawned()?;
            runtime()?.block_on(name_server(bind))
        }
        Some(Role::Server { bind, ns }) => {
            die_with_parent_if_spawned()?;
            runtime()?.block_on(server(bind, &ns))
        }
        Some(Role::Client { ns, client }) => {
            let name = ask_name(&client)?;
            runtime()?.block_on(client_call(&ns, &name))
        }
    }
}

// ANCHOR: run_all
/// The plain run: the name server and the server as child processes, the client here.
fn run_all(client: &ClientArgs) -> anyhow::Result<()> {
    let mut servers = Servers::default();
    let ns = servers.start("name-server", &["name-server", "--bind", "127.0.0.1:0"])?;
    let ns = ns.to_string();
    servers.start("server", &["server", "--ns", &ns])?;
    let name = ask_name(client)?;
    runtime()?.block_on(client_call(&ns, &name))?;
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
    let address = serve(bind, |connection| connection.execute(Server.serve())).await?;
    register(ns, "server", address).await?;
    println!("Ready. Object uri = {address}");
    stopped.await;
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
async fn client_call(ns: &str, name: &str) -> anyhow::Result<()> {
    let address = resolve(ns, "server").await?;
    let transport = connect(address, "the server").await?;
    let server = GreeterClient::new(client::Config::default(), transport).spawn();
    let message = server
        .welcome_message(deadline(), name.to_owned())
        .await
        .with_context(|| format!("welcomeMessage on the server at {address} failed"))?;
    println!("{message}");
    let expected = format!("Hi welcome {name}");
    ensure!(
        message == expected,
        "expected {expected:?}, got {message:?}"
    );
    Ok(())
}
// ANCHOR_END: client

/// The book's `input("What is your name? ")`, or `--name` shown as if typed.
fn ask_name(args: &ClientArgs) -> anyhow::Result<String> {
    if !args.ask {
        println!("What is your name? {}", args.name);
        return Ok(args.name.clone());
    }
    print!("What is your name? ");
    std::io::stdout()
        .flush()
        .context("cannot write the prompt")?;
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read a name from stdin")?;
    let name = line.trim();
    ensure!(!name.is_empty(), "no name given on stdin");
    Ok(name.to_owned())
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
