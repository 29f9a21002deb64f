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
//!   type implementing it. Its lazily made `Pyro4.Proxy` to the next object becomes a tarpc
//!   client made on the first forward and kept for the next calls (dropped after a failed call,
//!   so a restarted server is looked up again).
//! - `daemon.requestLoop()` → a tarpc TCP listener that runs every connection and every request
//!   in its own tokio task (`common::rpc::serve`). That matters here: server 1 is called again (by server 3) while its
//!   first call is still waiting for the answer, so a server that handled one request at a time
//!   would deadlock the ring.
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
//!   itself, then stops them all with SIGTERM and checks they exited cleanly. The book starts each in its own terminal.
//! - The ring follows the 2nd edition: the 1st edition's listings mix names
//!   (`example.chain.A`, `chain.chainTopology(...)`) and cannot run as printed.
//! - The servers print their bound address with the book's start line: `server_1 started on
//!   127.0.0.1:40123`. `--servers N` builds a ring of any length.
//! - The server makes its proxy to the next object when it first forwards, not at the top of
//!   every call; the book's proxy connects lazily anyway.
//! - A server that cannot reach the next one answers with an error naming it, and the client
//!   exits 1 with that message; the run also checks the result against the expected list.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, anyhow, ensure};
use clap::{Parser, Subcommand};
use common::child::{Servers, die_with_parent_if_spawned};
use common::rpc::{connect, deadline, name_server, register, resolve, runtime, serve, stop_signal};
use tarpc::server::Channel;
use tarpc::{client, context};
use tokio::sync::Mutex;

/// Pyro's name server listens on port 9090 unless told otherwise.
const NAME_SERVER: &str = "127.0.0.1:9090";

#[derive(Parser)]
#[command(
    about = "Servers pass a message round a ring (Pyro4 → tarpc)",
    after_help = "Without a subcommand: starts a name server and the ring's servers as child \
                  processes, runs the client, and stops them."
)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Servers in the ring of a plain run (the book has 3), each a process.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    servers: u32,
}

#[derive(Subcommand)]
enum Role {
    /// Run the name server (the book's `python -m Pyro4.naming`) until SIGTERM or Ctrl-C.
    NameServer {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = NAME_SERVER)]
        bind: SocketAddr,
    },
    /// Run one object of the ring, registered as example.chainTopology.<THIS>, until SIGTERM
    /// or Ctrl-C.
    Server {
        /// This object's name.
        #[arg(long, default_value = "1")]
        this: String,
        /// The name of the object to pass messages to.
        #[arg(long, default_value = "2")]
        next: String,
        /// Address to listen on (and to register: use one other hosts can reach); port 0 picks
        /// a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
        /// The name server's address (host:port).
        #[arg(long, default_value = NAME_SERVER)]
        ns: String,
    },
    /// Send ["hello"] to example.chainTopology.1 and print the result.
    Client {
        /// The name server's address (host:port).
        #[arg(long, default_value = NAME_SERVER)]
        ns: String,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.role {
        None => run_all(args.servers),
        Some(Role::NameServer { bind }) => {
            die_with_parent_if_spawned()?;
            runtime()?.block_on(name_server(bind))
        }
        Some(Role::Server {
            this,
            next,
            bind,
            ns,
        }) => {
            die_with_parent_if_spawned()?;
            runtime()?.block_on(server(this, next, bind, ns))
        }
        Some(Role::Client { ns }) => {
            let result = runtime()?.block_on(client_call(&ns))?;
            println!("Result={}", python_list(&result));
            Ok(())
        }
    }
}

