//! # Chaining objects with Pyro4
//!
//! Book: 1st edition §5.7 "Chaining objects with Pyro4" (`client.py`, `server_1..3.py`,
//! `chainTopology.py`); 2nd edition chapter 6, "Remote method invocation with Pyro4", second
//! example (`server_chain_1..3.py`, `client_chain.py`, `chainTopology.py`).
//!
//! Three servers, each holding one `Chain` object, form a ring 1 → 2 → 3 → 1. The client hands
//! `["hello"]` to server 1; each server adds its name and passes the message to the next one,
//! found by name through the name server, until the message comes back to a server already in
//! it. The answer unwinds along the same path, each server prepending `passed on from <name>`.
//!
//! ## Run
//!
//! ```text
//! cargo run -p pyro-chain                     # name server + 3 servers + client, then stop
//! cargo run -p pyro-chain -- --servers 5      # a longer ring
//!
//! # one role per terminal (or per host), as in the book:
//! cargo run -p pyro-chain -- name-server                                  # 127.0.0.1:9090
//! cargo run -p pyro-chain -- server --this 1 --next 2 --ns 127.0.0.1:9090
//! cargo run -p pyro-chain -- server --this 2 --next 3 --ns 127.0.0.1:9090
//! cargo run -p pyro-chain -- server --this 3 --next 1 --ns 127.0.0.1:9090
//! cargo run -p pyro-chain -- client --ns 127.0.0.1:9090
//! ```
//!
//! On several hosts, give each server the address the others reach it at
//! (`--bind 192.0.2.7:0`, not `0.0.0.0`): that is the address the name server hands out.
//!
//! ## Python → Rust
//!
//! - The `Chain` class → a `#[tarpc::service]` trait with one method, `process`, and a `Link`
//!   type implementing it (its `name`, `next` and name server come from the command line). Its
//!   `Pyro4.Proxy` to the next object becomes a tarpc client made when it forwards.
//! - `daemon.requestLoop()` → the server's own accept loop on a tokio `TcpListener`: each
//!   connection is a tarpc channel in a task of its own, and each request runs in its own task.
//!   That matters here: server 1 is called again (by server 3) while its first call is still
//!   waiting for the answer, so a server that handled one request at a time would deadlock.
//! - `python -m Pyro4.naming` and `PYRONAME:example.chainTopology.N` → a tiny name service,
//!   itself a tarpc service shared by the Pyro recipes (`common::rpc::NameService`), with
//!   `register(ns, name, address)` and `resolve(ns, name)` for the two sides.
//! - Each call carries a deadline, and a server passes its caller's context on, so the whole
//!   ring shares the client's deadline as tarpc propagates it. A dead server is an error that
//!   travels back to the client, never a hang.
//!
//! ## Differences from the book
//!
//! - The plain run starts the name server and the servers as child processes of this binary
//!   (`common::child::Servers`; their lines are shown with a `[role]` prefix), plays the client
//!   itself, then stops them all with SIGTERM and checks they exited cleanly. The book starts
//!   each in its own terminal. The run reports each start and the final stop in lines of its
//!   own, `Started server_1 (pid …) on 127.0.0.1:…` and `Stopped name-server (pid …),
//!   server_1 (pid …), …: all exited 0`.
//! - The ring follows the 2nd edition: the 1st edition's listings mix names
//!   (`example.chain.A`, `chain.chainTopology(...)`) and cannot run as printed.
//! - The servers print their bound address with the book's start line: `server_1 started on
//!   127.0.0.1:40123`. `--servers N` builds a ring of any length.
//! - The book's object makes its proxy to the next one on the first call and keeps it; here a
//!   server looks the next object up and connects each time it forwards, so a restarted server
//!   is found at its new address.
//! - A server that cannot reach the next one answers with an error naming it, and the client
//!   exits 1 with that message; the run also checks the result against the expected list.
//! - At most 1024 connections are served at once; one more is hung up on with a line on stderr,
//!   as Pyro's thread pool turns a client away when full. A failed `accept` (no file descriptor
//!   left) costs a line on stderr and a 100 ms pause, not a busy loop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, ensure};
use clap::Parser;
use common::child::{Servers, die_with_parent_if_spawned};
use common::output::{py_list, py_str};
use common::rpc::{connect, deadline, listen, name_server, register, resolve, runtime};
use common::rpc::{stop_signal, transport};
use futures::StreamExt;
use tarpc::server::{BaseChannel, Channel};
use tarpc::{client, context};
use tokio::sync::Semaphore;

