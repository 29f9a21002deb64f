//! # GPU-accelerated libraries: GEMM, naive and tiled
//!
//! Book: 1st edition §6.9 "Using GPU-accelerated libraries with NumbaPro".
//!
//! The book hands a matrix product to cuBLAS's GEMM (C = αA·B + βD) and compares it with
//! NumPy, after surveying cuBLAS, cuFFT, cuRAND and cuSPARSE. Without a vendor library this
//! recipe writes the GEMM itself, twice: a naive kernel (one work-item per cell, everything
//! from global memory) and a tiled one (16×16 tiles staged in `__local` memory), and measures
//! both against a plain CPU loop. It first repeats the book's 10×10 A·B + D check.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-gemm                          # 10×10 check, then n = 128, 256, 512
//! cargo run -p gpu-gemm -- --book                # then n = 256, 512, 1024 (slower on a CPU)
//! cargo run -p gpu-gemm -- --sizes 1000,2048 --cpu-max 0   # big sizes, sampled checks only
//! cargo run -p gpu-gemm -- --platform 1 --device 0        # a real GPU, if OpenCL sees one
//! ```
//!
//! ## Python → Rust
//!
//! - `cublas.Blas().gemm('T', 'T', dim, dim, dim, 1.0, A, B, 1.0, D)` → the `gemm_naive` and
//!   `gemm_tiled` kernels of `src/gemm.cl`, launched on a 2-D grid of the output's shape.
//! - `np.dot(A, B)` → [`gemm_cpu`], an i-k-j triple loop on one core (no BLAS), the reference
//!   and the CPU time.
//! - `timeit.default_timer` around the library call → OpenCL profiling events, which time the
//!   kernel alone on the device; copies are timed separately.
//!
//! ## Differences from the book
//!
//! - No cuBLAS: the two GEMMs are this recipe's kernels, so their speed is what hand-written
//!   OpenCL reaches, not a tuned library's. On PoCL they run on the CPU's cores.
//! - The book's `'T', 'T'` flags only undo cuBLAS's column-major layout; everything here is
//!   row-major, so there is nothing to transpose.
//! - The book's D is all zeros, so `+ D` changes nothing; here D is random so the check sees
//!   it. A, B and D are uniform in [0, 1) (`--seed` makes them repeatable).
//! - The book prints `Maximum error` in absolute terms with six decimals; here the largest
//!   relative error is printed and must stay below 1e-4 at every size.
//! - The book times one 10×10 product; here sizes 128, 256 and 512 are timed by default
//!   (`--book` or `--sizes 256,512,1024` for the catalogue's sizes; a default run stays well
//!   under 10 s on two CPU cores). Above `--cpu-max` the CPU product is skipped and
//!   `--samples` random cells are checked against a double-precision sum instead.

use std::time::Duration;

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_matrix};
use common::timing::timed;
use ocl::enums::ProfilingInfo;
use ocl::flags::CommandQueueProperties;
use ocl::{Buffer, Event, ProQue};
use rand::RngExt;
use rand::rngs::SmallRng;

const KERNELS: &str = include_str!("gemm.cl");
/// The side of a tile, as `#define TILE` in `src/gemm.cl`: the tiled kernel's work-group side.
const TILE: usize = 16;
/// The largest relative error a cell may have (the catalogue's bound for single precision).
const MAX_RELATIVE_ERROR: f64 = 1e-4;

#[derive(Parser)]
#[command(about = "GEMM in OpenCL: a naive and a 16x16-tiled kernel against the CPU, with GFLOP/s")]
struct Args {
    /// Side of the book's A·B + D check (its dim).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=64))]
    dim: u32,
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
    /// Seed for the random matrices; random when absent, as in the book.
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
}

