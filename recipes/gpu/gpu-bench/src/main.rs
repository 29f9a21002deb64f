//! # Testing a GPU application: CPU against device
//!
//! Book: 1st edition §6.13 "Testing your GPU application with PyOpenCL"; 2nd edition chapter
//! 8, "Evaluating PyOpenCL applications", `testApplicationPyopencl.py`.
//!
//! The same job — add two vectors of 10,000 floats, recomputing each sum many times — runs on
//! the CPU and on the OpenCL device, and the times are compared. The device's time is split
//! the way its profiling events report it: copying to the device, the kernel, copying back.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-bench                       # 10,000 floats × 1,000 repeats
//! cargo run -p gpu-bench -- --book             # the book's 10,000 repeats
//! cargo run -p gpu-bench -- --platform 1 --device 0
//! cargo run -p gpu-bench --example bandwidth   # memory bandwidth: device, copy, host
//! ```
//!
//! ## Python → Rust
//!
//! - `cl.CommandQueue(context, properties=PROFILING_ENABLE)` → a `ProQue` built with
//!   `CommandQueueProperties::PROFILING_ENABLE`; `event.profile.end - event.profile.start` →
//!   `common::opencl::event_time(&event)`, which reads the event's two profiling timestamps.
//! - `cl.Buffer(..., COPY_HOST_PTR, hostbuf=a)` → an empty `Buffer` and an explicit
//!   `write(...).enew(&mut event)`, so the copy is a command with its own event and time.
//! - `program.sum(queue, ...)` → `unsafe { kernel.cmd().enew(&mut event).enq() }`: Rust cannot
//!   check the kernel's indexing, so the launch says why it is safe.
//! - `cl._enqueue_read_buffer` (a private PyOpenCL call) → the public `Buffer::read`.
//! - The CPU loop in Python → the same loop in Rust (a `fold` over the repeats): compiled, it runs some hundred times
//!   faster than the book's interpreted one, so the comparison changes side.
//!
//! ## Differences from the book
//!
//! - The kernel's and the CPU's repeat loops carry each pass into the next (`s * 0.0`, see
//!   `src/bench.cl`); the book's loop of identical stores can be optimised into one store.
//! - 1,000 repeats by default (`--repeat`, at most 100,000; `--book` for 10,000; `--length`
//!   at most 2^20); since they vary, a line states them: `Vector sum of 10000 float32, each
//!   recomputed 1000 times`. The device's info is one line instead of the full listing (`cargo run -p
//!   gpu-device-info` prints that): `OpenCL device: pthread-… (CPU, 2 compute units) on
//!   Portable Computing Language`.
//! - Copy and kernel times are printed separately, from profiling events, in an indented line
//!   after the book's "GPU Time" (wall clock from launch to result), which is kept:
//!   `  host to device … s, kernel … s, device to host … s (profiling events)`.
//! - The check (the book's `norm < 1e-5`) prints its verdict: `Check: norm of CPU - device
//!   results = 0e0 < 1e-5`.
//! - New, in the `bandwidth` example: the memory bandwidth of the device (a vector add over
//!   64 MiB vectors), of a copy from host to device, and of the host (a plain copy loop).

use std::hint::black_box;

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, event_time};
use common::timing::{Stopwatch, timed};
use ocl::flags::CommandQueueProperties;
use ocl::{Event, ProQue};
use rand::RngExt;

const KERNEL: &str = include_str!("bench.cl");

#[derive(Parser)]
#[command(about = "CPU against OpenCL device: kernel and copy times from profiling events")]
struct Args {
    /// Elements per vector (the book's 10000), at most 1048576 (2^20: some 6 s at 1000
    /// repeats on PoCL).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    length: u32,
    /// How many times each sum is recomputed, at most 100000 (some 5 s for 10000 elements)
    /// [default: 1000; the book's 10000 with --book].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    repeat: Option<u32>,
    /// Use the book's 10000 repeats.
    #[arg(long)]
    book: bool,
    /// Seed for the random vectors; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    device: DeviceArgs,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    let default_repeat = if args.book { 10_000 } else { 1_000 };
    let repeat = args.repeat.unwrap_or(default_repeat);
    let mut rng = common::seeded_rng(args.seed);
    let length = args.length as usize;
    let a: Vec<f32> = (0..length).map(|_| rng.random()).collect();
    let b: Vec<f32> = (0..length).map(|_| rng.random()).collect();

