//! # Avoiding deadlock problems
//!
//! Book: 1st edition §3.13 "Avoiding deadlock problems"; 2nd edition chapter 4, same title;
//! both `deadLockProblems.py`.
//!
//! Ranks 1 and 5 swap one message each: rank 1 sends `a`, rank 5 sends `b`. A blocking receive
//! returns only once a message has arrived, so if both ranks receive first, each waits for a
//! message the other sends only afterwards, and neither ever moves: a deadlock. Putting one
//! send before its receive breaks the cycle; so does `sendrecv`, which lets MPI do both at once.
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-deadlock                          # 9 ranks; 2nd edition's safe order
//! cargo run -p mpi-deadlock -- --edition ed1         # the 1st edition's first fix
//! cargo run -p mpi-deadlock -- --mode send-first     # the 1st edition's final listing
//! cargo run -p mpi-deadlock -- --mode sendrecv
//! cargo run -p mpi-deadlock -- --deadlock            # both receive first: given up after 3 s
//! cargo run -p mpi-deadlock -- --ranks 6             # the smallest job
//! ```
//!
//! ## Python → Rust
//!
//! - `comm.send(data, dest=5)` → `process.send(&data)`: the one-character strings travel as
//!   typed bytes, not pickles.
//! - `comm.recv(source=5)` → `receive_within` (`src/timed_receive.rs`): a receive that blocks
//!   like the book's, but only for `--timeout-ms`. It posts the receive with `immediate_receive_into` and waits with
//!   `test()` until the message is in or the time is up; then it cancels the receive. So the
//!   deadlocking order ends: both ranks give up, tell rank 0, and rank 0 explains the
//!   deadlock and ends the job with exit status 1, where the Python program hangs until it is
//!   killed by hand.
//! - `comm.sendrecv(data, dest=5, source=5)` →
//!   `mpi::point_to_point::send_receive(&data, &process, &process)`.
//!
//! ## Differences from the book
//!
//! - The 1st edition's first listing deadlocks and its run has to be killed; the 2nd edition's
//!   file is already safe (rank 1 receives first, rank 5 sends first). Both are here: the
//!   deadlocking order only behind `--deadlock`, where the receives give up after
//!   `--timeout-ms` (3000, at most 60000) and the job ends with an explanation and exit status 1.
//! - `--edition ed1` uses the 1st edition's first fix (rank 1 sends first, rank 5 receives
//!   first) and its `my rank is :  3` line; `--mode send-first` is its final listing, where
//!   both send first: that works only because MPI buffers a message this small (the book's
//!   point), and `--mode sendrecv` its last suggestion.
//! - The book needs ranks 1 and 5, so at least six ranks; with fewer, mpi4py fails on one
//!   side and the other waits forever. Here the job stops at once with one message.
//! - The run checks itself: rank 0 gathers what ranks 1 and 5 received (`b` and `a`) and
//!   prints one summary line, `Checked: rank 1 received b and rank 5 received a (9 ranks)`, or
//!   the error (exit status 1).

use std::time::Duration;

use anyhow::{Context, ensure};
use clap::{Parser, ValueEnum};
use common::Edition;
use mpi::topology::{Process, SimpleCommunicator};
use mpi::traits::*;

use timed_receive::receive_within;

mod timed_receive;

/// The book's pair: rank 1 sends "a" to rank 5, rank 5 sends "b" to rank 1.
const FIRST: i32 = 1;
const SECOND: i32 = 5;

#[derive(Parser)]
#[command(about = "Two MPI ranks swap a message: the deadlocking order, the fixes, sendrecv")]
struct Args {
    /// Ranks to start when run outside mpiexec (the book's 9), at most 64;
    /// under mpiexec its -n decides.
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: u32,
    /// Which edition's program: ed2's safe order, or ed1's first fix and wording.
    #[arg(long, value_enum, default_value_t = Edition::Ed2)]
    edition: Edition,
    /// How the two ranks order their send and receive.
    #[arg(long, value_enum, default_value_t = Mode::Ordered)]
    mode: Mode,
    /// Both ranks receive first (the 1st edition's first listing): a deadlock, given up after
    /// --timeout-ms.
    #[arg(long, conflicts_with = "mode")]
    deadlock: bool,
    /// How long a receive waits for its message before it gives up, in ms, at most 60000 (a
    /// minute shows the deadlock as well as an hour).
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// One rank receives first, the other sends first (the book's fix).
    Ordered,
    /// Both send first, then receive: safe only while MPI buffers the message.
    SendFirst,
    /// Both call sendrecv, which sends and receives at once.
    Sendrecv,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    common::mpi_launch::ensure_launched(args.ranks)?;
    let universe = mpi::initialize().context("MPI is already initialised")?;
    let world = universe.world();
    common::mpi_launch::check_world_size(world.size())?;
    if world.size() <= SECOND {
        let message = format!(
            "ranks {FIRST} and {SECOND} swap messages, so the job needs at least {} ranks, but \
             the world has {}: use --ranks 9",
            SECOND + 1,
            world.size()
        );
        return common::mpi_launch::stop_job(world.rank(), message);
    }
    let rank = world.rank();
    match args.edition {
        Edition::Ed1 => println!("my rank is :  {rank}"),
        Edition::Ed2 => println!("my rank is {rank}"),
    }
    // ANCHOR: pair
    let received = match rank {
        FIRST => swap(&world.process_at_rank(SECOND), b'a', &args, rank),
        SECOND => swap(&world.process_at_rank(FIRST), b'b', &args, rank),
        _ => None,
    };
    // Like the book, a rank prints once both of its calls have returned.
    if let Some(data) = received {
        match rank {
            FIRST => println!("sending data a to process {SECOND}"),
            _ => println!("sending data b :to process {FIRST}"),
        }
        println!("data received is = {}", char::from(data));
    }
    // ANCHOR_END: pair
    check(&world, received.unwrap_or(0), &args)
}

