// A sum reduction over 64-bit ints (Numba's `@cuda.reduce` with `a + b`). Each work-group
// reduces its slice of `x` to one partial sum in `partial`. Every work-item puts one element
// into the group's local memory; past the end (the last group is usually partial) it puts 0,
// which changes no sum. Then a tree: at each step the first half of the active work-items add
// the second half's values to their own, until work-item 0 holds the group's sum. The barrier
// after each step lets every work-item see the others' writes; the group size must be a power
// of two. Run again over the partial sums, the same kernel finishes the job.
__kernel void sum_reduce(__global const long *x, const uint n, __local long *scratch,
                         __global long *partial) {
  uint lid = get_local_id(0);
  uint i = get_global_id(0);
  scratch[lid] = i < n ? x[i] : 0;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (uint active = get_local_size(0) / 2; active > 0; active /= 2) {
    if (lid < active) {
      scratch[lid] = scratch[lid] + scratch[lid + active];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) {
    partial[get_group_id(0)] = scratch[0];
  }
}
