//! # GPU-accelerated libraries: GEMM
//!
//! Book: 1st edition §6.9 "Using GPU-accelerated libraries with NumbaPro".
//!
//! The book surveys cuBLAS, cuFFT, cuRAND and cuSPARSE, then hands a 10×10 matrix product to
//! cuBLAS's GEMM (C = αA·B + βD) and compares it with NumPy's. This recipe follows that flow:
//! random A, B and D, the product on the CPU, the same A·B + D on the OpenCL device, and the
//! largest error between the two. The device runs this cookbook's own tiled GEMM kernel
//! (`src/gemm.cl`); the `kernels` example times it against a naive kernel and the CPU.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-gemm                          # the book's 10×10 A·B + D
//! cargo run -p gpu-gemm -- --dim 32 --seed 1
//! cargo run -p gpu-gemm -- --platform 1 --device 0        # a real GPU, if OpenCL sees one
//! cargo run -p gpu-gemm --example kernels        # naive vs tiled vs CPU at n = 128, 256, 512
//! cargo run -p gpu-gemm --example kernels -- --book       # n = 256, 512, 1024
//! cargo run -p gpu-gemm --example kernels -- --sizes 1000,2048 --cpu-max 0   # sampled checks
//! ```
//!
//! ## Python → Rust
//!
//! - `cublas.Blas().gemm('T', 'T', dim, dim, dim, 1.0, A, B, 1.0, D)` → the `gemm_tiled`
//!   kernel with alpha = beta = 1, launched by `unsafe { kernel.enq() }` on a grid of whole
//!   16×16 work-groups (the `// SAFETY:` comment says why every index is in bounds).
//! - `np.dot(A, B)` → `reference::gemm_cpu`, an i-k-j triple loop on one core (no BLAS).
//! - `timeit.default_timer` around each product → `common::timing::timed`; the device's time
//!   covers the kernel alone, from its launch until the queue has finished it.
//!
//! ## Differences from the book
//!
//! - No cuBLAS: the GEMM is this cookbook's tiled kernel, so its speed is what hand-written
//!   OpenCL reaches, not a tuned library's. On PoCL it runs on the CPU's cores.
//! - The book's `'T', 'T'` flags only undo cuBLAS's column-major layout; everything here is
//!   row-major, so there is nothing to transpose.
//! - The book's D is all zeros, so `+ D` changes nothing; here D is random so the check sees
//!   it. A, B and D are uniform in [0, 1) (`--seed` makes them repeatable).
//! - `Maximum error` is followed by the largest relative error, which must stay below 1e-4.
//! - New, in the `kernels` example: a naive and the tiled kernel against a plain CPU loop at
//!   sizes 128, 256 and 512 (`--book`: 256, 512, 1024), with GFLOP/s, kernel and copy times
//!   from profiling events, and a check of every size.

#[allow(dead_code)] // the sampled checks serve the `kernels` example
mod reference;

use std::time::Duration;

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_matrix};
use common::timing::timed;
use ocl::ProQue;
use rand::RngExt;
use reference::{gemm_cpu, max_absolute_error, max_relative_error};

const KERNELS: &str = include_str!("gemm.cl");
/// The side of a tile, as `#define TILE` in `src/gemm.cl`: the tiled kernel's work-group side.
const TILE: usize = 16;
/// The largest relative error a cell may have (the catalogue's bound for single precision).
const MAX_RELATIVE_ERROR: f64 = 1e-4;

#[derive(Parser)]
#[command(about = "GEMM on an OpenCL device: the book's A·B + D, checked against the CPU")]
struct Args {
    /// Side of the matrices (the book's dim).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=64))]
    dim: u32,
    /// Seed for the random matrices; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    device: DeviceArgs,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

// ANCHOR: book
fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(KERNELS)
        .dims((args.dim, args.dim))
        .build()
        .context("cannot build the GEMM kernels")?;
    println!("{}", common::opencl::describe(&platform, &device));
    let mut rng = common::seeded_rng(args.seed);
    let dim = args.dim as usize;
    let mut random_matrix = || -> Vec<f32> { (0..dim * dim).map(|_| rng.random()).collect() };
    let (a, b, d) = (random_matrix(), random_matrix(), random_matrix());
    for (name, matrix) in [("A", &a), ("B", &b), ("D", &d)] {
        println!("MATRIX {name} :\n{}", format_matrix(matrix, dim));
    }

    let (a_b, cpu_time) = timed(|| gemm_cpu(&a, &b, dim));
    let expected: Vec<f32> = a_b.iter().zip(&d).map(|(ab, d)| ab + d).collect();
    println!("CPU took {:.6} seconds", cpu_time.as_secs_f64());
    let (c, gemm_time) = gemm_device(&pro_que, &a, &b, &d, dim).context("the GEMM failed")?;
    println!("RESULT MATRIX A·B + D EVALUATED WITH THE TILED KERNEL");
    println!("{}", format_matrix(&c, dim));
    println!("tiled kernel took {:.6} seconds", gemm_time.as_secs_f64());

    let absolute = max_absolute_error(&c, &expected);
    let relative = max_relative_error(&c, &expected);
    println!(
        "Maximum error {absolute:.6} (largest relative error {relative:.1e}; \
         bound {MAX_RELATIVE_ERROR:.0e})"
    );
    ensure!(
        relative < MAX_RELATIVE_ERROR,
        "the {dim}x{dim} A·B + D differs from the CPU's by a relative {relative:e}"
    );
    Ok(())
}
// ANCHOR_END: book

// ANCHOR: gemm_device
/// C = A·B + D for n×n matrices with the tiled kernel, and the kernel's time; `pro_que`'s dims
/// are n×n. The kernel needs whole 16×16 work-groups, so its grid is rounded up to a multiple
/// of 16.
#[allow(unsafe_code)] // the kernel launch
fn gemm_device(
    pro_que: &ProQue,
    a: &[f32],
    b: &[f32],
    d: &[f32],
    n: usize,
) -> ocl::Result<(Vec<f32>, Duration)> {
    // Buffers of the ProQue's n·n floats: a host slice of another length is an error.
    let a_gpu = pro_que.buffer_builder().copy_host_slice(a).build()?;
    let b_gpu = pro_que.buffer_builder().copy_host_slice(b).build()?;
    let d_gpu = pro_que.buffer_builder().copy_host_slice(d).build()?;
    let c_gpu = pro_que.create_buffer::<f32>()?;
    let side = n as i32; // clap bounds --dim to 64
    let (alpha, beta) = (1.0f32, 1.0f32);
    let padded = n.div_ceil(TILE) * TILE;
    let gemm = pro_que
        .kernel_builder("gemm_tiled")
        .global_work_size((padded, padded))
        .local_work_size((TILE, TILE))
        .arg(side) // M
        .arg(side) // N
        .arg(side) // K
        .arg(alpha)
        .arg(&a_gpu)
        .arg(&b_gpu)
        .arg(beta)
        .arg(&d_gpu)
        .arg(&c_gpu)
        .build()?;
    let (launched, took) = timed(|| {
        // SAFETY: work-items outside the n×n output (the grid's padding) only put zeros into
        // local memory and write nothing; the others read A, B and D and write C below n·n,
        // the length of every buffer. The buffers outlive the launch, which `finish` awaits.
        unsafe { gemm.enq() }.and_then(|()| pro_que.finish())
    });
    launched?;
    let mut c = vec![0.0; n * n];
    c_gpu.read(&mut c).enq()?;
    Ok((c, took))
}
// ANCHOR_END: gemm_device
