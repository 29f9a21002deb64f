//! # The kernel an ElementwiseKernel generates (port addition of `gpu-elementwise-sum`)
//!
//! PyOpenCL writes the element-wise kernel behind the reader's back. This example prints the
//! OpenCL source `gpu-elementwise-sum` generates from the same parts, by default the recipe's
//! `c[i] = a[i] + b[i]`; the flags give other ones. It only prints: no device needed.
//!
//! ```text
//! cargo run -p gpu-elementwise-sum --example elementwise_sum_kernel
//! cargo run -p gpu-elementwise-sum --example elementwise_sum_kernel -- --arguments 'float k, float *x' --operation 'x[i] *= k' --name scale
//! ```

#[path = "../src/elementwise_kernel.rs"]
mod elementwise_kernel;

use clap::Parser;

#[derive(Parser)]
#[command(about = "Prints the OpenCL element-wise kernel generated from an operation over i")]
struct Args {
    /// The kernel's arguments; pointers get `__global`.
    #[arg(long, default_value = "int *a, int *b, int *c")]
    arguments: String,
    /// What the kernel does for each index `i`.
    #[arg(long, default_value = "c[i] = a[i] + b[i]")]
    operation: String,
    /// The kernel's name.
    #[arg(long, default_value = "sum")]
    name: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    common::main(|| {
        let source =
            elementwise_kernel::elementwise_kernel(&args.arguments, &args.operation, &args.name);
        println!("GENERATED KERNEL");
        print!("{source}");
        Ok(())
    })
}
