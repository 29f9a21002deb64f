//! # GPU-accelerated libraries: GEMM
//!
//! Book: 1st edition §6.9 "Using GPU-accelerated libraries with NumbaPro".
//!
//! The book surveys cuBLAS, cuFFT, cuRAND and cuSPARSE, then hands a matrix product to cuBLAS's
//! GEMM (C = αA·B + βD) and times it against NumPy's. This recipe does the same with the
//! libraries within reach of any OpenCL machine: random A, B and D; A·B + D on the OpenCL
//! device by CLBlast, the OpenCL BLAS; the same product on the CPU by the `matrixmultiply`
//! crate; each checked against the other and against a double-precision sum; the GFLOP/s of
//! both, next to the CPU's peak. `--numpy` adds NumPy's `A @ B` of the same size as the anchor.
//!
//! ## Run
//!
//! ```text
//! cargo run --release -p gpu-gemm                  # n = 1024; the first run tunes CLBlast (below)
//! cargo run --release -p gpu-gemm -- --dim 10 --seed 1   # the book's 10×10, matrices printed
//! cargo run --release -p gpu-gemm -- --numpy       # ratios to NumPy's A @ B (python3 + numpy)
//! cargo run --release -p gpu-gemm -- --numpy --python .venv/bin/python3
//! cargo run --release -p gpu-gemm -- --platform 1 --device 0   # a real GPU, if OpenCL sees one
//! cargo run --release -p gpu-gemm -- --retune      # search CLBlast's parameters again
//! cargo run --release -p gpu-gemm --example kernels        # hand-written kernels: naive, tiled, blocked
//! cargo run --release -p gpu-gemm --example kernels -- --book   # n = 256, 512, 1024
//! ```
//!
//! CLBlast comes from scripts/setup.sh (Debian's `libclblast-dev`). Its first product on a
//! device compiles its kernels (seconds; PoCL keeps them on disk), reported apart from the
//! product's time. On a CPU device the first run also tunes CLBlast's GEMM: it times a few
//! parameter sets once and keeps the fastest in a file (`src/tuning.rs` says how).
//!
//! ## Python → Rust
//!
//! - `cublas.Blas().gemm('T', 'T', n, n, n, 1.0, A, B, 1.0, D)` → CLBlast's `CLBlastSgemm` with
//!   α = β = 1 on `ocl`'s queue and buffers, through a short FFI declaration
//!   (`src/clblast.rs`; the library is loaded at run time).
//! - `np.dot(A, B)` → `matrixmultiply::sgemm`, a pure-Rust BLAS-style GEMM on every core.
//!   `--numpy` times NumPy itself in a Python child.
//! - `timeit.default_timer` around each product → `common::timing::timed`, after a warm-up
//!   product, with `finish()` so the device's time ends when its work does.
//!
//! ## Differences from the book
//!
//! - CLBlast, not cuBLAS: the same BLAS call on any OpenCL device. On PoCL the "device" is the
//!   CPU, so CLBlast competes with the CPU libraries on their own ground and loses; on a GPU
//!   the order reverses.
//! - The book's `'T', 'T'` flags only undo cuBLAS's column-major layout; here everything is
//!   row-major and CLBlast is told so.
//! - Default side 1024 (the book: 10) so that GFLOP/s mean something; matrices are printed up
//!   to 10×10. The book's D is all zeros, so `+ D` changes nothing; here D is random so the
//!   check sees it. A, B and D are uniform in [0, 1) (`--seed` makes them repeatable).
//! - The check: every cell of CLBlast's C against matrixmultiply's, and sampled cells of both
//!   against a double-precision sum, each within a relative 1e-4, or the run exits 1.
//! - Times are medians of `--repeat` products (default 3), after a warm-up product.
//! - New, in the `kernels` example: this cookbook's own GEMM kernels — naive, 16×16 tiles in
//!   local memory, and register-blocked with vector loads — timed against a one-core loop.

