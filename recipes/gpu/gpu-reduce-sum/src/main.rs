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
//!   the kernel again on the partial sums until one is left.
//! - `numpy.arange(10000, dtype=numpy.int64) + 1` → `Vec<i64>`, matching the kernel's `long`
//!   (64 bits in OpenCL on every device).
//!
//! ## Differences from the book
//!
//! - Each pass is printed (values in, work-groups, partial sums out), then the book's result
//!   line, then the check; the book prints the vector and the result only.
//! - `--length` changes the book's 10000; `--work-group` the work-group size (256 by default,
//!   or the device's maximum if smaller).
//! - The first line names the OpenCL device the kernel ran on (`--platform`/`--device`).

use anyhow::{Context as _, bail, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_vector};
use ocl::{Buffer, Device, ProQue};

const KERNEL: &str = include_str!("reduction.cl");

#[derive(Parser)]
#[command(about = "Sums 1..=n with a work-group tree reduction in OpenCL local memory")]
struct Args {
    /// How many numbers to sum: 1..=length (the book's 10000).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=16_777_216))]
    length: u32,
    /// Work-items per work-group, a power of two [default: 256, or the device's maximum].
    #[arg(long, value_parser = power_of_two)]
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
    let work_group = work_group_size(args.work_group, device)?;
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

/// Accepts a power of two from 2 to 1024 for `--work-group` (1 would never shrink the data).
fn power_of_two(text: &str) -> Result<u32, String> {
    let size: u32 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if size.is_power_of_two() && (2..=1024).contains(&size) {
        Ok(size)
    } else {
        Err(format!("{size} is not a power of two from 2 to 1024"))
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
        None if max < 2 => bail!("this device runs work-groups of one work-item: no tree to build"),
        None => Ok(1 << 256usize.min(max).ilog2()),
    }
}

// ANCHOR: passes
/// Sums `values` on the device: each pass leaves one partial sum per work-group, and the next
/// pass sums those, until one value is left.
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
        common::opencl::enqueue(kernel.cmd())?;
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

/// "1 value", "2 values".
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

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

    #[test]
    fn counts_read_as_english() {
        assert_eq!(count(1, "work-group"), "1 work-group");
        assert_eq!(count(0, "zero"), "0 zeros");
    }

    #[test]
    fn work_groups_are_powers_of_two_of_at_least_two() {
        assert_eq!(power_of_two("256"), Ok(256));
        assert!(power_of_two("1").is_err());
        assert!(power_of_two("100").is_err());
    }
}
