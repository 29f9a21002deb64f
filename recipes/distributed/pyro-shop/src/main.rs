//! # Developing a client-server application with Pyro4
//!
//! Book: 1st edition §5.8 "Developing a client-server application with Pyro4" (`server.py`,
//! `client.py`, `shop.py`).
//!
//! A shop object with accounts lives in a server process, registered with a name server as
//! `example.shop.Shop`. The client looks it up and plays two customers: Rashmi deposits 100 and
//! buys a book for 37; Meeta deposits 50 twice. The state stays on the server between calls, so
//! the final listing of the accounts shows what both did.
//!
//! ## Run
//!
//! ```text
//! cargo run -p pyro-shop                        # name server + shop + client, then stop
//! cargo run -p pyro-shop -- --price 120         # Rashmi overdraws, as the book allows
//!
//! # one role per terminal (or per host), as in the book:
//! cargo run -p pyro-shop -- name-server                       # 127.0.0.1:9090
//! cargo run -p pyro-shop -- server --ns 127.0.0.1:9090        # binds a free port
//! cargo run -p pyro-shop -- client --ns 127.0.0.1:9090
//! ```
//!
//! On several hosts, give the server the address the others reach it at
//! (`--bind 192.0.2.7:0`, not `0.0.0.0`): that is the address the name server hands out.
//!
//! ## Python → Rust
//!
//! - `shop.py` → `src/shop.rs`: the `Shop` class becomes a `#[tarpc::service]` trait and a
//!   `BuyAnythingOnline` type holding the accounts behind a `tokio::sync::Mutex`: each request
//!   runs in its own task, so the state shared between requests needs a lock (Pyro's default
//!   thread pool server needs one too; the book omits it).
//! - `raise KeyError("unknown account")` → a typed `UnknownAccount` returned in a `Result`: the
//!   client sees the error as a value it must handle, not a remote traceback.
//! - `server.py` and `client.py` → the `server` and `client` roles here; the book's `client`
//!   class (a name and some cash) becomes the functions `buying_a_book` and `deposit_cash`.
//! - Balances are integer cents (`i64`), so 100 − 37 is exactly 63.00; Python's floats happen
//!   to get these sums right but not every sum.
//! - `python -m Pyro4.naming`, `ns.register`, `ns.lookup` and `ns.list(prefix=...)` → a tiny name
//!   service, itself a tarpc service shared by the Pyro recipes (`common::rpc::NameService`),
//!   with `register`, `resolve` and `list` helpers; `daemon.requestLoop()` → the server's own
//!   accept loop: each connection a tarpc channel in a task of its own, each request in its own.
//! - Each call carries a deadline and connecting is bounded, so a dead server is an error
//!   within seconds.
//!
//! ## Differences from the book
//!
//! - The plain run starts the name server and the shop as child processes of this binary
//!   (`common::child::Servers`; their lines are shown with a `[role]` prefix), plays the client
//!   itself, then stops both with SIGTERM and checks they exited cleanly. The book starts each
//!   in its own terminal.
//! - The listing fails on current Pyro4 (no `@Pyro4.expose`); a tarpc service exposes exactly
//!   the methods of its trait.
//! - The accounts are listed sorted by name; the book prints a dict in hash order (which came
//!   out as Meeta, Rashmi).
//! - Meeta's second deposit is her cash again (50, as the book prints it); the book's code
//!   hard-codes 50 there. The customers' cash and the book's price are flags.
//! - The shop's list of known clients (`self.clients`) changes nothing the recipe shows and is
//!   left out. As in the book, logging on opens a fresh account, and buying never checks the
//!   balance.
//! - The server prints its address first (`Shop ready. Object uri = 127.0.0.1:40123`), then the
//!   book's list of registered names. The four blank lines before the final listing are one.
//! - The client checks the final accounts against the sums computed locally and exits 1 if they
//!   differ.
//! - At most 1024 connections are served at once; one more is hung up on with a line on stderr,
//!   as Pyro's thread pool turns a client away when full. A failed `accept` (no file descriptor
//!   left) costs a line on stderr and a 100 ms pause, not a busy loop.

mod shop;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::ensure;
use clap::Parser;
use common::child::{Servers, die_with_parent_if_spawned};
use common::output::{py_list, py_str};
use common::rpc::{connect, deadline, list, listen, name_server, register, resolve, runtime};
use common::rpc::{stop_signal, transport};
use futures::StreamExt;
use shop::{BuyAnythingOnline, Shop, ShopClient, dollars};
use tarpc::client;
use tarpc::server::{BaseChannel, Channel};
use tokio::sync::Semaphore;

/// Connections served at once: past that, a client is hung up on, as by Pyro's thread pool
/// when it is full, so open files
/// and tasks stay bounded.
const MAX_CONNECTIONS: usize = 1024;
/// The pause after a failed accept, so an error that persists (no file descriptor left) is
/// not retried in a busy loop.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// The name the shop registers under, as in the book.
const SHOP: &str = "example.shop.Shop";

