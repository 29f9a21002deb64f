//! What PyCUDA's `ReductionKernel` writes for you: the source of a reduction kernel from its
//! parts, filled into the template `src/reduction.cl`. The recipe compiles and launches it;
//! `cargo run -p gpu-reduce-dot --example reduce_dot_kernel` prints it.

const TEMPLATE: &str = include_str!("reduction.cl");

// ANCHOR: reduction_kernel
/// The source of a reduction kernel `name`: `map_expr` gives element `i`'s value, `reduce_expr`
/// combines two values `a` and `b`, `neutral` is what past-the-end work-items contribute.
/// Pointer arguments live in the device's global memory, so they get `__global`.
pub fn reduction_kernel(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reduce_dot_kernel_fills_every_blank() {
        let source = reduction_kernel("int", "int *x, int *y", "x[i]*y[i]", "a+b", "0", "dot");
        assert!(source.contains("int reduce_op(int a, int b) { return a+b; }"));
        assert!(source.contains(
            "__kernel void dot(__global const int *x, __global const int *y, const uint n, \
             __local int *scratch,"
        ));
        assert!(source.contains("scratch[lid] = i < n ? (int)(x[i]*y[i]) : (int)(0);"));
        assert!(!source.contains('@'));
    }
}
