//! The plain run's HTTP client: a minimal HTTP/1.1 `GET` over a tokio `TcpStream`, enough to
//! ask the server for a page and check the answer. Infrastructure, not the recipe: the book
//! tests its app with a browser or `curl`.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long the self-test waits for one answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

// ANCHOR: client
/// What the minimal client keeps of an answer.
#[derive(Debug)]
pub struct Response {
    /// The status line's code and reason: `200 OK`.
    pub status: String,
    pub code: u16,
    pub body: String,
}

/// `GET path` over a new connection, HTTP/1.1 with `Connection: close`: the server closes the
/// connection after the answer, so the answer is everything read until then.
pub async fn http_get(addr: SocketAddr, path: &str) -> anyhow::Result<Response> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        anyhow::Ok(raw)
    };
    let raw = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .with_context(|| format!("no answer to GET {path} within {REQUEST_TIMEOUT:?}"))?
        .with_context(|| format!("GET {path} from {addr} failed"))?;
    parse_response(&raw)
}

/// Splits an HTTP/1.1 answer into status and body, checking the body against Content-Length.
fn parse_response(raw: &[u8]) -> anyhow::Result<Response> {
    let text = std::str::from_utf8(raw).context("the answer is not UTF-8")?;
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        bail!("the answer has no end of headers: {text:?}");
    };
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let Some(status) = status_line.strip_prefix("HTTP/1.1 ") else {
        bail!("not an HTTP/1.1 status line: {status_line:?}");
    };
    let code = status
        .split(' ')
        .next()
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("no status code in {status_line:?}"))?;
    let length = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    if let Some(length) = length {
        ensure!(
            body.len() == length,
            "Content-Length {length}, body {} bytes",
            body.len()
        );
    }
    Ok(Response {
        status: status.to_owned(),
        code,
        body: body.to_owned(),
    })
}
// ANCHOR_END: client

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_is_split_into_status_and_body() {
        let raw = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\n\r\nHello World!";
        let response = parse_response(raw).unwrap();
        assert_eq!(
            (
                response.code,
                response.status.as_str(),
                response.body.as_str()
            ),
            (200, "200 OK", "Hello World!")
        );
    }

    #[test]
    fn a_short_body_or_a_bad_status_line_is_refused() {
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nHello";
        assert!(parse_response(short).is_err());
        assert!(parse_response(b"SSH-2.0\r\n\r\n").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
    }
}
