//! # Remote debugging with gdbserver (rpdb)
//!
//! Book: 2nd edition chapter 9, "Implementing rpdb for debugging", `rpdb_code_example.py` (the
//! 1st edition has no debugging chapter).
//!
//! Ten threads are started one after the other, each joined before the next starts, and each
//! prints `my_func called by thread N°i`. With `--remote` the program does what rpdb's
//! `set_trace()` does: it opens a debugging port on 127.0.0.1 and waits for a debugger to
//! connect over TCP. Here the port is gdbserver's: the program starts itself again under
//! `gdbserver --once`, and gdb connects from another terminal with `target remote`.
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
//! By hand, the same session is `gdbserver --once 127.0.0.1:4444 target/debug/debug-gdbserver`
//! in one terminal and `gdb target/debug/debug-gdbserver`, `target remote 127.0.0.1:4444`,
//! `break debug_gdbserver::my_func`, `continue` in the other.
//!
//! ## Python → Rust
//!
//! - rpdb (pdb over a TCP socket, reached with telnet or netcat) → gdbserver, gdb's own remote
//!   stub: it runs the program under `ptrace` and speaks gdb's remote protocol on the port, so
//!   the debugger can sit on another machine (here, on loopback).
//! - `rpdb.Rpdb().set_trace()` → `--remote`: the program re-executes itself under gdbserver,
//!   stopped before its first instruction, and waits for a connection, with a timeout.
//! - `threading.Thread(target=my_func, args=(i,))`, started and joined in turn →
//!   `std::thread::Builder` named `Thread-1`..`Thread-10` as Python names them, each joined
//!   before the next starts.
//!
//! ## Differences from the book
//!
//! - rpdb waits for a client forever; `--remote` gives up after `--wait-secs` (60 s by default)
//!   and ends gdbserver. A plain run waits for nobody.
//! - The book's port 4444 is the `--port` default. gdbserver cannot pick a free port itself, so
//!   port 0 is refused; the tests pick a free port and pass it.
//! - rpdb stops before `my_func` is even defined; gdbserver stops the program before `main`, and
//!   the script sets the breakpoint in `my_func`.
//! - `my_func` returns `print`'s `None` in the book; here it returns the thread's number, and
//!   the run checks that the ten lines came in order, one per thread.
//! - If the program is killed while it waits, gdbserver is left waiting for its one connection;
//!   any other end (timeout, error, Ctrl-C in the terminal) ends it too.

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Parser;
use common::child::Children;

use gdbserver_output::{forward_lines, wait_for_line};

mod gdbserver_output;

#[derive(Parser)]
#[command(about = "Ten threads in turn, debuggable from afar with gdbserver (--remote)")]
struct Args {
    /// Threads to start one after the other (the book's 10).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    threads: u32,
    /// Run under gdbserver on 127.0.0.1:PORT and wait for gdb, as `rpdb.set_trace()` does.
    #[arg(long)]
    remote: bool,
    /// Loopback port gdbserver listens on with --remote (rpdb's 4444; 0 is not supported).
    #[arg(long, default_value_t = 4444, value_parser = clap::value_parser!(u16).range(1..))]
    port: u16,
    /// Seconds --remote waits for a debugger to connect before it gives up.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    wait_secs: u64,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
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
/// `rpdb.set_trace()`: runs this program again under `gdbserver --once` on 127.0.0.1:PORT and
/// waits, at most `--wait-secs`, for a debugger to connect; then until the program ends.
fn serve_under_gdbserver(args: &Args) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot locate the running binary")?;
    let address = format!("127.0.0.1:{}", args.port);
    let mut command = Command::new("gdbserver");
    command
        .args(["--once", &address])
        .arg(exe)
        .args(["--threads", &args.threads.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    // Dropping `children` ends gdbserver (and the program it holds) on every early return.
    let mut children = Children::new();
    let gdbserver = children.spawn("gdbserver", &mut command).map_err(|error| {
        error.context("gdbserver is needed for --remote: run scripts/setup.sh (package gdbserver)")
    })?;
    let stderr = gdbserver.stderr.take().context("gdbserver's stderr")?;
    let (lines, forwarder) = forward_lines(stderr)?;

    let deadline = Instant::now() + Duration::from_secs(args.wait_secs);
    let connected = wait_for_line(&lines, deadline, "Listening on port", &address)? && {
        println!(
            "Waiting {} s for a debugger on {address}: gdb -ex 'target remote {address}' <binary>",
            args.wait_secs
        );
        wait_for_line(&lines, deadline, "Remote debugging from host", &address)?
    };
    ensure!(
        connected,
        "no debugger connected to {address} within {} s (--wait-secs); gdbserver was ended",
        args.wait_secs
    );

    let status = children.wait("gdbserver")?;
    common::join(forwarder)?;
    ensure!(status == 0, "gdbserver exited with status {status}");
    Ok(())
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
