//! Runs the real `socket-time-server` binary: the plain run, a real server and client on an
//! ephemeral loopback port, clients facing no server or the wrong one, and a server facing
//! clients that reset or stay idle.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};

use chrono::{Local, NaiveDateTime};
use common::child::Children;
use common::testing::{
    alive, next_line, reset_connection, run_fails, run_ok, start_server, wait_bounded,
};

const BIN: &str = env!("CARGO_BIN_EXE_socket-time-server");

/// The lines of `text`, each keeping a `\r` before its `\n` (`str::lines` would drop it).
fn raw_lines(text: &str) -> Vec<&str> {
    text.split_terminator('\n').collect()
}

/// The ctime text of a "Time connection server:...\r" line, parsed on its own here.
fn served_time(line: &str) -> NaiveDateTime {
    let text = line
        .strip_prefix("Time connection server:")
        .unwrap_or_else(|| panic!("not a time line: {line:?}"));
    let text = text.strip_suffix('\r').expect("the line ends in \\r\\n");
    NaiveDateTime::parse_from_str(text, "%a %b %e %H:%M:%S %Y")
        .unwrap_or_else(|error| panic!("{text:?}: {error}"))
}

fn assert_recent(time: NaiveDateTime) {
    let skew = (Local::now().naive_local() - time).num_seconds().abs();
    assert!(skew < 3600, "{time} is not this machine's time");
}

#[test]
fn the_plain_run_serves_one_client_and_checks_the_time() {
    let run = run_ok(BIN, &[]);
    let lines = raw_lines(&run.stdout);
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let address = lines[0]
        .strip_prefix("Server listening on 127.0.0.1:")
        .expect(lines[0]);
    assert_ne!(
        address.parse::<u16>().expect("a port"),
        0,
        "port 0 is replaced"
    );
    let peer = lines[1]
        .strip_prefix("Connected with[addr],[port]('127.0.0.1', ")
        .and_then(|rest| rest.strip_suffix(')'))
        .expect(lines[1]);
    peer.parse::<u16>().expect("the client's port");
    assert_recent(served_time(lines[2]));
    assert!(
        lines[3].starts_with("Checked: one ctime line ending in \\r\\n, "),
        "{}",
        lines[3]
    );
}

#[test]
fn a_server_on_port_0_answers_separate_client_processes_then_stops() {
    let mut children = Children::new();
    let mut server = Command::new(BIN);
    server
        .args(["server", "--bind", "127.0.0.1:0", "--max-clients", "2"])
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

    for _ in 0..2 {
        let client = run_ok(BIN, &["client", "--server", &address]);
        let lines = raw_lines(&client.stdout);
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(client.stdout.ends_with("\r\n"), "{:?}", client.stdout);
        assert_recent(served_time(lines[0]));
    }
    assert!(wait_bounded(children.get_mut("server").unwrap()).success());
    let rest: Vec<String> = output.lines().map_while(Result::ok).collect();
    assert_eq!(rest.len(), 2, "one line per client: {rest:#?}");
    assert!(
        rest.iter()
            .all(|line| line.starts_with("Connected with[addr],[port]('127.0.0.1', "))
    );
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
    assert!(
        error.contains(&address) && error.contains("socket-time-server server"),
        "{error}"
    );
    assert_eq!(error.lines().count(), 1, "{error}");
}

#[test]
fn a_client_rejects_a_reply_that_is_not_the_time() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let impostor = std::thread::spawn(move || {
        let (mut client, _) = listener.accept().unwrap();
        client.write_all(b"hello\r\n").unwrap();
    });
    run_fails(
        BIN,
        &["client", "--server", &address],
        1,
        "is not a ctime date",
    );
    impostor.join().unwrap();
}

#[test]
fn a_silent_server_times_the_client_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let args = ["client", "--server", &address, "--timeout-s", "1"];
    // The connection waits in the listener's backlog, accepted by no one, and no byte comes.
    run_fails(BIN, &args, 1, "no reply from");
    drop(listener);
}

#[test]
fn invalid_values_are_refused() {
    run_fails(BIN, &["server", "--max-clients", "0"], 2, "--max-clients");
    run_fails(BIN, &["client", "--timeout-s", "0"], 2, "--timeout-s");
    run_fails(
        BIN,
        &["server", "--bind", "nowhere"],
        1,
        "cannot listen on nowhere",
    );
    run_fails(BIN, &["--bogus"], 2, "--bogus");
}

/// A real client process asking `address` the time.
fn ask(address: &str) {
    let client = run_ok(BIN, &["client", "--server", address]);
    assert_recent(served_time(raw_lines(&client.stdout)[0]));
}

#[test]
fn a_client_that_resets_costs_the_server_nothing() {
    let mut children = Children::new();
    let args = ["server", "--bind", "127.0.0.1:0"];
    let server = start_server(&mut children, "server", BIN, &args);
    let address = server.address.to_string();
    for _ in 0..5 {
        reset_connection(&address);
    }
    ask(&address);
    ask(&address);
    assert!(alive(server.pid));
}

#[test]
fn an_idle_connection_does_not_hold_up_a_real_client() {
    let mut children = Children::new();
    let args = ["server", "--bind", "127.0.0.1:0"];
    let server = start_server(&mut children, "server", BIN, &args);
    let address = server.address.to_string();
    // The server never waits for a client's bytes: the idle one gets its line at once too.
    let mut idle = TcpStream::connect(&address).unwrap();
    let accepted = next_line(&server.lines);
    assert!(accepted.starts_with("Connected with[addr],[port]('127.0.0.1', "));
    ask(&address);
    let mut line = String::new();
    idle.read_to_string(&mut line).unwrap();
    let line = format!("Time connection server:{line}");
    assert_recent(served_time(line.strip_suffix('\n').expect(&line)));
}