impl Kernel {
    fn name(self) -> &'static str {
        match self {
            Kernel::Naive => "gemm_naive",
            Kernel::Tiled => "gemm_tiled",
        }
    }
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

    book_check(&pro_que, args.dim as usize, &mut rng)?;

    let sizes = match (&args.sizes, args.book) {
        (Some(sizes), _) => sizes.clone(),
        (None, true) => vec![256, 512, 1024],
        (None, false) => vec![128, 256, 512],
    };
    println!();
    println!("GEMM C = A·B of n×n float32 matrices, 2n³ flops; device times from profiling events");
    for n in sizes {
        benchmark(&pro_que, n as usize, &args, &mut rng)?;
    }
    Ok(())
}

fn random_matrix(rng: &mut SmallRng, cells: usize) -> Vec<f32> {
    (0..cells).map(|_| rng.random()).collect()
}

// ANCHOR: book_check
/// The book's 10×10 run: A·B + D on the device (both kernels), against the CPU.
fn book_check(pro_que: &ProQue, dim: usize, rng: &mut SmallRng) -> anyhow::Result<()> {
    let a = random_matrix(rng, dim * dim);
    let b = random_matrix(rng, dim * dim);
    let d = random_matrix(rng, dim * dim);
    println!("MATRIX A :");
    println!("{}", format_matrix(&a, dim));
    println!("MATRIX B :");
    println!("{}", format_matrix(&b, dim));
    println!("MATRIX D :");
    println!("{}", format_matrix(&d, dim));

    let (mut expected, cpu_time) = timed(|| gemm_cpu(&a, &b, dim));
    for (cell, value) in expected.iter_mut().enumerate() {
        *value += d[cell];
    }
    println!("CPU took {:.6} seconds", cpu_time.as_secs_f64());
    let naive = gemm_device(pro_que, Kernel::Naive, &a, &b, 1.0, Some(&d), dim)?;
    let tiled = gemm_device(pro_que, Kernel::Tiled, &a, &b, 1.0, Some(&d), dim)?;
    println!("RESULT MATRIX A·B + D EVALUATED WITH THE TILED KERNEL");
    println!("{}", format_matrix(&tiled.c, dim));
    println!(
        "tiled kernel took {:.6} seconds",
        tiled.kernel.as_secs_f64()
    );
    let absolute = tiled
        .c
        .iter()
        .zip(&expected)
        .map(|(g, c)| (g - c).abs())
        .fold(0.0f32, f32::max);
    let naive_error = max_relative_error(&naive.c, &expected);
    let tiled_error = max_relative_error(&tiled.c, &expected);
    println!(
        "Maximum error {absolute:.6} (largest relative error: naive {naive_error:.1e}, \
         tiled {tiled_error:.1e}; bound {MAX_RELATIVE_ERROR:.0e})"
    );
    ensure!(
        naive_error < MAX_RELATIVE_ERROR && tiled_error < MAX_RELATIVE_ERROR,
        "the {dim}x{dim} A·B + D differs from the CPU's: relative errors {naive_error:e} \
         (naive), {tiled_error:e} (tiled)"
    );
    Ok(())
}
// ANCHOR_END: book_check