#[derive(Parser)]
#[command(about = "A stateful remote shop (Pyro4 → tarpc)")]
struct Args {
    /// The role to play; without one, the name server and the shop start as child processes
    /// and this process runs the client, then stops them.
    #[arg(value_enum)]
    role: Option<Role>,
    /// The name server's address (host:port), where the name-server role listens.
    #[arg(long, default_value = "127.0.0.1:9090")]
    ns: String,
    /// Address the shop listens on and registers (use one other hosts can reach); port 0 picks
    /// a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: SocketAddr,
    /// Rashmi's cash in dollars, deposited once before she buys the book.
    #[arg(long, default_value_t = 100)]
    rashmi: u32,
    /// Meeta's cash in dollars, deposited twice.
    #[arg(long, default_value_t = 50)]
    meeta: u32,
    /// The price of Rashmi's book in dollars.
    #[arg(long, default_value_t = 37)]
    price: u32,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Role {
    /// The book's `python -m Pyro4.naming`, until SIGTERM or Ctrl-C.
    NameServer,
    /// The shop, registered as example.shop.Shop, until SIGTERM or Ctrl-C.
    Server,
    /// Look up the shop and go shopping as Rashmi and Meeta.
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
        Some(Role::Client) => runtime()?.block_on(client_run(&args.ns, &args)),
    }
}

/// The plain run: the name server and the shop as child processes, the client here.
fn run_all(args: &Args) -> anyhow::Result<()> {
    let mut servers = Servers::default();
    let ns = servers.start("name-server", &["name-server", "--ns", "127.0.0.1:0"]);
    let ns = ns?.to_string();
    servers.start("server", &["server", "--ns", &ns])?;
    runtime()?.block_on(client_run(&ns, args))?;
    servers.stop()?;
    Ok(())
}

// ANCHOR: server
async fn server(bind: SocketAddr, ns: &str) -> anyhow::Result<()> {
    let stopped = stop_signal()?;
    let (listener, address) = listen(bind).await?;
    register(ns, SHOP, address).await?;
    println!("Shop ready. Object uri = {address}");
    let listed = list(ns, "example.shop.").await?;
    println!("{}", py_list(listed.iter().map(|name| py_str(name))));
    // One shop for every connection: all clients see the same accounts. As in the book's
    // requestLoop(), each connection and each request runs in a task of its own, with at most
    // MAX_CONNECTIONS connections at once; a failed accept costs a line on stderr and a pause.
    let shop = BuyAnythingOnline::default();
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
                BaseChannel::with_defaults(transport(socket)).execute(shop.clone().serve());
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
async fn client_run(ns: &str, args: &Args) -> anyhow::Result<()> {
    let address = resolve(ns, SHOP).await?;
    println!("{address}");
    let transport = connect(address, "the shop").await?;
    let shop = ShopClient::new(client::Config::default(), transport).spawn();
    buying_a_book(&shop, "Rashmi", args.rashmi, args.price).await?;
    deposit_cash(&shop, "Meeta", args.meeta).await?;

    println!("\nThe accounts in the {}:", shop.name(deadline()).await?);
    let accounts = shop.all_accounts(deadline()).await?;
    for (customer, cents) in &accounts {
        println!("  {customer} : {}", dollars(*cents));
    }
    let cents = |dollars: u32| i64::from(dollars) * 100;
    let meeta = ("Meeta".to_owned(), 2 * cents(args.meeta));
    let rashmi = ("Rashmi".to_owned(), cents(args.rashmi) - cents(args.price));
    ensure!(
        accounts == [meeta, rashmi],
        "the shop has {accounts:?}, not the sums computed by the client"
    );
    println!("Checked: the shop's accounts equal the sums computed by the client");
    Ok(())
}

// The book's `client` class, a customer's name and cash, becomes two functions taking them.
async fn buying_a_book(shop: &ShopClient, name: &str, cash: u32, price: u32) -> anyhow::Result<()> {
    log_on(shop, name).await?;
    deposit(shop, name, cash).await?;
    println!("{name} is buying a book for {price}$");
    shop.buy(deadline(), name.into(), i64::from(price) * 100)
        .await??;
    log_out(shop, name).await
}

async fn deposit_cash(shop: &ShopClient, name: &str, cash: u32) -> anyhow::Result<()> {
    log_on(shop, name).await?;
    deposit(shop, name, cash).await?;
    deposit(shop, name, cash).await?;
    log_out(shop, name).await
}

async fn log_on(shop: &ShopClient, name: &str) -> anyhow::Result<()> {
    let shop_name = shop.name(deadline()).await?;
    println!("\n*** {name} is doing shopping with {shop_name}:");
    println!("Log on");
    Ok(shop.log_on(deadline(), name.into()).await?)
}

async fn deposit(shop: &ShopClient, name: &str, cash: u32) -> anyhow::Result<()> {
    println!("Deposit money {cash}");
    shop.deposit(deadline(), name.into(), i64::from(cash) * 100)
        .await??;
    let balance = shop.balance(deadline(), name.into()).await??;
    println!("balance={}", dollars(balance));
    Ok(())
}

async fn log_out(shop: &ShopClient, name: &str) -> anyhow::Result<()> {
    println!("Log out");
    Ok(shop.log_out(deadline(), name.into()).await?)
}
// ANCHOR_END: client
