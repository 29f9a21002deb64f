//! # GPU-accelerated libraries: GEMM
//!
//! Book: 1st edition §6.9 "Using GPU-accelerated libraries with NumbaPro".
//!
//! The book surveys cuBLAS, cuFFT, cuRAND and cuSPARSE, then hands a matrix product to cuBLAS's
//! GEMM (C = αA·B + βD) and times it against NumPy's. This recipe does the same with the
//! libraries within reach of any OpenCL machine: random A, B and D; A·B + D on the OpenCL
//! device by CLBlast, the OpenCL BLAS; the same product on the CPU by `ndarray`, Rust's
//! NumPy; each checked against the other and against a double-precision sum; the GFLOP/s of
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
//! - `np.dot(A, B)` → `ndarray::linalg::general_mat_mul` (BLAS's `gemm`: C = αA·B + βC) on
//!   array views of the same vectors; ndarray hands it to `matrixmultiply`, a pure-Rust
//!   BLAS-style kernel, on every core (its `matrixmultiply-threading` feature), with AVX-512
//!   kernels where the CPU has them (ndarray turns them off; Cargo.toml names `matrixmultiply`
//!   to turn them back on: a fifth and more GFLOP/s here). `--numpy` times NumPy itself.
//! - `timeit.default_timer` around each product → `common::timing::timed`, after a warm-up
//!   product, with `finish()` so the device's time ends when its work does.
//!
//! ## Differences from the book
//!
//! - CLBlast, not cuBLAS: the same BLAS call on any OpenCL device. On PoCL the "device" is the
//!   CPU, so CLBlast competes with the CPU libraries on their own ground and trails them; on a
//!   GPU it is the one of the three that can use it.
//! - The book's `'T', 'T'` flags only undo cuBLAS's column-major layout; here everything is
//!   row-major and CLBlast is told so.
//! - Default side 1024 (the book: 10) so that GFLOP/s mean something; matrices are printed up
//!   to 10×10. The book's D is all zeros, so `+ D` changes nothing; here D is random so the
//!   check sees it. A, B and D are uniform in [0, 1) (`--seed` makes them repeatable).
//! - The check: every cell of CLBlast's C against ndarray's, and sampled cells of both
//!   against a double-precision sum, each within a relative 1e-4, or the run exits 1.
//! - Times are medians of `--repeat` products (default 3), after a warm-up product. The CPU's
//!   fp32 peak (cores × clock × FMA units × SIMD lanes × 2, from /proc/cpuinfo; `src/peak.rs`)
//!   is printed so that every rate can be read as a share of it.
//! - New, in the `kernels` example: this cookbook's own GEMM kernels — naive, 16×16 tiles in
//!   local memory, and register-blocked with vector loads — timed against a one-core loop,
//!   with the blocked kernel's speed as a multiple of the naive one's.

mod clblast;
mod numpy;
mod peak;
mod reference;
mod tuning;

use std::time::Duration;

use clap::Parser;
use common::opencl::{DeviceArgs, format_matrix};
use common::timing::{speedup, timed};
use ndarray::ArrayView2;
use ndarray::linalg::general_mat_mul;
use rand::RngExt;
use reference::rate_line;

const RESULT: &str = "RESULT MATRIX A·B + D EVALUATED WITH CLBLAST";

#[derive(Parser)]
#[command(about = "GEMM by libraries: CLBlast on the OpenCL device, ndarray on the CPU")]
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
    #[command(flatten)]
    clblast: tuning::ClblastArgs,
    #[command(flatten)]
    numpy: numpy::NumpyArgs,
    #[command(flatten)]
    device: DeviceArgs,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

// ANCHOR: book
fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    let (clblast, queue) = clblast::open(&args.clblast.library, platform, device)?;
    println!("{}", common::opencl::describe(&platform, &device));
    let lanes = peak::print_peak(); // and the SIMD lanes, for the tuning
    tuning::apply(&clblast, &queue, &device, lanes, &args.clblast)?; // prints what it chose

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
    println!("{}", rate_line("ndarray (CPU)", n, cpu_time));
    let (c, compile_time, gpu_time) = gemm_clblast((&clblast, &queue), [&a, &b, &d], (n, repeat))?;
    if n <= 10 {
        println!("{RESULT}\n{}", format_matrix(&c, n));
    }
    let compile_time = compile_time.as_secs_f64();
    println!("CLBlast first call (compiles its kernels) took {compile_time:.6} seconds");
    println!("{}", rate_line("CLBlast", n, gpu_time));
    let ratio = speedup(cpu_time, gpu_time); // of the times: the GFLOP/s the other way up
    println!("CLBlast / ndarray: {ratio:.2}");
    println!("{}", reference::check(&a, &b, &d, [&c, &cpu], n, &mut rng)?);

    let libraries = [("CLBlast", gpu_time), ("ndarray", cpu_time)];
    numpy::anchor(&args.numpy, n, repeat, &libraries) // with --numpy
}
// ANCHOR_END: book

// ANCHOR: gemm_clblast
/// C = A·B + D by CLBlast on `queue`'s device: the result, the first call's time (it compiles
/// CLBlast's kernels) and the median time of `repeat` more calls.
fn gemm_clblast(
    (clblast, queue): (&clblast::Clblast, &ocl::Queue),
    [a, b, d]: [&[f32]; 3],
    (n, repeat): (usize, usize),
) -> anyhow::Result<(Vec<f32>, Duration, Duration)> {
    let buffer = |values| clblast::buffer(queue, values);
    let (a_gpu, b_gpu, c_gpu) = (buffer(a)?, buffer(b)?, buffer(d)?);
    // With beta = 1 CLBlast adds A·B to what C holds: D, written again before each call.
    let product = || -> anyhow::Result<Duration> {
        c_gpu.write(d).enq()?;
        queue.finish()?;
        let (done, took) = timed(|| {
            clblast.sgemm(queue, (n, n, n), 1.0, &a_gpu, &b_gpu, 1.0, &c_gpu)?;
            anyhow::Ok(queue.finish()?)
        });
        done.map(|()| took)
    };
    let compile_time = product()?;
    let times: Vec<Duration> = (0..repeat).map(|_| product()).collect::<Result<_, _>>()?;
    let mut c = vec![0.0; n * n];
    c_gpu.read(&mut c).enq()?;
    Ok((c, compile_time, reference::median(times)))
}
// ANCHOR_END: gemm_clblast

// ANCHOR: gemm_cpu
/// C = A·B + D by `ndarray` on every core (BLAS's `gemm`, computed by `matrixmultiply` with
/// its threads): the result and the median time of `repeat` calls after a warm-up call.
fn gemm_cpu(a: &[f32], b: &[f32], d: &[f32], n: usize, repeat: usize) -> (Vec<f32>, Duration) {
    let matrix = |cells| ArrayView2::from_shape((n, n), cells).expect("n·n cells");
    let (a, b, d) = (matrix(a), matrix(b), matrix(d));
    let product = || {
        let mut c = d.to_owned();
        let took = timed(|| general_mat_mul(1.0, &a, &b, 1.0, &mut c)).1; // C = 1·A·B + 1·C
        (c, took)
    };
    let (c, _) = product();
    let times = (0..repeat).map(|_| product().1).collect();
    (c.into_raw_vec_and_offset().0, reference::median(times))
}
// ANCHOR_END: gemm_cpu