mod clblast;
mod numpy;
mod peak;
#[allow(dead_code)] // part of it serves the `kernels` example
mod reference;
mod tuning;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_matrix};
use common::timing::timed;
use ocl::{Buffer, Context, Queue};
use rand::RngExt;
use reference::{
    MAX_RELATIVE_ERROR, max_relative_error, sample_cells, sampled_relative_error_plus,
};

#[derive(Parser)]
#[command(about = "GEMM by libraries: CLBlast on the OpenCL device, matrixmultiply on the CPU")]
struct Args {
    /// Side of the matrices (the book's dim is 10).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=8192))]
    dim: u32,
    /// Seed for the random matrices; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    /// Timed products per library; the median counts.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: u32,
    /// Also time NumPy's A @ B at the same side, the anchor of the ratios.
    #[arg(long)]
    numpy: bool,
    /// The Python interpreter for --numpy.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// The CLBlast shared library: a soname or a path.
    #[arg(long, default_value = clblast::LIBRARY)]
    clblast: String,
    #[command(flatten)]
    tuning: tuning::TuningArgs,
    #[command(flatten)]
    device: DeviceArgs,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

// ANCHOR: book
fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    let clblast = clblast::Clblast::load(&args.clblast)?;
    let context = Context::builder()
        .platform(platform)
        .devices(device)
        .build()?;
    let queue = Queue::new(&context, device, None)?;
    println!("{}", common::opencl::describe(&platform, &device));
    let peak = peak::Peak::of_this_machine();
    if let Some(peak) = &peak {
        println!("CPU fp32 peak: {}", peak.describe());
    }
    let lanes = peak.as_ref().map_or(8, |peak| peak.lanes);
    let tuned = tuning::apply(&clblast, &queue, &device, lanes, &args.tuning)?;
    println!("CLBlast GEMM parameters: {tuned}");

    let mut rng = common::seeded_rng(args.seed);
    let n = args.dim as usize;
    let mut random_matrix = || -> Vec<f32> { (0..n * n).map(|_| rng.random()).collect() };
    let (a, b, d) = (random_matrix(), random_matrix(), random_matrix());
    if n <= 10 {
        for (name, matrix) in [("A", &a), ("B", &b), ("D", &d)] {
            println!("MATRIX {name} :\n{}", format_matrix(matrix, n));
        }
    }
    let repeat = args.repeat as usize;
    let (cpu, cpu_time) = gemm_cpu(&a, &b, &d, n, repeat);
    let (c, compile_time, gpu_time) =
        gemm_clblast(&clblast, &queue, (&a, &b, &d), n, repeat).context("the GEMM failed")?;
    if n <= 10 {
        println!(
            "RESULT MATRIX A·B + D EVALUATED WITH CLBLAST\n{}",
            format_matrix(&c, n)
        );
    }
    let gflops = |took: Duration| 2.0 * (n as f64).powi(3) / took.as_secs_f64().max(1e-12) / 1e9;
    println!(
        "matrixmultiply (CPU) took {:.6} seconds: {:.2} GFLOP/s",
        cpu_time.as_secs_f64(),
        gflops(cpu_time)
    );
    println!(
        "CLBlast first call (compiles its kernels) took {:.6} seconds",
        compile_time.as_secs_f64()
    );
    println!(
        "CLBlast took {:.6} seconds: {:.2} GFLOP/s",
        gpu_time.as_secs_f64(),
        gflops(gpu_time)
    );
    println!(
        "CLBlast / matrixmultiply: {:.2}",
        gflops(gpu_time) / gflops(cpu_time)
    );

    let cells = sample_cells(&mut rng, n, 256);
    let between = max_relative_error(&c, &cpu);
    let exact = |c: &[f32]| sampled_relative_error_plus(&a, &b, Some(&d), c, n, &cells);
    let (gpu_exact, cpu_exact) = (exact(&c), exact(&cpu));
    let absolute = reference::max_absolute_error(&c, &cpu);
    println!(
        "Maximum error {absolute:.6} (largest relative error: CLBlast vs matrixmultiply \
         {between:.1e} in all cells; against f64 in {} sampled cells: CLBlast {gpu_exact:.1e}, \
         matrixmultiply {cpu_exact:.1e}; bound {MAX_RELATIVE_ERROR:.0e})",
        cells.len()
    );
    let worst = between.max(gpu_exact).max(cpu_exact);
    ensure!(
        worst < MAX_RELATIVE_ERROR,
        "the {n}x{n} products are off by a relative {worst:e}"
    );