// ANCHOR: benchmark
/// Times the CPU, the naive and the tiled kernel on one n×n product and checks both kernels.
fn benchmark(pro_que: &ProQue, n: usize, args: &Args, rng: &mut SmallRng) -> anyhow::Result<()> {
    let a = random_matrix(rng, n * n);
    let b = random_matrix(rng, n * n);
    let flops = 2.0 * (n as f64).powi(3);
    let gflops = |took: Duration| flops / took.as_secs_f64().max(1e-12) / 1e9;
    let row = |label: &str, took: Duration| {
        println!(
            "n = {n}: {label:<26} {:>10.6} s {:>9.2} GFLOP/s",
            took.as_secs_f64(),
            gflops(took)
        );
    };

    let cpu = (n <= args.cpu_max as usize).then(|| timed(|| gemm_cpu(&a, &b, n)));
    match &cpu {
        Some((_, took)) => row("CPU (i-k-j loop, 1 core)", *took),
        None => println!("n = {n}: CPU skipped (above --cpu-max {})", args.cpu_max),
    }
    let naive = gemm_device(pro_que, Kernel::Naive, &a, &b, 1.0, None, n)?;
    row("naive kernel", naive.kernel);
    let tiled = gemm_device(pro_que, Kernel::Tiled, &a, &b, 1.0, None, n)?;
    row("tiled kernel (16x16 tiles)", tiled.kernel);
    println!(
        "n = {n}: transfers (tiled run): host to device {:.6} s, device to host {:.6} s",
        tiled.to_device.as_secs_f64(),
        tiled.to_host.as_secs_f64()
    );

    let cells = sample_cells(rng, n, args.samples as usize);
    let mut checks = Vec::new();
    for (label, run) in [("naive", &naive), ("tiled", &tiled)] {
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
/// C = alpha·A·B (+ D) for n×n matrices on the device, with the chosen kernel. The tiled kernel
/// needs whole 16×16 work-groups, so its grid is rounded up to a multiple of 16.
fn gemm_device(
    pro_que: &ProQue,
    kernel: Kernel,
    a: &[f32],
    b: &[f32],
    alpha: f32,
    d: Option<&[f32]>,
    n: usize,
) -> anyhow::Result<DeviceRun> {
    let queue = pro_que.queue();
    let mut writes = [Event::empty(), Event::empty(), Event::empty()];
    let upload = |host: &[f32], event: &mut Event| -> ocl::Result<Buffer<f32>> {
        let buffer = Buffer::<f32>::builder()
            .queue(queue.clone())
            .len(host.len())
            .build()?;
        buffer.write(host).enew(event).enq()?;
        Ok(buffer)
    };
    let [write_a, write_b, write_d] = &mut writes;
    let a_gpu = upload(a, write_a)?;
    let b_gpu = upload(b, write_b)?;
    // With beta = 0 the kernels never read D; a one-element buffer stands in.
    let (beta, d_gpu) = match d {
        Some(d) => (1.0f32, upload(d, write_d)?),
        None => (0.0f32, upload(&[0.0], write_d)?),
    };
    let c_gpu = Buffer::<f32>::builder()
        .queue(queue.clone())
        .len(n * n)
        .build()?;

    let side = i32::try_from(n).expect("clap bounds the sizes to 4096");
    let padded = match kernel {
        Kernel::Naive => n,
        Kernel::Tiled => n.div_ceil(TILE) * TILE,
    };
    let mut builder = pro_que.kernel_builder(kernel.name());
    builder
        .global_work_size((padded, padded))
        .arg(side)
        .arg(side)
        .arg(side)
        .arg(alpha)
        .arg(&a_gpu)
        .arg(&b_gpu)
        .arg(beta)
        .arg(&d_gpu)
        .arg(&c_gpu);
    if kernel == Kernel::Tiled {
        builder.local_work_size((TILE, TILE));
    }
    let gemm = builder.build()?;
    let mut run_event = Event::empty();
    common::opencl::enqueue(gemm.cmd().enew(&mut run_event))?;

    let mut c = vec![0.0; n * n];
    let mut read_event = Event::empty();
    c_gpu.read(&mut c).enew(&mut read_event).enq()?;
    let to_device = writes
        .iter()
        .map(device_time)
        .sum::<anyhow::Result<Duration>>()?;
    Ok(DeviceRun {
        c,
        to_device,
        kernel: device_time(&run_event)?,
        to_host: device_time(&read_event)?,
    })
}
// ANCHOR_END: gemm_device

/// How long a finished command ran on the device, from its profiling timestamps.
fn device_time(event: &Event) -> anyhow::Result<Duration> {
    if event.is_empty() {
        return Ok(Duration::ZERO);
    }
    event.wait_for()?;
    let start = event.profiling_info(ProfilingInfo::Start)?.time()?;
    let end = event.profiling_info(ProfilingInfo::End)?.time()?;
    Ok(Duration::from_nanos(end.saturating_sub(start)))
}

// ANCHOR: gemm_cpu
/// C = A·B on one CPU core, row by row: for each a[i][k], add a[i][k]·B's row k to C's row i,
/// so the inner loop runs along rows of B and C in memory order.
fn gemm_cpu(a: &[f32], b: &[f32], n: usize) -> Vec<f32> {
    let mut c = vec![0.0f32; n * n];
    for (c_row, a_row) in c.chunks_exact_mut(n).zip(a.chunks_exact(n)) {
        for (&a_ik, b_row) in a_row.iter().zip(b.chunks_exact(n)) {
            for (c_ij, &b_kj) in c_row.iter_mut().zip(b_row) {
                *c_ij += a_ik * b_kj;
            }
        }
    }
    c
}
// ANCHOR_END: gemm_cpu

/// The largest |got − expected| / |expected| over all cells.
fn max_relative_error(got: &[f32], expected: &[f32]) -> f64 {
    got.iter()
        .zip(expected)
        .map(|(&g, &e)| relative_error(f64::from(g), f64::from(e)))
        .fold(0.0, f64::max)
}

fn relative_error(got: f64, expected: f64) -> f64 {
    if got.is_nan() {
        return f64::INFINITY;
    }
    (got - expected).abs() / expected.abs().max(f64::MIN_POSITIVE)
}

/// `samples` random cells (row, column) of an n×n matrix; every cell when there are fewer.
fn sample_cells(rng: &mut SmallRng, n: usize, samples: usize) -> Vec<(usize, usize)> {
    if n * n <= samples {
        return (0..n * n).map(|cell| (cell / n, cell % n)).collect();
    }
    (0..samples)
        .map(|_| (rng.random_range(0..n), rng.random_range(0..n)))
        .collect()
}

/// The largest relative error of `c` on `cells`, each recomputed as a double-precision sum.
fn sampled_relative_error(
    a: &[f32],
    b: &[f32],
    c: &[f32],
    n: usize,
    cells: &[(usize, usize)],
) -> f64 {
    cells
        .iter()
        .map(|&(row, col)| {
            let exact: f64 = (0..n)
                .map(|k| f64::from(a[row * n + k]) * f64::from(b[k * n + col]))
                .sum();
            relative_error(f64::from(c[row * n + col]), exact)
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_cpu_gemm_of_small_matrices() {
        assert_eq!(
            gemm_cpu(&[1.0, 2.0, 3.0, 4.0], &[5.0, 6.0, 7.0, 8.0], 2),
            [19.0, 22.0, 43.0, 50.0]
        );
    }

    #[test]
    fn relative_errors_and_nan() {
        assert_eq!(
            max_relative_error(&[1.0, 2.2], &[1.0, 2.0]),
            (2.2f32 - 2.0) as f64 / 2.0
        );
        assert!(max_relative_error(&[f32::NAN], &[1.0]).is_infinite());
    }

    #[test]
    fn sampled_errors_use_the_exact_sum() {
        let (a, b) = ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]);
        let cells = [(0, 0), (1, 1)];
        assert_eq!(
            sampled_relative_error(&a, &b, &[19.0, 0.0, 0.0, 50.0], 2, &cells),
            0.0
        );
        assert!(sampled_relative_error(&a, &b, &[19.0, 0.0, 0.0, 51.0], 2, &cells) > 0.01);
    }

    #[test]
    fn small_matrices_are_checked_in_every_cell() {
        let mut rng = SmallRng::seed_from_u64(1);
        assert_eq!(sample_cells(&mut rng, 3, 256).len(), 9);
        let cells = sample_cells(&mut rng, 100, 50);
        assert_eq!(cells.len(), 50);
        assert!(cells.iter().all(|&(r, c)| r < 100 && c < 100));
    }
}
