//! # The device memory model with matrix multiplication
//!
//! Book: 1st edition §6.4 "Understanding the PyCUDA memory model with matrix manipulation";
//! 2nd edition chapter 8, "Implementing memory management with PyCUDA",
//! `memManagementPycuda.py`.
//!
//! Two random 5×5 matrices go to the device's global memory; a naive kernel computes their
//! product with one work-item per cell of the result, each reading a row of A and a column of
//! B; the product comes back and is compared with the CPU's, cell by cell.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-matmul                          # 5×5 on PoCL (the CPU)
//! cargo run -p gpu-matmul -- --size 16 --seed 3
//! cargo run -p gpu-matmul -- --platform 1 --device 0
//! ```
//!
//! ## Python → Rust
//!
//! - `kernel_code_template % {'MATRIX_SIZE': 5}` → the kernel file stays fixed and
//!   `MATRIX_SIZE` is defined when the program is built (`ProgramBuilder::cmplr_def`, i.e.
//!   `-D MATRIX_SIZE=5`).
//! - `gpuarray.to_gpu` / `gpuarray.empty` / `.get()` → `Buffer<f32>` made from a host slice /
//!   an empty `Buffer` / `Buffer::read`; `matrixmul(...)` → `unsafe { matrixmul.enq() }`.
//! - `block=(MATRIX_SIZE, MATRIX_SIZE, 1)` with `threadIdx.x/y` → a 2-D global work size with
//!   `get_global_id(0/1)`, which also works past one work-group's size limit.
//! - `np.dot` → a sum per cell on the host; `np.allclose` → [`allclose`], with a tolerance
//!   that follows from how floats round (below).
//!
//! ## Differences from the book
//!
//! - The book computes `np.allclose(c_cpu, c_gpu.get())` and never prints it; the verdict is
//!   printed here, `allclose(CPU, GPU): true`, and a mismatch exits 1.
//! - The tolerance is not NumPy's default (`1e-5·|b| + 1e-8`): the device may fuse a multiply
//!   and an add (one rounding where the CPU rounds twice), and a cell whose products cancel to
//!   almost zero then differs by more than 1e-8 although both results are right. Each cell is
//!   allowed `1e-5·|cpu| + 2·n·ε·Σₖ|aᵢₖ·bₖⱼ|` (ε = `f32::EPSILON`), the textbook error bound of
//!   an n-term dot product, counted for both sides.
//! - Headings say `(GPU)` as in the book whatever the device; matrices print in NumPy's
//!   layout with each float in Rust's shortest exact form (the differences in exponent
//!   notation). `--size` changes the book's
//!   `MATRIX_SIZE = 5` (at most 512), `--seed` makes the matrices repeatable.
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`), e.g.
//!   `OpenCL device: pthread-… (CPU, 2 compute units) on Portable Computing Language`.

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_matrix, randn};
use ocl::{Device, Platform, ProQue, Program};

const KERNEL: &str = include_str!("matmul.cl");

#[derive(Parser)]
#[command(about = "A naive matrix product in OpenCL, one work-item per cell, checked on the CPU")]
struct Args {
    /// Rows and columns of the square matrices (the book's MATRIX_SIZE), at most 512 (some
    /// 5 s on PoCL with the CPU check).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=512))]
    size: u32,
    /// Seed for the random matrices; random when absent, as in the book.
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
    println!("{}", common::opencl::describe(&platform, &device));
    let mut rng = common::seeded_rng(args.seed);
    let n = args.size as usize;
    let a_cpu: Vec<f32> = (0..n * n).map(|_| randn(&mut rng)).collect();
    let b_cpu: Vec<f32> = (0..n * n).map(|_| randn(&mut rng)).collect();

    let c_cpu = matmul_cpu(&a_cpu, &b_cpu, n);
    let c_gpu =
        matmul_device(platform, device, &a_cpu, &b_cpu, n).context("the OpenCL kernel failed")?;

    let rule = "-".repeat(80);
    for (title, matrix) in [
        ("Matrix A (GPU):", &a_cpu),
        ("Matrix B (GPU):", &b_cpu),
        ("Matrix C (GPU):", &c_gpu),
    ] {
        println!("{rule}");
        println!("{title}");
        println!("{}", format_matrix(matrix, n));
    }
    println!("{rule}");
    println!("CPU-GPU difference:");
    // Differences are a few units in the last place: exponent notation keeps them readable.
    let difference: Vec<String> = c_cpu
        .iter()
        .zip(&c_gpu)
        .map(|(c, g)| format!("{:e}", c - g))
        .collect();
    println!("{}", format_matrix(&difference, n));

    let close = allclose(&a_cpu, &b_cpu, &c_cpu, &c_gpu, n);
    println!("allclose(CPU, GPU): {close}");
    ensure!(close, "the device's product is not allclose to the CPU's");
    Ok(())
}

/// `np.dot(a, b)` for square row-major matrices, summing in the kernel's order.
fn matmul_cpu(a: &[f32], b: &[f32], n: usize) -> Vec<f32> {
    let cell =
        |row: usize, col: usize| (0..n).map(|k| a[row * n + k] * b[k * n + col]).sum::<f32>();
    (0..n * n).map(|i| cell(i / n, i % n)).collect()
}

// ANCHOR: device
/// Builds the kernel for `n`×`n` matrices, runs it with one work-item per cell of C, and
/// reads C back.
#[allow(unsafe_code)] // the kernel launch
fn matmul_device(
    platform: Platform,
    device: Device,
    a: &[f32],
    b: &[f32],
    n: usize,
) -> ocl::Result<Vec<f32>> {
    let mut program = Program::builder();
    program.src(KERNEL).cmplr_def(
        "MATRIX_SIZE",
        i32::try_from(n).expect("clap bounds --size to 512"),
    );
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .prog_bldr(program)
        .dims((n, n))
        .build()?;
    // `gpuarray.to_gpu` and `gpuarray.empty`: buffers of the ProQue's n·n floats.
    let a_gpu = pro_que.buffer_builder().copy_host_slice(a).build()?;
    let b_gpu = pro_que.buffer_builder().copy_host_slice(b).build()?;
    let c_gpu = pro_que.create_buffer::<f32>()?;
    let matrixmul = pro_que
        .kernel_builder("MatrixMulKernel")
        .arg(&a_gpu)
        .arg(&b_gpu)
        .arg(&c_gpu)
        .build()?;
    // SAFETY: the global size is (n, n) and MATRIX_SIZE is n, so every index the kernel forms
    // is below n·n, the length of all three buffers; they outlive the launch and the read.
    unsafe { matrixmul.enq()? };
    let mut c = vec![0.0; n * n];
    c_gpu.read(&mut c).enq()?;
    Ok(c)
}
// ANCHOR_END: device

// ANCHOR: allclose
/// Whether every cell of the device's product is within rounding of the CPU's: NumPy's
/// relative `1e-5·|cpu|`, plus `2·n·ε·Σₖ|aᵢₖ·bₖⱼ|` for the rounding of an n-term dot product
/// on each side (which a fused multiply-add may do differently).
fn allclose(a: &[f32], b: &[f32], cpu: &[f32], gpu: &[f32], n: usize) -> bool {
    (0..n * n).all(|cell| {
        let (row, col) = (cell / n, cell % n);
        let magnitude: f64 = (0..n)
            .map(|k| f64::from(a[row * n + k] * b[k * n + col]).abs())
            .sum();
        let tolerance = 1e-5 * f64::from(cpu[cell]).abs()
            + 2.0 * n as f64 * f64::from(f32::EPSILON) * magnitude;
        f64::from(cpu[cell] - gpu[cell]).abs() <= tolerance
    })
}
// ANCHOR_END: allclose

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_product_of_small_matrices() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [5.0, 6.0, 7.0, 8.0];
        assert_eq!(matmul_cpu(&a, &b, 2), [19.0, 22.0, 43.0, 50.0]);
    }

    #[test]
    fn allclose_accepts_rounding_and_rejects_real_errors() {
        let (a, b) = ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]);
        let cpu = matmul_cpu(&a, &b, 2);
        let mut near = cpu.clone();
        near[3] = f32::from_bits(near[3].to_bits() + 1); // one ulp off
        assert!(allclose(&a, &b, &cpu, &near, 2));
        let mut wrong = cpu.clone();
        wrong[0] += 0.01;
        assert!(!allclose(&a, &b, &cpu, &wrong, 2));
    }

    #[test]
    fn allclose_allows_rounding_of_a_cell_that_cancels_to_zero() {
        // 1·1 + 1·(-1) = 0 exactly on the CPU; a device may be one rounding away.
        let (a, b) = ([1.0, 1.0, 0.0, 0.0], [1.0, 0.0, -1.0, 0.0]);
        let cpu = matmul_cpu(&a, &b, 2);
        assert_eq!(cpu[0], 0.0);
        let mut gpu = cpu.clone();
        gpu[0] = 1e-7;
        assert!(allclose(&a, &b, &cpu, &gpu, 2));
    }
}
