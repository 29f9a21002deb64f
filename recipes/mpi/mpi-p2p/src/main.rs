//! # Point-to-point communication
//!
//! Book: 1st edition §3.12 "Point-to-point communication"; 2nd edition chapter 4,
//! "Implementing point-to-point communication"; both `pointToPointCommunication.py`.
//!
//! Nine ranks start; rank 0 sends the number 10000000 to rank 4 and rank 1 sends the text
//! `hello` to rank 8, each with a blocking send matched by a blocking receive. The other ranks
//! only say who they are.
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-p2p                        # relaunches itself as mpiexec -n 9
//! mpiexec -n 9 target/debug/mpi-p2p
//! cargo run -p mpi-p2p --release --example ping_pong   # 2 ranks: latency and bandwidth
//! ```
//!
//! ## Python → Rust
//!
//! - `comm.send(data, dest=4)` / `comm.recv(source=0)` (lower case: any Python object,
//!   pickled) → `world.process_at_rank(4).send(&data)` / `world.process_at_rank(0).receive()`,
//!   which move a typed value: the `i32` goes over the wire as 4 bytes with MPI's `MPI_INT`
//!   datatype, not as a pickle. The text goes as a slice of bytes (`send(text.as_bytes())`)
//!   and arrives through `receive_vec::<u8>()`, which probes the message for its length first.
//!
//! ## Differences from the book
//!
//! - The book needs at least nine ranks (it addresses ranks 4 and 8); with fewer, mpi4py
//!   raises on the senders while the receivers, if any, wait forever. Here every rank checks
//!   the world size first and the job stops at once with one message.
//! - The run checks itself: ranks 4 and 8 compare what arrived with what was sent (`--data`,
//!   `--data1`) and rank 0 gathers their verdicts and prints one summary line, `Checked: rank
//!   4 received 10000000 from rank 0 and rank 8 received hello from rank 1 (9 ranks)`, or the
//!   error (exit status 1).
//! - The `ping_pong` example is not in the book: it times round trips between two ranks for
//!   messages of 1 byte to 4 MiB, the latency and bandwidth such sends cost.

use anyhow::Context;
use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// The ranks of the book's two exchanges: 0 → 4 (a number) and 1 → 8 (a text).
const NUMBER_FROM: i32 = 0;
const NUMBER_TO: i32 = 4;
const TEXT_FROM: i32 = 1;
const TEXT_TO: i32 = 8;

#[derive(Parser)]
#[command(about = "Blocking send/receive between MPI ranks: a number 0 → 4, a text 1 → 8")]
struct Args {
    /// Ranks to start when run outside mpiexec (the book's 9), at most 64;
    /// under mpiexec its -n decides.
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: u32,
    /// The number rank 0 sends to rank 4.
    #[arg(long, default_value_t = 10_000_000, allow_negative_numbers = true)]
    data: i32,
    /// The text rank 1 sends to rank 8.
    #[arg(long, default_value = "hello")]
    data1: String,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    common::mpi_launch::ensure_launched(args.ranks)?;
    let universe = mpi::initialize().context("MPI is already initialised")?;
    let world = universe.world();
    common::mpi_launch::check_world_size(world.size())?;
    exchange(&world, &args)
}

// ANCHOR: exchange
/// The book's program: two blocking sends, each matched by a blocking receive.
fn exchange(world: &SimpleCommunicator, args: &Args) -> anyhow::Result<()> {
    if world.size() <= TEXT_TO {
        return common::mpi_launch::stop_job(
            world.rank(),
            format!(
                "mpi-p2p needs at least {} ranks (it sends to ranks {NUMBER_TO} and {TEXT_TO}), \
                 but the world has {}: use --ranks 9 or mpiexec -n 9",
                TEXT_TO + 1,
                world.size()
            ),
        );
    }
    let rank = world.rank();
    println!("my rank is :  {rank}");
    let mut correct = true;
    match rank {
        NUMBER_FROM => {
            world.process_at_rank(NUMBER_TO).send(&args.data);
            println!("sending data {} to process {NUMBER_TO}", args.data);
        }
        TEXT_FROM => {
            world.process_at_rank(TEXT_TO).send(args.data1.as_bytes());
            println!("sending data {} :to process {TEXT_TO}", args.data1);
        }
        NUMBER_TO => {
            let (data, _status) = world.process_at_rank(NUMBER_FROM).receive::<i32>();
            println!("data received is = {data}");
            correct = expect_received(rank, &data, &args.data);
        }
        TEXT_TO => {
            let (bytes, _status) = world.process_at_rank(TEXT_FROM).receive_vec::<u8>();
            let data1 = String::from_utf8_lossy(&bytes).into_owned();
            println!("data1 received is = {data1}");
            correct = expect_received(rank, &data1, &args.data1);
        }
        _ => {}
    }
    check(world, correct, args)
}
// ANCHOR_END: exchange

fn expect_received<T: PartialEq + std::fmt::Debug>(rank: i32, got: &T, sent: &T) -> bool {
    if got != sent {
        eprintln!("error: rank {rank} received {got:?}, but {sent:?} was sent");
    }
    got == sent
}

/// Rank 0 gathers every rank's verdict; a wrong value anywhere is an error (exit status 1).
fn check(world: &SimpleCommunicator, correct: bool, args: &Args) -> anyhow::Result<()> {
    let root = world.process_at_rank(0);
    let verdict = i32::from(correct);
    if world.rank() != 0 {
        root.gather_into(&verdict);
        return Ok(());
    }
    let mut verdicts = vec![0; usize::try_from(world.size()).expect("a world size is positive")];
    root.gather_into_root(&verdict, &mut verdicts[..]);
    let wrong: Vec<usize> = (0..verdicts.len()).filter(|&r| verdicts[r] != 1).collect();
    anyhow::ensure!(wrong.is_empty(), "wrong data received on ranks {wrong:?}");
    println!(
        "Checked: rank {NUMBER_TO} received {} from rank {NUMBER_FROM} and rank {TEXT_TO} \
         received {} from rank {TEXT_FROM} ({} ranks)",
        args.data,
        args.data1,
        verdicts.len()
    );
    Ok(())
}