    if args.numpy {
        match numpy::time_matmul(&args.python, n, repeat)? {
            numpy::Anchor::Timed { seconds, version } => {
                let numpy = gflops(Duration::from_secs_f64(seconds));
                println!("NumPy {version} A @ B took {seconds:.6} seconds: {numpy:.2} GFLOP/s");
                println!("CLBlast / NumPy: {:.2}", gflops(gpu_time) / numpy);
                println!("matrixmultiply / NumPy: {:.2}", gflops(cpu_time) / numpy);
            }
            numpy::Anchor::Missing(why) => println!("NumPy anchor skipped: {why}"),
        }
    }
    Ok(())
}
// ANCHOR_END: book

// ANCHOR: gemm_clblast
/// C = A·B + D by CLBlast on `queue`'s device: the result, the first call's time (it compiles
/// CLBlast's kernels) and the median of `repeat` timed calls.
fn gemm_clblast(
    clblast: &clblast::Clblast,
    queue: &Queue,
    (a, b, d): (&[f32], &[f32], &[f32]),
    n: usize,
    repeat: usize,
) -> anyhow::Result<(Vec<f32>, Duration, Duration)> {
    let buffer = |values: &[f32]| {
        Buffer::<f32>::builder()
            .queue(queue.clone())
            .len(n * n)
            .copy_host_slice(values)
            .build()
    };
    let (a_gpu, b_gpu, c_gpu) = (buffer(a)?, buffer(b)?, buffer(d)?);
    // With beta = 1, CLBlast adds A·B to what C holds: D, written before each call.
    let product = || -> anyhow::Result<Duration> {
        c_gpu.write(d).enq()?;
        queue.finish()?;
        let (done, took) = timed(|| -> anyhow::Result<()> {
            clblast.sgemm(queue, (n, n, n), 1.0, &a_gpu, &b_gpu, 1.0, &c_gpu)?;
            Ok(queue.finish()?)
        });
        done?;
        Ok(took)
    };
    let compile_time = product()?;
    let times = (0..repeat)
        .map(|_| product())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut c = vec![0.0; n * n];
    c_gpu.read(&mut c).enq()?;
    Ok((c, compile_time, median(times)))
}
// ANCHOR_END: gemm_clblast

// ANCHOR: gemm_cpu
/// C = A·B + D by `matrixmultiply` on the CPU's cores (its `threading` feature): the result
/// and the median of `repeat` timed calls, after a warm-up call.
#[allow(unsafe_code)] // matrixmultiply takes raw pointers and strides
fn gemm_cpu(a: &[f32], b: &[f32], d: &[f32], n: usize, repeat: usize) -> (Vec<f32>, Duration) {
    let product = || {
        let mut c = d.to_vec();
        let stride = n as isize; // clap bounds --dim to 8192
        let took = timed(|| {
            // SAFETY: a, b and c each hold n·n f32 cells in row-major order (row stride n,
            // column stride 1), so every cell the product reads or writes is in bounds; c is a
            // fresh vector, so it aliases neither a nor b.
            unsafe {
                matrixmultiply::sgemm(
                    n,
                    n,
                    n,
                    1.0,
                    a.as_ptr(),
                    stride,
                    1,
                    b.as_ptr(),
                    stride,
                    1,
                    1.0,
                    c.as_mut_ptr(),
                    stride,
                    1,
                );
            }
        })
        .1;
        (c, took)
    };
    product();
    let runs: Vec<(Vec<f32>, Duration)> = (0..repeat).map(|_| product()).collect();
    let time = median(runs.iter().map(|(_, took)| *took).collect());
    (runs.into_iter().next().expect("one run at least").0, time)
}
// ANCHOR_END: gemm_cpu

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
