//! # How to build a GPU application: doubling a matrix
//!
//! Book: 1st edition §6.3 "How to build a PyCUDA application"; 2nd edition chapter 8,
//! "Heterogeneous programming with PyCUDA", `heterogenousPycuda.py`.
//!
//! The smallest complete device program: a 5×5 matrix of random floats is copied to the
//! device, a kernel doubles every cell with one work-item per cell on a 2-D grid, and the
//! result is copied back. Every cell is checked to be exactly twice the original.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-double-matrix                         # 5×5 on PoCL (the CPU)
//! cargo run -p gpu-double-matrix -- --rows 3 --cols 7 --seed 1
//! cargo run -p gpu-double-matrix -- --book-stride        # the book's bug: the check fails
//! cargo run -p gpu-double-matrix -- --platform 1 --device 0
//! ```
//!
//! ## Python → Rust
//!
//! - `cuda.mem_alloc` + `cuda.memcpy_htod` → a `Buffer<f32>` built from the host slice;
//!   `cuda.memcpy_dtoh` → `Buffer::read`.
//! - `SourceModule(...)` + `get_function` → `ProQue` building `src/double_matrix.cl`, then a
//!   `Kernel` by name.
//! - `func(a_gpu, block=(5, 5, 1))`, `threadIdx.x`, `threadIdx.y` → `unsafe { kernel.enq() }`
//!   over a 2-D global work size `(cols, rows)`, and `get_global_id(0)`, `get_global_id(1)`;
//!   the device picks the work-group size. `ocl` marks the launch `unsafe` because Rust cannot
//!   check the kernel's indexing: its `// SAFETY:` comment says why it stays in bounds.
//! - `numpy.random.randn(5, 5).astype(numpy.float32)` → `Vec<f32>` from a seeded normal draw.
//!
//! ## Differences from the book
//!
//! - Bug fixed: the original's kernel computes `threadIdx.x + threadIdx.y*4` on a 5-wide block,
//!   so rows overlap: some cells are doubled twice (racing, so sometimes once), and the last
//!   four cells (indices 21–24) never. The kernel here uses the real width. `--book-stride`
//!   puts the stride of 4 back to show the bug; the check then fails.
//! - The run checks that every cell is exactly twice the original (doubling a float is exact)
//!   and prints the verdict, `Check: all 25 cells exactly doubled`; the book prints the two
//!   matrices only.
//! - Headings say `OpenCL` for `PyCUDA`; matrices print in NumPy's layout, each number in
//!   Rust's shortest form that reads back exactly. `--rows`/`--cols` change the book's 5×5
//!   (each at most 1024), `--seed` makes the matrix repeatable.
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`), e.g.
//!   `OpenCL device: pthread-… (CPU, 2 compute units) on Portable Computing Language`.

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_matrix, randn};
use ocl::{Buffer, Device, Platform, ProQue};

const KERNEL: &str = include_str!("double_matrix.cl");

#[derive(Parser)]
#[command(about = "Doubles a matrix of floats in an OpenCL kernel, one work-item per cell")]
struct Args {
    /// Rows of the matrix (the book's 5), at most 1024: the run prints every cell.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1024))]
    rows: u32,
    /// Columns of the matrix (the book's 5), at most 1024.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1024))]
    cols: u32,
    /// Seed for the random matrix; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    /// Use the book's row stride of 4 instead of the real width, to see its bug.
    #[arg(long)]
    book_stride: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    println!("{}", common::opencl::describe(&platform, &device));
    let mut rng = common::seeded_rng(args.seed);
    let (rows, cols) = (args.rows as usize, args.cols as usize);
    let a: Vec<f32> = (0..rows * cols).map(|_| randn(&mut rng)).collect();
    let stride = if args.book_stride { 4 } else { cols };

    let a_doubled = double_on_device(platform, device, &a, rows, cols, stride)
        .context("the OpenCL kernel failed")?;

    println!("ORIGINAL MATRIX");
    println!("{}", format_matrix(&a, cols));
    println!("DOUBLED MATRIX AFTER OpenCL EXECUTION");
    println!("{}", format_matrix(&a_doubled, cols));
    check(&a, &a_doubled)
}

// ANCHOR: device
/// Copies `a` (row-major, `rows`×`cols`) to the device, doubles it there with one work-item
/// per cell, and copies it back.
#[allow(unsafe_code)] // the kernel launch
fn double_on_device(
    platform: Platform,
    device: Device,
    a: &[f32],
    rows: usize,
    cols: usize,
    stride: usize,
) -> anyhow::Result<Vec<f32>> {
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(KERNEL)
        .dims((cols, rows))
        .build()?;
    // Room for every index the kernel can form: the real size, unless the book's stride of 4
    // on a narrower matrix reaches further. The bug then shows as wrong cells, not a crash.
    let reach = (cols - 1) + (rows - 1) * stride + 1;
    let mut host = a.to_vec();
    host.resize(reach.max(a.len()), 0.0);
    let a_gpu: Buffer<f32> = Buffer::builder()
        .queue(pro_que.queue().clone())
        .len(host.len())
        .copy_host_slice(&host)
        .build()?;
    let stride = i32::try_from(stride).expect("clap bounds --cols far below i32::MAX");
    let kernel = pro_que
        .kernel_builder("doubles_matrix")
        .arg(&a_gpu)
        .arg(stride)
        .build()?;
    // SAFETY: the work-items of the (cols, rows) grid reach indices up to `reach - 1`, and the
    // buffer holds `reach` floats; the buffer outlives the launch and the blocking read.
    unsafe { kernel.enq()? };
    a_gpu.read(&mut host).enq()?;
    host.truncate(a.len());
    Ok(host)
}
// ANCHOR_END: device

// ANCHOR: check
/// Every cell must be exactly twice the original: multiplying a float by 2 only changes its
/// exponent, so there is no rounding to allow for.
fn check(a: &[f32], doubled: &[f32]) -> anyhow::Result<()> {
    let wrong: Vec<usize> = (0..a.len()).filter(|&i| doubled[i] != 2.0 * a[i]).collect();
    ensure!(
        wrong.is_empty(),
        "{} of {} cells are not exactly doubled: indices {wrong:?}",
        wrong.len(),
        a.len()
    );
    println!("Check: all {} cells exactly doubled", a.len());
    Ok(())
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_lists_the_cells_not_doubled() {
        assert!(check(&[1.0, -2.5], &[2.0, -5.0]).is_ok());
        let error = check(&[1.0, 2.0, 3.0], &[2.0, 8.0, 3.0]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "2 of 3 cells are not exactly doubled: indices [1, 2]"
        );
    }
}
