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
//! - The `Shop` class → a `#[tarpc::service]` trait and a `BuyAnythingOnline` type holding the
//!   accounts behind a `tokio::sync::Mutex`: tarpc runs each request in its own task, so the
//!   state shared between requests needs a lock (Pyro's default thread pool server needs one
//!   too; the book omits it).
//! - `raise KeyError("unknown account")` → a typed `ShopError` returned in a `Result`: the
//!   client sees the error as a value it must handle, not a remote traceback.
//! - Balances are integer cents (`i64`), so 100 − 37 is exactly 63.00; Python's floats happen
//!   to get these sums right but not every sum.
//! - `python -m Pyro4.naming`, `ns.register`, `ns.lookup` and `ns.list(prefix=...)` → a tiny name
//!   service, itself a tarpc service shared by the Pyro recipes (`common::rpc::NameService`),
//!   with `register`, `resolve` and `list` helpers; `daemon.requestLoop()` → a tarpc TCP
//!   listener serving every connection and request in its own task (`common::rpc::serve`).
//! - Each call carries a deadline and connecting is bounded, so a dead server is an error
//!   within seconds.
//!
//! ## Differences from the book
//!
//! - The plain run starts the name server and the shop as child processes of this binary
//!   (`common::child::Servers`; their lines are shown with a `[role]` prefix), plays the client
//!   itself, then stops both with SIGTERM and checks they exited cleanly. The book starts each in its own terminal.
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

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::ensure;
use clap::{Parser, Subcommand};
use common::child::{Servers, die_with_parent_if_spawned};
use common::rpc::{
    connect, deadline, list, name_server, register, resolve, runtime, serve, stop_signal,
};
use serde::{Deserialize, Serialize};
use tarpc::server::Channel;
use tarpc::{client, context};
use tokio::sync::Mutex;

/// Pyro's name server listens on port 9090 unless told otherwise.
const NAME_SERVER: &str = "127.0.0.1:9090";
/// The name the shop registers under, as in the book.
const SHOP: &str = "example.shop.Shop";

#[derive(Parser)]
#[command(
    about = "A stateful remote shop (Pyro4 → tarpc)",
    after_help = "Without a subcommand: starts a name server and the shop as child processes, \
                  runs the client, and stops them."
)]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    #[command(flatten)]
    shopping: Shopping,
}

#[derive(Subcommand)]
enum Role {
    /// Run the name server (the book's `python -m Pyro4.naming`) until SIGTERM or Ctrl-C.
    NameServer {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = NAME_SERVER)]
        bind: SocketAddr,
    },
    /// Run the shop, registered as example.shop.Shop, until SIGTERM or Ctrl-C.
    Server {
        /// Address to listen on (and to register: use one other hosts can reach); port 0 picks
        /// a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
        /// The name server's address (host:port).
        #[arg(long, default_value = NAME_SERVER)]
        ns: String,
    },
    /// Look up the shop and go shopping as Rashmi and Meeta.
    Client {
        /// The name server's address (host:port).
        #[arg(long, default_value = NAME_SERVER)]
        ns: String,
        #[command(flatten)]
        shopping: Shopping,
    },
}

/// The book's customers, in whole dollars.
#[derive(clap::Args, Clone, Copy)]
struct Shopping {
    /// Rashmi's cash, deposited once before she buys the book.
    #[arg(long, default_value_t = 100)]
    rashmi: u32,
    /// Meeta's cash, deposited twice.
    #[arg(long, default_value_t = 50)]
    meeta: u32,
    /// The price of Rashmi's book.
    #[arg(long, default_value_t = 37)]
    price: u32,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.role {
        None => run_all(args.shopping),
        Some(Role::NameServer { bind }) => {
            die_with_parent_if_spawned()?;
            runtime()?.block_on(name_server(bind))
        }
        Some(Role::Server { bind, ns }) => {
            die_with_parent_if_spawned()?;
            runtime()?.block_on(server(bind, &ns))
        }
        Some(Role::Client { ns, shopping }) => runtime()?.block_on(client_run(&ns, shopping)),
    }
}

/// The plain run: the name server and the shop as child processes, the client here.
fn run_all(shopping: Shopping) -> anyhow::Result<()> {
    let mut servers = Servers::default();
    let ns = servers.start("name-server", &["name-server", "--bind", "127.0.0.1:0"])?;
    let ns = ns.to_string();
    servers.start("server", &["server", "--ns", &ns])?;
    runtime()?.block_on(client_run(&ns, shopping))?;
    servers.stop()?;
    Ok(())
}

