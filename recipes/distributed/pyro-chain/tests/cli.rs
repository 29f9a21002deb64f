//! Runs the real `pyro-chain` binary: the plain run with rings of several sizes, and each role
//! started by the test on loopback port 0, facing clients that reset or hold connections open
//! too, with every process stopped at the end.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};

use common::child::Children;
use common::testing::started_pids;
use common::testing::{
    Server, alive, assert_gone, reset_connection, run_fails, run_ok, start_server,
};

const BIN: &str = env!("CARGO_BIN_EXE_pyro-chain");

/// The result list, recomputed here: each server passes the message on once, then 1 closes it.
fn expected(count: u32) -> String {
    let mut items: Vec<String> = (1..=count)
        .map(|this| format!("'passed on from {this}'"))
        .collect();
    items.push("'complete at 1'".to_owned());
    format!("Result=[{}]", items.join(", "))
}

fn check_plain_run(count: u32) {
    let run = run_ok(BIN, &["--servers", &count.to_string()]);
    let results = run.lines_starting("Result=");
    assert_eq!(results, [expected(count).as_str()]);
    for this in 1..=count {
        let next = this % count + 1;
        let prefix = format!("[server_{this}] ");
        let lines: Vec<&str> = run
            .stdout
            .lines()
            .filter_map(|line| line.strip_prefix(prefix.as_str()))
            .collect();
        assert!(lines[0].starts_with(&format!("server_{this} started on 127.0.0.1:")));
        let mut said = vec![format!(
            "{this} forwarding the message to the object {next}"
        )];
        if this == 1 {
            said.push("Back at 1; the chain is closed!".to_owned());
        }
        assert_eq!(lines[1..], said, "server {this}");
    }
    let pids = started_pids(&run.stdout);
    assert_eq!(pids.len(), count as usize + 1, "{}", run.stdout);
    let last = run.stdout.lines().last().expect("some output");
    assert!(last.ends_with("all exited 0"), "{last}");
    for pid in pids {
        assert_gone(pid);
    }
}

#[test]
fn the_book_ring_of_three_returns_the_book_result() {
    check_plain_run(3);
}

#[test]
fn rings_of_one_and_five_work_too() {
    check_plain_run(1);
    check_plain_run(5);
}

#[test]
fn separate_roles_form_the_ring_and_a_dead_link_is_a_clear_error() {
    let mut children = Children::new();
    let ns_args = ["name-server", "--ns", "127.0.0.1:0"];
    let ns = start_server(&mut children, "ns", BIN, &ns_args).address;
    let ns = ns.to_string();
    for (this, next) in [("1", "2"), ("2", "3"), ("3", "1")] {
        let args = ["server", "--this", this, "--next", next, "--ns", &ns];
        start_server(&mut children, this, BIN, &args);
    }
    let run = run_ok(BIN, &["client", "--ns", &ns]);
    assert_eq!(run.stdout, format!("{}\n", expected(3)));

    // The name server still hands out the dead server 3's address: the ring breaks at 2.
    let three = children.get_mut("3").expect("started");
    let pid = three.id();
    three.kill().expect("kill server 3");
    three.wait().expect("reap server 3");
    assert_gone(pid);
    let error = run_fails(BIN, &["client", "--ns", &ns], 1, "the chain is broken");
    assert!(
        error.contains("2 cannot pass it on: cannot reach example.chainTopology.3 at"),
        "{error}"
    );

    // A new server 3 registers its new address, which server 2 finds on its next forward.
    let args = ["server", "--this", "3", "--next", "1", "--ns", &ns];
    start_server(&mut children, "3 again", BIN, &args);
    let run = run_ok(BIN, &["client", "--ns", &ns]);
    assert_eq!(run.stdout, format!("{}\n", expected(3)));
}

#[test]
fn bad_arguments_fail_clearly() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--servers", "0"], 2, "--servers");
    run_fails(BIN, &["--servers", "51"], 2, "--servers");
    run_fails(
        BIN,
        &["client", "--ns", "127.0.0.1:1"],
        1,
        "cannot reach the name server",
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

/// A name server and the book's ring of three servers, started by the test; returns the name
/// server's address and server 1, the ring's entry.
fn name_server_and_ring(children: &mut Children) -> (String, Server) {
    let ns_args = ["name-server", "--ns", "127.0.0.1:0"];
    let ns = start_server(children, "ns", BIN, &ns_args)
        .address
        .to_string();
    let mut ring: Vec<Server> = [("1", "2"), ("2", "3"), ("3", "1")]
        .into_iter()
        .map(|(this, next)| {
            let args = ["server", "--this", this, "--next", next, "--ns", &ns];
            start_server(children, this, BIN, &args)
        })
        .collect();
    (ns, ring.swap_remove(0))
}

fn call_the_ring(ns: &str) {
    let run = run_ok(BIN, &["client", "--ns", ns]);
    assert_eq!(run.stdout, format!("{}\n", expected(3)));
}

#[test]
fn a_client_that_resets_costs_the_server_nothing() {
    let mut children = Children::new();
    let (ns, first) = name_server_and_ring(&mut children);
    for _ in 0..5 {
        reset_connection(first.address);
    }
    call_the_ring(&ns);
    assert!(alive(first.pid));
}

#[test]
fn idle_and_slow_connections_do_not_hold_up_a_real_client() {
    let mut children = Children::new();
    let (ns, first) = name_server_and_ring(&mut children);
    let held = idle_and_slow(first.address);
    call_the_ring(&ns);
    call_the_ring(&ns);
    assert!(alive(first.pid));
    drop(held);
}
