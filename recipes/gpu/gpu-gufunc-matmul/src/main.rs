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
//!   shapes agree on `n` and launches one work-item per cell of the `(m, p)` output.
//! - `int64[:,:]` → `i32`, matching the kernel's `int`: the cells are at most 9·9·n (810 for
//!   the book's 10), far from 32-bit limits.
//! - `np.random.randint(dim, size=(dim, dim))` → seeded `rand` draws in `0..dim`.
//!
//! ## Differences from the book
//!
//! - The 2nd edition's `guvectorize` has no `target`, so Numba runs it on the CPU; the 1st
//!   edition's NumbaPro targeted the GPU. Here it always runs on the OpenCL device.
//! - The product is checked against the CPU's, exactly, and the verdict printed.
//! - `--m`, `--n`, `--p` give other shapes (each defaults to `--dim`, the book's 10); values
//!   stay in `0..dim`. `--seed` makes the matrices repeatable.
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`).

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_matrix};
use ocl::{Buffer, Device, Platform, ProQue};
use rand::RngExt;

const KERNEL: &str = include_str!("matmul.cl");

#[derive(Parser)]
#[command(about = "A generalized ufunc (m,n),(n,p)->(m,p): an integer matrix product in OpenCL")]
struct Args {
    /// The book's dim: the matrices' size and the bound of their random values (0..dim).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1024))]
    dim: u32,
    /// Rows of A and C [default: dim].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    m: Option<u32>,
    /// Columns of A, rows of B [default: dim].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    n: Option<u32>,
    /// Columns of B and C [default: dim].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    p: Option<u32>,
    /// Seed for the random matrices; random when absent, as in the book.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    device: DeviceArgs,
}

/// A row-major matrix of ints.
#[derive(Debug, Clone, PartialEq)]
struct Matrix {
    rows: usize,
    cols: usize,
    cells: Vec<i32>,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    println!("{}", common::opencl::describe(&platform, &device));
    let mut rng = common::seeded_rng(args.seed);
    let size = |dimension: Option<u32>| dimension.unwrap_or(args.dim) as usize;
    let (m, n, p) = (size(args.m), size(args.n), size(args.p));
    let bound = i32::try_from(args.dim).expect("clap bounds --dim to 1024");
    let mut randint = |rows, cols| Matrix {
        rows,
        cols,
        cells: (0..rows * cols)
            .map(|_| rng.random_range(0..bound))
            .collect(),
    };
    let a = randint(m, n);
    let b = randint(n, p);

    let c = matmul(platform, device, &a, &b).context("the OpenCL kernel failed")?;

    for (title, matrix) in [
        ("INPUT MATRIX A", &a),
        ("INPUT MATRIX B", &b),
        ("RESULT MATRIX C = A*B", &c),
    ] {
        println!("{title}");
        println!(":\n{}", format_matrix(&matrix.cells, matrix.cols));
    }
    check(&a, &b, &c)
}

// ANCHOR: gufunc
/// `(m,n),(n,p)->(m,p)`: the shapes must agree on `n`, and the output gets one work-item per
/// cell.
fn matmul(platform: Platform, device: Device, a: &Matrix, b: &Matrix) -> anyhow::Result<Matrix> {
    ensure!(
        a.cols == b.rows,
        "shapes ({},{}) and ({},{}) do not fit (m,n),(n,p)",
        a.rows,
        a.cols,
        b.rows,
        b.cols
    );
    let (m, n, p) = (a.rows, a.cols, b.cols);
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(KERNEL)
        .dims((p, m))
        .build()?;
    let to_device = |host: &[i32]| {
        Buffer::builder()
            .queue(pro_que.queue().clone())
            .len(host.len())
            .copy_host_slice(host)
            .build()
    };
    let (a_gpu, b_gpu) = (to_device(&a.cells)?, to_device(&b.cells)?);
    let c_gpu = pro_que.create_buffer::<i32>()?;
    let as_int = |size: usize| i32::try_from(size).expect("clap bounds the shapes to 1024");
    let kernel = pro_que
        .kernel_builder("matmul")
        .arg(&a_gpu)
        .arg(&b_gpu)
        .arg(&c_gpu)
        .arg(as_int(n))
        .arg(as_int(p))
        .build()?;
    common::opencl::enqueue(kernel.cmd())?;
    let mut cells = vec![0; m * p];
    c_gpu.read(&mut cells).enq()?;
    Ok(Matrix {
        rows: m,
        cols: p,
        cells,
    })
}
// ANCHOR_END: gufunc

/// The product the book's Python loops compute, on the CPU.
fn matmul_cpu(a: &Matrix, b: &Matrix) -> Matrix {
    let cells = (0..a.rows * b.cols)
        .map(|cell| {
            let (i, j) = (cell / b.cols, cell % b.cols);
            (0..a.cols)
                .map(|k| a.cells[i * a.cols + k] * b.cells[k * b.cols + j])
                .sum()
        })
        .collect();
    Matrix {
        rows: a.rows,
        cols: b.cols,
        cells,
    }
}

/// Integer products are exact: the device's C must equal the CPU's cell for cell.
fn check(a: &Matrix, b: &Matrix, c: &Matrix) -> anyhow::Result<()> {
    let expected = matmul_cpu(a, b);
    let wrong = (0..expected.cells.len())
        .filter(|&cell| c.cells.get(cell) != Some(&expected.cells[cell]))
        .count();
    ensure!(
        wrong == 0 && c.cells.len() == expected.cells.len(),
        "{wrong} of {} cells differ from the CPU's product",
        expected.cells.len()
    );
    println!(
        "Check: all {}x{} cells equal the CPU's product",
        c.rows, c.cols
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: usize, cols: usize, cells: &[i32]) -> Matrix {
        Matrix {
            rows,
            cols,
            cells: cells.to_vec(),
        }
    }

    #[test]
    fn the_cpu_product_of_non_square_matrices() {
        let a = matrix(1, 2, &[1, 2]);
        let b = matrix(2, 3, &[1, 2, 3, 4, 5, 6]);
        assert_eq!(matmul_cpu(&a, &b), matrix(1, 3, &[9, 12, 15]));
    }

    #[test]
    fn check_counts_wrong_cells() {
        let a = matrix(2, 2, &[1, 2, 3, 4]);
        let b = matrix(2, 2, &[5, 6, 7, 8]);
        assert!(check(&a, &b, &matrix(2, 2, &[19, 22, 43, 50])).is_ok());
        let error = check(&a, &b, &matrix(2, 2, &[19, 22, 43, 51])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "1 of 4 cells differ from the CPU's product"
        );
    }
}