// ANCHOR: shop
/// The remote shop: the book's `Shop` class.
#[tarpc::service]
trait Shop {
    async fn name() -> String;
    /// Opens a fresh account for `customer`.
    async fn log_on(customer: String);
    async fn log_out(customer: String);
    async fn deposit(customer: String, cents: u64) -> Result<(), ShopError>;
    async fn balance(customer: String) -> Result<i64, ShopError>;
    async fn buy(customer: String, price_cents: u64) -> Result<(), ShopError>;
    /// Every account and its balance, sorted by name.
    async fn all_accounts() -> Vec<(String, i64)>;
}

/// What the shop refuses, sent to the client as a value.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum ShopError {
    UnknownAccount(String),
}

impl std::fmt::Display for ShopError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShopError::UnknownAccount(customer) => write!(f, "unknown account: {customer}"),
        }
    }
}

impl std::error::Error for ShopError {}

/// The shop's state: balances in cents, shared by every request.
#[derive(Clone, Default)]
struct BuyAnythingOnline(Arc<Mutex<BTreeMap<String, i64>>>);

impl BuyAnythingOnline {
    async fn change(&self, customer: String, cents: i64) -> Result<(), ShopError> {
        let mut accounts = self.0.lock().await;
        let balance = accounts
            .get_mut(&customer)
            .ok_or(ShopError::UnknownAccount(customer))?;
        *balance += cents;
        Ok(())
    }
}

impl Shop for BuyAnythingOnline {
    async fn name(self, _: context::Context) -> String {
        "BuyAnythingOnline".to_owned()
    }

    async fn log_on(self, _: context::Context, customer: String) {
        self.0.lock().await.insert(customer, 0);
    }

    async fn log_out(self, _: context::Context, customer: String) {
        println!("logout {customer}");
    }

    async fn deposit(
        self,
        _: context::Context,
        customer: String,
        cents: u64,
    ) -> Result<(), ShopError> {
        self.change(customer, cents_i64(cents)).await
    }

    async fn balance(self, _: context::Context, customer: String) -> Result<i64, ShopError> {
        let accounts = self.0.lock().await;
        accounts
            .get(&customer)
            .copied()
            .ok_or(ShopError::UnknownAccount(customer))
    }

    async fn buy(
        self,
        _: context::Context,
        customer: String,
        price_cents: u64,
    ) -> Result<(), ShopError> {
        self.change(customer, -cents_i64(price_cents)).await
    }

    async fn all_accounts(self, _: context::Context) -> Vec<(String, i64)> {
        let accounts = self.0.lock().await;
        accounts
            .iter()
            .map(|(name, &cents)| (name.clone(), cents))
            .collect()
    }
}
// ANCHOR_END: shop

/// Amounts on the wire are whole cents; a deposit beyond `i64` cannot come from `u32` dollars.
fn cents_i64(cents: u64) -> i64 {
    i64::try_from(cents).unwrap_or(i64::MAX)
}

/// Cents the way the book's `%.2f` shows dollars: `63.00`, `-20.00`.
fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

// ANCHOR: client
async fn client_run(ns: &str, shopping: Shopping) -> anyhow::Result<()> {
    let address = resolve(ns, SHOP).await?;
    println!("{address}");
    let transport = connect(address, "the shop").await?;
    let shop = ShopClient::new(client::Config::default(), transport).spawn();
    let shop_name = shop.name(deadline()).await?;

    let rashmi = Customer::new("Rashmi", shopping.rashmi);
    rashmi.buy_a_book(&shop, &shop_name, shopping.price).await?;
    let meeta = Customer::new("Meeta", shopping.meeta);
    meeta.deposit_cash(&shop, &shop_name).await?;

    println!();
    println!("The accounts in the {shop_name}:");
    let accounts = shop.all_accounts(deadline()).await?;
    for (customer, cents) in &accounts {
        println!("  {customer} : {}", dollars(*cents));
    }
    let expected = expected_accounts(shopping);
    ensure!(
        accounts == expected,
        "expected accounts {expected:?}, the shop has {accounts:?}"
    );
    println!("Checked: the shop's accounts equal the sums computed by the client");
    Ok(())
}

/// The final accounts, computed here without the shop: sorted by name, in cents.
fn expected_accounts(shopping: Shopping) -> Vec<(String, i64)> {
    let meeta = 2 * i64::from(shopping.meeta) * 100;
    let rashmi = (i64::from(shopping.rashmi) - i64::from(shopping.price)) * 100;
    vec![("Meeta".to_owned(), meeta), ("Rashmi".to_owned(), rashmi)]
}

/// The book's `client` class: a customer with some cash.
struct Customer {
    name: String,
    cash: u32,
}

impl Customer {
    fn new(name: &str, cash: u32) -> Self {
        Self {
            name: name.to_owned(),
            cash,
        }
    }

