// The book's kernel, with `int` on both sides: the host passes `i32`, the kernel reads `int`.
// One work-item per element; the global size equals the vectors' length, so `gid` is in bounds.
__kernel void vectorSum(__global const int *a_g, __global const int *b_g, __global int *res_g) {
  int gid = get_global_id(0);
  res_g[gid] = a_g[gid] + b_g[gid];
}
