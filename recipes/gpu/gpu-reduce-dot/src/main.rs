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
//! cargo run -p gpu-reduce-dot -- --length 1000 --work-group 64
//! cargo run -p gpu-reduce-dot -- --platform 1 --device 0
//! cargo run -p gpu-reduce-dot --example reduce_dot_kernel   # print the generated kernel
//! ```
//!
//! ## Python → Rust
//!
//! - `ReductionKernel(dtype, arguments, map_expr, reduce_expr, neutral)` →
//!   `reduction_kernel(...)` with the same parts, filling the template's blanks
//!   (`src/reduction_kernel.rs`); a `ProQue` compiles it and `unsafe { kernel.enq() }` launches
//!   it, over the vectors' length rounded up to whole work-groups.
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
//! - `--length` changes the book's 400; the `reduce_dot_kernel` example prints the generated
//!   source (for the recipe's expressions or others).
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`).

mod reduction_kernel;

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_vector, parse_work_group, work_group_size};
use ocl::ProQue;
use reduction_kernel::reduction_kernel;

#[derive(Parser)]
#[command(about = "A map-reduce dot product: a generated OpenCL reduction kernel")]
struct Args {
    /// Elements per vector (the book's vector_length), at most 1861, the last whose dot
    /// product fits a 32-bit int; both vectors are 0..length.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=1861))]
    length: u32,
    /// Work-items per work-group, a power of two up to 1024 [default: 256, or the device's
    /// maximum].
    #[arg(long, value_parser = |text: &str| parse_work_group(text, 1))]
    work_group: Option<u32>,
    #[command(flatten)]
    device: DeviceArgs,
}

fn main() -> std::process::ExitCode {
    common::main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let (platform, device) = common::opencl::select(&args.device)?;
    println!("{}", common::opencl::describe(&platform, &device));
    let work_group = work_group_size(args.work_group, &device, 1)?;
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
    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(source)
        .dims(input_vector_a.len())
        .build()
        .context("cannot build the generated kernel")?;
    let partial = dot_partials(&pro_que, work_group, &input_vector_a, &input_vector_b)
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

// ANCHOR: launch
/// Runs the `dot_product` kernel of `pro_que` (its dims: the vectors' length): one partial sum
/// per work-group of `group` work-items.
#[allow(unsafe_code)] // the kernel launch
fn dot_partials(pro_que: &ProQue, group: usize, x: &[i32], y: &[i32]) -> ocl::Result<Vec<i32>> {
    let groups = x.len().div_ceil(group);
    let x_gpu = pro_que.buffer_builder().copy_host_slice(x).build()?;
    let y_gpu = pro_que.buffer_builder().copy_host_slice(y).build()?;
    let partial_gpu = pro_que.buffer_builder().len(groups).build()?;
    let kernel = pro_que
        .kernel_builder("dot_product")
        .arg(&x_gpu)
        .arg(&y_gpu)
        .arg(x.len() as u32) // n, below 1862 (clap)
        .arg_local::<i32>(group)
        .arg(&partial_gpu)
        .global_work_size(groups * group)
        .local_work_size(group)
        .build()?;
    // SAFETY: the kernel reads x and y only below n, their length, writes `partial` only at its
    // group's index (below `groups`, its length) and `scratch` below the group size; the
    // buffers outlive the launch and the blocking read.
    unsafe { kernel.enq()? };
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
}
