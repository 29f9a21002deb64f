//! # Testing a GPU application: CPU against device
//!
//! Book: 1st edition §6.13 "Testing your GPU application with PyOpenCL"; 2nd edition chapter
//! 8, "Evaluating PyOpenCL applications", `testApplicationPyopencl.py`.
//!
//! The same job — add two vectors of 10,000 floats, recomputing each sum many times — runs on
//! the CPU and on the OpenCL device, and the times are compared. The device's time is split
//! the way its profiling events report it: copying to the device, the kernel, copying back.
//! A second measurement moves 64 MiB vectors through a one-pass vector add to give the
//! device's memory bandwidth, next to the host's own, measured with a plain Rust copy loop.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-bench                       # 10,000 floats × 1,000 repeats, 64 MiB vectors
//! cargo run -p gpu-bench -- --book             # the book's 10,000 repeats
//! cargo run -p gpu-bench -- --bandwidth-mib 256 --platform 1 --device 0
//! ```
//!
//! ## Python → Rust
//!
//! - `cl.CommandQueue(context, properties=PROFILING_ENABLE)` → a `ProQue` built with
//!   `CommandQueueProperties::PROFILING_ENABLE`; `event.profile.end - event.profile.start` →
//!   `Event::profiling_info(ProfilingInfo::End/Start)`, in nanoseconds.
//! - `cl.Buffer(..., COPY_HOST_PTR, hostbuf=a)` → an empty `Buffer` and an explicit
//!   `write(...).enew(&mut event)`, so the copy is a command with its own event and time.
//! - `cl._enqueue_read_buffer` (a private PyOpenCL call) → the public `Buffer::read`.
//! - The CPU loop in Python → the same loop in Rust: compiled, it runs some hundred times
//!   faster than the book's interpreted one, so the comparison changes side.
//!
//! ## Differences from the book
//!
//! - The kernel's and the CPU's repeat loops carry each pass into the next (`s * 0.0`, see
//!   `src/bench.cl`); the book's loop of identical stores can be optimised into one store.
//! - 1,000 repeats by default (`--repeat`; `--book` for 10,000); the device's info is one line
//!   instead of the full listing (`cargo run -p gpu-device-info` prints that).
//! - Copy and kernel times are printed separately, from profiling events; the book's "GPU
//!   Time" (wall clock from launch to result) is kept.
//! - The memory-bandwidth lines are new: a vector add over `--bandwidth-mib` MiB vectors on the
//!   device, a copy from host to device, and a plain copy loop on the host (one thread), each
//!   the best of three runs.
//! - The check (the book's `norm < 1e-5`) prints its verdict; the vector add is checked too.

use std::hint::black_box;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::DeviceArgs;
use common::timing::{Stopwatch, best_of, timed};
use ocl::enums::ProfilingInfo;
use ocl::flags::CommandQueueProperties;
use ocl::{Buffer, Event, ProQue};
use rand::RngExt;

const KERNELS: &str = include_str!("bench.cl");
const MIB: usize = 1 << 20;

#[derive(Parser)]
#[command(about = "CPU against OpenCL device: kernel and copy times from profiling events, GB/s")]
struct Args {
    /// Elements per vector (the book's 10000).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=16_777_216))]
    length: u32,
    /// How many times each sum is recomputed [default: 1000; the book's 10000 with --book].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    repeat: Option<u32>,
    /// Use the book's 10000 repeats.
    #[arg(long)]
    book: bool,
    /// Size in MiB of each vector of the bandwidth measurement.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    bandwidth_mib: u32,
    /// Seed for the random vectors; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    device: DeviceArgs,
}

/// The device's result and its times: three profiled commands, and the wall clock around them.
struct DeviceRun {
    c: Vec<f32>,
    to_device: Duration,
    kernel: Duration,
    to_host: Duration,
    wall: Duration,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    let repeat = args
        .repeat
        .unwrap_or(if args.book { 10_000 } else { 1_000 });
    let mut rng = common::seeded_rng(args.seed);
    let length = args.length as usize;
    let a: Vec<f32> = (0..length).map(|_| rng.random()).collect();
    let b: Vec<f32> = (0..length).map(|_| rng.random()).collect();

    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(KERNELS)
        .queue_properties(CommandQueueProperties::PROFILING_ENABLE)
        .build()
        .context("cannot build the kernels")?;
    println!("{}", common::opencl::describe(&platform, &device));
    println!("Vector sum of {length} float32, each recomputed {repeat} times");