    // Profiling lets each command report its own start and end on the device.
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(KERNEL)
        .dims(length)
        .queue_properties(CommandQueueProperties::PROFILING_ENABLE)
        .build()
        .context("cannot build the kernel")?;
    println!("{}", common::opencl::describe(&platform, &device));
    println!("Vector sum of {length} float32, each recomputed {repeat} times");

    let cpu_result = test_cpu_vector_sum(&a, &b, repeat);
    let gpu_result =
        test_gpu_vector_sum(&pro_que, &a, &b, repeat).context("the device run failed")?;
    check(&cpu_result, &gpu_result)
}

// ANCHOR: cpu
/// The book's CPU loop: every sum recomputed `repeat` times. Each pass depends on the last,
/// as in the kernel, so the compiler cannot skip the repeats.
fn test_cpu_vector_sum(a: &[f32], b: &[f32], repeat: u32) -> Vec<f32> {
    let repeat = black_box(repeat);
    let sum = |(&x, &y): (&f32, &f32)| (0..repeat).fold(0.0f32, |s, _| x + y + s * 0.0);
    let (c_cpu, took) = timed(|| a.iter().zip(b).map(sum).collect());
    println!("CPU Time: {:.6} s", took.as_secs_f64());
    c_cpu
}
// ANCHOR_END: cpu

// ANCHOR: gpu
/// Copies the vectors in, runs the `sum` kernel and copies the result back, each step one
/// profiled command; prints the kernel's time, the wall time and the split.
#[allow(unsafe_code)] // the kernel launch
fn test_gpu_vector_sum(
    pro_que: &ProQue,
    a: &[f32],
    b: &[f32],
    repeat: u32,
) -> ocl::Result<Vec<f32>> {
    let a_buffer = pro_que.create_buffer::<f32>()?;
    let b_buffer = pro_que.create_buffer::<f32>()?;
    let c_buffer = pro_que.create_buffer::<f32>()?;
    let kernel = pro_que
        .kernel_builder("sum")
        .arg(&a_buffer)
        .arg(&b_buffer)
        .arg(&c_buffer)
        .arg(repeat as i32) // clap bounds --repeat to 100000
        .build()?;

    let clock = Stopwatch::start();
    let [mut write_a, mut write_b, mut run, mut read] = [(); 4].map(|()| Event::empty());
    a_buffer.write(a).enew(&mut write_a).enq()?;
    b_buffer.write(b).enew(&mut write_b).enq()?;
    // SAFETY: the global size is the vectors' length, the length of all three buffers, so
    // every work-item's index is in bounds; the buffers outlive the launch and the read.
    unsafe { kernel.cmd().enew(&mut run).enq()? };
    let mut c_gpu = vec![0.0; a.len()];
    c_buffer.read(&mut c_gpu).enew(&mut read).enq()?;
    let wall = clock.elapsed();

    let kernel_time = event_time(&run)?.as_secs_f64();
    println!("GPU Kernel evaluation Time: {kernel_time:.6} s");
    println!("GPU Time: {:.6} s", wall.as_secs_f64());
    let to_device = (event_time(&write_a)? + event_time(&write_b)?).as_secs_f64();
    let to_host = event_time(&read)?.as_secs_f64();
    println!(
        "  host to device {to_device:.6} s, kernel {kernel_time:.6} s, device to host \
         {to_host:.6} s (profiling events)"
    );
    Ok(c_gpu)
}
// ANCHOR_END: gpu

/// The book's assertion: the CPU's and the device's results agree to a norm below 1e-5.
/// They should agree exactly: both round the same single addition.
fn check(cpu: &[f32], gpu: &[f32]) -> anyhow::Result<()> {
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
}
