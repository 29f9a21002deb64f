//! # Managing state between processes
//!
//! Book: 1st edition §3.9 "How to manage a state between processes", `manager.py`. (The 2nd
//! edition has no such section.)
//!
//! A manager process owns a dictionary; ten worker processes each store one entry in it,
//! `i → 2i`, by asking the manager, and the parent prints the whole dictionary once they are
//! done. No process touches another's memory: every update is a request to the manager.
//!
//! ## Run
//!
//! ```text
//! cargo run -p process-manager                   # 10 workers, as in the book
//! cargo run -p process-manager -- --workers 50
//! ```
//!
//! ## Python → Rust
//!
//! - `multiprocessing.Manager()` starts a server process and `mgr.dict()` gives a proxy whose
//!   every operation is a message to it. Here the manager is this binary started again with
//!   the hidden subcommand `manager`: it owns a `BTreeMap` and answers requests on a Unix
//!   domain socket, one `serde_json` value per line (the wire is in `src/wire.rs`). Its loop
//!   serves one connection at a time, so the map needs no lock: the manager's single thread
//!   is what serialises the updates.
//! - The socket has a name in Linux's abstract namespace (`SocketAddrExt::from_abstract_name`):
//!   no file to create in a temp dir, and nothing left behind when the run is killed.
//! - The parent binds the socket *before* starting anyone and hands the listening socket to
//!   the manager as its stdin, as `inetd` does, so a worker can never try to connect before
//!   the manager is listening.
//! - `multiprocessing.Process(target=worker, args=(dictionary, i, i*2))` → `worker --key i
//!   --value 2i`, which connects, sends one `Set`, waits for the answer, and prints the book's
//!   line. Every child asks the kernel to kill it if the parent dies
//!   (`common::child::die_with_parent`), so the manager also ends with a killed parent.
//!
//! ## Differences from the book
//!
//! - The book's listing leaves out the final `print` that its output shows (the Chinese
//!   translation adds it back); it is here.
//! - Python prints the dictionary in insertion order, which depends on which worker ran first;
//!   here it is printed sorted by key, so two runs print the same `Results:` line. The
//!   workers' own lines still come in whatever order they run.
//! - The book never stops its manager explicitly (it ends with the program). Here the parent
//!   sends it `Shutdown` and waits for it, and it dies with the parent in any case.
//! - The run checks itself: the dictionary must hold exactly `i → 2i` for `i < n`, and every
//!   worker and the manager must exit with status 0; otherwise it exits 1. A last line says the
//!   check held. The number of workers is a flag, `--workers` (10, at most 1000).

mod wire;

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixListener;
use std::process::Stdio;

use anyhow::{Context, bail, ensure};
use clap::{Parser, Subcommand};
use common::child::{Children, self_command};
use common::output::py_dict;
use wire::{Connection, Reply, Request};

#[derive(Parser)]
#[command(
    about = "A manager process owns a dictionary that worker processes update",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Worker processes; worker i stores i → 2i (the book's 10), at most 1000.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    workers: u32,
    #[command(subcommand)]
    role: Option<Role>,
}