    let (cpu_result, cpu_time) = timed(|| test_cpu_vector_sum(&a, &b, repeat));
    println!("CPU Time: {:.6} s", cpu_time.as_secs_f64());
    let gpu = test_gpu_vector_sum(&pro_que, &a, &b, repeat).context("the device run failed")?;
    println!(
        "GPU Kernel evaluation Time: {:.6} s",
        gpu.kernel.as_secs_f64()
    );
    println!("GPU Time: {:.6} s", gpu.wall.as_secs_f64());
    println!(
        "  host to device {:.6} s, kernel {:.6} s, device to host {:.6} s (profiling events)",
        gpu.to_device.as_secs_f64(),
        gpu.kernel.as_secs_f64(),
        gpu.to_host.as_secs_f64()
    );
    check(&cpu_result, &gpu.c)?;

    bandwidth(&pro_que, args.bandwidth_mib as usize * MIB)
}

// ANCHOR: cpu
/// The book's CPU loop: every sum recomputed `repeat` times. Each pass depends on the last,
/// as in the kernel, so the compiler cannot skip the repeats.
fn test_cpu_vector_sum(a: &[f32], b: &[f32], repeat: u32) -> Vec<f32> {
    let repeat = black_box(repeat);
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let mut s = 0.0f32;
            for _ in 0..repeat {
                s = x + y + s * 0.0;
            }
            s
        })
        .collect()
}
// ANCHOR_END: cpu

// ANCHOR: gpu
/// Copies the vectors in, runs the `sum` kernel and copies the result back, each step one
/// profiled command.
fn test_gpu_vector_sum(
    pro_que: &ProQue,
    a: &[f32],
    b: &[f32],
    repeat: u32,
) -> anyhow::Result<DeviceRun> {
    let buffer = || {
        Buffer::<f32>::builder()
            .queue(pro_que.queue().clone())
            .len(a.len())
            .build()
    };
    let (a_buffer, b_buffer, c_buffer) = (buffer()?, buffer()?, buffer()?);
    let kernel = pro_que
        .kernel_builder("sum")
        .global_work_size(a.len())
        .arg(&a_buffer)
        .arg(&b_buffer)
        .arg(&c_buffer)
        .arg(i32::try_from(repeat).expect("clap bounds --repeat to a million"))
        .build()?;

    let clock = Stopwatch::start();
    let (mut write_a, mut write_b, mut run, mut read) = (
        Event::empty(),
        Event::empty(),
        Event::empty(),
        Event::empty(),
    );
    a_buffer.write(a).enew(&mut write_a).enq()?;
    b_buffer.write(b).enew(&mut write_b).enq()?;
    common::opencl::enqueue(kernel.cmd().enew(&mut run))?;
    let mut c = vec![0.0; a.len()];
    c_buffer.read(&mut c).enew(&mut read).enq()?;
    let wall = clock.elapsed();
    Ok(DeviceRun {
        c,
        to_device: device_time(&write_a)? + device_time(&write_b)?,
        kernel: device_time(&run)?,
        to_host: device_time(&read)?,
        wall,
    })
}
// ANCHOR_END: gpu

/// How long a finished command ran on the device, from its profiling timestamps.
fn device_time(event: &Event) -> anyhow::Result<Duration> {
    event.wait_for()?;
    let start = event.profiling_info(ProfilingInfo::Start)?.time()?;
    let end = event.profiling_info(ProfilingInfo::End)?.time()?;
    Ok(Duration::from_nanos(end.saturating_sub(start)))
}

