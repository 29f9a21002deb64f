//! # How to build an OpenCL application: a vector sum
//!
//! Book: 1st edition §6.11 "How to build a PyOpenCL application"; 2nd edition chapter 8,
//! "Building applications with PyOpenCL", `vectorSumPyopencl.py`.
//!
//! Two vectors of random ints are added on an OpenCL device, and every step of the OpenCL flow
//! is spelled out: pick a platform and a device, make a context and a command queue, copy the
//! inputs into device buffers, build the program from source, launch one work-item per element,
//! and read the result back. The sum is checked against the CPU's, element by element.
//!
//! ## Run
//!
//! ```text
//! cargo run -p gpu-vector-sum                          # 100 elements on PoCL (the CPU)
//! cargo run -p gpu-vector-sum -- --length 1000 --seed 7
//! cargo run -p gpu-vector-sum -- --platform 1 --device 0   # another platform, e.g. a GPU
//! ```
//!
//! ## Python → Rust
//!
//! - `cl.get_platforms()[0]`, `platform.get_devices()[0]` → `common::opencl::select`, which
//!   takes `--platform`/`--device` and fails in one line when there is no OpenCL platform.
//! - `cl.Context`, `cl.CommandQueue`, `cl.Buffer(..., COPY_HOST_PTR, hostbuf=...)`,
//!   `cl.Program(...).build()` → `ocl`'s `Context`, `Queue`, `Buffer::builder().copy_host_slice`
//!   and `Program::builder()`, one to one. The kernel source lives in `src/vector_sum.cl`.
//! - `program.vectorSum(queue, shape, None, ...)` → a `Kernel` with the buffers as arguments and
//!   the vectors' length as global work size, launched by `unsafe { kernel.enq() }` (Rust cannot
//!   check the kernel's indexing, so the launch says why it is safe); `cl.enqueue_copy` →
//!   `Buffer::read`.
//! - numpy's `randint` arrays → `Vec<i32>`: the element type is spelled out and matches the
//!   kernel's `int`.
//!
//! ## Differences from the book
//!
//! - Bug fixed: `np.random.randint` gives 64-bit ints on Linux while the kernel reads 32-bit
//!   `int`s, so the kernel sees each number as two (the number, then 0): only the first 50 of
//!   the 100 sums are right, and the final `assert` fails. Here host and kernel both use 32-bit
//!   ints, and all 100 sums are checked.
//! - The heading says `OpenCL` rather than `PyOPENCL`; vectors print in NumPy's layout.
//! - `--platform`/`--device` choose the device (the book takes the first of each); `--seed`
//!   makes the vectors repeatable; `--length` changes the book's 100.
//! - The check prints its verdict, `Check: all 100 sums equal the CPU's a + b`; the book's
//!   `assert` on the difference's norm becomes an exact comparison (ints add exactly).

use anyhow::{Context as _, ensure};
use clap::Parser;
use common::opencl::{DeviceArgs, format_vector};
use ocl::flags::MemFlags;
use ocl::{Buffer, Context, Device, Kernel, Platform, Program, Queue};
use rand::RngExt;
use rand::rngs::SmallRng;

/// The kernel, compiled at run time for whichever device is chosen.
const KERNEL: &str = include_str!("vector_sum.cl");

#[derive(Parser)]
#[command(about = "Adds two vectors of ints in an OpenCL kernel, spelling out every step")]
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
    let mut rng = common::seeded_rng(args.seed);
    let length = args.length as usize;
    let vector_a = random_vector(&mut rng, length);
    let vector_b = random_vector(&mut rng, length);

    let result = vector_sum(platform, device, &vector_a, &vector_b)
        .context("the OpenCL vector sum failed")?;

    println!("OpenCL SUM OF TWO VECTORS");
    println!("Platform Selected = {}", platform.name()?);
    println!("Device Selected = {}", device.name()?);
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

// ANCHOR: flow
/// The book's OpenCL flow, one step per statement.
#[allow(unsafe_code)] // the kernel launch
fn vector_sum(platform: Platform, device: Device, a: &[i32], b: &[i32]) -> ocl::Result<Vec<i32>> {
    let context = Context::builder()
        .platform(platform)
        .devices(device)
        .build()?;
    let queue = Queue::new(&context, device, None)?;

    let read_only = MemFlags::new().read_only();
    let a_g = Buffer::builder()
        .queue(queue.clone())
        .flags(read_only)
        .len(a.len())
        .copy_host_slice(a)
        .build()?;
    let b_g = Buffer::builder()
        .queue(queue.clone())
        .flags(read_only)
        .len(b.len())
        .copy_host_slice(b)
        .build()?;

    let program = Program::builder()
        .src(KERNEL)
        .devices(device)
        .build(&context)?;

    let res_g = Buffer::<i32>::builder()
        .queue(queue.clone())
        .flags(MemFlags::new().write_only())
        .len(a.len())
        .build()?;

    let kernel = Kernel::builder()
        .program(&program)
        .name("vectorSum")
        .queue(queue)
        .global_work_size(a.len())
        .arg(&a_g)
        .arg(&b_g)
        .arg(&res_g)
        .build()?;
    // SAFETY: the global work size is the vectors' length, so every work-item's index is in
    // bounds of all three buffers, and the buffers outlive the launch and the blocking read.
    unsafe { kernel.enq()? };

    let mut res = vec![0; a.len()];
    res_g.read(&mut res).enq()?;
    Ok(res)
}
// ANCHOR_END: flow

// ANCHOR: check
/// Every element of `result` must be the sum of the inputs' elements, computed on the CPU.
fn check(a: &[i32], b: &[i32], result: &[i32]) -> anyhow::Result<()> {
    let wrong: Vec<usize> = (0..a.len()).filter(|&i| result[i] != a[i] + b[i]).collect();
    ensure!(
        wrong.is_empty(),
        "{} of {} sums are wrong, the first at index {}",
        wrong.len(),
        a.len(),
        wrong[0]
    );
    println!("Check: all {} sums equal the CPU's a + b", a.len());
    Ok(())
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn check_accepts_the_right_sums() {
        assert!(check(&[1, 2], &[10, 20], &[11, 22]).is_ok());
    }

    #[test]
    fn check_names_the_first_wrong_sum() {
        // What the book's 64-bit host ints produce: right sums, then the halves of 64-bit words.
        let error = check(&[1, 2, 3], &[1, 1, 1], &[2, 3, 0]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "1 of 3 sums are wrong, the first at index 2"
        );
    }

    #[test]
    fn random_vectors_stay_below_their_length_and_repeat_with_a_seed() {
        let draw = |seed| random_vector(&mut SmallRng::seed_from_u64(seed), 100);
        assert!(draw(1).iter().all(|&v| (0..100).contains(&v)));
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
    }
}
