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
//! cargo run -p mpi-deadlock -- --ranks 2 --pair 0,1  # the smallest job
//! ```
//!
//! ## Python → Rust
//!
//! - `comm.send(data, dest=5)` → `process.send(&data)`: the one-character strings travel as
//!   typed bytes, not pickles.
//! - `comm.recv(source=5)` → `receive_within`: a receive that blocks like the book's, but only
//!   for `--timeout-ms`. It posts the receive with `immediate_receive_into` and waits with
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
//!   `--timeout-ms` (3000) and the job ends with an explanation and exit status 1.
//! - `--edition ed1` uses the 1st edition's first fix (rank 1 sends first, rank 5 receives
//!   first) and its `my rank is :  3` line; `--mode send-first` is its final listing, where
//!   both send first: that works only because MPI buffers a message this small (the book's
//!   point), and `--mode sendrecv` its last suggestion.
//! - The book needs ranks 1 and 5, so at least six ranks; with fewer, mpi4py fails on one
//!   side and the other waits forever. Here the job stops at once with one message. `--pair`
//!   picks other ranks.
//! - The run checks itself: rank 0 gathers both verdicts (rank 1 got `b`, rank 5 got `a`) and
//!   prints one summary line, or the error (exit status 1).

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, ValueEnum};
use common::Edition;
use mpi::topology::{Process, SimpleCommunicator};
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Two MPI ranks swap a message: the deadlocking order, the fixes, sendrecv")]
struct Args {
    /// Ranks to start when run outside mpiexec (the book's 9); under mpiexec its -n decides.
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(1..))]
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
    /// The two ranks that swap messages, as FIRST,SECOND: the first sends "a", the second "b".
    #[arg(long, default_value = "1,5", value_parser = parse_pair)]
    pair: (i32, i32),
    /// How long a receive waits for its message before it gives up, in ms.
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..))]
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

/// What one rank of the pair does with its partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    ReceiveThenSend,
    SendThenReceive,
    SendReceive,
}

/// A rank's verdict, as sent to rank 0.
const RIGHT_DATA: i32 = 1;
const WRONG_DATA: i32 = 0;
const GAVE_UP: i32 = 2;

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    common::mpi_launch::ensure_launched(args.ranks)?;
    let universe = mpi::initialize().context("MPI is already initialised")?;
    let world = universe.world();
    common::mpi_launch::check_world_size(world.size())?;
    let (first, second) = args.pair;
    let size = world.size();
    if first.max(second) >= size {
        return common::mpi_launch::stop_job(
            world.rank(),
            format!(
                "ranks {first} and {second} swap messages, so the job needs at least {} ranks, \
                 but the world has {size}: use --ranks 9, or another --pair",
                first.max(second) + 1
            ),
        );
    }
    let rank = world.rank();
    match args.edition {
        Edition::Ed1 => println!("my rank is :  {rank}"),
        Edition::Ed2 => println!("my rank is {rank}"),
    }
    let (first_order, second_order) = orders(&args);
    let timeout = Duration::from_millis(args.timeout_ms);
    let verdict = if rank == first {
        let received = swap(&world, second, b'a', first_order, timeout);
        report(
            received,
            b'b',
            &format!("sending data a to process {second}"),
        )
    } else if rank == second {
        let received = swap(&world, first, b'b', second_order, timeout);
        report(
            received,
            b'a',
            &format!("sending data b :to process {first}"),
        )
    } else {
        RIGHT_DATA
    };
    check(&world, verdict, &args)
}

/// Prints what a rank of the pair sent and received, as the book does once both calls have
/// returned, and judges it. A rank that gave up waiting prints nothing, like the book's hung
/// ranks.
fn report(received: Option<u8>, expected: u8, sent_line: &str) -> i32 {
    let Some(received) = received else {
        return GAVE_UP;
    };
    println!("{sent_line}");
    println!("data received is = {}", char::from(received));
    if received == expected {
        RIGHT_DATA
    } else {
        WRONG_DATA
    }
}

// ANCHOR: orders
/// The order of each rank of the pair, as the edition's listing has it.
fn orders(args: &Args) -> (Order, Order) {
    use Order::*;
    if args.deadlock {
        return (ReceiveThenSend, ReceiveThenSend);
    }
    match (args.mode, args.edition) {
        (Mode::Ordered, Edition::Ed2) => (ReceiveThenSend, SendThenReceive),
        (Mode::Ordered, Edition::Ed1) => (SendThenReceive, ReceiveThenSend),
        (Mode::SendFirst, _) => (SendThenReceive, SendThenReceive),
        (Mode::Sendrecv, _) => (SendReceive, SendReceive),
    }
}

/// Receives on both sides before any send: nobody can ever send.
fn deadlocks(orders: (Order, Order)) -> bool {
    orders == (Order::ReceiveThenSend, Order::ReceiveThenSend)
}
// ANCHOR_END: orders

// ANCHOR: swap
/// Sends `data` to `partner` and returns what `partner` sent, in the given order; `None` if a
/// receive gave up waiting.
fn swap(
    world: &SimpleCommunicator,
    partner: i32,
    data: u8,
    order: Order,
    timeout: Duration,
) -> Option<u8> {
    let partner = world.process_at_rank(partner);
    match order {
        Order::ReceiveThenSend => {
            // Only what has been received lets this rank go on to its send.
            let received = receive_within(&partner, timeout)?;
            partner.send(&data);
            Some(received)
        }
        Order::SendThenReceive => {
            partner.send(&data);
            receive_within(&partner, timeout)
        }
        Order::SendReceive => Some(mpi::point_to_point::send_receive(&data, &partner, &partner).0),
    }
}