// ANCHOR: run_all
/// The plain run: the name server and a ring of `count` servers as child processes, the
/// client here.
fn run_all(count: u32) -> anyhow::Result<()> {
    let mut servers = Servers::default();
    let ns = servers.start("name-server", &["name-server", "--bind", "127.0.0.1:0"])?;
    let ns = ns.to_string();
    for this in 1..=count {
        let (this, next) = (this.to_string(), (this % count + 1).to_string());
        let args = ["server", "--this", &this, "--next", &next, "--ns", &ns];
        servers.start(&format!("server_{this}"), &args)?;
    }
    let result = runtime()?.block_on(client_call(&ns))?;
    println!("Result={}", python_list(&result));
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

#[derive(Clone)]
struct Link {
    this: String,
    next: String,
    ns: String,
    /// The proxy to the next object, made on the first forward (Pyro's lazy proxy).
    proxy: Arc<Mutex<Option<ChainClient>>>,
}

impl Chain for Link {
    async fn process(
        self,
        context: context::Context,
        mut message: Vec<String>,
    ) -> Result<Vec<String>, String> {
        if message.contains(&self.this) {
            println!("Back at {}; the chain is closed!", self.this);
            return Ok(vec![format!("complete at {}", self.this)]);
        }
        println!(
            "{} forwarding the message to the object {}",
            self.this, self.next
        );
        message.push(self.this.clone());
        let name = object_name(&self.next);
        let next = self.next_object(&name).await;
        let next = next.map_err(|error| format!("{} cannot pass it on: {error:#}", self.this))?;
        // The caller's context carries its deadline on along the ring.
        let mut result = match next.process(context, message).await {
            Ok(answer) => answer?,
            Err(error) => {
                // Look the name up again next time: a restarted server has a new address.
                self.proxy.lock().await.take();
                let failed = format!("{name} failed: {error}");
                return Err(format!("{} cannot pass it on: {failed}", self.this));
            }
        };
        result.insert(0, format!("passed on from {}", self.this));
        Ok(result)
    }
}

impl Link {
    /// The proxy to the next object, looked up and connected on first use, then kept.
    async fn next_object(&self, name: &str) -> anyhow::Result<ChainClient> {
        let mut proxy = self.proxy.lock().await;
        if let Some(next) = proxy.as_ref() {
            return Ok(next.clone());
        }
        let address = resolve(&self.ns, name).await?;
        let transport = connect(address, name).await?;
        let next = ChainClient::new(client::Config::default(), transport).spawn();
        *proxy = Some(next.clone());
        Ok(next)
    }
}
// ANCHOR_END: chain

/// The name each object registers under, as in the book.
fn object_name(this: &str) -> String {
    format!("example.chainTopology.{this}")
}

/// What the client must get back from a ring of `count` servers, computed without one.
fn expected_result(count: u32) -> Vec<String> {
    let passed = (1..=count).map(|this| format!("passed on from {this}"));
    passed.chain(["complete at 1".to_owned()]).collect()
}

/// A list of strings the way Python prints it: `['a', 'b']`.
fn python_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("'{item}'")).collect();
    format!("[{}]", quoted.join(", "))
}

// ANCHOR: server
async fn server(this: String, next: String, bind: SocketAddr, ns: String) -> anyhow::Result<()> {
    let stopped = stop_signal()?;
    // One link for every connection: its proxy to the next object is made once and kept.
    let link = Link {
        this: this.clone(),
        next,
        ns: ns.clone(),
        proxy: Arc::default(),
    }
    .serve();
    let address = serve(bind, move |connection| connection.execute(link.clone())).await?;
    register(&ns, &object_name(&this), address).await?;
    println!("server_{this} started on {address}");
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
    answer.map_err(|error| anyhow!("the chain is broken: {error}"))
}
// ANCHOR_END: client

#[cfg(test)]
mod tests {
    use super::*;

    fn link(this: &str) -> Link {
        Link {
            this: this.into(),
            next: "2".into(),
            ns: "127.0.0.1:1".into(),
            proxy: Arc::default(),
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
            python_list(&expected_result(3)),
            "['passed on from 1', 'passed on from 2', 'passed on from 3', 'complete at 1']"
        );
        assert_eq!(
            expected_result(1),
            ["passed on from 1".to_owned(), "complete at 1".to_owned()]
        );
    }
}
