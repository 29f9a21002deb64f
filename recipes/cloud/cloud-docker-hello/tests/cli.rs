//! Runs the real `cloud-docker-hello` binary: the self-test run, and `serve` on a free port
//! asked by a real HTTP client (here, in the test), then stopped with SIGTERM.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::child::Children;
use common::testing::{TIMEOUT, run_fails, run_ok, wait_bounded};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_cloud-docker-hello");

#[test]
fn a_plain_run_asks_itself_and_gets_hello_and_404() {
    let run = run_ok(BIN, &[]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    let addr = lines[0]
        .strip_prefix(" * Running on http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .and_then(|addr| addr.parse::<SocketAddr>().ok())
        .unwrap_or_else(|| panic!("bad first line {:?}", lines[0]));
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    assert_eq!(lines[1], "GET / -> 200 OK \"Hello World!\"");
    assert_eq!(lines[2], "GET /missing -> 404 Not Found \"Not Found\"");
    assert!(lines[3].starts_with("Server stopped"), "{}", lines[3]);
}

/// A `serve` process on a free loopback port: the process, its address, and its stdout lines
/// (read by a thread, so every wait for a line is bounded).
struct Server {
    children: Children,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
}

fn start_server() -> Server {
    let mut children = Children::new();
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let child = children.spawn("server", &mut command).expect("start serve");
    let lines = read_lines(child.stdout.take().expect("piped"));
    let first = lines
        .recv_timeout(TIMEOUT)
        .expect("the server prints its address");
    let addr = first
        .strip_prefix(" * Running on http://")
        .and_then(|rest| rest.strip_suffix("/ (Press CTRL+C to quit)"))
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("bad first line {first:?}"));
    Server {
        children,
        addr,
        lines,
    }
}

fn read_lines(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    lines
}

/// The test's own HTTP/1.1 client: status code and body of `GET path`.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").expect("headers end");
    let code = head
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad answer {answer:?}"));
    (code, body.to_owned())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("a tokio runtime")
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("a PID fits"));
    kill(pid, Signal::SIGTERM).expect("send SIGTERM");
    wait_bounded(child)
}

#[test]
fn serve_answers_hello_on_root_and_404_elsewhere() {
    let mut server = start_server();
    let answers = runtime().block_on(async {
        let mut answers = Vec::new();
        for path in ["/", "/missing", "/hello", "/index.html", "/?name=x"] {
            answers.push(get(server.addr, path).await);
        }
        answers
    });
    let hello = (200, "Hello World!".to_owned());
    let missing = (404, "Not Found".to_owned());
    assert_eq!(
        answers,
        [
            hello.clone(),
            missing.clone(),
            missing.clone(),
            missing,
            hello
        ]
    );
    let status = terminate(server.children.get_mut("server").expect("started"));
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn a_thousand_concurrent_requests_are_all_answered() {
    let mut server = start_server();
    let addr = server.addr;
    let answers = runtime().block_on(async move {
        let requests: Vec<_> = (0..1000)
            .map(|_| tokio::spawn(async move { get(addr, "/").await }))
            .collect();
        let all = async {
            let mut answers = Vec::new();
            for request in requests {
                answers.push(request.await.expect("a request task"));
            }
            answers
        };
        tokio::time::timeout(TIMEOUT, all)
            .await
            .expect("1,000 answers within the timeout")
    });
    assert_eq!(answers.len(), 1000);
    assert!(
        answers
            .iter()
            .all(|(code, body)| *code == 200 && body == "Hello World!")
    );
    let status = terminate(server.children.get_mut("server").expect("started"));
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn sigterm_stops_the_server_cleanly_and_frees_the_port() {
    let mut server = start_server();
    let child = server.children.get_mut("server").expect("started");
    let status = terminate(child);
    assert_eq!(status.code(), Some(0), "{status:?}");
    let rest: Vec<String> = server.lines.iter().collect();
    assert_eq!(
        rest,
        [
            "Received SIGTERM: finishing open requests",
            "Server stopped"
        ]
    );
    std::net::TcpListener::bind(server.addr).expect("the port is free again");
    let refused = runtime().block_on(async {
        tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(server.addr)).await
    });
    assert!(matches!(refused, Ok(Err(_))), "{refused:?}");
}

#[test]
fn bad_arguments_are_refused() {
    run_fails(BIN, &["serve", "--addr", "localhost"], 2, "--addr");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    // A port already taken: one clear line, exit 1.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("address").to_string();
    run_fails(BIN, &["serve", "--addr", &addr], 1, "cannot listen on");
}
