//! # Memory bandwidth: device, host-to-device copy, host (port addition of `gpu-bench`)
//!
//! The recipe times a compute-bound kernel; this example times memory instead. It streams
//! `--mib` MiB vectors through a one-pass vector add on the OpenCL device, copies one vector
//! from the host to the device, and copies it on the host with a plain Rust loop (one
//! thread). Each rate is the best of three runs and counts the bytes read plus the bytes
//! written; the vector add and the host copy are checked.
//!
//! ```text
//! cargo run -p gpu-bench --example bandwidth                  # 64 MiB vectors
//! cargo run -p gpu-bench --example bandwidth -- --mib 256 --platform 1 --device 0
//! ```

use std::hint::black_box;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::DeviceArgs;
use common::timing::{best_of, try_best_of};
use ocl::ProQue;

const KERNEL: &str = include_str!("../src/bandwidth.cl");
const MIB: usize = 1 << 20;
/// Each figure is the best of this many runs.
const RUNS: usize = 3;

#[derive(Parser)]
#[command(about = "Memory bandwidth of the OpenCL device, of a copy to it, and of the host")]
struct Args {
    /// Size in MiB of each vector, at most 256 (three vectors on the host and three on the
    /// device: some 1.6 GB and 4 s on PoCL).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=256))]
    mib: u32,
    #[command(flatten)]
    device: DeviceArgs,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

#[allow(unsafe_code)] // the kernel launch
fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    let bytes = args.mib as usize * MIB;
    let n = bytes / size_of::<f32>();
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(KERNEL)
        .dims(n)
        .build()
        .context("cannot build the vector add kernel")?;
    println!("{}", common::opencl::describe(&platform, &device));
    let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
    let b = vec![0.5f32; n];
    let a_buffer = pro_que.create_buffer::<f32>()?;
    let b_buffer = pro_que.buffer_builder().copy_host_slice(&b).build()?;
    let c_buffer = pro_que.create_buffer::<f32>()?;
    let kernel = pro_que
        .kernel_builder("vector_add")
        .arg(&a_buffer)
        .arg(&b_buffer)
        .arg(&c_buffer)
        .build()?;

    // ANCHOR: measure
    // A write is blocking: it returns once the copy is done.
    let ((), upload) = try_best_of(RUNS, || a_buffer.write(&a).enq())?;
    let ((), add) = try_best_of(RUNS, || {
        // SAFETY: the global size is n, the length of all three buffers, so every index is in
        // bounds; the buffers outlive the launch, which `finish` waits for.
        unsafe { kernel.enq()? };
        pro_que.finish()
    })?;
    let mut c = vec![0.0f32; n];
    c_buffer.read(&mut c).enq()?;
    let wrong = (0..n).filter(|&i| c[i] != a[i] + b[i]).count();
    ensure!(wrong == 0, "the vector add got {wrong} of {n} sums wrong");

    let ((), host) = best_of(RUNS, || {
        for (to, from) in c.iter_mut().zip(&a) {
            *to = *from;
        }
        black_box(&mut c);
    });
    ensure!(c == a, "the host copy is not a copy");
    // ANCHOR_END: measure

    println!(
        "Memory bandwidth with {} MiB vectors (bytes read + written; 1 GB = 10^9 bytes):",
        args.mib
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

/// `"  <label>: 192 MiB in 0.040000 s = 5.03 GB/s"`.
fn rate_line(label: &str, bytes: usize, took: Duration) -> String {
    let gb_per_s = bytes as f64 / took.as_secs_f64().max(1e-12) / 1e9;
    format!(
        "  {label}: {} MiB in {:.6} s = {gb_per_s:.2} GB/s",
        bytes / MIB,
        took.as_secs_f64()
    )
}
