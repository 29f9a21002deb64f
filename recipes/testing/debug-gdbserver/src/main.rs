//! # Remote debugging with gdbserver (rpdb)
//!
//! Book: 2nd edition chapter 9, "Implementing rpdb for debugging", `rpdb_code_example.py` (the
//! 1st edition has no debugging chapter).
//!
//! Ten threads are started one after the other, each joined before the next starts, and each
//! prints `my_func called by thread N°i`. With `--remote` the program does what rpdb's
//! `set_trace()` does: it opens a debugging port on 127.0.0.1 and waits for a debugger to
//! connect over TCP. Here the debugger is gdb: the program starts itself again under
//! `gdbserver`, and gdb connects from another terminal with `target remote`.
//!
//! ## Run
//!
//! ```text
//! cargo run -p debug-gdbserver                 # the ten lines, no debugger
//!
//! # Terminal 1: wait (at most --wait-secs, 60 s) for a debugger on 127.0.0.1:4444
//! cargo run -p debug-gdbserver -- --remote --port 4444
//! # Terminal 2: connect, stop in my_func, look around, let the program finish
//! gdb -batch -nx -ex 'set $port = 4444' -x recipes/testing/debug-gdbserver/remote.gdb \
//!     target/debug/debug-gdbserver
//! ```
//!
//! By hand, without a port at all, gdb can start gdbserver itself on a pipe:
//! `gdb target/debug/debug-gdbserver`, `target remote | gdbserver - target/debug/debug-gdbserver`,
//! `break debug_gdbserver::my_func`, `continue`.
//!
//! ## Python → Rust
//!
//! - rpdb (pdb over a TCP socket, reached with telnet or netcat) → gdbserver, gdb's own remote
//!   stub: it runs the program under `ptrace` and speaks gdb's remote protocol, so the debugger
//!   can sit elsewhere (here, across loopback).
//! - `rpdb.Rpdb().set_trace()` → `--remote`: the program re-executes itself under gdbserver,
//!   stopped before its first instruction, and waits for a connection, with a timeout.
//! - `threading.Thread(target=my_func, args=(i,))`, started and joined in turn →
//!   `std::thread::Builder` named `Thread-1`..`Thread-10` as Python names them, each joined
//!   before the next starts.
//!
//! ## Differences from the book
//!
//! - rpdb waits for a client forever; `--remote` gives up after `--wait-secs` (60 s by default,
//!   at most 3600) and ends gdbserver. A plain run waits for nobody.
//! - The port is the recipe's own listener on 127.0.0.1, checked to be loopback, and relayed to
//!   gdbserver, which speaks over stdio (`gdbserver --once -`): gdbserver's own TCP listener
//!   would be open on every interface whatever host it is given, and anyone who reaches it can
//!   run code through the debugger. The book's 4444 is the `--port` default; 0 picks a free port.
//! - gdbserver dies with the recipe (`PR_SET_PDEATHSIG`, set by a hidden `gdbserver` subcommand
//!   that then becomes gdbserver), and the program with gdbserver, so SIGINT, SIGTERM or
//!   SIGKILL leaves nothing running and the next run finds its port free.
//! - In stdio mode gdbserver sends the program's output on its stderr; the recipe copies it,
//!   with gdbserver's own lines, to its stdout.
//! - rpdb stops before `my_func` is even defined; gdbserver stops the program before `main`, and
//!   the script sets the breakpoint in `my_func`.
//! - `my_func` returns `print`'s `None` in the book; here it returns the thread's number, and
//!   the run checks that the ten lines came in order, one per thread. At most 1000 threads.

use std::ffi::OsString;
use std::net::{Ipv4Addr, TcpListener};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use common::child::Children;

use gdbserver::Gdbserver;

mod gdbserver;

