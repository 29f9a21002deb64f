//! Runs the real `pyro-hello` binary: the plain run, and each role started by the test on
//! loopback port 0, facing clients that reset or hold connections open too, with every
//! process stopped at the end.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::child::{Children, exit_code, terminate};
use common::testing::{
    Server, alive, assert_gone, reset_connection, run_fails, run_ok, start_server,
};
use common::testing::{started_pids, wait_bounded};

const BIN: &str = env!("CARGO_BIN_EXE_pyro-hello");

#[test]
fn the_plain_run_greets_through_the_name_server_and_stops_everything() {
    let run = run_ok(BIN, &["--name", "Rashmi"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.contains(&"What is your name? Rashmi"), "{lines:?}");
    assert!(lines.contains(&"Hi welcome Rashmi"), "{lines:?}");
    let ns = run.lines_starting("[name-server] NS running on 127.0.0.1:");
    let server = run.lines_starting("[server] Ready. Object uri = 127.0.0.1:");
    assert_eq!((ns.len(), server.len()), (1, 1), "{lines:?}");
    let pids = started_pids(&run.stdout);
    assert_eq!(pids.len(), 2, "{lines:?}");
    let last = lines.last().expect("some output");
    assert!(last.starts_with("Stopped name-server (pid "), "{last}");
    assert!(last.ends_with("all exited 0"), "{last}");
    for pid in pids {
        assert_gone(pid);
    }
}

#[test]
fn roles_run_on_their_own_and_a_dead_server_is_a_clear_error() {
    let mut children = Children::new();
    let ns_args = ["name-server", "--ns", "127.0.0.1:0"];
    let name_server = start_server(&mut children, "ns", BIN, &ns_args);
    let ns = name_server.address.to_string();

    // No server registered yet: the lookup fails by name.
    let error = run_fails(BIN, &["client", "--ns", &ns], 1, "no object named server");
    assert_eq!(error.lines().count(), 1, "{error}");

    let started = start_server(&mut children, "server", BIN, &["server", "--ns", &ns]);
    let server = started.address;
    assert!(server.ip().is_loopback() && server.port() != 0, "{server}");

    let run = run_ok(BIN, &["client", "--ns", &ns, "--name", "Meeta"]);
    assert_eq!(run.stdout, "What is your name? Meeta\nHi welcome Meeta\n");

    // SIGTERM stops a server cleanly.
    let process = children.get_mut("server").expect("started");
    terminate(process).expect("signal the server");
    assert_eq!(exit_code(wait_bounded(process)), 0);
    assert_gone(started.pid);
    let error = run_fails(
        BIN,
        &["client", "--ns", &ns],
        1,
        "cannot reach the server at",
    );
    assert!(error.contains(&server.to_string()), "{error}");

    let process = children.get_mut("ns").expect("started");
    terminate(process).expect("signal the name server");
    assert_eq!(exit_code(wait_bounded(process)), 0);
    assert_gone(name_server.pid);
    run_fails(
        BIN,
        &["client", "--ns", &ns],
        1,
        "cannot reach the name server at",
    );
}

#[test]
fn the_client_reads_the_name_from_stdin_with_ask() {
    let mut children = Children::new();
    let ns_args = ["name-server", "--ns", "127.0.0.1:0"];
    let ns = start_server(&mut children, "ns", BIN, &ns_args).address;
    let ns = ns.to_string();
    start_server(&mut children, "server", BIN, &["server", "--ns", &ns]);
    let output = assert_cmd::Command::new(BIN)
        .args(["client", "--ns", &ns, "--ask"])
        .write_stdin("Ken\n")
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run the client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout, "What is your name? Hi welcome Ken\n");
}

#[test]
fn bad_arguments_fail_clearly() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["server", "--bind", "nowhere"], 2, "--bind");
    run_fails(BIN, &["bogus-role"], 2, "bogus-role");
    let error = run_fails(
        BIN,
        &["name-server", "--ns", "nowhere"],
        1,
        "cannot listen on",
    );
    assert_eq!(error.lines().count(), 1, "{error}");
    run_fails(
        BIN,
        &["client", "--ns", "nonsense"],
        1,
        "cannot reach the name server",
    );
    run_fails(BIN, &["client", "--ask"], 1, "no name given");
}

/// Two connections held open: one that sends nothing, one that stops half way through the
/// length of its first frame.
fn idle_and_slow(address: SocketAddr) -> [TcpStream; 2] {
    let idle = TcpStream::connect(address).unwrap();
    let mut slow = TcpStream::connect(address).unwrap();
    slow.write_all(&[0, 0]).unwrap();
    [idle, slow]
}

/// A name server and the greeting server, started by the test.
fn name_server_and_server(children: &mut Children) -> (String, Server) {
    let ns_args = ["name-server", "--ns", "127.0.0.1:0"];
    let ns = start_server(children, "ns", BIN, &ns_args)
        .address
        .to_string();
    let server = start_server(children, "server", BIN, &["server", "--ns", &ns]);
    (ns, server)
}

fn greet(ns: &str) {
    let run = run_ok(BIN, &["client", "--ns", ns, "--name", "Meeta"]);
    assert_eq!(run.stdout, "What is your name? Meeta\nHi welcome Meeta\n");
}

#[test]
fn a_client_that_resets_costs_the_server_nothing() {
    let mut children = Children::new();
    let (ns, server) = name_server_and_server(&mut children);
    for _ in 0..5 {
        reset_connection(server.address);
    }
    greet(&ns);
    assert!(alive(server.pid));
}

#[test]
fn idle_and_slow_connections_do_not_hold_up_a_real_client() {
    let mut children = Children::new();
    let (ns, server) = name_server_and_server(&mut children);
    let held = idle_and_slow(server.address);
    greet(&ns);
    greet(&ns);
    assert!(alive(server.pid));
    drop(held);
}