/// Connections served at once: past that, a client is hung up on, as by Pyro's thread pool
/// when it is full, so open files
/// and tasks stay bounded.
const MAX_CONNECTIONS: usize = 1024;
/// The pause after a failed accept, so an error that persists (no file descriptor left) is
/// not retried in a busy loop.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

#[derive(Parser)]
#[command(about = "Servers pass a message round a ring (Pyro4 → tarpc)")]
struct Args {
    /// The role to play; without one, the name server and the ring's servers start as child
    /// processes and this process runs the client, then stops them.
    #[arg(value_enum)]
    role: Option<Role>,
    #[command(flatten)]
    link: Link,
    /// Address a server listens on and registers (use one other hosts can reach); port 0 picks
    /// a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: SocketAddr,
    /// Servers in the ring of a plain run (the book has 3), each a process.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    servers: u32,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Role {
    /// The book's `python -m Pyro4.naming`, until SIGTERM or Ctrl-C.
    NameServer,
    /// One object of the ring, registered as `example.chainTopology.<THIS>`, until SIGTERM.
    Server,
    /// Send ["hello"] to example.chainTopology.1 and print the result.
    Client,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    die_with_parent_if_spawned()?;
    match args.role {
        None => run_all(args.servers),
        Some(Role::NameServer) => runtime()?.block_on(name_server(&args.link.ns)),
        Some(Role::Server) => runtime()?.block_on(server(args.link, args.bind)),
        Some(Role::Client) => runtime()?.block_on(client_call(&args.link.ns)).map(drop),
    }
}

// ANCHOR: run_all
/// The plain run: the name server and a ring of `count` servers as child processes, the
/// client here.
fn run_all(count: u32) -> anyhow::Result<()> {
    let mut servers = Servers::default();
    let ns = servers.start("name-server", &["name-server", "--ns", "127.0.0.1:0"]);
    let ns = ns?.to_string();
    for this in 1..=count {
        let (this, next) = (this.to_string(), (this % count + 1).to_string());
        let args = ["server", "--this", &this, "--next", &next, "--ns", &ns];
        servers.start(&format!("server_{this}"), &args)?;
    }
    let result = runtime()?.block_on(client_call(&ns))?;
    let expected = expected_result(count);
    ensure!(result == expected, "expected {expected:?}, got {result:?}");
    servers.stop()?;
    Ok(())
}
// ANCHOR_END: run_all

// ANCHOR: chain
/// One object of the ring: the book's `Chain` class.
#[tarpc::service]
trait Chain {
    /// Closes the chain if this object is already in `message`; otherwise adds its name and
    /// passes the message on.
    async fn process(message: Vec<String>) -> Result<Vec<String>, String>;
}

/// The book's `Chain(name, next)`, set from the command line.
#[derive(clap::Args, Clone)]
struct Link {
    /// A server's object name: it registers as `example.chainTopology.<THIS>`.
    #[arg(long, default_value = "1")]
    this: String,
    /// The name of the object a server passes messages to.
    #[arg(long, default_value = "2")]
    next: String,
    /// The name server's address (host:port), where the name-server role listens.
    #[arg(long, default_value = "127.0.0.1:9090")]
    ns: String,
}

