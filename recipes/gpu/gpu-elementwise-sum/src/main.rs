//! # Element-wise expressions: a vector sum
//!
//! Book: 1st edition §6.12 "Evaluating element-wise expressions with PyOpenCL"; 2nd edition
//! chapter 8, "Element-wise expressions with PyOpenCL", `elementwisePyopencl.py`.
//!
//! PyOpenCL's `ElementwiseKernel` turns an argument list and a one-line expression over an
//! index `i` into a whole kernel. Here a few lines of Rust do the same with a template
//! (`src/elementwise.cl`): `"int *a, int *b, int *c"` and `"c[i] = a[i] + b[i]"` become the
//! kernel `sum`, which adds two random vectors; the result is checked against the CPU.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-elementwise-sum                         # 100 ints on PoCL (the CPU)
//! cargo run -p gpu-elementwise-sum -- --seed 7 --length 5000
//! cargo run -p gpu-elementwise-sum -- --platform 1 --device 0  # another OpenCL device
//! cargo run -p gpu-elementwise-sum --example elementwise_sum_kernel  # print the generated kernel
//! ```
//!
//! ## Python → Rust
//!
//! - `ElementwiseKernel(context, arguments, operation, name)` → `elementwise_kernel(arguments,
//!   operation, name)` (`src/elementwise_kernel.rs`), which fills the template's blanks and
//!   marks pointer arguments `__global`; `ocl`'s `ProQue` then builds it for the chosen device.
//! - Calling the kernel → `unsafe { kernel.enq() }`: Rust cannot check the kernel's indexing,
//!   so the launch says why it is safe.
//! - `cl_array.to_device(queue, array)` → a `Buffer<i32>` made from the host slice;
//!   `cl_array.empty_like` → an uninitialised buffer of the same length; printing a
//!   `cl_array` (which copies it back) → `Buffer::read`.
//! - `cl.create_some_context()` (which may ask on stdin) → `--platform`/`--device`.
//!
//! ## Differences from the book
//!
//! - Bug fixed: `np.random.randint` gives 64-bit ints on Linux but the kernel's `int` is
//!   32-bit; here both sides use 32-bit ints, so all sums are right.
//! - The heading says `OpenCL` rather than `PyOpenCL`; vectors print in NumPy's layout.
//! - The result is checked against the CPU (exactly: ints add exactly) and the verdict
//!   printed, `Check: c = a + b for all 100 elements, as on the CPU`; the book prints the
//!   vectors only.
//! - `--seed` makes the vectors repeatable; `--length` changes the book's 100; the
//!   `elementwise_sum_kernel` example prints the generated source.
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`), e.g.
//!   `OpenCL device: pthread-… (CPU, 2 compute units) on Portable Computing Language`.

mod elementwise_kernel;

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_vector};
use ocl::{Device, Platform, ProQue};
use rand::RngExt;
use rand::rngs::SmallRng;

use elementwise_kernel::elementwise_kernel;

#[derive(Parser)]
#[command(about = "An element-wise OpenCL kernel generated from c[i] = a[i] + b[i]")]
struct Args {
    /// Elements per vector (the book's vector_dimension), at most 16777216 (2^24: some 3 s
    /// on PoCL); values are random in 0..length.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=16_777_216))]
    length: u32,
    /// Seed for the random vectors; random when absent, as in the book.
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
    let length = args.length as usize;
    let vector_a = random_vector(&mut rng, length);
    let vector_b = random_vector(&mut rng, length);

    // ANCHOR: generate
    let source = elementwise_kernel("int *a, int *b, int *c", "c[i] = a[i] + b[i]", "sum");
    // ANCHOR_END: generate
    let result = elementwise_sum(platform, device, &source, &vector_a, &vector_b)
        .context("the element-wise kernel failed")?;

    println!("OpenCL ELEMENTWISE SUM OF TWO VECTORS");
    println!("VECTOR LENGTH = {length}");
    println!("INPUT VECTOR A");
    println!("{}", format_vector(&vector_a));
    println!("INPUT VECTOR B");
    println!("{}", format_vector(&vector_b));
    println!("OUTPUT VECTOR RESULT A + B ");
    println!("{}", format_vector(&result));
    check(&vector_a, &vector_b, &result)
}

/// `np.random.randint(length, size=length)`, as 32-bit ints.
fn random_vector(rng: &mut SmallRng, length: usize) -> Vec<i32> {
    let bound = i32::try_from(length).expect("clap bounds --length well below i32::MAX");
    (0..length).map(|_| rng.random_range(0..bound)).collect()
}

// ANCHOR: launch
/// Copies the vectors to the device, runs the generated `sum` kernel and reads `c` back.
#[allow(unsafe_code)] // the kernel launch
fn elementwise_sum(
    platform: Platform,
    device: Device,
    source: &str,
    a: &[i32],
    b: &[i32],
) -> ocl::Result<Vec<i32>> {
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(source)
        .dims(a.len())
        .build()?;
    // `cl_array.to_device` and `cl_array.empty_like`: buffers of the ProQue's length.
    let vector_a = pro_que.buffer_builder().copy_host_slice(a).build()?;
    let vector_b = pro_que.buffer_builder().copy_host_slice(b).build()?;
    let result_vector = pro_que.create_buffer::<i32>()?;
    let n = u32::try_from(a.len()).expect("clap bounds --length below u32::MAX");
    let kernel = pro_que
        .kernel_builder("sum")
        .arg(&vector_a)
        .arg(&vector_b)
        .arg(&result_vector)
        .arg(n)
        .build()?;
    // SAFETY: the kernel's loop stops below `n`, the length of all three buffers, whatever
    // the global size; the buffers outlive the launch and the blocking read.
    unsafe { kernel.enq()? };
    let mut result = vec![0; a.len()];
    result_vector.read(&mut result).enq()?;
    Ok(result)
}
// ANCHOR_END: launch

/// `c` must be `a + b` element by element, as the CPU adds them.
fn check(a: &[i32], b: &[i32], c: &[i32]) -> anyhow::Result<()> {
    let wrong = (0..a.len()).filter(|&i| c[i] != a[i] + b[i]).count();
    ensure!(
        wrong == 0,
        "{wrong} of {} sums differ from the CPU's a + b",
        a.len()
    );
    println!(
        "Check: c = a + b for all {} elements, as on the CPU",
        a.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_counts_wrong_sums() {
        assert!(check(&[1, 2], &[3, 4], &[4, 6]).is_ok());
        let error = check(&[1, 2], &[3, 4], &[4, 0]).unwrap_err();
        assert_eq!(error.to_string(), "1 of 2 sums differ from the CPU's a + b");
    }
}
