//! A small static HTTP server for the built book on 127.0.0.1, so the browser loads it the way
//! a reader's does (same origin for every page, real status codes) rather than from file://.
//! Bounded: each connection has read and write timeouts and serves one request; the server
//! stops when dropped, which the browser check does when it ends, however it ends.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use std::{fs, thread};

use anyhow::Context;

use crate::site;

const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_HEAD_LINES: usize = 100;

pub struct Server {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `root` on a free port of 127.0.0.1.
    pub fn start(root: &Path) -> anyhow::Result<Server> {
        let listener =
            TcpListener::bind("127.0.0.1:0").context("cannot open a port on 127.0.0.1")?;
        let address = listener
            .local_addr()
            .context("cannot read the bound address")?;
        let stop = Arc::new(AtomicBool::new(false));
        let (root, flag) = (root.to_path_buf(), Arc::clone(&stop));
        let thread = thread::Builder::new()
            .name("book server".to_owned())
            .spawn(move || accept(&listener, &root, &flag))
            .context("cannot start the book server's thread")?;
        Ok(Server {
            address,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>/` followed by a book path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // accept() blocks: one last connection wakes it to see the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept(listener: &TcpListener, root: &Path, stop: &AtomicBool) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let root = root.to_path_buf();
        // A browser opens several connections at once and may leave one idle; one thread each
        // keeps an idle one from holding up the others. The timeouts end every thread.
        let _ = thread::Builder::new()
            .name("book connection".to_owned())
            .spawn(move || {
                let _ = serve(stream, &root);
            });
    }
}

/// Reads one request and answers it; `Connection: close`, so no keep-alive to manage.
fn serve(stream: TcpStream, root: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(CONNECTION_TIMEOUT))?;
    stream.set_write_timeout(Some(CONNECTION_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The headers are not needed, but are read so that closing does not reset the connection.
    for _ in 0..MAX_HEAD_LINES {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let response = respond(root, method, target);
    write(stream, method, &response)
}

pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// The answer to `method target`: the book's file with its type, 404, or 405.
pub fn respond(root: &Path, method: &str, target: &str) -> Response {
    let text = |status, body: &str| Response {
        status,
        content_type: "text/plain; charset=utf-8",
        body: body.as_bytes().to_vec(),
    };
    if method != "GET" && method != "HEAD" {
        return text(405, "method not allowed\n");
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    match site::file_for(root, path).and_then(|file| read(&file)) {
        Some((file, body)) => Response {
            status: 200,
            content_type: content_type(&file),
            body,
        },
        None => text(404, "not found\n"),
    }
}

fn read(file: &Path) -> Option<(PathBuf, Vec<u8>)> {
    fs::read(file).ok().map(|body| (file.to_path_buf(), body))
}

fn write(mut stream: TcpStream, method: &str, response: &Response) -> io::Result<()> {
    let reason = match response.status {
        200 => "OK",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(&response.body)?;
    }
    stream.flush()
}

/// The media type a browser needs to use the file: SVG plots only render in `<img>` when
/// served as image/svg+xml, and scripts and stylesheets are refused under a wrong type.
fn content_type(file: &Path) -> &'static str {
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "eot" => "application/vnd.ms-fontobject",
        "txt" | "md" | "rs" | "toml" | "sh" | "py" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn get(server: &Server, path: &str) -> String {
        let mut stream = TcpStream::connect(server.address).expect("connect to the server");
        write!(stream, "GET /{path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("send a request");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read the answer");
        answer
    }

    #[test]
    fn serves_the_book_with_types_and_statuses() {
        let root = tempfile::tempdir().expect("a temporary directory");
        fs::write(root.path().join("index.html"), "<p>hi</p>").expect("write");
        fs::write(root.path().join("plot.svg"), "<svg/>").expect("write");
        let server = Server::start(root.path()).expect("a server");
        let index = get(&server, "?x=1");
        assert!(index.starts_with("HTTP/1.1 200 OK\r\n"), "{index}");
        assert!(index.contains("text/html") && index.ends_with("<p>hi</p>"));
        assert!(get(&server, "plot.svg").contains("Content-Type: image/svg+xml\r\n"));
        assert!(get(&server, "missing.png").starts_with("HTTP/1.1 404 "));
        assert!(get(&server, "%2E%2E/etc/passwd").starts_with("HTTP/1.1 404 "));
        assert_eq!(respond(root.path(), "POST", "/").status, 405);
    }
}
