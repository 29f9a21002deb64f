//! # Kernel invocations with a device array
//!
//! Book: 1st edition §6.5 "Kernel invocations with GPUArray".
//!
//! PyCUDA's `GPUArray` is a NumPy-like array that lives on the device: `2 * a_gpu` launches a
//! kernel behind the reader's back and returns a new device array. A thin [`DeviceArray`]
//! keeps that feel here — `to_device`, `scale`, `get` — while showing the buffer and the
//! kernel it hides. A 4×4 random matrix is doubled and checked to be exactly twice the input.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-array-scale                      # 4×4 on PoCL (the CPU)
//! cargo run -p gpu-array-scale -- --rows 8 --cols 3 --factor 0.5 --seed 1
//! cargo run -p gpu-array-scale -- --platform 1 --device 0
//! ```
//!
//! ## Python → Rust
//!
//! - `gpuarray.to_gpu(array)` → `DeviceArray::to_device`, a `Buffer<f32>` that remembers the
//!   array's shape.
//! - `2 * a_gpu` → `a_gpu.scale(2.0)`: Rust could overload `*`, but a kernel launch can fail
//!   and an operator cannot return the error, so it is a method returning `Result`.
//! - `.get()` → `DeviceArray::get` (a `Buffer::read`); printing a GPUArray (which copies it
//!   back too) → `get` and NumPy-style printing.
//! - The kernel GPUArray generates → `src/scale.cl`, built once by `ProQue` and launched in
//!   `scale` by `unsafe { kernel.enq() }` (with a `// SAFETY:` note on the indices).
//!
//! ## Differences from the book
//!
//! - The result is checked (every element exactly twice the input: multiplying by 2 is exact
//!   for floats) and the verdict printed; the book only prints.
//! - Headings name OpenCL and the device array instead of PyCUDA and GPUArray; matrices print
//!   in NumPy's layout, each float in Rust's shortest exact form.
//! - `--rows`/`--cols` change the book's 4×4 (each at most 1024), `--factor` its 2, and `--seed` makes the input
//!   repeatable. The check stays exact for any factor: one multiplication rounds the same way
//!   on the device and on the CPU (see `check`).
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`).

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_matrix, randn};
use ocl::{Buffer, ProQue};

const KERNEL: &str = include_str!("scale.cl");

#[derive(Parser)]
#[command(about = "A device array whose scaling runs as an OpenCL kernel (PyCUDA's GPUArray)")]
struct Args {
    /// Rows of the random matrix (the book's 4), at most 1024: the run prints every element.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    rows: u32,
    /// Columns of the random matrix (the book's 4), at most 1024.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    cols: u32,
    /// The factor of `factor * a_gpu` (the book's 2).
    #[arg(long, default_value_t = 2.0)]
    factor: f32,
    /// Seed for the random matrix; random when absent, as in the book.
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
    ensure!(args.factor.is_finite(), "--factor must be a finite number");
    let shape = (args.rows as usize, args.cols as usize);
    let a: Vec<f32> = (0..shape.0 * shape.1).map(|_| randn(&mut rng)).collect();

    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(KERNEL)
        .build()
        .context("cannot build the scale kernel")?;
    // ANCHOR: use
    let a_gpu = DeviceArray::to_device(&pro_que, &a, shape)?;
    let a_scaled = a_gpu.scale(args.factor)?.get()?;
    // ANCHOR_END: use

    println!("ORIGINAL MATRIX");
    println!("{}", format_matrix(&a_gpu.get()?, shape.1));
    println!("MATRIX AFTER {} * a_gpu ON THE OpenCL DEVICE", args.factor);
    println!("{}", format_matrix(&a_scaled, shape.1));
    check(&a, args.factor, &a_scaled)
}

// ANCHOR: device_array
/// PyCUDA's GPUArray, as much as the recipe uses: a buffer in the device's memory that knows
/// its shape, and whose arithmetic runs as kernels.
struct DeviceArray<'q> {
    pro_que: &'q ProQue,
    buffer: Buffer<f32>,
    shape: (usize, usize),
}

impl<'q> DeviceArray<'q> {
    /// `gpuarray.to_gpu`: copies a row-major host array of `shape` to the device.
    fn to_device(pro_que: &'q ProQue, host: &[f32], shape: (usize, usize)) -> ocl::Result<Self> {
        let buffer = Buffer::builder()
            .queue(pro_que.queue().clone())
            .len(host.len())
            .copy_host_slice(host)
            .build()?;
        Ok(Self {
            pro_que,
            buffer,
            shape,
        })
    }

    /// `factor * self`: a new device array, computed by the `scale` kernel on the device.
    #[allow(unsafe_code)] // the kernel launch
    fn scale(&self, factor: f32) -> ocl::Result<DeviceArray<'q>> {
        let len = self.shape.0 * self.shape.1;
        let buffer = Buffer::<f32>::builder()
            .queue(self.pro_que.queue().clone())
            .len(len)
            .build()?;
        let kernel = self
            .pro_que
            .kernel_builder("scale")
            .global_work_size(len)
            .arg(factor)
            .arg(&self.buffer)
            .arg(&buffer)
            .build()?;
        // SAFETY: the global work size is the array's length, the length of both buffers, so
        // every work-item's index is in bounds; both buffers outlive the queue's work.
        unsafe { kernel.enq()? };
        Ok(DeviceArray { buffer, ..*self })
    }

    /// `.get()`: copies the array back to the host.
    fn get(&self) -> ocl::Result<Vec<f32>> {
        let mut host = vec![0.0; self.shape.0 * self.shape.1];
        self.buffer.read(&mut host).enq()?;
        Ok(host)
    }
}
// ANCHOR_END: device_array

/// Every element must be `factor` times the input's. The device multiplies in `f32` like the
/// CPU, and a single IEEE multiplication is correctly rounded on both, so the results must be
/// identical; for a factor of 2 there is no rounding at all.
fn check(a: &[f32], factor: f32, scaled: &[f32]) -> anyhow::Result<()> {
    let wrong = (0..a.len()).filter(|&i| scaled[i] != factor * a[i]).count();
    ensure!(
        wrong == 0,
        "{wrong} of {} elements are not exactly {factor} times the input",
        a.len()
    );
    println!(
        "Check: all {} elements exactly {factor} times the input",
        a.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_counts_the_elements_not_scaled() {
        assert!(check(&[1.0, -0.5], 2.0, &[2.0, -1.0]).is_ok());
        let error = check(&[1.0, -0.5], 2.0, &[2.0, -0.5]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "1 of 2 elements are not exactly 2 times the input"
        );
    }
}
