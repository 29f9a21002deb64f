//! # GEMM kernels, naive, tiled and blocked, against the CPU (port addition of `gpu-gemm`)
//!
//! The recipe hands its product to a library. This example writes the GEMM by hand, three
//! times, in `src/gemm.cl`: a naive kernel (one work-item per cell, everything from global
//! memory), a tiled one (16×16 tiles staged in `__local` memory, the classic GPU lesson) and a
//! register-blocked one (an 8×8 block of C per work-item, in registers, fed by vector loads) —
//! and times them against a plain one-core CPU loop at growing sizes, with GFLOP/s and the
//! blocked kernel's ratio to the naive one. Device times come from profiling events, the
//! kernel's apart from the copies. Every size is checked: against the CPU's product in every
//! cell (up to `--cpu-max`), and on `--samples` random cells against a double-precision sum.
//!
//! ```text
//! cargo run -p gpu-gemm --example kernels                  # n = 128, 256, 512
//! cargo run -p gpu-gemm --example kernels -- --book        # n = 256, 512, 1024 (slower on a CPU)
//! cargo run -p gpu-gemm --example kernels -- --sizes 1000,2048 --cpu-max 0   # sampled checks only
//! cargo run -p gpu-gemm --example kernels -- --platform 1 --device 0 --book  # on a GPU
//! ```

#[path = "../src/reference.rs"]
#[allow(dead_code)] // the example needs only part of the checks
mod reference;

use std::time::Duration;

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, event_time};
use common::timing::timed;
use ocl::flags::CommandQueueProperties;
use ocl::{Buffer, Event, ProQue};
use rand::RngExt;
use rand::rngs::SmallRng;
use reference::{
    MAX_RELATIVE_ERROR, gemm_cpu, max_relative_error, sample_cells, sampled_relative_error,
};

const KERNELS: &str = include_str!("../src/gemm.cl");
/// The side of a tile, as `#define TILE` in `src/gemm.cl`: the tiled kernel's work-group side.
const TILE: usize = 16;
/// The blocked kernel's block of C per work-item (`BLOCK_ROWS`×`BLOCK_COLS` in `src/gemm.cl`).
const BLOCK_ROWS: usize = 8;
const BLOCK_COLS: usize = 8;

#[derive(Parser)]
#[command(
    about = "GEMM in OpenCL: naive, 16x16-tiled and 8x8-blocked kernels against the CPU, with GFLOP/s"
)]
struct Args {
    /// Matrix sides to time, comma-separated [default: 128,256,512; with --book 256,512,1024].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..=4096))]
    sizes: Option<Vec<u32>>,
    /// Time the sizes 256, 512 and 1024.
    #[arg(long)]
    book: bool,
    /// Largest side for which the CPU computes (and times) the whole product.
    #[arg(long, default_value_t = 1024)]
    cpu_max: u32,
    /// Cells per size checked against a double-precision sum.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    samples: u32,
    /// Seed for the random matrices; random when absent.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    device: DeviceArgs,
}

/// Which kernel computes the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Naive,
    Tiled,
    Blocked,
}

/// One GEMM on the device: the result and how long each step took.
struct DeviceRun {
    c: Vec<f32>,
    to_device: Duration,
    kernel: Duration,
    to_host: Duration,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    let mut rng = common::seeded_rng(args.seed);
    // Profiling lets each command report its own start and end on the device.
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(KERNELS)
        .queue_properties(CommandQueueProperties::PROFILING_ENABLE)
        .build()
        .context("cannot build the GEMM kernels")?;
    println!("{}", common::opencl::describe(&platform, &device));

    let sizes = match (&args.sizes, args.book) {
        (Some(sizes), _) => sizes.clone(),
        (None, true) => vec![256, 512, 1024],
        (None, false) => vec![128, 256, 512],
    };
    println!("GEMM C = A·B of n×n float32 matrices, 2n³ flops; device times from profiling events");
    for n in sizes {
        benchmark(&pro_que, n as usize, &args, &mut rng)?;
    }
    Ok(())
}

fn random_matrix(rng: &mut SmallRng, cells: usize) -> Vec<f32> {
    (0..cells).map(|_| rng.random()).collect()
}