#[derive(Parser)]
#[command(
    about = "Ten threads in turn, debuggable from afar with gdbserver (--remote)",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Threads to start one after the other (the book's 10), at most 1000.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    threads: u32,
    /// Wait for gdb on 127.0.0.1:PORT with the program under gdbserver, as `rpdb.set_trace()`.
    #[arg(long)]
    remote: bool,
    /// Loopback port --remote listens on (rpdb's 4444; 0 picks a free one).
    #[arg(long, default_value_t = 4444)]
    port: u16,
    /// Seconds --remote waits for a debugger to connect before it gives up, 1 to 3600.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    wait_secs: u64,
    #[command(subcommand)]
    role: Option<Role>,
}

/// What a child started by --remote runs. Hidden: the recipe starts it, not the reader.
#[derive(Subcommand)]
enum Role {
    /// Dies with the recipe, then becomes gdbserver with these arguments.
    #[command(hide = true)]
    Gdbserver {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<OsString>,
    },
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(Role::Gdbserver { command }) = args.role {
        return gdbserver::exec_dying_with_parent(&command);
    }
    if args.remote {
        return serve_under_gdbserver(&args);
    }
    let called = start_threads(args.threads)?;
    check(&called, args.threads)
}

// ANCHOR: threads
/// The book's `main`: each thread is started and joined before the next one starts, so the
/// lines come out in order.
fn start_threads(count: u32) -> anyhow::Result<Vec<u32>> {
    let mut called = Vec::new();
    for i in 0..count {
        let thread = thread::Builder::new()
            .name(format!("Thread-{}", i + 1))
            .spawn(move || my_func(i))
            .with_context(|| format!("cannot start thread {}", i + 1))?;
        called.push(common::join(thread)?);
    }
    Ok(called)
}

/// remote.gdb breaks here. Out of line, so it is a function of its own to stop in.
#[inline(never)]
fn my_func(thread_number: u32) -> u32 {
    println!("my_func called by thread N°{thread_number}"); // remote.gdb stops here
    thread_number
}
// ANCHOR_END: threads

fn check(called: &[u32], threads: u32) -> anyhow::Result<()> {
    let expected: Vec<u32> = (0..threads).collect();
    ensure!(
        called == expected,
        "threads called my_func as {called:?}, expected 0 to {} in order",
        threads - 1
    );
    Ok(())
}

// ANCHOR: remote
/// `rpdb.set_trace()`: runs this program again under gdbserver, stopped before its first
/// instruction, and waits, at most `--wait-secs`, for a debugger on 127.0.0.1:PORT; then until
/// the program ends. The port is the recipe's own listener, relayed to gdbserver's stdio:
/// gdbserver's listener would be open on every interface.
fn serve_under_gdbserver(args: &Args) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(args.wait_secs);
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, args.port))
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let address = listener.local_addr().context("the listener's address")?;
    gdbserver::ensure_loopback(address)?;

    let exe = std::env::current_exe().context("cannot locate the running binary")?;
    let program: [OsString; 3] = [
        exe.into(),
        "--threads".into(),
        args.threads.to_string().into(),
    ];
    // Dropping `children` ends gdbserver (and the program it holds) on every early return;
    // a signal that kills the recipe kills gdbserver too (PR_SET_PDEATHSIG).
    let mut children = Children::new();
    let gdbserver = Gdbserver::start(&mut children, &program, deadline)?;
    println!("Started gdbserver (pid {}) on {address}", gdbserver.pid);
    println!(
        "Waiting {} s for a debugger on {address}: gdb -ex 'target remote {address}' <binary>",
        args.wait_secs
    );
    let debugger = gdbserver.serve(listener, deadline)?.with_context(|| {
        format!(
            "no debugger connected to {address} within {} s (--wait-secs); gdbserver was ended",
            args.wait_secs
        )
    })?;
    println!("Debugger connected from {debugger}");
    gdbserver.finish(&mut children)
}
// ANCHOR_END: remote

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_run_in_turn_and_in_order() {
        let called = start_threads(4).unwrap();
        assert_eq!(called, [0, 1, 2, 3]);
        assert!(check(&called, 4).is_ok());
        assert!(check(&[1, 0], 2).is_err());
    }
}
