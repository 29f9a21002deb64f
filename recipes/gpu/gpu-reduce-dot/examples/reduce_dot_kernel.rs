//! # The kernel a ReductionKernel generates (port addition of `gpu-reduce-dot`)
//!
//! PyCUDA writes the reduction kernel behind the reader's back. This example prints the OpenCL
//! source that `gpu-reduce-dot` generates from the same parts, by default the recipe's dot
//! product; the flags give other map and reduce expressions. It only prints: no device needed.
//!
//! ```text
//! cargo run -p gpu-reduce-dot --example reduce_dot_kernel
//! cargo run -p gpu-reduce-dot --example reduce_dot_kernel -- --map-expr 'x[i]' --reduce-expr 'a>b ? a : b' --neutral INT_MIN --name maximum --arguments 'int *x'
//! ```

#[path = "../src/reduction_kernel.rs"]
mod reduction_kernel;

use clap::Parser;

#[derive(Parser)]
#[command(
    about = "Prints the OpenCL reduction kernel generated from a map and a reduce expression"
)]
struct Args {
    /// The element type (ReductionKernel's dtype_out).
    #[arg(long, default_value = "int")]
    dtype: String,
    /// The kernel's arguments; pointers get `__global const`.
    #[arg(long, default_value = "int *x, int *y")]
    arguments: String,
    /// The value element `i` contributes.
    #[arg(long, default_value = "x[i]*y[i]")]
    map_expr: String,
    /// How two values `a` and `b` combine.
    #[arg(long, default_value = "a+b")]
    reduce_expr: String,
    /// What past-the-end work-items contribute.
    #[arg(long, default_value = "0")]
    neutral: String,
    /// The kernel's name.
    #[arg(long, default_value = "dot_product")]
    name: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    common::main(|| {
        let source = reduction_kernel::reduction_kernel(
            &args.dtype,
            &args.arguments,
            &args.map_expr,
            &args.reduce_expr,
            &args.neutral,
            &args.name,
        );
        println!("GENERATED KERNEL");
        print!("{source}");
        Ok(())
    })
}