/// The book's assertion: the CPU's and the device's results agree to a norm below 1e-5.
/// They should agree exactly: both round the same single addition.
fn check(cpu: &[f32], gpu: &[f32]) -> anyhow::Result<()> {
    ensure!(
        cpu.len() == gpu.len(),
        "{} device results for {} sums",
        gpu.len(),
        cpu.len()
    );
    let norm = cpu
        .iter()
        .zip(gpu)
        .map(|(c, g)| f64::from(c - g).powi(2))
        .sum::<f64>()
        .sqrt();
    ensure!(
        norm < 1e-5,
        "the device's sums differ from the CPU's: norm {norm:e}"
    );
    println!("Check: norm of CPU - device results = {norm:e} < 1e-5");
    Ok(())
}

// ANCHOR: bandwidth
/// GB/s of the device (a one-pass vector add over `bytes`-sized vectors), of a copy from the
/// host to the device, and of the host alone (a plain copy loop); each the best of three runs.
/// Every rate counts the bytes read plus the bytes written.
fn bandwidth(pro_que: &ProQue, bytes: usize) -> anyhow::Result<()> {
    let n = bytes / size_of::<f32>();
    let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
    let b = vec![0.5f32; n];
    let buffer = || {
        Buffer::<f32>::builder()
            .queue(pro_que.queue().clone())
            .len(n)
            .build()
    };
    let (a_buffer, b_buffer, c_buffer) = (buffer()?, buffer()?, buffer()?);
    b_buffer.write(&b).enq()?;
    let upload = best_device_time(|event| a_buffer.write(&a).enew(event).enq())?;
    let kernel = pro_que
        .kernel_builder("vector_add")
        .global_work_size(n)
        .arg(&a_buffer)
        .arg(&b_buffer)
        .arg(&c_buffer)
        .build()?;
    let add = best_device_time(|event| common::opencl::enqueue(kernel.cmd().enew(event)))?;
    let mut c = vec![0.0f32; n];
    c_buffer.read(&mut c).enq()?;
    let wrong = (0..n).filter(|&i| c[i] != a[i] + b[i]).count();
    ensure!(wrong == 0, "the vector add got {wrong} of {n} sums wrong");

    let ((), host) = best_of(3, || {
        for (to, from) in c.iter_mut().zip(&a) {
            *to = *from;
        }
        black_box(&mut c);
    });
    ensure!(c == a, "the host copy is not a copy");

    println!(
        "Memory bandwidth with {} MiB vectors (bytes read + written; 1 GB = 10^9 bytes):",
        bytes / MIB
    );
    println!(
        "{}",
        rate_line("device, vector add c = a + b", 3 * bytes, add)
    );
    println!(
        "{}",
        rate_line("copy of a from host to device", 2 * bytes, upload)
    );
    println!(
        "{}",
        rate_line("host, plain Rust copy loop", 2 * bytes, host)
    );
    Ok(())
}

/// The shortest of three runs of a command, as its profiling event reports it.
fn best_device_time(
    mut command: impl FnMut(&mut Event) -> ocl::Result<()>,
) -> anyhow::Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let mut event = Event::empty();
        command(&mut event)?;
        best = best.min(device_time(&event)?);
    }
    Ok(best)
}
// ANCHOR_END: bandwidth

/// `"  <label>: 192 MiB in 0.040000 s = 5.03 GB/s"`.
fn rate_line(label: &str, bytes: usize, took: Duration) -> String {
    let gb_per_s = bytes as f64 / took.as_secs_f64().max(1e-12) / 1e9;
    format!(
        "  {label}: {} MiB in {:.6} s = {gb_per_s:.2} GB/s",
        bytes / MIB,
        took.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repeated_sum_is_the_plain_sum() {
        let (a, b) = ([0.25f32, 1.5, 3.0], [0.5f32, 0.125, 4.0]);
        assert_eq!(test_cpu_vector_sum(&a, &b, 1000), [0.75, 1.625, 7.0]);
    }

    #[test]
    fn check_uses_the_books_norm() {
        assert!(check(&[1.0, 2.0], &[1.0, 2.0]).is_ok());
        assert!(check(&[1.0, 2.0], &[1.0, 2.001]).is_err());
    }

    #[test]
    fn rates_are_bytes_over_seconds() {
        assert_eq!(
            rate_line("x", 3 * 64 * MIB, Duration::from_millis(100)),
            "  x: 192 MiB in 0.100000 s = 2.01 GB/s"
        );
    }
}
