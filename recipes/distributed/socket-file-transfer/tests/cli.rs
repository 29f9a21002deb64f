//! Runs the real `socket-file-transfer` binary: the plain run with the book's text, real
//! server and client processes on an ephemeral port for files of 0 B, 1 B, 1 KiB + 1 and
//! several MiB, clients facing no server, a broken transfer or the wrong server, and a server
//! facing clients that reset, idle, never read or come past its bound.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};

use common::child::Children;
use common::testing::{next_line, reset_connection, run_fails, run_ok, wait_bounded};
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_socket-file-transfer");
const HELLO_SHA256: &str = "d42f55a1a4075921e24184be828745f8d28df584afa9f8fb84753899edad3138";

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The "MB/s" figure of a "Received N bytes in S s: R MB/s" line, with N checked.
fn rate(stdout: &str, length: usize) -> f64 {
    let prefix = format!("Received {length} bytes in ");
    let line = stdout
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no rate line for {length} bytes:\n{stdout}"));
    let rate = line
        .split(": ")
        .nth(1)
        .and_then(|r| r.strip_suffix(" MB/s"));
    rate.and_then(|r| r.parse().ok()).expect(line)
}

#[test]
fn the_plain_run_moves_the_books_text_and_checks_it() {
    let run = run_ok(BIN, &[]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 10, "{lines:#?}");
    let has = |line: &str| lines.contains(&line);
    assert!(has("Server received 'HelloServer!'"), "{lines:#?}");
    assert!(has("Done sending 8 bytes"), "{lines:#?}");
    assert!(
        has("Data=> hello!!!->Thank you for connecting"),
        "{lines:#?}"
    );
    assert!(has(&format!(
        "Successfully get the file: 8 bytes, sha256 {}",
        sha256(b"hello!!!")
    )));
    assert_eq!(sha256(b"hello!!!"), HELLO_SHA256);
    assert!(has("connection closed"));
    assert!(rate(&run.stdout, 8) > 0.0);
    let listening = lines[0]
        .strip_prefix("Server listening on 127.0.0.1:")
        .expect(lines[0]);
    assert_ne!(listening, "0");
    let server_side = ["Got connection from", "Server received", "Done sending"];
    let positions: Vec<usize> = server_side
        .iter()
        .map(|start| {
            lines
                .iter()
                .position(|l| l.starts_with(start))
                .expect(start)
        })
        .collect();
    assert!(
        positions.is_sorted(),
        "the server's lines keep their order: {lines:#?}"
    );
    assert_eq!(
        *lines.last().unwrap(),
        format!("Checked: 8 bytes, sha256 {HELLO_SHA256}, the same as the file sent")
    );
}

/// Serves a file of `length` patterned bytes from a real server process on port 0 and fetches
/// it with a real client process, reading 1 KiB at a time as the book does.
fn transfer(length: usize) {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.bin");
    let copy = dir.path().join("copy.bin");
    let bytes: Vec<u8> = (0..length).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&source, &bytes).unwrap();

    let mut children = Children::new();
    let mut server = Command::new(BIN);
    server
        .args([
            "server",
            "--bind",
            "127.0.0.1:0",
            "--max-clients",
            "1",
            "--file",
        ])
        .arg(&source)
        .stdout(Stdio::piped());
    let process = children.spawn("server", &mut server).unwrap();
    let mut output = BufReader::new(process.stdout.take().unwrap());
    let mut first = String::new();
    output.read_line(&mut first).unwrap();
    let address = first
        .trim_end()
        .strip_prefix("Server listening on ")
        .expect(&first)
        .to_owned();

    let copy_arg = copy.to_str().unwrap();
    let args = [
        "client",
        "--server",
        &address,
        "--output",
        copy_arg,
        "--chunk-size",
        "1024",
    ];
    let client = run_ok(BIN, &args);
    assert_eq!(std::fs::read(&copy).unwrap(), bytes, "byte for byte");
    let summary = format!(
        "Successfully get the file: {length} bytes, sha256 {}",
        sha256(&bytes)
    );
    assert!(
        client.stdout.lines().any(|line| line == summary),
        "{}",
        client.stdout
    );
    assert!(rate(&client.stdout, length) >= 0.0);

    assert!(wait_bounded(children.get_mut("server").unwrap()).success());
    let mut served = String::new();
    output.read_to_string(&mut served).unwrap();
    assert!(
        served.ends_with(&format!("Done sending {length} bytes\n")),
        "{served}"
    );
}

