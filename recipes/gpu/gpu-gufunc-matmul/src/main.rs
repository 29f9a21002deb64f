//! # A generalized ufunc: integer matrix product
//!
//! Book: 1st edition §6.8 "GPU programming with NumbaPro"; 2nd edition chapter 8, "GPU
//! programming with Numba", `matMulNumba.py`.
//!
//! Numba's `@guvectorize` compiles a function written for whole sub-arrays, with the layout
//! signature `(m,n),(n,p)->(m,p)`: here a matrix product. The port states the same contract
//! with an OpenCL kernel whose 2-D global size is the output's shape `(m, p)`: each work-item
//! computes one cell. Two random 10×10 matrices of small ints are multiplied and the product
//! must equal the CPU's exactly.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-gufunc-matmul                          # 10×10 on PoCL (the CPU)
//! cargo run -p gpu-gufunc-matmul -- --m 3 --n 7 --p 5 --seed 2   # (3,7),(7,5)->(3,5)
//! cargo run -p gpu-gufunc-matmul -- --platform 1 --device 0
//! ```
//!
//! ## Python → Rust
//!
//! - `@guvectorize([...], '(m,n),(n,p)->(m,p)')` → a kernel plus [`matmul`], which checks the
//!   inputs fit the signature and launches one work-item per cell of the `(m, p)` output
//!   (`unsafe { kernel.enq() }`, with a `// SAFETY:` note on why every index is in bounds).
//! - `int64[:,:]` → `i32`, matching the kernel's `int`: the cells are at most 9·9·n (810 for
//!   the book's 10), far from 32-bit limits.
//! - `np.random.randint(dim, size=(dim, dim))` → seeded `rand` draws in `0..dim`.
//!
//! ## Differences from the book
//!
//! - The 2nd edition's `guvectorize` has no `target`, so Numba runs it on the CPU; the 1st
//!   edition's NumbaPro targeted the GPU. Here it always runs on the OpenCL device.
//! - The product is checked against the CPU's, exactly, and the verdict printed: `Check: all
//!   10x10 cells equal the CPU's product`.
//! - `--m`, `--n`, `--p` give other shapes (each defaults to `--dim`, the book's 10; all at
//!   most 512); values
//!   stay in `0..dim`. `--seed` makes the matrices repeatable.
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`), e.g.
//!   `OpenCL device: pthread-… (CPU, 2 compute units) on Portable Computing Language`.

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_matrix};
use ocl::ProQue;
use rand::RngExt;

const KERNEL: &str = include_str!("matmul.cl");

#[derive(Parser)]
#[command(about = "A generalized ufunc (m,n),(n,p)->(m,p): an integer matrix product in OpenCL")]
struct Args {
    /// The book's dim: the matrices' size and the bound of their random values (0..dim), at
    /// most 512 (about a second on PoCL; 1024 takes some 20 s).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=512))]
    dim: u32,
    /// Rows of A and C, at most 512 [default: dim].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=512))]
    m: Option<u32>,
    /// Columns of A, rows of B, at most 512 [default: dim].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=512))]
    n: Option<u32>,
    /// Columns of B and C, at most 512 [default: dim].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=512))]
    p: Option<u32>,
    /// Seed for the random matrices; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    device: DeviceArgs,
}

/// The core dimensions `(m, n, p)` of the signature `(m,n),(n,p)->(m,p)`.
type Shape = (usize, usize, usize);

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    println!("{}", common::opencl::describe(&platform, &device));
    let mut rng = common::seeded_rng(args.seed);
    let size = |dimension: Option<u32>| dimension.unwrap_or(args.dim) as usize;
    let (m, n, p) = (size(args.m), size(args.n), size(args.p));
    let bound = args.dim as i32; // clap bounds --dim to 512
    // `np.random.randint(dim, size=(rows, cols))`, row-major.
    let mut randint = |rows: usize, cols: usize| -> Vec<i32> {
        (0..rows * cols)
            .map(|_| rng.random_range(0..bound))
            .collect()
    };
    let (a, b) = (randint(m, n), randint(n, p));

    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(KERNEL)
        .dims((p, m))
        .build()
        .context("cannot build the kernel")?;
    let c = matmul(&pro_que, &a, &b, (m, n, p)).context("the OpenCL kernel failed")?;

    for (title, matrix, cols) in [
        ("INPUT MATRIX A", &a, n),
        ("INPUT MATRIX B", &b, p),
        ("RESULT MATRIX C = A*B", &c, p),
    ] {
        println!("{title}\n:\n{}", format_matrix(matrix, cols));
    }
    check(&a, &b, &c, (m, n, p))
}

// ANCHOR: gufunc
/// `(m,n),(n,p)->(m,p)`: the inputs must have the signature's shapes, and the output gets one
/// work-item per cell: the grid is `(p, m)`.
#[allow(unsafe_code)] // the kernel launch
fn matmul(pro_que: &ProQue, a: &[i32], b: &[i32], shape: Shape) -> anyhow::Result<Vec<i32>> {
    let (m, n, p) = shape;
    ensure!(
        a.len() == m * n && b.len() == n * p,
        "the inputs do not fit (m,n),(n,p) with (m, n, p) = {shape:?}"
    );
    let to_device = |host: &[i32]| {
        let buffer = pro_que.buffer_builder().len(host.len());
        buffer.copy_host_slice(host).build()
    };
    let (a_gpu, b_gpu) = (to_device(a)?, to_device(b)?);
    let c_gpu = pro_que.buffer_builder::<i32>().len(m * p).build()?;
    let kernel = pro_que
        .kernel_builder("matmul")
        .global_work_size((p, m))
        .arg(&a_gpu)
        .arg(&b_gpu)
        .arg(&c_gpu)
        .arg(n as i32) // clap bounds the shapes to 512
        .arg(p as i32)
        .build()?;
    // SAFETY: the global size is (p, m), so the kernel's i < m and j < p; it reads A below
    // m·n and B below n·p (their lengths, checked above) and writes C below m·p, its length.
    unsafe { kernel.enq()? };
    let mut c = vec![0; m * p];
    c_gpu.read(&mut c).enq()?;
    Ok(c)
}
// ANCHOR_END: gufunc

/// The product the book's Python loops compute, on the CPU.
fn matmul_cpu(a: &[i32], b: &[i32], (m, n, p): Shape) -> Vec<i32> {
    let cell = |i: usize, j: usize| (0..n).map(|k| a[i * n + k] * b[k * p + j]).sum::<i32>();
    (0..m * p).map(|ij| cell(ij / p, ij % p)).collect()
}

/// Integer products are exact: the device's C must equal the CPU's cell for cell.
fn check(a: &[i32], b: &[i32], c: &[i32], shape: Shape) -> anyhow::Result<()> {
    let expected = matmul_cpu(a, b, shape);
    let wrong = expected.iter().zip(c).filter(|(e, g)| e != g).count();
    ensure!(
        wrong == 0 && c.len() == expected.len(),
        "{wrong} of {} cells differ from the CPU's product",
        expected.len()
    );
    println!(
        "Check: all {}x{} cells equal the CPU's product",
        shape.0, shape.2
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_product_of_non_square_matrices() {
        assert_eq!(
            matmul_cpu(&[1, 2], &[1, 2, 3, 4, 5, 6], (1, 2, 3)),
            [9, 12, 15]
        );
    }

    #[test]
    fn check_counts_wrong_cells() {
        let (a, b) = ([1, 2, 3, 4], [5, 6, 7, 8]);
        assert!(check(&a, &b, &[19, 22, 43, 50], (2, 2, 2)).is_ok());
        let error = check(&a, &b, &[19, 22, 43, 51], (2, 2, 2)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "1 of 4 cells differ from the CPU's product"
        );
    }
}
