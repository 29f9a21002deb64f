//! TCP plumbing the socket recipes need but do not teach.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{Context, bail};

/// Connects to `address`, trying each address it resolves to for at most `timeout` (Python's
/// `connect` waits as long as the operating system does). When none answers, the error ends
/// with `hint` (how to start the server).
pub fn connect(address: &str, timeout: Duration, hint: &str) -> anyhow::Result<TcpStream> {
    let candidates: Vec<SocketAddr> = address
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {address}"))?
        .collect();
    let mut last_error = None;
    for candidate in candidates {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(error),
        }
    }
    match last_error {
        Some(error) => bail!("cannot connect to {address}: {error} ({hint})"),
        None => bail!("{address} resolves to no address"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_port_names_the_hint() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        drop(listener);
        let error = connect(&address, Duration::from_secs(2), "start the server").unwrap_err();
        assert!(error.to_string().ends_with("(start the server)"), "{error}");
        assert!(connect(&address, Duration::from_secs(2), "x").is_err());
    }
}