#[test]
fn an_empty_file_transfers() {
    transfer(0);
}

#[test]
fn a_one_byte_file_transfers() {
    transfer(1);
}

#[test]
fn a_file_one_byte_over_the_books_chunk_transfers_whole() {
    transfer(1025);
}

#[test]
fn a_file_of_several_mib_transfers() {
    transfer(5 * 1024 * 1024 + 7);
}

#[test]
fn a_client_with_no_server_fails_clearly() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}"); // the listener is gone: nothing listens here
    let error = run_fails(
        BIN,
        &["client", "--server", &address],
        1,
        "cannot connect to",
    );
    assert!(error.contains("socket-file-transfer server"), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
}

/// A fake server in a thread: it takes the greeting, then sends `reply` and hangs up.
fn impostor(reply: Vec<u8>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let thread = std::thread::spawn(move || {
        let (mut client, _) = listener.accept().unwrap();
        let mut greeting = [0; 12];
        client.read_exact(&mut greeting).unwrap();
        assert_eq!(&greeting, b"HelloServer!");
        client.write_all(&reply).unwrap();
    });
    (address, thread)
}

#[test]
fn a_transfer_cut_short_is_an_error_and_leaves_no_file() {
    let whole = vec![7_u8; 100];
    let mut reply = format!("100 {}\n", sha256(&whole)).into_bytes();
    reply.extend_from_slice(&whole[..50]); // the "server" dies half way
    let (address, server) = impostor(reply);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.bin");
    let args = [
        "client",
        "--server",
        &address,
        "--output",
        copy.to_str().unwrap(),
    ];
    run_fails(BIN, &args, 1, "received 50 bytes, the server announced 100");
    assert!(!Path::new(&copy).exists(), "a partial copy was left behind");
    server.join().unwrap();
}

#[test]
fn a_wrong_digest_or_a_server_of_another_kind_is_refused() {
    let mut reply = format!("8 {}\n", sha256(b"jello!!!")).into_bytes();
    reply.extend_from_slice(b"hello!!!->Thank you for connecting");
    let (address, server) = impostor(reply);
    run_fails(BIN, &["client", "--server", &address], 1, "sha256");
    server.join().unwrap();

    // The book's own server2.py sends the file with no header.
    let (address, server) = impostor(b"hello!!!->Thank you for connecting".to_vec());
    run_fails(
        BIN,
        &["client", "--server", &address],
        1,
        "not a file-transfer header",
    );
    server.join().unwrap();
}