impl Chain for Link {
    async fn process(
        self,
        ctx: context::Context,
        mut message: Vec<String>,
    ) -> Result<Vec<String>, String> {
        let Link { this, next, .. } = &self;
        if message.contains(this) {
            println!("Back at {this}; the chain is closed!");
            return Ok(vec![format!("complete at {this}")]);
        }
        println!("{this} forwarding the message to the object {next}");
        message.push(this.clone());
        // The book's proxy to the next object, found by name through the name server.
        let name = object_name(next);
        let forward = async {
            let transport = connect(resolve(&self.ns, &name).await?, &name).await?;
            let next = ChainClient::new(client::Config::default(), transport).spawn();
            // The caller's context carries its deadline on along the ring.
            next.process(ctx, message)
                .await
                .with_context(|| format!("{name} failed"))
        };
        let mut result = forward
            .await
            .map_err(|error| format!("{this} cannot pass it on: {error:#}"))??;
        result.insert(0, format!("passed on from {this}"));
        Ok(result)
    }
}
// ANCHOR_END: chain

/// The name each object registers under, as in the book.
fn object_name(this: &str) -> String {
    format!("example.chainTopology.{this}")
}

// ANCHOR: server
async fn server(link: Link, bind: SocketAddr) -> anyhow::Result<()> {
    let stopped = stop_signal()?;
    let (listener, address) = listen(bind).await?;
    register(&link.ns, &object_name(&link.this), address).await?;
    println!("server_{} started on {address}", link.this);
    // The book's requestLoop(): a task per connection, and in it a task per request, so this
    // object can be called again (by the last of the ring) while its first call waits; at most
    // MAX_CONNECTIONS connections at once. A failed accept costs a line on stderr and a pause.
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
            let requests =
                BaseChannel::with_defaults(transport(socket)).execute(link.clone().serve());
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
async fn client_call(ns: &str) -> anyhow::Result<Vec<String>> {
    let name = object_name("1");
    let address = resolve(ns, &name).await?;
    let transport = connect(address, &name).await?;
    let chain = ChainClient::new(client::Config::default(), transport).spawn();
    let answer = chain.process(deadline(), vec!["hello".to_owned()]).await;
    let answer = answer.with_context(|| format!("the call to {name} at {address} failed"))?;
    let result = answer.map_err(|error| anyhow!("the chain is broken: {error}"))?;
    println!("Result={}", py_list(result.iter().map(|item| py_str(item))));
    Ok(result)
}
// ANCHOR_END: client

/// What the client must get back from a ring of `count` servers, computed without one.
fn expected_result(count: u32) -> Vec<String> {
    let passed = (1..=count).map(|this| format!("passed on from {this}"));
    passed.chain(["complete at 1".to_owned()]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(this: &str) -> Link {
        Link {
            this: this.into(),
            next: "2".into(),
            ns: "127.0.0.1:1".into(),
        }
    }

    #[tokio::test]
    async fn a_message_that_already_holds_the_name_closes_the_chain() {
        let message = vec!["hello".into(), "1".into(), "2".into(), "3".into()];
        let result = link("1").process(context::current(), message).await;
        assert_eq!(result, Ok(vec!["complete at 1".to_owned()]));
    }

    #[tokio::test]
    async fn a_missing_next_object_is_an_error_naming_the_link() {
        let result = link("1").process(context::current(), vec!["hello".into()]);
        let error = result.await.unwrap_err();
        assert!(error.starts_with("1 cannot pass it on: "), "{error}");
        assert!(error.contains("the name server"), "{error}");
    }

    #[test]
    fn the_expected_result_matches_the_book() {
        assert_eq!(
            py_list(expected_result(3).iter().map(|item| py_str(item))),
            "['passed on from 1', 'passed on from 2', 'passed on from 3', 'complete at 1']"
        );
        assert_eq!(
            expected_result(1),
            ["passed on from 1".to_owned(), "complete at 1".to_owned()]
        );
    }
}
