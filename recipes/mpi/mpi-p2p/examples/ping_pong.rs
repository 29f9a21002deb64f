//! # mpi-p2p, port addition: ping-pong latency and bandwidth
//!
//! What do the recipe's blocking sends cost? Ranks 0 and 1 play ping-pong: rank 0 sends a
//! message, rank 1 sends it back, for sizes 1 B, 2 B, 4 B, ... up to `--max-bytes` (4 MiB).
//! Rank 0 times each size in five batches of round trips, keeps the fastest, and prints the
//! round trip and the one-way bandwidth; small messages show the latency, large ones the
//! bandwidth. Every echo is checked against what was sent.
//!
//! ```text
//! cargo run -p mpi-p2p --release --example ping_pong            # relaunches as mpiexec -n 2
//! mpiexec -f hosts -n 2 target/release/examples/ping_pong      # between two machines
//! ```
//!
//! The buffers go with `send` and `receive_into`, mpi4py's upper-case `Send`/`Recv` on a NumPy
//! buffer: no allocation and no copy beyond MPI's own. It runs on exactly two ranks; a third
//! would only compete for the cores.

use anyhow::Context;
use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Ping-pong between two MPI ranks: latency and bandwidth by message size")]
struct Args {
    /// Ranks to start when run outside mpiexec, at most 64; the ping-pong needs exactly 2.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: u32,
    /// Round trips per timed batch, at most 100 (every size makes that many: some 15 s up to
    /// 4 MiB) [default: enough to move about 16 MiB, within 4..=400].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    round_trips: Option<u32>,
    /// The largest message, in bytes, at most 16 MiB (16777216, a run of some 5 s).
    #[arg(long, default_value_t = 4 << 20)]
    #[arg(value_parser = clap::value_parser!(u32).range(1..=(16 << 20)))]
    max_bytes: u32,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    common::mpi_launch::ensure_launched(args.ranks)?;
    let universe = mpi::initialize().context("MPI is already initialised")?;
    let world = universe.world();
    common::mpi_launch::check_world_size(world.size())?;
    ping_pong(&world, args.max_bytes, args.round_trips)
}

// ANCHOR: ping_pong
/// Ping-pong between ranks 0 and 1: rank 0 sends `size` bytes, rank 1 sends them back. Rank 0
/// times the round trips and prints one table row per size.
fn ping_pong(
    world: &SimpleCommunicator,
    max_bytes: u32,
    round_trips: Option<u32>,
) -> anyhow::Result<()> {
    if world.size() != 2 {
        // A third rank would only compete for the cores and blur the figures.
        return common::mpi_launch::stop_job(
            world.rank(),
            format!(
                "the ping-pong measures between two ranks, but the world has {}: use --ranks 2 or \
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
// ANCHOR_END: ping_pong

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
