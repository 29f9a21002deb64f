//! The wire between the manager process and its clients, what Python's `Manager` proxies do
//! behind `dictionary[key] = value`: a Unix domain socket with a name in Linux's abstract
//! namespace (no file to create, nothing left behind when the run is killed), and one
//! `serde_json` value per line, a request and then its reply.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::AsFd;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// A request to the manager.
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// `dictionary[key] = value`
    Set { key: u32, value: u32 },
    /// A copy of the whole dictionary, for printing.
    Snapshot,
    /// Stop serving and exit.
    Shutdown,
}

/// The manager's answer to one request.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Done,
    Dictionary(BTreeMap<u32, u32>),
}

/// Binds the manager's socket under `name` in the abstract namespace.
pub fn bind(name: &str) -> anyhow::Result<UnixListener> {
    let address = SocketAddr::from_abstract_name(name)?;
    UnixListener::bind_addr(&address).context("cannot bind the manager's socket")
}

/// The listening socket the parent gave the manager as its stdin.
pub fn listener_from_stdin() -> anyhow::Result<UnixListener> {
    let listener = UnixListener::from(io::stdin().as_fd().try_clone_to_owned()?);
    listener
        .local_addr()
        .context("stdin is not a socket: this subcommand is started by process-manager itself")?;
    Ok(listener)
}

/// The manager's side of one connection: answers each request with `serve` until the client
/// closes it or `serve` says stop; returns whether to stop.
pub fn answer(
    connection: UnixStream,
    mut serve: impl FnMut(Request) -> (Reply, bool),
) -> anyhow::Result<bool> {
    let mut replies = connection.try_clone()?;
    for line in BufReader::new(connection).lines() {
        let line = line.context("cannot read a request")?;
        let request =
            serde_json::from_str(&line).with_context(|| format!("bad request {line:?}"))?;
        let (reply, stop) = serve(request);
        writeln!(replies, "{}", serde_json::to_string(&reply)?)?;
        if stop {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A client's connection to the manager: one request, one reply.
pub struct Connection {
    requests: UnixStream,
    replies: BufReader<UnixStream>,
}

impl Connection {
    pub fn open(name: &str) -> anyhow::Result<Self> {
        let address = SocketAddr::from_abstract_name(name)?;
        let requests = UnixStream::connect_addr(&address)
            .with_context(|| format!("cannot reach the manager at @{name}"))?;
        let replies = BufReader::new(requests.try_clone()?);
        Ok(Self { requests, replies })
    }

    pub fn ask(&mut self, request: &Request) -> anyhow::Result<Reply> {
        writeln!(self.requests, "{}", serde_json::to_string(request)?)
            .context("the manager has gone")?;
        let mut line = String::new();
        if self.replies.read_line(&mut line)? == 0 {
            bail!("the manager closed the connection without answering {request:?}");
        }
        serde_json::from_str(&line).with_context(|| format!("bad reply {line:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_round_trip_through_json_with_integer_keys() {
        let reply = Reply::Dictionary(BTreeMap::from([(9, 18)]));
        let text = serde_json::to_string(&reply).unwrap();
        let Reply::Dictionary(back) = serde_json::from_str(&text).unwrap() else {
            panic!("{text}");
        };
        assert_eq!(back, BTreeMap::from([(9, 18)]));
    }

    #[test]
    fn a_connection_is_answered_until_told_to_stop() {
        let name = format!("process-manager-wire-test-{}", std::process::id());
        let listener = bind(&name).unwrap();
        let client = std::thread::spawn(move || {
            let mut connection = Connection::open(&name).unwrap();
            assert!(matches!(
                connection.ask(&Request::Snapshot).unwrap(),
                Reply::Done
            ));
            assert!(matches!(
                connection.ask(&Request::Shutdown).unwrap(),
                Reply::Done
            ));
        });
        let (connection, _) = listener.accept().unwrap();
        let mut seen = Vec::new();
        let stop = answer(connection, |request| {
            let stop = matches!(request, Request::Shutdown);
            seen.push(format!("{request:?}"));
            (Reply::Done, stop)
        });
        assert!(stop.unwrap());
        assert_eq!(seen, ["Snapshot", "Shutdown"]);
        client.join().unwrap();
    }
}
