//! # Element-wise expressions: a linear combination
//!
//! Book: 1st edition §6.6 "Evaluating element-wise expressions with PyCUDA".
//!
//! PyCUDA's `ElementwiseKernel` builds a kernel from an argument list and an expression over
//! one index `i`. Here the same few words, `"float a, float *x, float b, float *y, float *c"`
//! and `"c[i] = a*x[i] + b*y[i]"`, fill a kernel template (`src/elementwise.cl`) that computes
//! C = 2A + 5B over 50 random floats; the difference from the CPU's 2A + 5B is printed and
//! checked.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-elementwise-lincomb                        # 50 floats on PoCL (the CPU)
//! cargo run -p gpu-elementwise-lincomb -- --seed 7
//! cargo run -p gpu-elementwise-lincomb -- --length 100000 --coef-a -3 --coef-b 0.5
//! cargo run -p gpu-elementwise-lincomb -- --platform 1 --device 0
//! cargo run -p gpu-elementwise-lincomb --example lincomb_kernel   # print the kernel
//! ```
//!
//! ## Python → Rust
//!
//! - `ElementwiseKernel(arguments, operation, name)` → `elementwise_kernel(arguments,
//!   operation, name)` (`src/elementwise_kernel.rs`): the template's blanks filled in, pointer
//!   arguments marked `__global`.
//! - `linear_combination(2, a, 5, b, c)` → the kernel's arguments set by name order, then
//!   `unsafe { kernel.enq() }`: Rust cannot check the kernel's indexing, so the launch says
//!   why it is safe.
//! - `curand((50,))` (random floats made on the device) → `rand` on the host, copied into a
//!   `Buffer<f32>`; `gpuarray.empty_like` → an uninitialised buffer of the same length.
//! - The GPUArray arithmetic of the check (`c - (2*a + 5*b)`, `la.norm`) → plain loops on the
//!   host copies.
//!
//! ## Differences from the book
//!
//! - The book asserts that the norm of C − (2A + 5B) is below 1e-5. That bound grows with the
//!   vector's length and its values, so here each element is held to its own: the device may
//!   fuse `a*x[i] + b*y[i]` into one multiply-add and round once where the CPU rounds twice, so
//!   each difference must stay within 4ε·(|a·x| + |b·y|) (ε = `f32::EPSILON`). The norm is
//!   printed too; for the book's 50 values it is about 1e-6 or 0.
//! - The random inputs come from the host (`--seed` makes them repeatable), not from cuRAND.
//! - `--length`, `--coef-a`, `--coef-b` change the book's 50, 2 and 5; the `lincomb_kernel`
//!   example prints the generated source. Vectors print in NumPy's layout, the differences in
//!   exponent notation.
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`).

mod elementwise_kernel;

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_vector};
use ocl::ProQue;
use rand::RngExt;

use elementwise_kernel::elementwise_kernel;

#[derive(Parser)]
#[command(about = "An element-wise OpenCL kernel generated from c[i] = a*x[i] + b*y[i]")]
struct Args {
    /// Elements per vector (the book's 50), at most 16777216 (2^24: some 6 s on PoCL);
    /// values are random in [0, 1).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=16_777_216))]
    length: u32,
    /// The coefficient of A (the book's mult_coefficient_a).
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    coef_a: f32,
    /// The coefficient of B (the book's mult_coefficient_b).
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    coef_b: f32,
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
    ensure!(
        args.coef_a.is_finite() && args.coef_b.is_finite(),
        "--coef-a and --coef-b must be finite numbers"
    );
    let mut rng = common::seeded_rng(args.seed);
    let length = args.length as usize;
    let input_vector_a: Vec<f32> = (0..length).map(|_| rng.random()).collect();
    let input_vector_b: Vec<f32> = (0..length).map(|_| rng.random()).collect();
    let (a, b) = (args.coef_a, args.coef_b);

    // ANCHOR: generate
    let source = elementwise_kernel(
        "float a, float *x, float b, float *y, float *c",
        "c[i] = a*x[i] + b*y[i]",
        "linear_combination",
    );
    // ANCHOR_END: generate
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(source)
        .dims(length)
        .build()
        .context("cannot build the generated kernel")?;
    let result = linear_combination(&pro_que, a, &input_vector_a, b, &input_vector_b)
        .context("the element-wise kernel failed")?;

    println!("INPUT VECTOR A =");
    println!("{}", format_vector(&input_vector_a));
    println!("INPUT VECTOR B = ");
    println!("{}", format_vector(&input_vector_b));
    println!("RESULTING VECTOR C = ");
    println!("{}", format_vector(&result));
    println!(
        "CHECKING THE RESULT EVALUATING THE DIFFERENCE VECTOR BETWEEN C AND THE LINEAR \
         COMBINATION OF A AND B"
    );
    println!("C - ({a}A + {b}B) = ");
    let difference: Vec<f32> = (0..length)
        .map(|i| result[i] - (a * input_vector_a[i] + b * input_vector_b[i]))
        .collect();
    let shown: Vec<String> = difference.iter().map(|d| format!("{d:e}")).collect();
    println!("{}", format_vector(&shown));
    check(a, &input_vector_a, b, &input_vector_b, &difference)
}

// ANCHOR: launch
/// Runs the generated `linear_combination` kernel of `pro_que` (its dims: the vectors'
/// length): c = a·x + b·y on the device.
#[allow(unsafe_code)] // the kernel launch
fn linear_combination(
    pro_que: &ProQue,
    a: f32,
    x: &[f32],
    b: f32,
    y: &[f32],
) -> ocl::Result<Vec<f32>> {
    let x_gpu = pro_que.buffer_builder().copy_host_slice(x).build()?;
    let y_gpu = pro_que.buffer_builder().copy_host_slice(y).build()?;
    let c_gpu = pro_que.create_buffer::<f32>()?;
    let kernel = pro_que
        .kernel_builder("linear_combination")
        .arg(a)
        .arg(&x_gpu)
        .arg(b)
        .arg(&y_gpu)
        .arg(&c_gpu)
        .arg(x.len() as u32) // n; clap bounds --length far below u32::MAX
        .build()?;
    // SAFETY: the kernel's loop stops below `n`, the length of all three buffers, whatever
    // the global size; the buffers outlive the launch and the blocking read.
    unsafe { kernel.enq()? };
    let mut c = vec![0.0; x.len()];
    c_gpu.read(&mut c).enq()?;
    Ok(c)
}
// ANCHOR_END: launch

// ANCHOR: check
/// Each difference must be within 4ε·(|a·x| + |b·y|): the CPU rounds `a*x`, `b*y` and their
/// sum; a device that fuses a multiply-add rounds one step fewer. Both land within 2ε of the
/// exact value, hence 4ε between them.
fn check(a: f32, x: &[f32], b: f32, y: &[f32], difference: &[f32]) -> anyhow::Result<()> {
    let bound = |i: usize| 4.0 * f32::EPSILON * ((a * x[i]).abs() + (b * y[i]).abs());
    let wrong = (0..x.len())
        .filter(|&i| difference[i].abs() > bound(i) || difference[i].is_nan())
        .count();
    let norm = difference.iter().map(|d| d * d).sum::<f32>().sqrt();
    ensure!(
        wrong == 0,
        "{wrong} of {} elements differ from the CPU's {a}A + {b}B beyond rounding; norm of the \
         difference {norm:e}",
        x.len()
    );
    println!(
        "Check: every element within rounding (4ε·(|{a}A| + |{b}B|)) of the CPU's; \
         norm of the difference {norm:e}"
    );
    Ok(())
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_allows_one_rounding_and_rejects_more() {
        let (x, y) = ([0.5, 0.25], [0.125, 1.0]);
        let one_ulp = 4.0 * f32::EPSILON; // an ulp of 2·0.25 + 5·1 = 5.5
        assert!(check(2.0, &x, 5.0, &y, &[0.0, one_ulp]).is_ok());
        let error = check(2.0, &x, 5.0, &y, &[0.0, 1e-3]).unwrap_err();
        assert!(
            error.to_string().starts_with("1 of 2 elements differ"),
            "{error}"
        );
        assert!(check(2.0, &x, 5.0, &y, &[f32::NAN, 0.0]).is_err());
    }
}