    async fn buy_a_book(
        &self,
        shop: &ShopClient,
        shop_name: &str,
        price: u32,
    ) -> anyhow::Result<()> {
        self.log_on(shop, shop_name).await?;
        self.deposit(shop).await?;
        println!("{} is buying a book for {price}$", self.name);
        let bought = shop.buy(deadline(), self.name.clone(), u64::from(price) * 100);
        bought.await??;
        self.log_out(shop).await
    }

    async fn deposit_cash(&self, shop: &ShopClient, shop_name: &str) -> anyhow::Result<()> {
        self.log_on(shop, shop_name).await?;
        self.deposit(shop).await?;
        self.deposit(shop).await?;
        self.log_out(shop).await
    }

    async fn log_on(&self, shop: &ShopClient, shop_name: &str) -> anyhow::Result<()> {
        println!();
        println!("*** {} is doing shopping with {shop_name}:", self.name);
        println!("Log on");
        Ok(shop.log_on(deadline(), self.name.clone()).await?)
    }

    async fn deposit(&self, shop: &ShopClient) -> anyhow::Result<()> {
        println!("Deposit money {}", self.cash);
        let cents = u64::from(self.cash) * 100;
        shop.deposit(deadline(), self.name.clone(), cents).await??;
        let balance = shop.balance(deadline(), self.name.clone()).await??;
        println!("balance={}", dollars(balance));
        Ok(())
    }

    async fn log_out(&self, shop: &ShopClient) -> anyhow::Result<()> {
        println!("Log out");
        Ok(shop.log_out(deadline(), self.name.clone()).await?)
    }
}
// ANCHOR_END: client

// ANCHOR: server
async fn server(bind: SocketAddr, ns: &str) -> anyhow::Result<()> {
    let stopped = stop_signal()?;
    // One shop for every connection: all clients see the same accounts.
    let shop = BuyAnythingOnline::default().serve();
    let address = serve(bind, move |connection| connection.execute(shop.clone())).await?;
    register(ns, SHOP, address).await?;
    println!("Shop ready. Object uri = {address}");
    let listed = list(ns, "example.shop.").await?;
    println!("{}", python_list(&listed));
    stopped.await;
    Ok(())
}
// ANCHOR_END: server

/// A list of strings the way Python prints it: `['a', 'b']`.
fn python_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("'{item}'")).collect();
    format!("[{}]", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_book_flow_leaves_the_book_balances() {
        let shop = BuyAnythingOnline::default();
        let ctx = context::current;
        for customer in ["Rashmi", "Meeta"] {
            shop.clone().log_on(ctx(), customer.into()).await;
        }
        shop.clone()
            .deposit(ctx(), "Rashmi".into(), 10_000)
            .await
            .unwrap();
        shop.clone()
            .buy(ctx(), "Rashmi".into(), 3_700)
            .await
            .unwrap();
        for _ in 0..2 {
            shop.clone()
                .deposit(ctx(), "Meeta".into(), 5_000)
                .await
                .unwrap();
        }
        let accounts = shop.all_accounts(ctx()).await;
        let shopping = Shopping {
            rashmi: 100,
            meeta: 50,
            price: 37,
        };
        assert_eq!(accounts, expected_accounts(shopping));
        assert_eq!(accounts[1], ("Rashmi".to_owned(), 6_300));
    }

    #[tokio::test]
    async fn an_unknown_account_is_a_typed_error() {
        let shop = BuyAnythingOnline::default();
        let error = shop
            .clone()
            .deposit(context::current(), "Ken".into(), 1)
            .await;
        assert_eq!(error, Err(ShopError::UnknownAccount("Ken".into())));
        let error = shop
            .balance(context::current(), "Ken".into())
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "unknown account: Ken");
    }

    #[tokio::test]
    async fn logging_on_again_opens_a_fresh_account() {
        let shop = BuyAnythingOnline::default();
        shop.clone().log_on(context::current(), "John".into()).await;
        shop.clone()
            .deposit(context::current(), "John".into(), 500)
            .await
            .unwrap();
        shop.clone().log_on(context::current(), "John".into()).await;
        assert_eq!(shop.balance(context::current(), "John".into()).await, Ok(0));
    }

    #[test]
    fn dollars_print_like_percent_point_two_f() {
        assert_eq!(dollars(6_300), "63.00");
        assert_eq!(dollars(5), "0.05");
        assert_eq!(dollars(-2_050), "-20.50");
    }

    #[test]
    fn names_print_as_a_python_list() {
        let listed = ["example.shop.A".to_owned(), "example.shop.Z".to_owned()];
        assert_eq!(python_list(&listed), "['example.shop.A', 'example.shop.Z']");
        assert_eq!(python_list(&[]), "[]");
    }
}
