//! Runs the real `pyro-shop` binary: the plain run, and each role started by the test on
//! loopback port 0, facing clients that reset or hold connections open too, with every
//! process stopped at the end.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};

use common::child::Children;
use common::testing::started_pids;
use common::testing::{
    Server, alive, assert_gone, next_line, reset_connection, run_fails, run_ok, start_server,
};

const BIN: &str = env!("CARGO_BIN_EXE_pyro-shop");

/// The client's lines of the book's run after the shop's address, for the customers'
/// cash and the price of the book, in whole dollars.
fn client_lines(rashmi: i64, meeta: i64, price: i64) -> Vec<String> {
    let cents = |dollars: i64| format!("{dollars}.00");
    let mut lines = vec![
        String::new(),
        "*** Rashmi is doing shopping with BuyAnythingOnline:".to_owned(),
        "Log on".to_owned(),
        format!("Deposit money {rashmi}"),
        format!("balance={}", cents(rashmi)),
        format!("Rashmi is buying a book for {price}$"),
        "Log out".to_owned(),
        String::new(),
        "*** Meeta is doing shopping with BuyAnythingOnline:".to_owned(),
        "Log on".to_owned(),
    ];
    for deposit in 1..=2 {
        lines.push(format!("Deposit money {meeta}"));
        lines.push(format!("balance={}", cents(deposit * meeta)));
    }
    lines.extend([
        "Log out".to_owned(),
        String::new(),
        "The accounts in the BuyAnythingOnline:".to_owned(),
        format!("  Meeta : {}", cents(2 * meeta)),
        format!("  Rashmi : {}", cents(rashmi - price)),
        "Checked: the shop's accounts equal the sums computed by the client".to_owned(),
    ]);
    lines
}

#[test]
fn the_plain_run_ends_with_the_book_accounts_and_stops_everything() {
    let run = run_ok(BIN, &[]);
    let mine: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| !line.starts_with('[') && !line.starts_with("Started "))
        .collect();
    let (address, rest) = mine.split_first().expect("some output");
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    let (stopped, rest) = rest.split_last().expect("a last line");
    assert!(stopped.ends_with("all exited 0"), "{stopped}");
    assert_eq!(rest, client_lines(100, 50, 37));

    let server: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("[server] "))
        .collect();
    assert_eq!(server[0], format!("Shop ready. Object uri = {address}"));
    assert_eq!(
        server[1..],
        ["['example.shop.Shop']", "logout Rashmi", "logout Meeta"]
    );
    let pids = started_pids(&run.stdout);
    assert_eq!(pids.len(), 2);
    for pid in pids {
        assert_gone(pid);
    }
}

#[test]
fn the_plain_run_takes_other_amounts() {
    let run = run_ok(BIN, &["--rashmi", "100", "--meeta", "7", "--price", "120"]);
    let tail: Vec<&str> = run.stdout.lines().rev().skip(2).take(2).collect();
    assert_eq!(tail, ["  Rashmi : -20.00", "  Meeta : 14.00"]);
}

#[test]
fn the_shop_keeps_state_between_clients_and_a_dead_shop_is_a_clear_error() {
    let mut children = Children::new();
    let ns_args = ["name-server", "--ns", "127.0.0.1:0"];
    let ns = start_server(&mut children, "ns", BIN, &ns_args).address;
    let ns = ns.to_string();
    let started = start_server(&mut children, "shop", BIN, &["server", "--ns", &ns]);
    let (shop, shop_lines) = (started.address, started.lines);
    assert_eq!(next_line(&shop_lines), "['example.shop.Shop']");

    for _ in 0..2 {
        // Logging on opens fresh accounts, so a second client sees the same totals.
        let run = run_ok(BIN, &["client", "--ns", &ns]);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines[0], shop.to_string());
        assert_eq!(lines[1..], client_lines(100, 50, 37));
        assert_eq!(next_line(&shop_lines), "logout Rashmi");
        assert_eq!(next_line(&shop_lines), "logout Meeta");
    }

    let process = children.get_mut("shop").expect("started");
    let pid = process.id();
    process.kill().expect("kill the shop");
    process.wait().expect("reap the shop");
    assert_gone(pid);
    let error = run_fails(BIN, &["client", "--ns", &ns], 1, "cannot reach the shop at");
    assert!(error.contains(&shop.to_string()), "{error}");
}

#[test]
fn bad_arguments_fail_clearly() {
    run_fails(BIN, &["--bogus"], 2, "--bogus");
    run_fails(BIN, &["--price=-1"], 2, "--price");
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

/// A name server and the shop, started by the test.
fn name_server_and_shop(children: &mut Children) -> (String, Server) {
    let ns_args = ["name-server", "--ns", "127.0.0.1:0"];
    let ns = start_server(children, "ns", BIN, &ns_args)
        .address
        .to_string();
    let shop = start_server(children, "shop", BIN, &["server", "--ns", &ns]);
    (ns, shop)
}

fn shop_once(ns: &str) {
    let run = run_ok(BIN, &["client", "--ns", ns]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[1..], client_lines(100, 50, 37));
}

#[test]
fn a_client_that_resets_costs_the_server_nothing() {
    let mut children = Children::new();
    let (ns, shop) = name_server_and_shop(&mut children);
    for _ in 0..5 {
        reset_connection(shop.address);
    }
    shop_once(&ns);
    assert!(alive(shop.pid));
}

#[test]
fn idle_and_slow_connections_do_not_hold_up_a_real_client() {
    let mut children = Children::new();
    let (ns, shop) = name_server_and_shop(&mut children);
    let held = idle_and_slow(shop.address);
    shop_once(&ns);
    shop_once(&ns);
    assert!(alive(shop.pid));
    drop(held);
}