// ANCHOR: orders
/// Whether `rank` of the pair receives before it sends, as the edition's listing has it.
fn receives_first(args: &Args, rank: i32) -> bool {
    match (args.deadlock, args.mode, args.edition) {
        (true, _, _) => true, // the 1st edition's first listing: both wait, neither sends
        (false, Mode::Ordered, Edition::Ed2) => rank == FIRST,
        (false, Mode::Ordered, Edition::Ed1) => rank == SECOND,
        (false, Mode::SendFirst | Mode::Sendrecv, _) => false,
    }
}
// ANCHOR_END: orders

// ANCHOR: swap
/// Sends `data` to `partner` and returns what `partner` sent, in the order the listing has;
/// `None` if a receive gave up waiting.
fn swap(partner: &Process, data: u8, args: &Args, rank: i32) -> Option<u8> {
    let timeout = Duration::from_millis(args.timeout_ms);
    if args.mode == Mode::Sendrecv {
        return Some(mpi::point_to_point::send_receive(&data, partner, partner).0);
    }
    if receives_first(args, rank) {
        // Only what has been received lets this rank go on to its send.
        let received = receive_within(partner, timeout)?;
        partner.send(&data);
        Some(received)
    } else {
        partner.send(&data);
        receive_within(partner, timeout)
    }
}

// ANCHOR_END: swap

// ANCHOR: check
/// Rank 0 gathers what every rank received (0: nothing) and judges the pair's bytes.
fn check(world: &SimpleCommunicator, received: u8, args: &Args) -> anyhow::Result<()> {
    let root = world.process_at_rank(0);
    if world.rank() != 0 {
        root.gather_into(&received);
        return Ok(());
    }
    let mut all = vec![0u8; usize::try_from(world.size()).expect("a world size is positive")];
    root.gather_into_root(&received, &mut all[..]);
    judge([all[FIRST as usize], all[SECOND as usize]], args)?;
    println!(
        "Checked: rank {FIRST} received b and rank {SECOND} received a ({} ranks)",
        all.len()
    );
    Ok(())
}

/// Ranks 1 and 5 must have received `b` and `a`. A rank that gave up waiting means a deadlock
/// (or a lost partner); either failure is an error (exit status 1).
fn judge(pair: [u8; 2], args: &Args) -> anyhow::Result<()> {
    let waited = args.timeout_ms;
    ensure!(
        !(args.deadlock && pair.contains(&0)),
        "deadlock: ranks {FIRST} and {SECOND} both wait in a receive for a message the other \
         sends only after its own receive returns, so neither can go on; a blocking receive \
         would wait forever, these gave up after {waited} ms (--timeout-ms). Without \
         --deadlock one rank sends first (or use --mode sendrecv)"
    );
    ensure!(
        !pair.contains(&0),
        "ranks {FIRST} and {SECOND} waited {waited} ms (--timeout-ms) for each other"
    );
    let [first, second] = pair.map(char::from);
    ensure!(
        pair == *b"ba",
        "rank {FIRST} received {first:?} and rank {SECOND} {second:?}, expected 'b' and 'a'"
    );
    Ok(())
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Args {
        Args::parse_from(std::iter::once("mpi-deadlock").chain(extra.iter().copied()))
    }

    #[test]
    fn only_the_deadlock_flag_receives_first_on_both_sides() {
        let both = |args: &Args| receives_first(args, FIRST) && receives_first(args, SECOND);
        assert!(both(&args(&["--deadlock"])));
        for extra in [
            &[][..],
            &["--edition", "ed1"],
            &["--mode", "send-first"],
            &["--mode", "sendrecv"],
        ] {
            assert!(!both(&args(extra)), "{extra:?}");
        }
    }

    #[test]
    fn the_editions_fix_the_order_on_opposite_sides() {
        let firsts = |args: &Args| (receives_first(args, FIRST), receives_first(args, SECOND));
        assert_eq!(firsts(&args(&[])), (true, false));
        assert_eq!(firsts(&args(&["--edition", "ed1"])), (false, true));
    }

    #[test]
    fn the_pair_must_receive_b_and_a() {
        let deadlock = args(&["--deadlock", "--timeout-ms", "7"]);
        let message = judge([0, 0], &deadlock).unwrap_err().to_string();
        assert!(message.starts_with("deadlock: ranks 1 and 5"), "{message}");
        assert!(message.contains("after 7 ms"), "{message}");
        let lost = judge([b'b', 0], &args(&[])).unwrap_err().to_string();
        assert!(lost.starts_with("ranks 1 and 5 waited 3000 ms"), "{lost}");
        let wrong = judge([b'x', b'a'], &args(&[])).unwrap_err().to_string();
        assert!(
            wrong.starts_with("rank 1 received 'x' and rank 5 'a'"),
            "{wrong}"
        );
        assert!(judge(*b"ba", &args(&[])).is_ok());
    }
}
