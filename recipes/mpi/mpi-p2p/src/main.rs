//! # Point-to-point communication
//!
//! Book: 1st edition §3.12 "Point-to-point communication"; 2nd edition chapter 4,
//! "Implementing point-to-point communication"; both `pointToPointCommunication.py`.
//!
//! Nine ranks start; rank 0 sends the number 10000000 to rank 4 and rank 1 sends the text
//! `hello` to rank 8, each with a blocking send matched by a blocking receive. The other ranks
//! only say who they are. Beyond the book, `--bench` times a ping-pong between two ranks over
//! message sizes from 1 byte to 4 MiB: the latency and bandwidth such sends cost.
//!
//! ## Run
//!
//! ```text
//! cargo run -p mpi-p2p                        # relaunches itself as mpiexec -n 9
//! mpiexec -n 9 target/debug/mpi-p2p
//! cargo run -p mpi-p2p --release -- --bench   # 2 ranks, round trips from 1 B to 4 MiB
//! mpiexec -f hosts -n 2 target/release/mpi-p2p --bench   # between two machines
//! ```
//!
//! ## Python → Rust
//!
//! - `comm.send(data, dest=4)` / `comm.recv(source=0)` (lower case: any Python object,
//!   pickled) → `world.process_at_rank(4).send(&data)` / `world.process_at_rank(0).receive()`,
//!   which move a typed value: the `i32` goes over the wire as 4 bytes with MPI's `MPI_INT`
//!   datatype, not as a pickle. The text goes as a slice of bytes (`send(text.as_bytes())`)
//!   and arrives through `receive_vec::<u8>()`, which probes the message for its length first.
//! - The bench sends byte buffers with `send` and `receive_into`, mpi4py's upper-case
//!   `Send`/`Recv` on a NumPy buffer: no allocation and no copy beyond MPI's own.
//!
//! ## Differences from the book
//!
//! - The book needs at least nine ranks (it addresses ranks 4 and 8); with fewer, mpi4py
//!   raises on the senders while the receivers, if any, wait forever. Here every rank checks
//!   the world size first and the job stops at once with one message.
//! - The run checks itself: ranks 4 and 8 compare what arrived with what was sent (`--data`,
//!   `--data1`) and rank 0 gathers their verdicts and prints one summary line, or the error
//!   (exit status 1). The bench checks that every echo holds the bytes that were sent.
//! - `--bench` is not in the book. It runs on exactly two ranks (a third would only compete for
//!   the cores); each size is timed in five batches of round trips and the fastest counts.

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
#[command(
    about = "Blocking send/receive between MPI ranks; --bench: ping-pong latency and bandwidth"
)]
struct Args {
    /// Ranks to start when run outside mpiexec [default: the book's 9, or 2 with --bench];
    /// under mpiexec its -n decides.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    ranks: Option<u32>,
    /// The number rank 0 sends to rank 4.
    #[arg(long, default_value_t = 10_000_000, allow_negative_numbers = true)]
    data: i32,
    /// The text rank 1 sends to rank 8.
    #[arg(long, default_value = "hello")]
    data1: String,
    /// Instead of the book's exchange, time round trips between ranks 0 and 1 for message
    /// sizes 1 B, 2 B, 4 B, ... up to --max-bytes, and print latency and bandwidth.
    #[arg(long)]
    bench: bool,
    /// Round trips per timed batch of --bench [default: enough to move about 16 MiB, within
    /// 4..=400].
    #[arg(long, requires = "bench", value_parser = clap::value_parser!(u32).range(1..))]
    round_trips: Option<u32>,
    /// The largest message of --bench, in bytes.
    #[arg(long, default_value_t = 4 << 20, requires = "bench",
          value_parser = clap::value_parser!(u32).range(1..=(1 << 30)))]
    max_bytes: u32,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let ranks = args.ranks.unwrap_or(if args.bench { 2 } else { 9 });
    common::mpi_launch::ensure_launched(ranks)?;
    let universe = mpi::initialize().context("MPI is already initialised")?;
    let world = universe.world();
    common::mpi_launch::check_world_size(world.size())?;
    if args.bench {
        bench(&world, args.max_bytes, args.round_trips)
    } else {
        exchange(&world, &args)
    }
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

// ANCHOR: bench
/// Ping-pong between ranks 0 and 1: rank 0 sends `size` bytes, rank 1 sends them back. Rank 0
/// times the round trips and prints one table row per size.
fn bench(
    world: &SimpleCommunicator,
    max_bytes: u32,
    round_trips: Option<u32>,
) -> anyhow::Result<()> {
    if world.size() != 2 {
        // A third rank would only compete for the cores and blur the figures.
        return common::mpi_launch::stop_job(
            world.rank(),
            format!(
                "--bench measures between two ranks, but the world has {}: use --ranks 2 or \
                 mpiexec -n 2",
                world.size()
            ),
        );
    }
    let sizes = message_sizes(max_bytes);
    let mut buffer = vec![0u8; *sizes.last().expect("max_bytes is at least 1")];
    let rank = world.rank();
    if rank == 0 {
        println!(
            "ping-pong between rank 0 and rank 1: best of {BATCHES} batches of round trips \
             (MB = 10^6 bytes; one way = half a round trip)"
        );
        println!(
            "{:>10} {:>8} {:>16} {:>12}",
            "bytes", "batch", "round trip (us)", "MB/s"
        );
    }
    let mut rows = Vec::new();
    for &size in &sizes {
        let reps = round_trips.map_or_else(|| repetitions(size), |n| n as usize);
        if rank == 0 {
            rows.push(time_round_trips(world, &mut buffer[..size], reps));
        } else {
            echo(world, &mut buffer[..size], reps);
        }
    }
    if rank == 0 {
        summarise(&rows)?;
    }
    Ok(())
}
// ANCHOR_END: bench

