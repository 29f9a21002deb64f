//! # The MapReduce operation: a dot product
//!
//! Book: 1st edition §6.7 "The MapReduce operation with PyCUDA".
//!
//! PyCUDA's `ReductionKernel` builds a reduction from a map expression (`x[i]*y[i]`), a
//! reduce expression (`a+b`) and a neutral element (`0`). Here the same words fill a kernel
//! template (`src/reduction.cl`): each work-group maps its slice of the vectors and reduces it
//! by a tree in local memory to one partial sum, and the host adds the few partial sums. The
//! dot product of 0..399 with itself is 21253400, checked against the CPU.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-reduce-dot                          # 400 elements on PoCL (the CPU)
//! cargo run -p gpu-reduce-dot -- --length 1000 --work-group 64 --show-kernel
//! cargo run -p gpu-reduce-dot -- --platform 1 --device 0
//! ```
//!
//! ## Python → Rust
//!
//! - `ReductionKernel(dtype, arguments, map_expr, reduce_expr, neutral)` →
//!   `reduction_kernel(...)` with the same parts, filling the template's blanks.
//! - PyCUDA picks block sizes and runs a second pass over the blocks' results by itself; here
//!   the work-group size is chosen (`--work-group`, 256 by default) and the per-group partial
//!   sums are added on the host: for 400 elements there are two.
//! - `gpuarray.arange(400, dtype=numpy.int)` → `Vec<i32>` copied into a `Buffer<i32>`,
//!   matching the kernel's `int`.
//!
//! ## Differences from the book
//!
//! - Bug fixed: `numpy.int` is 64-bit on Linux while the kernel's `int` is 32-bit; here both
//!   are 32-bit. The dot product must fit an `int`: `--length` above 1861 is refused.
//! - The work-groups and their partial sums are printed, then the book's result, then the
//!   check against the CPU's dot product; the book prints the vectors and the result only.
//! - `--show-kernel` prints the generated source; `--length` changes the book's 400.
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`).

use anyhow::{Context as _, bail, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_vector};
use ocl::{Buffer, Device, Platform, ProQue};

const TEMPLATE: &str = include_str!("reduction.cl");

#[derive(Parser)]
#[command(about = "A map-reduce dot product: a generated OpenCL reduction kernel")]
struct Args {
    /// Elements per vector (the book's vector_length); both vectors are 0..length.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=1861))]
    length: u32,
    /// Work-items per work-group, a power of two [default: 256, or the device's maximum].
    #[arg(long, value_parser = power_of_two)]
    work_group: Option<u32>,
    /// Also print the kernel generated from the expressions.
    #[arg(long)]
    show_kernel: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    println!("{}", common::opencl::describe(&platform, &device));
    let work_group = work_group_size(args.work_group, device)?;
    let length = i32::try_from(args.length).expect("clap bounds --length to 1861");
    let input_vector_a: Vec<i32> = (0..length).collect();
    let input_vector_b: Vec<i32> = (0..length).collect();

    // ANCHOR: generate
    let source = reduction_kernel(
        "int",
        "int *x, int *y",
        "x[i]*y[i]",
        "a+b",
        "0",
        "dot_product",
    );
    // ANCHOR_END: generate
    if args.show_kernel {
        println!("GENERATED KERNEL");
        print!("{source}");
    }
    let partial = dot_partials(
        platform,
        device,
        &source,
        work_group,
        &input_vector_a,
        &input_vector_b,
    )
    .context("the reduction kernel failed")?;
    let dot_product = add_partials(&partial)?;

    println!("INPUT VECTOR A");
    println!("{}", format_vector(&input_vector_a));
    println!("INPUT VECTOR B");
    println!("{}", format_vector(&input_vector_b));
    println!(
        "{} work-groups of {work_group} work-items, partial sums {partial:?}, added on the host",
        partial.len()
    );
    println!("RESULT DOT PRODUCT OF A * B");
    println!("{dot_product}");
    check(&input_vector_a, &input_vector_b, dot_product)
}

/// Accepts a power of two from 1 to 1024 for `--work-group`.
fn power_of_two(text: &str) -> Result<u32, String> {
    let size: u32 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if size.is_power_of_two() && size <= 1024 {
        Ok(size)
    } else {
        Err(format!("{size} is not a power of two from 1 to 1024"))
    }
}

/// `--work-group`, or 256 capped by what the device allows (a power of two: the tree halves).
fn work_group_size(requested: Option<u32>, device: Device) -> anyhow::Result<usize> {
    let max = device.max_wg_size()?;
    match requested {
        Some(size) if size as usize > max => {
            bail!("--work-group {size} is more than this device's maximum work-group size, {max}")
        }
        Some(size) => Ok(size as usize),
        None => Ok(1 << 256usize.min(max).ilog2()),
    }
}

// ANCHOR: reduction_kernel
/// The source of a reduction kernel `name`: `map_expr` gives element `i`'s value, `reduce_expr`
/// combines two values `a` and `b`, `neutral` is what past-the-end work-items contribute.
/// Pointer arguments live in the device's global memory, so they get `__global`.
fn reduction_kernel(
    dtype: &str,
    arguments: &str,
    map_expr: &str,
    reduce_expr: &str,
    neutral: &str,
    name: &str,
) -> String {
    let arguments: Vec<String> = arguments
        .split(',')
        .map(str::trim)
        .map(|argument| {
            if argument.contains('*') {
                format!("__global const {argument}")
            } else {
                argument.to_owned()
            }
        })
        .collect();
    TEMPLATE
        .replace("@TYPE@", dtype)
        .replace("@NAME@", name)
        .replace("@ARGUMENTS@", &arguments.join(", "))
        .replace("@MAP_EXPR@", map_expr)
        .replace("@REDUCE_EXPR@", reduce_expr)
        .replace("@NEUTRAL@", neutral)
}
// ANCHOR_END: reduction_kernel

// ANCHOR: launch
/// Runs the `dot_product` reduction: one partial sum per work-group of `work_group` items.
fn dot_partials(
    platform: Platform,
    device: Device,
    source: &str,
    work_group: usize,
    x: &[i32],
    y: &[i32],
) -> ocl::Result<Vec<i32>> {
    let groups = x.len().div_ceil(work_group);
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(source)
        .dims(groups * work_group)
        .build()?;
    let to_device = |host: &[i32]| {
        Buffer::builder()
            .queue(pro_que.queue().clone())
            .len(host.len())
            .copy_host_slice(host)
            .build()
    };
    let (x_gpu, y_gpu) = (to_device(x)?, to_device(y)?);
    let partial_gpu = Buffer::<i32>::builder()
        .queue(pro_que.queue().clone())
        .len(groups)
        .build()?;
    let n = u32::try_from(x.len()).expect("clap bounds --length");
    let kernel = pro_que
        .kernel_builder("dot_product")
        .arg(&x_gpu)
        .arg(&y_gpu)
        .arg(n)
        .arg_local::<i32>(work_group)
        .arg(&partial_gpu)
        .local_work_size(work_group)
        .build()?;
    common::opencl::enqueue(kernel.cmd())?;
    let mut partial = vec![0; groups];
    partial_gpu.read(&mut partial).enq()?;
    Ok(partial)
}
// ANCHOR_END: launch

/// The final `a+b` over the work-groups' partial sums, in the kernel's 32-bit `int`.
fn add_partials(partial: &[i32]) -> anyhow::Result<i32> {
    partial
        .iter()
        .try_fold(0i32, |sum, &p| sum.checked_add(p))
        .context("the partial sums overflow a 32-bit int")
}

/// The dot product must equal the CPU's, computed in 64 bits so an overflow would show.
fn check(a: &[i32], b: &[i32], dot_product: i32) -> anyhow::Result<()> {
    let expected: i64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| i64::from(x) * i64::from(y))
        .sum();
    ensure!(
        i64::from(dot_product) == expected,
        "the device's dot product {dot_product} differs from the CPU's {expected}"
    );
    println!("Check: {dot_product} = the CPU's sum of a[i]*b[i]");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_kernel_fills_every_blank() {
        let source = reduction_kernel("int", "int *x, int *y", "x[i]*y[i]", "a+b", "0", "dot");
        assert!(source.contains("int reduce_op(int a, int b) { return a+b; }"));
        assert!(source.contains(
            "__kernel void dot(__global const int *x, __global const int *y, const uint n, \
             __local int *scratch,"
        ));
        assert!(source.contains("scratch[lid] = i < n ? (int)(x[i]*y[i]) : (int)(0);"));
        assert!(!source.contains('@'));
    }

    #[test]
    fn the_books_dot_product_is_21253400_and_fits_an_int() {
        let v: Vec<i32> = (0..400).collect();
        assert!(check(&v, &v, 21_253_400).is_ok());
        assert!(check(&v, &v, 21_253_401).is_err());
        // The largest --length clap allows still fits.
        let v: Vec<i64> = (0..1861).collect();
        assert!(v.iter().map(|x| x * x).sum::<i64>() <= i64::from(i32::MAX));
        let v: Vec<i64> = (0..1862).collect();
        assert!(v.iter().map(|x| x * x).sum::<i64>() > i64::from(i32::MAX));
    }

    #[test]
    fn partial_sums_add_up_or_report_an_overflow() {
        assert_eq!(add_partials(&[5_559_680, 15_693_720]).unwrap(), 21_253_400);
        assert!(add_partials(&[i32::MAX, 1]).is_err());
    }

    #[test]
    fn work_groups_must_be_powers_of_two() {
        assert_eq!(power_of_two("64"), Ok(64));
        assert!(power_of_two("48").is_err());
        assert!(power_of_two("2048").is_err());
        assert!(power_of_two("0").is_err());
    }
}
