//! Runs the real `rpyc-classic` binary: the plain run, and the server started by the test on
//! loopback port 0 with separate clients and clients that reset or hold connections open,
//! with every process stopped at the end.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};

use common::child::{Children, exit_code, terminate};
use common::testing::wait_bounded;
use common::testing::{
    Server, alive, assert_gone, next_line, reset_connection, run_fails, run_ok, start_server,
};

const BIN: &str = env!("CARGO_BIN_EXE_rpyc-classic");

#[test]
fn the_plain_run_prints_each_line_on_its_own_side() {
    let run = run_ok(BIN, &[]);
    let server: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("[server] "))
        .collect();
    let mine: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| !line.starts_with("[server] "))
        .collect();
    assert_eq!(server.len(), 4, "{server:?}");
    assert!(server[0].starts_with("INFO:SLAVE/"), "{server:?}");
    assert!(
        server[0].contains(":server started on 127.0.0.1:"),
        "{server:?}"
    );
    assert!(server[1].contains(":accepted 127.0.0.1:"), "{server:?}");
    assert!(server[2].contains(":welcome 127.0.0.1:"), "{server:?}");
    assert_eq!(server[3], "hi python cookbook");

    assert_eq!(mine.len(), 4, "{mine:?}");
    let pid: u32 = mine[0]
        .strip_prefix("Started server (pid ")
        .and_then(|rest| rest.split_once(')'))
        .map(|(pid, _)| pid.parse().expect("a PID"))
        .unwrap_or_else(|| panic!("{mine:?}"));
    assert_eq!(mine[1], "hi here");
    assert_eq!(mine[2], format!("Stopped server (pid {pid}): exited 0"));
    assert!(mine[3].starts_with("Checked: "), "{mine:?}");
    assert_gone(pid);
}

#[test]
fn a_separate_client_sees_only_the_redirected_line() {
    let mut children = Children::new();
    let args = ["server", "--bind", "127.0.0.1:0"];
    let server = start_server(&mut children, "server", BIN, &args);
    let (server_lines, address) = (server.lines, server.address.to_string());
    for text in ["first client", "second client"] {
        let args = ["client", "--server", &address, "--redirected", text];
        let run = run_ok(BIN, &args);
        assert_eq!(run.stdout, format!("{text}\n"));
        assert!(next_line(&server_lines).contains(":accepted 127.0.0.1:"));
        assert!(next_line(&server_lines).contains(":welcome 127.0.0.1:"));
        // Each connection starts with the server's own stdout again.
        assert_eq!(next_line(&server_lines), "hi python cookbook");
    }

    let process = children.get_mut("server").expect("started");
    let pid = process.id();
    terminate(process).expect("signal the server");
    assert_eq!(
        exit_code(wait_bounded(process)),
        0,
        "SIGTERM is a clean stop"
    );
    assert_gone(pid);
    assert!(server_lines.try_iter().all(|line| !line.contains("client")));
    let error = run_fails(
        BIN,
        &["client", "--server", &address],
        1,
        "cannot reach the server at",
    );
    assert!(error.contains(&address), "{error}");
}

#[test]
fn bad_arguments_fail_clearly() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["server", "--bind", "18812"], 2, "--bind");
    run_fails(
        BIN,
        &["client", "--server", "127.0.0.1:1"],
        1,
        "cannot reach the server",
    );
}

/// Two connections held open: one that sends nothing, one that stops half way through the
/// length of its first frame.
fn idle_and_slow(address: SocketAddr) -> [TcpStream; 2] {
    let idle = TcpStream::connect(address).unwrap();
    let mut slow = TcpStream::connect(address).unwrap();
    slow.write_all(&[0, 0]).unwrap();
    [idle, slow]
}

/// The server, started by the test.
fn start(children: &mut Children) -> Server {
    start_server(
        children,
        "server",
        BIN,
        &["server", "--bind", "127.0.0.1:0"],
    )
}

/// A real client of `server`: the redirected line comes back, the other is printed there.
fn redirect(server: &Server) {
    let run = run_ok(BIN, &["client", "--server", &server.address.to_string()]);
    assert_eq!(run.stdout, "hi here\n");
}

/// Skips the server's lines up to the next one that says it printed the client's line.
fn printed_remote_line(server: &Server) {
    while next_line(&server.lines) != "hi python cookbook" {}
}

#[test]
fn a_client_that_resets_costs_the_server_nothing() {
    let mut children = Children::new();
    let server = start(&mut children);
    for _ in 0..5 {
        reset_connection(server.address);
    }
    redirect(&server);
    printed_remote_line(&server);
    assert!(alive(server.pid));
}

#[test]
fn idle_and_slow_connections_do_not_hold_up_a_real_client() {
    let mut children = Children::new();
    let server = start(&mut children);
    let held = idle_and_slow(server.address);
    for _ in &held {
        assert!(next_line(&server.lines).contains(":accepted 127.0.0.1:"));
        assert!(next_line(&server.lines).contains(":welcome 127.0.0.1:"));
    }
    redirect(&server);
    printed_remote_line(&server);
    assert!(alive(server.pid));
    drop(held);
}

#[test]
fn past_its_bound_the_server_turns_a_client_away_and_goes_on() {
    let mut children = Children::new();
    let server = start(&mut children);
    // The server's MAX_CONNECTIONS, each one accepted (two lines) before the next comes, so
    // the listen backlog never overflows.
    let held: Vec<TcpStream> = (0..1024)
        .map(|_| {
            let connection = TcpStream::connect(server.address).unwrap();
            assert!(next_line(&server.lines).contains(":accepted 127.0.0.1:"));
            assert!(next_line(&server.lines).contains(":welcome 127.0.0.1:"));
            connection
        })
        .collect();
    let address = server.address.to_string();
    let error = run_fails(BIN, &["client", "--server", &address], 1, "error: ");
    // The refusal reaches the client as a closed channel or, when the server's close overtakes
    // the client's first write, as a reset: either way one line.
    let refused = ["already shutdown", "Connection reset by peer"];
    assert!(refused.iter().any(|why| error.contains(why)), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(alive(server.pid));
    drop(held);
}