#[test]
fn invalid_values_are_refused() {
    run_fails(BIN, &["client", "--chunk-size", "0"], 2, "--chunk-size");
    run_fails(BIN, &["server", "--max-clients", "0"], 2, "--max-clients");
    let missing = "/nonexistent/mytext.txt";
    run_fails(
        BIN,
        &["server", "--file", missing],
        1,
        "cannot open /nonexistent/mytext.txt",
    );
    run_fails(BIN, &["--file", missing], 1, "cannot open");
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// A server process started by a test, with its stdout and stderr lines as they come.
struct Running {
    address: String,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    _children: Children,
}

/// Starts `server --bind 127.0.0.1:0` with `args` and reads its address line.
fn start(args: &[&str]) -> Running {
    let mut children = Children::new();
    let mut command = Command::new(BIN);
    command
        .args(["server", "--bind", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let process = children.spawn("server", &mut command).unwrap();
    let stdout = lines(process.stdout.take().unwrap());
    let stderr = lines(process.stderr.take().unwrap());
    let first = next_line(&stdout);
    let address = first.strip_prefix("Server listening on ").expect(&first);
    Running {
        address: address.to_owned(),
        stdout,
        stderr,
        _children: children,
    }
}

/// The lines of `pipe`, read to its end by a thread of their own.
fn lines(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    receiver
}

/// A real client process fetching the book's text from `address`.
fn fetch_books_text(address: &str) {
    let client = run_ok(BIN, &["client", "--server", address]);
    let summary = format!("Successfully get the file: 8 bytes, sha256 {HELLO_SHA256}");
    assert!(client.stdout.contains(&summary), "{}", client.stdout);
}

/// Greets the server and reads nothing: the connection the server writes the file to stalls.
fn greet_and_never_read(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(b"HelloServer!").unwrap();
    stream
}

#[test]
fn a_client_that_resets_costs_the_server_nothing() {
    let server = start(&[]);
    for _ in 0..5 {
        reset_connection(&server.address);
    }
    fetch_books_text(&server.address);
    // Each reset costs that client at most one line on stderr; none ends the server.
    fetch_books_text(&server.address);
    let errors: Vec<String> = server.stderr.try_iter().collect();
    assert!(errors.len() <= 5, "{errors:#?}");
}

#[test]
fn an_idle_connection_does_not_hold_up_a_real_client() {
    // The idle client has the whole of 60 s to greet: a server that served one client at a
    // time would keep the real one (which waits 10 s) waiting until it gave up.
    let server = start(&["--timeout-s", "60"]);
    let idle = TcpStream::connect(&server.address).unwrap();
    let accepted = next_line(&server.stdout);
    assert!(
        accepted.starts_with("Got connection from ('127.0.0.1', "),
        "{accepted}"
    );
    fetch_books_text(&server.address);
    drop(idle);
}

#[test]
fn a_client_that_never_reads_a_large_file_does_not_hold_up_a_real_client() {
    // More than the socket buffers on both sides hold, so the server's send stalls.
    let length = 32 << 20;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("large.bin");
    let bytes: Vec<u8> = (0..length).map(|i| (i % 253) as u8).collect();
    std::fs::write(&source, &bytes).unwrap();
    let server = start(&["--timeout-s", "60", "--file", source.to_str().unwrap()]);

    let stalled = greet_and_never_read(&server.address);
    assert!(next_line(&server.stdout).starts_with("Got connection from"));
    assert_eq!(next_line(&server.stdout), "Server received 'HelloServer!'");
    let copy = dir.path().join("copy.bin");
    let args = ["client", "--server", &server.address, "--output"];
    let client = run_ok(BIN, &[&args[..], &[copy.to_str().unwrap()]].concat());
    assert!(std::fs::read(&copy).unwrap() == bytes, "byte for byte");
    assert!(client.stdout.contains(&sha256(&bytes)), "{}", client.stdout);
    drop(stalled);
}

#[test]
fn a_client_that_sends_or_takes_nothing_is_given_up_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("large.bin");
    std::fs::write(&source, vec![1_u8; 32 << 20]).unwrap();
    let server = start(&["--timeout-s", "1", "--file", source.to_str().unwrap()]);
    let _silent = TcpStream::connect(&server.address).unwrap();
    let _stalled = greet_and_never_read(&server.address);
    let errors = [next_line(&server.stderr), next_line(&server.stderr)];
    assert!(
        errors.iter().all(|e| e.starts_with("127.0.0.1:")),
        "{errors:#?}"
    );
    for reason in ["no greeting", "the transfer broke off"] {
        let line = format!(": {reason}: nothing moved for 1s: ");
        assert!(errors.iter().any(|e| e.contains(&line)), "{errors:#?}");
    }
    run_ok(BIN, &["client", "--server", &server.address]);
}

#[test]
fn past_max_connections_a_client_is_turned_away_and_the_next_one_served() {
    let server = start(&["--max-connections", "1", "--timeout-s", "60"]);
    let idle = TcpStream::connect(&server.address).unwrap();
    assert!(next_line(&server.stdout).starts_with("Got connection from"));
    run_fails(
        BIN,
        &["client", "--server", &server.address],
        1,
        "the server hung up before the file (is it busy?)",
    );
    let turned_away = next_line(&server.stderr);
    assert!(
        turned_away.ends_with(": turned away, 1 clients being served"),
        "{turned_away}"
    );
    drop(idle);
    // The server frees the slot before it reports why the idle client's turn ended.
    let ended = next_line(&server.stderr);
    assert!(ended.contains(": no greeting: "), "{ended}");
    fetch_books_text(&server.address);
}
