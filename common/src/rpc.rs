//! The plumbing the tarpc recipes share (`pyro-hello`, `pyro-chain`, `pyro-shop`,
//! `rpyc-classic`): a Pyro-style name service, a bounded connect, call deadlines, the stop
//! signal of a server role and the runtime. The services themselves and their server loops,
//! the recipes' subject, stay in the recipes; their server processes are started with
//! [`crate::child::Servers`].
//!
//! Every transport is TCP with JSON frames, so a server of one recipe can be reached by any
//! tarpc client built against the same service trait.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use futures::StreamExt;
use tarpc::serde::{Serialize, de::DeserializeOwned};
use tarpc::serde_transport::{Transport, tcp};
use tarpc::server::{BaseChannel, Channel};
use tarpc::tokio_serde::formats::Json;
use tarpc::{client, context};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::Mutex;

/// How long a client waits for a TCP connection, and for each call's answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The most connections the name server serves at once.
pub const MAX_CONNECTIONS: usize = 1024;

/// A tarpc transport over TCP with JSON frames, receiving `Item`s and sending `SinkItem`s.
pub type JsonTransport<Item, SinkItem> = Transport<TcpStream, Item, SinkItem, Json<Item, SinkItem>>;

/// Listens on `bind` (port 0 picks a free port); returns the listener and the address it
/// bound, which a server prints and registers.
pub async fn listen(
    bind: impl ToSocketAddrs + std::fmt::Display,
) -> anyhow::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let address = listener.local_addr().context("no local address")?;
    Ok((listener, address))
}

/// The JSON-framed tarpc transport over a socket a server accepted (the frames
/// [`connect`] speaks).
pub fn transport<Item, SinkItem>(socket: TcpStream) -> JsonTransport<Item, SinkItem>
where
    Item: DeserializeOwned,
    SinkItem: Serialize,
{
    Transport::from((socket, Json::default()))
}

/// Connects to a tarpc server within [`TIMEOUT`], so a missing server is an error, not a hang.
/// `what` names the server in the error: `cannot reach the shop at 127.0.0.1:40123: ...`.
pub async fn connect<Item, SinkItem>(
    address: impl ToSocketAddrs + std::fmt::Display,
    what: &str,
) -> anyhow::Result<JsonTransport<Item, SinkItem>>
where
    Item: DeserializeOwned,
    SinkItem: Serialize,
{
    let connecting = tokio::time::timeout(TIMEOUT, tcp::connect(&address, Json::default));
    let result = match connecting.await {
        Ok(connected) => connected.map_err(anyhow::Error::from),
        Err(_) => Err(anyhow!("no answer within {TIMEOUT:?}")),
    };
    result.with_context(|| format!("cannot reach {what} at {address}"))
}

/// A call context whose deadline is [`TIMEOUT`] from now (tarpc's default is 10 s).
pub fn deadline() -> context::Context {
    let mut context = context::current();
    context.deadline = Instant::now() + TIMEOUT;
    context
}

/// Watches for SIGTERM and Ctrl-C; the returned future ends at the first. A server calls this
/// before it reports ready, so a signal sent right after that line still ends it cleanly (exit
/// 0) instead of by the signal's default action.
pub fn stop_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch for Ctrl-C")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

/// The runtime each role runs on: one thread is plenty for a handful of connections, and the
/// recipe's output stays in the order the tasks print it.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")
}

// ANCHOR: name_service
/// The name server's interface: Pyro's `ns.register(name, uri)`, `ns.lookup(name)` and
/// `ns.list(prefix=...)`.
#[tarpc::service]
pub trait NameService {
    async fn register(name: String, address: SocketAddr);
    async fn lookup(name: String) -> Option<SocketAddr>;
    /// The registered names that start with `prefix`, sorted.
    async fn list(prefix: String) -> Vec<String>;
}

/// The registry: names to the addresses of the servers that registered them.
#[derive(Clone, Default)]
pub struct Names(Arc<Mutex<HashMap<String, SocketAddr>>>);

impl NameService for Names {
    async fn register(self, _: context::Context, name: String, address: SocketAddr) {
        self.0.lock().await.insert(name, address);
    }

    async fn lookup(self, _: context::Context, name: String) -> Option<SocketAddr> {
        self.0.lock().await.get(&name).copied()
    }

    async fn list(self, _: context::Context, prefix: String) -> Vec<String> {
        let names = self.0.lock().await;
        let mut found: Vec<String> = names
            .keys()
            .filter(|name| name.starts_with(&prefix))
            .cloned()
            .collect();
        found.sort();
        found
    }
}

/// The `name-server` role (the book's `python -m Pyro4.naming`): serves one registry at `ns`,
/// prints `NS running on <address>` and runs until SIGTERM or Ctrl-C.
pub async fn name_server(ns: &str) -> anyhow::Result<()> {
    let stopped = stop_signal()?;
    let address = serve_names(ns).await?;
    println!("NS running on {address}");
    stopped.await;
    Ok(())
}