/// 1, 2, 4, ... bytes, up to and including `max_bytes`.
fn message_sizes(max_bytes: u32) -> Vec<usize> {
    let max = usize::try_from(max_bytes).expect("a u32 fits in usize");
    std::iter::successors(Some(1usize), |size| Some(size * 2))
        .take_while(|&size| size <= max)
        .collect()
}

/// Timed batches per size; the fastest counts, so a moment of a busy machine is not measured.
const BATCHES: usize = 5;

/// Round trips per batch: enough to move about 16 MiB each way, within 4..=400.
fn repetitions(size: usize) -> usize {
    ((16 << 20) / size).clamp(4, 400)
}

/// One row of the table: (bytes, round trips per batch, seconds per round trip, whether the
/// echo held the bytes that were sent).
type Row = (usize, usize, f64, bool);

fn time_round_trips(world: &SimpleCommunicator, buffer: &mut [u8], reps: usize) -> Row {
    let partner = world.process_at_rank(1);
    let sent: Vec<u8> = (0..buffer.len())
        .map(|i| pattern(i, buffer.len()))
        .collect();
    // A first, untimed round trip warms the connection up and shows whether the bytes come
    // back intact.
    buffer.copy_from_slice(&sent);
    partner.send(&*buffer);
    buffer.fill(0);
    partner.receive_into(buffer);
    let echoed = buffer == &sent[..];
    let (_, fastest) = common::timing::best_of(BATCHES, || {
        for _ in 0..reps {
            partner.send(&*buffer);
            partner.receive_into(buffer);
        }
    });
    let round_trip = fastest.as_secs_f64() / reps as f64;
    let size = buffer.len();
    println!("{}", format_row(size, reps, round_trip));
    (size, reps, round_trip, echoed)
}

/// Rank 1's side: receive and send back, the warm-up round trip included.
fn echo(world: &SimpleCommunicator, buffer: &mut [u8], reps: usize) {
    let partner = world.process_at_rank(0);
    for _ in 0..=BATCHES * reps {
        partner.receive_into(buffer);
        partner.send(&*buffer);
    }
}

/// The bytes of a `size`-byte message: varied, and different for each size.
fn pattern(index: usize, size: usize) -> u8 {
    u8::try_from((index + size) % 251).expect("below 251")
}

/// Bandwidth over one way: `size` bytes cross in half a round trip.
fn megabytes_per_second(size: usize, round_trip: f64) -> f64 {
    size as f64 / (round_trip / 2.0) / 1e6
}

fn format_row(size: usize, reps: usize, round_trip: f64) -> String {
    format!(
        "{size:>10} {reps:>8} {:>16.2} {:>12.1}",
        round_trip * 1e6,
        megabytes_per_second(size, round_trip)
    )
}

/// The two headline figures, then the verdict on the echoes.
fn summarise(rows: &[Row]) -> anyhow::Result<()> {
    for &(size, _, round_trip, _) in rows {
        if size == 8 {
            println!("latency (8 B): {:.2} us one way", round_trip / 2.0 * 1e6);
        }
        if size == 1 << 20 {
            let bandwidth = megabytes_per_second(size, round_trip);
            println!("bandwidth (1 MiB): {bandwidth:.1} MB/s");
        }
    }
    let garbled: Vec<usize> = rows.iter().filter(|row| !row.3).map(|row| row.0).collect();
    anyhow::ensure!(
        garbled.is_empty(),
        "rank 1 echoed other bytes than rank 0 sent, for messages of {garbled:?} bytes"
    );
    println!(
        "Checked: every echo from rank 1 matched what rank 0 sent ({} sizes, 1 to {} bytes)",
        rows.len(),
        rows.last().map_or(0, |row| row.0)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_double_up_to_the_maximum() {
        assert_eq!(message_sizes(1), [1]);
        assert_eq!(message_sizes(10), [1, 2, 4, 8]);
        let sizes = message_sizes(4 << 20);
        assert_eq!(sizes.len(), 23);
        assert_eq!(sizes.last(), Some(&(4 << 20)));
    }

    #[test]
    fn repetitions_stay_within_bounds() {
        assert_eq!(repetitions(1), 400);
        assert_eq!(repetitions(1 << 20), 16);
        assert_eq!(repetitions(4 << 20), 4);
    }

    #[test]
    fn bandwidth_counts_one_way() {
        // 1 MB there and back in 2 ms: 1 MB per millisecond one way.
        assert!((megabytes_per_second(1_000_000, 0.002) - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn a_garbled_echo_is_an_error() {
        assert!(summarise(&[(1, 4, 1e-6, true), (2, 4, 1e-6, true)]).is_ok());
        let error = summarise(&[(1, 4, 1e-6, true), (2, 4, 1e-6, false)]).unwrap_err();
        assert!(error.to_string().ends_with("[2] bytes"), "{error}");
    }

    #[test]
    fn patterns_differ_between_sizes() {
        assert_ne!(pattern(0, 8), pattern(0, 16));
        assert_eq!(pattern(250, 1), 0);
    }
}
