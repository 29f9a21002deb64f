//! # The kernel an ElementwiseKernel generates (port addition of `gpu-elementwise-lincomb`)
//!
//! PyCUDA writes the element-wise kernel behind the reader's back. This example prints the
//! OpenCL source `gpu-elementwise-lincomb` generates from the same parts, by default the recipe's
//! `c[i] = a*x[i] + b*y[i]`; the flags give other ones. It only prints: no device needed.
//!
//! ```text
//! cargo run -p gpu-elementwise-lincomb --example lincomb_kernel
//! cargo run -p gpu-elementwise-lincomb --example lincomb_kernel -- --operation 'c[i] = a*x[i] - b*y[i]' --name difference
//! ```

#[path = "../src/elementwise_kernel.rs"]
mod elementwise_kernel;

use clap::Parser;

#[derive(Parser)]
#[command(about = "Prints the OpenCL element-wise kernel generated from an operation over i")]
struct Args {
    /// The kernel's arguments; pointers get `__global`.
    #[arg(long, default_value = "float a, float *x, float b, float *y, float *c")]
    arguments: String,
    /// What the kernel does for each index `i`.
    #[arg(long, default_value = "c[i] = a*x[i] + b*y[i]")]
    operation: String,
    /// The kernel's name.
    #[arg(long, default_value = "linear_combination")]
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