/// Serves one registry, shared by every connection, on `bind`; returns the bound address.
/// Every connection and every request runs in its own task, as in the recipes' servers.
pub async fn serve_names(bind: &str) -> anyhow::Result<SocketAddr> {
    let (listener, address) = listen(bind).await?;
    let names = Names::default().serve();
    // As the recipes' own servers: at most MAX_CONNECTIONS at once, and a failed accept costs a
    // line on stderr and a pause instead of a busy loop.
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let (socket, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    eprintln!("name server: accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                eprintln!("name server: {peer} turned away, {MAX_CONNECTIONS} connections open");
                continue;
            };
            let requests = BaseChannel::with_defaults(transport(socket)).execute(names.clone());
            tokio::spawn(async move {
                requests
                    .for_each(|request| async {
                        tokio::spawn(request);
                    })
                    .await;
                drop(slot);
            });
        }
    });
    Ok(address)
}
// ANCHOR_END: name_service

// ANCHOR: name_client
/// A client of the name server at `ns`, connected within [`TIMEOUT`].
pub async fn name_service(ns: &str) -> anyhow::Result<NameServiceClient> {
    let transport = connect(ns, "the name server").await?;
    Ok(NameServiceClient::new(client::Config::default(), transport).spawn())
}

/// Finds `name` at the name server `ns`, as a `PYRONAME:` proxy or `ns.lookup(name)` does.
pub async fn resolve(ns: &str, name: &str) -> anyhow::Result<SocketAddr> {
    let names = name_service(ns).await?;
    names
        .lookup(deadline(), name.to_owned())
        .await
        .with_context(|| format!("lookup of {name} at the name server {ns} failed"))?
        .with_context(|| format!("no object named {name} at the name server {ns}"))
}

/// Registers `address` under `name` at the name server `ns`, as `ns.register(name, uri)` does.
pub async fn register(ns: &str, name: &str, address: SocketAddr) -> anyhow::Result<()> {
    let names = name_service(ns).await?;
    names
        .register(deadline(), name.to_owned(), address)
        .await
        .with_context(|| format!("cannot register with the name server at {ns}"))
}

/// The names registered at `ns` that start with `prefix`, sorted, as `ns.list(prefix=...)`.
pub async fn list(ns: &str, prefix: &str) -> anyhow::Result<Vec<String>> {
    let names = name_service(ns).await?;
    names
        .list(deadline(), prefix.to_owned())
        .await
        .with_context(|| format!("cannot list the names at the name server {ns}"))
}
// ANCHOR_END: name_client

#[cfg(test)]
mod tests {
    use super::*;

    const ANY_PORT: &str = "127.0.0.1:0";

    fn address(text: &str) -> SocketAddr {
        text.parse().expect("a literal address")
    }

    #[tokio::test]
    async fn a_name_server_registers_looks_up_and_lists_over_tcp() {
        let ns = serve_names(ANY_PORT).await.unwrap();
        assert!(ns.ip().is_loopback() && ns.port() != 0, "{ns}");
        let ns = ns.to_string();
        let shop = address("127.0.0.1:4242");
        for name in ["example.shop.Z", "other", "example.shop.A"] {
            register(&ns, name, shop).await.unwrap();
        }
        assert_eq!(resolve(&ns, "example.shop.Z").await.unwrap(), shop);
        let listed = list(&ns, "example.shop.").await.unwrap();
        assert_eq!(listed, ["example.shop.A", "example.shop.Z"]);
        assert_eq!(list(&ns, "").await.unwrap().len(), 3);

        let error = resolve(&ns, "server").await.unwrap_err().to_string();
        assert_eq!(
            error,
            format!("no object named server at the name server {ns}")
        );
    }

    #[tokio::test]
    async fn a_later_registration_replaces_the_address() {
        let ns = serve_names(ANY_PORT).await.unwrap().to_string();
        register(&ns, "server", address("127.0.0.1:1"))
            .await
            .unwrap();
        register(&ns, "server", address("127.0.0.1:2"))
            .await
            .unwrap();
        assert_eq!(resolve(&ns, "server").await.unwrap().port(), 2);
    }

    #[tokio::test]
    async fn names_resolve_to_what_was_registered() {
        let names = Names::default();
        let address = address("127.0.0.1:4242");
        names
            .clone()
            .register(context::current(), "server".into(), address)
            .await;
        let found = names.clone().lookup(context::current(), "server".into());
        assert_eq!(found.await, Some(address));
        assert_eq!(names.lookup(context::current(), "other".into()).await, None);
    }

    #[tokio::test]
    async fn a_missing_name_server_is_a_clear_error() {
        // Bind a port, then free it: nothing listens there any more.
        let port = std::net::TcpListener::bind(ANY_PORT)
            .and_then(|listener| listener.local_addr())
            .unwrap();
        let error = resolve(&port.to_string(), "server").await.unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.starts_with(&format!("cannot reach the name server at {port}: ")),
            "{message}"
        );
    }

    #[tokio::test]
    async fn a_bad_listen_address_is_a_clear_error() {
        let error = serve_names("nowhere").await.unwrap_err();
        assert!(
            error.to_string().starts_with("cannot listen on nowhere"),
            "{error}"
        );
    }

    #[test]
    fn the_deadline_is_near() {
        let before = Instant::now();
        let deadline = deadline().deadline;
        assert!(deadline >= before + TIMEOUT && deadline <= Instant::now() + TIMEOUT);
    }

    #[test]
    fn a_runtime_runs_a_server_and_its_client() {
        let found = runtime().unwrap().block_on(async {
            let ns = serve_names(ANY_PORT).await?.to_string();
            register(&ns, "x", address("127.0.0.1:7")).await?;
            resolve(&ns, "x").await
        });
        assert_eq!(found.unwrap(), address("127.0.0.1:7"));
    }
}
