//! What PyCUDA's `ElementwiseKernel` writes for you: a whole kernel from an argument list
//! and a one-line operation over an index `i`, filled into the template `src/elementwise.cl`.
//! The recipe compiles and launches it; `cargo run -p gpu-elementwise-lincomb --example
//! lincomb_kernel` prints it. (gpu-elementwise-sum keeps its own copy on purpose: the
//! generator is the technique both recipes show.)

const TEMPLATE: &str = include_str!("elementwise.cl");

// ANCHOR: elementwise_kernel
/// The source of a kernel `name` that runs `operation` for every index `i` below its last
/// argument `n`. Pointer arguments live in the device's global memory, so they get `__global`.
pub fn elementwise_kernel(arguments: &str, operation: &str, name: &str) -> String {
    let arguments: Vec<String> = arguments
        .split(',')
        .map(str::trim)
        .map(|argument| {
            if argument.contains('*') {
                format!("__global {argument}")
            } else {
                argument.to_owned()
            }
        })
        .collect();
    TEMPLATE
        .replace("@NAME@", name)
        .replace("@ARGUMENTS@", &arguments.join(", "))
        .replace("@OPERATION@", operation)
}
// ANCHOR_END: elementwise_kernel

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lincomb_kernel_has_the_books_signature_and_body() {
        let source = elementwise_kernel(
            "float a, float *x, float b, float *y, float *c",
            "c[i] = a*x[i] + b*y[i]",
            "linear_combination",
        );
        assert!(source.contains(
            "__kernel void linear_combination(float a, __global float *x, float b, \
             __global float *y, __global float *c, const uint n)"
        ));
        assert!(source.contains("    c[i] = a*x[i] + b*y[i];\n"));
        assert!(!source.contains('@'));
    }
}