// ANCHOR: benchmark
/// Times the CPU and the three kernels on one n×n product and checks every kernel.
fn benchmark(pro_que: &ProQue, n: usize, args: &Args, rng: &mut SmallRng) -> anyhow::Result<()> {
    let a = random_matrix(rng, n * n);
    let b = random_matrix(rng, n * n);
    let flops = 2.0 * (n as f64).powi(3);
    let gflops = |took: Duration| flops / took.as_secs_f64().max(1e-12) / 1e9;
    let row = |label: &str, took: Duration| {
        println!(
            "n = {n}: {label:<28} {:>10.6} s {:>9.2} GFLOP/s",
            took.as_secs_f64(),
            gflops(took)
        );
    };

    let cpu = (n <= args.cpu_max as usize).then(|| timed(|| gemm_cpu(&a, &b, n)));
    match &cpu {
        Some((_, took)) => row("CPU (i-k-j loop, 1 core)", *took),
        None => println!("n = {n}: CPU skipped (above --cpu-max {})", args.cpu_max),
    }
    let naive = gemm_device(pro_que, Kernel::Naive, &a, &b, n)?;
    row("naive kernel", naive.kernel);
    let tiled = gemm_device(pro_que, Kernel::Tiled, &a, &b, n)?;
    row("tiled kernel (16x16 tiles)", tiled.kernel);
    let blocked = gemm_device(pro_que, Kernel::Blocked, &a, &b, n)?;
    row("blocked kernel (8x8, float8)", blocked.kernel);
    println!(
        "n = {n}: blocked kernel / naive kernel: {:.1}x the GFLOP/s",
        naive.kernel.as_secs_f64() / blocked.kernel.as_secs_f64().max(1e-12)
    );
    println!(
        "n = {n}: transfers (tiled run): host to device {:.6} s, device to host {:.6} s",
        tiled.to_device.as_secs_f64(),
        tiled.to_host.as_secs_f64()
    );

    let cells = sample_cells(rng, n, args.samples as usize);
    let mut checks = Vec::new();
    for (label, run) in [("naive", &naive), ("tiled", &tiled), ("blocked", &blocked)] {
        let sampled = sampled_relative_error(&a, &b, &run.c, n, &cells);
        let full = cpu.as_ref().map(|(c, _)| max_relative_error(&run.c, c));
        checks.push((label, sampled, full));
    }
    let describe = |(label, sampled, full): &(&str, f64, Option<f64>)| match full {
        Some(full) => format!("{label} {full:.1e} (all cells) {sampled:.1e} (sampled)"),
        None => format!("{label} {sampled:.1e} (sampled)"),
    };
    println!(
        "n = {n}: largest relative error: {}; {} cells sampled against f64",
        checks.iter().map(describe).collect::<Vec<_>>().join(", "),
        cells.len()
    );
    for (label, sampled, full) in &checks {
        let worst = full.unwrap_or(0.0).max(*sampled);
        ensure!(
            worst < MAX_RELATIVE_ERROR,
            "the {label} kernel's {n}x{n} product is off by a relative {worst:e}"
        );
    }
    Ok(())
}
// ANCHOR_END: benchmark

// ANCHOR: gemm_device
/// C = A·B for n×n matrices on the device, with the chosen kernel, each step a profiled
/// command. The tiled kernel needs whole 16×16 work-groups, so its grid is rounded up to a
/// multiple of 16; a blocked work-item computes 8×8 cells, so its grid is an eighth as wide
/// and as tall as C (rounded up).
#[allow(unsafe_code)] // the kernel launch
fn gemm_device(
    pro_que: &ProQue,
    kernel: Kernel,
    a: &[f32],
    b: &[f32],
    n: usize,
) -> anyhow::Result<DeviceRun> {
    let queue = pro_que.queue();
    let buffer = |len: usize| {
        Buffer::<f32>::builder()
            .queue(queue.clone())
            .len(len)
            .build()
    };
    let (a_gpu, b_gpu, c_gpu) = (buffer(n * n)?, buffer(n * n)?, buffer(n * n)?);
    // With beta = 0 the kernels never read D (as in BLAS); a one-element buffer stands in.
    let d_gpu = buffer(1)?;
    let [mut write_a, mut write_b, mut run, mut read] = [(); 4].map(|()| Event::empty());
    a_gpu.write(a).enew(&mut write_a).enq()?;
    b_gpu.write(b).enew(&mut write_b).enq()?;

    let side = n as i32; // clap bounds the sizes to 4096
    let (name, grid) = match kernel {
        Kernel::Naive => ("gemm_naive", (n, n)),
        Kernel::Tiled => (
            "gemm_tiled",
            (n.div_ceil(TILE) * TILE, n.div_ceil(TILE) * TILE),
        ),
        Kernel::Blocked => (
            "gemm_blocked",
            (n.div_ceil(BLOCK_COLS), n.div_ceil(BLOCK_ROWS)),
        ),
    };
    let mut builder = pro_que.kernel_builder(name);
    builder
        .global_work_size(grid)
        .arg(side) // M
        .arg(side) // N
        .arg(side) // K
        .arg(1.0f32) // alpha
        .arg(&a_gpu)
        .arg(&b_gpu)
        .arg(0.0f32) // beta
        .arg(&d_gpu)
        .arg(&c_gpu);
    if kernel == Kernel::Tiled {
        builder.local_work_size((TILE, TILE));
    }
    let gemm = builder.build()?;
    // SAFETY: every kernel skips work-items outside the n×n output (the tiled grid's padding
    // only puts zeros into local memory); the others read A and B and write C below n·n, the
    // length of those buffers (a blocked work-item's vector loads and stores stay inside its
    // rows: edge blocks take the guarded scalar loop), and never read D since beta is 0. The
    // buffers outlive the launch: the blocking read below waits for it.
    unsafe { gemm.cmd().enew(&mut run).enq()? };

    let mut c = vec![0.0; n * n];
    c_gpu.read(&mut c).enew(&mut read).enq()?;
    Ok(DeviceRun {
        c,
        to_device: event_time(&write_a)? + event_time(&write_b)?,
        kernel: event_time(&run)?,
        to_host: event_time(&read)?,
    })
}
// ANCHOR_END: gemm_device
