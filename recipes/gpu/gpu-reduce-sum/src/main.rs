//! # A sum reduction
//!
//! Book: 2nd edition chapter 8, "GPU programming with Numba", `reduceNumba.py`.
//!
//! Numba's `@cuda.reduce` turns `a + b` into a reduction that runs on the GPU. Here the
//! reduction is written out (`src/reduction.cl`): each work-group sums its slice of the vector
//! by a tree in local memory and writes one partial sum; the same kernel then runs over the
//! partial sums, pass after pass, until one number is left. 1 + 2 + … + 10000 = 50005000,
//! checked against the CPU and against n(n+1)/2.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-reduce-sum                          # 1..=10000 on PoCL (the CPU)
//! cargo run -p gpu-reduce-sum -- --length 1000000 --work-group 64
//! cargo run -p gpu-reduce-sum -- --platform 1 --device 0
//! ```
//!
//! ## Python → Rust
//!
//! - `@cuda.reduce def sum_reduce(a, b): return a + b` → the `sum_reduce` kernel, with the
//!   tree and the padding of the last work-group spelled out.
//! - Numba's hidden passes over the blocks' results → [`reduce_on_device`], a loop that runs
//!   the kernel again on the partial sums until one is left, each pass one
//!   `unsafe { kernel.enq() }` (with a `// SAFETY:` note on the indices).
//! - `numpy.arange(10000, dtype=numpy.int64) + 1` → `Vec<i64>`, matching the kernel's `long`
//!   (64 bits in OpenCL on every device).
//!
//! ## Differences from the book
//!
//! - Each pass is printed (values in, work-groups, partial sums out), as in `pass 1: 10000
//!   values in 40 work-groups of 256, 240 zeros of padding -> 40 partial sums`, then the book's
//!   result line, then the check, `Check: 50005000 = the CPU's sum = 10000*(10000+1)/2`; the
//!   book prints the vector and the result only.
//! - `--length` changes the book's 10000; `--work-group` the work-group size (256 by default,
//!   or the device's maximum if smaller).
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`), e.g.
//!   `OpenCL device: pthread-… (CPU, 2 compute units) on Portable Computing Language`.

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, count, format_vector, parse_work_group, work_group_size};
use ocl::{Buffer, ProQue};

const KERNEL: &str = include_str!("reduction.cl");

#[derive(Parser)]
#[command(about = "Sums 1..=n with a work-group tree reduction in OpenCL local memory")]
struct Args {
    /// How many numbers to sum: 1..=length (the book's 10000), at most 16777216 (2^24).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=16_777_216))]
    length: u32,
    /// Work-items per work-group, a power of two up to 1024 [default: 256, or the device's
    /// maximum].
    #[arg(long, value_parser = |text: &str| parse_work_group(text, 2))]
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
    // A tree needs at least two work-items per group, or no pass would shrink the data.
    let work_group = work_group_size(args.work_group, &device, 2)?;
    let a: Vec<i64> = (1..=i64::from(args.length)).collect();
    println!("vector to reduce =  {}", format_vector(&a));

    let pro_que = ProQue::builder()
        .platform(platform)
        .device(device)
        .src(KERNEL)
        .build()
        .context("cannot build the reduction kernel")?;
    let got = reduce_on_device(&pro_que, &a, work_group).context("the reduction failed")?;
    println!("result =  {got}");
    check(&a, got)
}

// ANCHOR: passes
/// Sums `values` on the device: each pass leaves one partial sum per work-group, and the next
/// pass sums those, until one value is left.
#[allow(unsafe_code)] // the kernel launch
fn reduce_on_device(pro_que: &ProQue, values: &[i64], work_group: usize) -> ocl::Result<i64> {
    let mut input: Buffer<i64> = Buffer::builder()
        .queue(pro_que.queue().clone())
        .len(values.len())
        .copy_host_slice(values)
        .build()?;
    let mut n = values.len();
    let mut pass = 1;
    loop {
        let groups = n.div_ceil(work_group);
        let partial = Buffer::<i64>::builder()
            .queue(pro_que.queue().clone())
            .len(groups)
            .build()?;
        let kernel = pro_que
            .kernel_builder("sum_reduce")
            .global_work_size(groups * work_group)
            .local_work_size(work_group)
            .arg(&input)
            .arg(u32::try_from(n).expect("clap bounds --length below u32::MAX"))
            .arg_local::<i64>(work_group)
            .arg(&partial)
            .build()?;
        // SAFETY: the kernel reads `input` only below `n`, its length, writes `partial` only at
        // its group's index (below `groups`, its length) and `scratch` below the group size;
        // OpenCL keeps both buffers alive until the commands that use them have finished.
        unsafe { kernel.enq()? };
        let padding = groups * work_group - n;
        println!(
            "pass {pass}: {} in {} of {work_group}, {} of padding -> {}",
            count(n, "value"),
            count(groups, "work-group"),
            count(padding, "zero"),
            count(groups, "partial sum")
        );
        if groups == 1 {
            let mut result = [0];
            partial.read(&mut result[..]).enq()?;
            return Ok(result[0]);
        }
        // Each pass divides the count by the work-group size (at least 2), so this ends.
        input = partial;
        n = groups;
        pass += 1;
    }
}
// ANCHOR_END: passes

/// The device's sum must equal the CPU's and Gauss's n(n+1)/2.
fn check(a: &[i64], got: i64) -> anyhow::Result<()> {
    let n = a.len() as i64;
    let cpu: i64 = a.iter().sum();
    ensure!(cpu == n * (n + 1) / 2, "the input is not 1..={n}");
    ensure!(
        got == cpu,
        "the device's sum {got} differs from the CPU's {cpu}"
    );
    println!("Check: {got} = the CPU's sum = {n}*({n}+1)/2");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_wants_the_sum_of_1_to_n() {
        let a: Vec<i64> = (1..=10_000).collect();
        assert!(check(&a, 50_005_000).is_ok());
        let error = check(&a, 50_004_999).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the device's sum 50004999 differs from the CPU's 50005000"
        );
    }
}