/// What a child process runs. Hidden: the parent starts them, not the reader.
#[derive(Subcommand)]
enum Role {
    /// Serves the dictionary on the listening socket it gets as stdin.
    #[command(hide = true)]
    Manager,
    /// Stores `key → value` through the manager listening at the abstract name `manager`.
    #[command(hide = true)]
    Worker {
        manager: String,
        key: u32,
        value: u32,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let Some(role) = args.role else {
        return parent(args.workers);
    };
    common::child::die_with_parent()?;
    match role {
        Role::Manager => manager(&wire::listener_from_stdin()?),
        Role::Worker {
            manager,
            key,
            value,
        } => worker(&manager, key, value),
    }
}

// ANCHOR: worker
/// `dictionary[key] = value` through the manager, then the book's line.
fn worker(manager: &str, key: u32, value: u32) -> anyhow::Result<()> {
    Connection::open(manager)?.ask(&Request::Set { key, value })?;
    println!("key = {key} value = {value}");
    Ok(())
}
// ANCHOR_END: worker

// ANCHOR: parent
/// Starts the manager and the workers, waits for the workers, prints the dictionary, and
/// stops the manager.
fn parent(workers: u32) -> anyhow::Result<()> {
    let pid = std::process::id();
    let name = format!("process-manager-{pid}-{:016x}", rand::random::<u64>());
    // Bound before anyone starts, so no worker can connect before the manager listens.
    let listener = wire::bind(&name)?;
    // Two sets, so that the workers can be joined before the manager is stopped.
    let (mut mgr, mut jobs) = (Children::new(), Children::new());
    // The listening socket moves into the manager: the parent keeps no copy.
    let listening = Stdio::from(OwnedFd::from(listener));
    mgr.spawn("manager", self_command(["manager"])?.stdin(listening))?;
    for i in 0..workers {
        let (key, value) = (i.to_string(), (2 * i).to_string());
        let mut job = self_command(["worker", &name, &key, &value])?;
        jobs.spawn(&format!("worker {i}"), job.stdin(Stdio::null()))?;
    }
    // `for j in jobs: j.join()`; any worker that did not exit with 0 is named in the error.
    jobs.wait_all()?;

    let mut manager = Connection::open(&name)?;
    let Reply::Dictionary(dictionary) = manager.ask(&Request::Snapshot)? else {
        bail!("the manager did not answer with the dictionary");
    };
    println!("Results: {}", py_dict(&dictionary));
    manager.ask(&Request::Shutdown)?;
    mgr.wait_all()?;
    check(workers, &dictionary)
}
// ANCHOR_END: parent

// ANCHOR: manager
/// Serves requests until told to shut down. One connection at a time: the map has a single
/// owner, this loop, and needs no lock.
fn manager(listener: &UnixListener) -> anyhow::Result<()> {
    let mut dictionary = BTreeMap::new();
    for connection in listener.incoming() {
        let connection = connection.context("cannot accept a connection")?;
        if wire::answer(connection, |request| serve(&mut dictionary, request))? {
            break;
        }
    }
    Ok(())
}

/// Applies one request to the dictionary; also says whether to stop.
fn serve(dictionary: &mut BTreeMap<u32, u32>, request: Request) -> (Reply, bool) {
    match request {
        Request::Set { key, value } => {
            dictionary.insert(key, value);
            (Reply::Done, false)
        }
        Request::Snapshot => (Reply::Dictionary(dictionary.clone()), false),
        Request::Shutdown => (Reply::Done, true),
    }
}
// ANCHOR_END: manager

fn check(workers: u32, dictionary: &BTreeMap<u32, u32>) -> anyhow::Result<()> {
    let expected: BTreeMap<u32, u32> = (0..workers).map(|i| (i, 2 * i)).collect();
    ensure!(
        *dictionary == expected,
        "the manager holds {}, expected {}",
        py_dict(dictionary),
        py_dict(&expected)
    );
    println!("Checked: {workers} workers stored i → 2i through the manager, none lost");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_stores_entries_and_snapshots_them() {
        let mut dictionary = BTreeMap::new();
        assert!(matches!(
            serve(&mut dictionary, Request::Set { key: 3, value: 6 }),
            (Reply::Done, false)
        ));
        serve(&mut dictionary, Request::Set { key: 1, value: 2 });
        let (Reply::Dictionary(copy), false) = serve(&mut dictionary, Request::Snapshot) else {
            panic!("a snapshot");
        };
        assert_eq!(copy, BTreeMap::from([(1, 2), (3, 6)]));
        assert!(matches!(
            serve(&mut dictionary, Request::Shutdown),
            (_, true)
        ));
    }

    #[test]
    fn a_manager_serves_clients_until_shutdown() {
        let name = format!("process-manager-test-{}", std::process::id());
        let listener = wire::bind(&name).unwrap();
        let server = std::thread::spawn(move || manager(&listener));
        worker(&name, 4, 8).unwrap();
        let mut client = Connection::open(&name).unwrap();
        let Reply::Dictionary(dictionary) = client.ask(&Request::Snapshot).unwrap() else {
            panic!("a snapshot");
        };
        assert_eq!(dictionary, BTreeMap::from([(4, 8)]));
        client.ask(&Request::Shutdown).unwrap();
        server.join().unwrap().unwrap();
    }

    #[test]
    fn check_wants_exactly_i_to_2i() {
        let good: BTreeMap<u32, u32> = (0..3).map(|i| (i, 2 * i)).collect();
        assert!(check(3, &good).is_ok());
        assert!(check(4, &good).is_err());
        let mut bad = good.clone();
        bad.insert(1, 3);
        assert!(check(3, &bad).is_err());
    }
}