/// A blocking receive of one byte from `partner` that waits at most `timeout`: the receive is
/// posted at once, then tested until it completes or the time is up, when it is cancelled.
fn receive_within(partner: &Process, timeout: Duration) -> Option<u8> {
    let deadline = Instant::now() + timeout;
    let mut byte = 0u8;
    let arrived = mpi::request::scope(|scope| {
        let mut request = partner.immediate_receive_into(scope, &mut byte);
        loop {
            match request.test() {
                Ok(_status) => return true,
                Err(pending) if Instant::now() < deadline => {
                    request = pending;
                    std::thread::yield_now();
                }
                Err(pending) => {
                    pending.cancel();
                    pending.wait();
                    return false;
                }
            }
        }
    });
    arrived.then_some(byte)
}
// ANCHOR_END: swap

// ANCHOR: check
/// Rank 0 gathers every rank's verdict: a rank that gave up waiting means a deadlock (or a lost
/// partner), a wrong byte a broken exchange; either is an error (exit status 1).
fn check(world: &SimpleCommunicator, verdict: i32, args: &Args) -> anyhow::Result<()> {
    let root = world.process_at_rank(0);
    if world.rank() != 0 {
        root.gather_into(&verdict);
        return Ok(());
    }
    let mut verdicts = vec![0; usize::try_from(world.size()).expect("a world size is positive")];
    root.gather_into_root(&verdict, &mut verdicts[..]);
    let ranks_with = |code| -> Vec<usize> {
        (0..verdicts.len())
            .filter(|&r| verdicts[r] == code)
            .collect()
    };
    let stuck = ranks_with(GAVE_UP);
    anyhow::ensure!(stuck.is_empty(), "{}", timeout_message(args, &stuck));
    let wrong = ranks_with(WRONG_DATA);
    anyhow::ensure!(wrong.is_empty(), "wrong data received on ranks {wrong:?}");
    let (first, second) = args.pair;
    println!(
        "Checked: rank {first} received b and rank {second} received a ({} ranks)",
        verdicts.len()
    );
    Ok(())
}
// ANCHOR_END: check

fn timeout_message(args: &Args, stuck: &[usize]) -> String {
    let (first, second) = args.pair;
    let waited = args.timeout_ms;
    if deadlocks(orders(args)) {
        format!(
            "deadlock: ranks {first} and {second} both wait in a receive for a message the \
             other sends only after its own receive returns, so neither can go on; a blocking \
             receive would wait forever, these gave up after {waited} ms (--timeout-ms). \
             Without --deadlock one rank sends first (or use --mode sendrecv)"
        )
    } else {
        format!(
            "ranks {stuck:?} waited {waited} ms (--timeout-ms) for their partner's message and \
             gave up"
        )
    }
}

/// `--pair 1,5`: two different ranks.
fn parse_pair(text: &str) -> Result<(i32, i32), String> {
    let rank = |part: &str| {
        part.trim()
            .parse::<i32>()
            .ok()
            .filter(|rank| *rank >= 0)
            .ok_or_else(|| format!("{part:?} is not a rank"))
    };
    let (first, second) = text
        .split_once(',')
        .ok_or("expected two ranks separated by a comma, like 1,5")?;
    let pair = (rank(first)?, rank(second)?);
    if pair.0 == pair.1 {
        return Err("the two ranks must differ".into());
    }
    Ok(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Args {
        Args::parse_from(std::iter::once("mpi-deadlock").chain(extra.iter().copied()))
    }

    #[test]
    fn only_the_deadlock_flag_receives_first_on_both_sides() {
        assert!(deadlocks(orders(&args(&["--deadlock"]))));
        for extra in [
            &[][..],
            &["--edition", "ed1"],
            &["--mode", "send-first"],
            &["--mode", "sendrecv"],
        ] {
            assert!(!deadlocks(orders(&args(extra))), "{extra:?}");
        }
    }

    #[test]
    fn the_editions_fix_the_order_on_opposite_sides() {
        use Order::*;
        assert_eq!(orders(&args(&[])), (ReceiveThenSend, SendThenReceive));
        assert_eq!(
            orders(&args(&["--edition", "ed1"])),
            (SendThenReceive, ReceiveThenSend)
        );
    }

    #[test]
    fn a_pair_is_two_different_ranks() {
        assert_eq!(parse_pair("1,5"), Ok((1, 5)));
        assert_eq!(parse_pair(" 0, 1"), Ok((0, 1)));
        assert!(parse_pair("3,3").is_err());
        assert!(parse_pair("1").is_err());
        assert!(parse_pair("-1,2").is_err());
    }

    #[test]
    fn the_deadlock_message_names_the_pair_and_the_timeout() {
        let deadlock = args(&["--deadlock", "--pair", "2,3", "--timeout-ms", "7"]);
        let message = timeout_message(&deadlock, &[2, 3]);
        assert!(message.starts_with("deadlock: ranks 2 and 3"), "{message}");
        assert!(message.contains("after 7 ms"), "{message}");
        let lost = timeout_message(&args(&[]), &[5]);
        assert!(lost.starts_with("ranks [5] waited 3000 ms"), "{lost}");
    }

    #[test]
    fn a_rank_reports_what_it_received() {
        assert_eq!(report(Some(b'b'), b'b', "sent"), RIGHT_DATA);
        assert_eq!(report(Some(b'x'), b'b', "sent"), WRONG_DATA);
        assert_eq!(report(None, b'b', "sent"), GAVE_UP);
    }
}
